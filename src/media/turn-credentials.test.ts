import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredentials } from './turn-credentials.ts';

describe('TURN REST credentials', () => {
  const now = new Date(1_700_000_000_000);

  it('names the expiry and the participant, signed with HMAC-SHA1 of the shared secret (value computed independently)', () => {
    expect(turnCredentials('north-wind', 'p-123', now, 3600)).toEqual({
      username: '1700003600:p-123',
      // python3: base64(hmac.new(b'north-wind', b'1700003600:p-123', sha1).digest())
      credential: 'V/eH/qOZzn2cQ+In4k+f2ZsFQh0=',
    });
  });

  it('rounds the current time down to whole seconds and differs per secret', () => {
    const a = turnCredentials('north-wind', 'p-123', new Date(1_700_000_000_999), 3600);
    expect(a.username).toBe('1700003600:p-123');
    expect(turnCredentials('south-wind', 'p-123', now, 3600).credential).not.toBe(a.credential);
  });

  it('hands out no ICE servers at all without TURN configured, and one entry with every URL when it is', () => {
    expect(iceServersFor(undefined, 'p-1', now)).toEqual([]);
    const servers = iceServersFor({ urls: ['turn:turn.example.eu:3478?transport=udp', 'turns:turn.example.eu:5349'], secret: 'north-wind', ttlSeconds: 3600 }, 'p-123', now);
    expect(servers).toEqual([
      { urls: ['turn:turn.example.eu:3478?transport=udp', 'turns:turn.example.eu:5349'], username: '1700003600:p-123', credential: 'V/eH/qOZzn2cQ+In4k+f2ZsFQh0=' },
    ]);
  });
});
