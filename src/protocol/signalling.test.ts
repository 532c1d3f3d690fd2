import { describe, expect, it } from 'vitest';
import { parseClientMessage, serverMessage } from './signalling.ts';

describe('signalling protocol', () => {
  it('parses each client message and tells malformed, unknown and invalid ones apart', () => {
    expect(parseClientMessage('{"type":"publish","source":"screen"}')).toEqual({ ok: true, message: { type: 'publish', source: 'screen' } });
    expect(parseClientMessage('{"type":"chat","text":"  hi  "}')).toEqual({ ok: true, message: { type: 'chat', text: 'hi' } });
    expect(parseClientMessage('{nope')).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(parseClientMessage('null')).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
    expect(parseClientMessage('{"type":"offer","sdp":"v=0"}')).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
    expect(parseClientMessage('{"type":"chat","text":"   "}')).toMatchObject({ ok: false, code: 'INVALID_MESSAGE' });
    const badJoin = parseClientMessage('{"type":"join","callId":"call_x","auth":{"kind":"link","token":"t"}}');
    expect(badJoin).toMatchObject({ ok: false, code: 'INVALID_MESSAGE', message: expect.stringContaining('callId') });
    expect(parseClientMessage(JSON.stringify({ type: 'answer', sdp: 'x'.repeat(60_001) }))).toMatchObject({ ok: false, code: 'INVALID_MESSAGE' });
  });

  it('describes server messages the browser can check too', () => {
    expect(serverMessage.safeParse({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' }).success).toBe(true);
    expect(serverMessage.safeParse({ type: 'error', code: 'SOMETHING', message: 'x' }).success).toBe(false);
    expect(serverMessage.safeParse({ type: 'peer-left', participantId: `par_${'a'.repeat(25)}`, reason: 'timeout' }).success).toBe(true);
  });
});
