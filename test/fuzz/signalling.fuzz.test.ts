import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, MAX_MESSAGE_BYTES } from '../../src/protocol/signalling.ts';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld, type ScheduledCall } from '../media/support/call-setup.ts';
import { SignalClient, TestParticipant } from '../media/support/signal-client.ts';

// Issue 15, item 2: the signalling protocol under hostile input. One call runs with real media (werift participants
// sending RTP both ways) while a third socket sends what fast-check makes of the protocol: random JSON, messages of
// every type with fields of every wrong kind, oversized frames, binary frames, messages before the join and after it,
// joins replayed with the other call's links and with its own. Whatever it sends: the server never fails (no
// handler throws, the process answers), the running call's media never stops, and every refusal is an `error`
// message with a known code on the fuzzing socket only — the call's own participants are never told anything.

/** Cases per property; the printed counts are what ran. */
const RUNS = Number(process.env.PARLEY_FUZZ_RUNS ?? 200);
const SEED = process.env.PARLEY_FUZZ_SEED ? Number(process.env.PARLEY_FUZZ_SEED) : undefined;

const participantIdArb = fc.oneof(
  fc.constant('par_aaaaaaaaaaaaaaaaaaaaaaaaa'),
  fc.stringMatching(/^par_[0-9a-z]{25}$/),
  fc.string({ maxLength: 40 }),
);
const sourceArb = fc.oneof(fc.constantFrom('audio', 'video', 'screen'), fc.string({ maxLength: 10 }), fc.integer());
/** Anything JSON can say, for a field that expects something else. */
const junk = fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const sdpArb = fc.oneof(fc.string({ maxLength: 200 }), fc.constant('v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'), junk);

/** Messages of each type, mostly well-formed in shape but with wrong, random or hostile values. */
function messageArb(ids: { callId: string; otherCallId: string; otherToken: string; ownToken: string }) {
  const typed = fc.oneof(
    // Joins replayed across calls: the other call's link with this call's id, this call's link with the other's id.
    // Never the other call's link with its own id: whoever holds that is its customer, and taking over her socket is
    // what a reload in a second window does (found by this fuzzer, and right).
    fc
      .record({ type: fc.constant('join'), callId: fc.constantFrom(ids.callId, ids.otherCallId, 'call_aaaaaaaaaaaaaaaaaaaaaaaaa'), auth: fc.oneof(fc.record({ kind: fc.constant('link'), token: fc.constantFrom(ids.ownToken, ids.otherToken, 'x') }), fc.record({ kind: fc.constant('session') }), junk) })
      .filter((m) => !(m.callId === ids.otherCallId && typeof m.auth === 'object' && m.auth !== null && 'token' in m.auth && m.auth.token === ids.otherToken)),
    fc.record({ type: fc.constant('answer'), sdp: sdpArb }),
    fc.record({ type: fc.constant('ice'), candidate: fc.oneof(fc.record({ candidate: fc.string({ maxLength: 120 }), sdpMid: fc.option(fc.string({ maxLength: 5 })), sdpMLineIndex: fc.option(fc.integer({ min: -5, max: 2_000 })) }), junk) }),
    fc.record({ type: fc.constantFrom('publish', 'unpublish'), source: sourceArb }),
    fc.record({ type: fc.constant('chat'), text: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(' '), junk) }),
    fc.record({ type: fc.constantFrom('leave', 'end', 'recording-start', 'recording-stop', 'recording-withdraw') }),
    fc.record({ type: fc.constant('ping'), at: fc.oneof(fc.double(), junk) }),
    fc.record({ type: fc.constantFrom('admit', 'decline'), participantId: participantIdArb }),
    fc.record({ type: fc.constant('recording-answer'), given: fc.oneof(fc.boolean(), junk), textHash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), junk) }),
    fc.record({ type: fc.constant('e2ee-key'), publicKey: fc.oneof(fc.base64String({ maxLength: 120 }), junk) }),
    fc.record({ type: fc.constant('e2ee-sender-key'), to: participantIdArb, keyId: fc.oneof(fc.integer(), junk), wrapped: fc.oneof(fc.base64String({ maxLength: 120 }), junk) }),
    fc.record({ type: fc.oneof(fc.string({ maxLength: 20 }), junk) }),
  );
  /** A frame as sent: JSON of a message, raw text, an oversized frame, a binary one. */
  return fc.oneof(
    { weight: 6, arbitrary: typed.map((m) => ({ text: JSON.stringify(m) })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'null' })) },
    { weight: 1, arbitrary: fc.constantFrom({ text: `{"type":"chat","text":"${'x'.repeat(MAX_MESSAGE_BYTES)}"}` }, { text: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ binary: Buffer.from(bytes) })) },
  );
}

describe('fuzzing the signalling protocol while another call runs', () => {
  let world: CallWorld;
  let running: ScheduledCall;
  let fuzzCall: ScheduledCall;
  let agent: TestParticipant;
  let customer: TestParticipant;
  const cases = { sequences: 0, frames: 0, errors: 0, closedByServer: 0 };
  const codes = new Set<string>(errorCode.options);

  beforeAll(async () => {
    world = await startCallWorld(fastCalls);
    running = await scheduleCall(world, world.callTypes.open);
    fuzzCall = await scheduleCall(world, world.callTypes.open);
    agent = await TestParticipant.join(world.url, { type: 'join', callId: running.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    await agent.signal.next('welcome');
    customer = await TestParticipant.join(world.url, { type: 'join', callId: running.callId, auth: { kind: 'link', token: running.customerToken } });
    await customer.signal.next('welcome');
    agent.publish('audio', 'video');
    customer.publish('audio', 'video');
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await customer?.close();
    await world?.t.close();
  });

  it('never fails, never stops the other call\'s media, and answers every refusal on the fuzzing socket only', async () => {
    // The call is in media before the fuzzing starts.
    await expect.poll(() => customer.rtc.receivedFrom(running.agentParticipantId, 'video'), { timeout: 10_000 }).toBeGreaterThan(20);
    await expect.poll(() => agent.rtc.receivedFrom(running.customerId, 'video'), { timeout: 10_000 }).toBeGreaterThan(20);
    const frames = messageArb({ callId: fuzzCall.callId, otherCallId: running.callId, otherToken: running.customerToken, ownToken: fuzzCall.customerToken });
    const sequence = fc.record({ joinFirst: fc.boolean(), frames: fc.array(frames, { minLength: 1, maxLength: 12 }) });
    const before = { agent: agent.signal.messages.length, customer: customer.signal.messages.length };
    const mediaAt = () => ({ toCustomer: customer.rtc.receivedFrom(running.agentParticipantId, 'video'), toAgent: agent.rtc.receivedFrom(running.customerId, 'video') });

    await fc.assert(
      fc.asyncProperty(sequence, async ({ joinFirst, frames: list }) => {
        cases.sequences++;
        const socket = await SignalClient.connect(world.url);
        try {
          // Half the sequences come after a valid join of the fuzzer's own call (as the customer), so what follows is
          // checked against a participant in a call; the other half start unjoined.
          if (joinFirst) {
            socket.send({ type: 'join', callId: fuzzCall.callId, auth: { kind: 'link', token: fuzzCall.customerToken } });
            await socket.next('welcome');
          }
          for (const frame of list) {
            if (socket.closeCode !== null) break;
            cases.frames++;
            if ('binary' in frame) socket.sendRaw(frame.binary);
            else socket.sendRaw(frame.text);
          }
          await new Promise((r) => setTimeout(r, 30));
          for (const m of socket.of('error')) {
            cases.errors++;
            expect(codes.has(m.code), `unknown error code ${m.code}`).toBe(true);
            expect(m.message.length).toBeGreaterThan(0);
          }
          if (socket.closeCode !== null) cases.closedByServer++;
        } finally {
          socket.close();
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );

    // The running call heard nothing of it: no error, no stranger among its peers, and its media kept flowing.
    const heard = [...agent.signal.messages.slice(before.agent), ...customer.signal.messages.slice(before.customer)];
    expect(heard.filter((m) => m.type === 'error')).toEqual([]);
    expect(heard.filter((m) => m.type === 'peer-joined').map((m) => (m as { peer: { participantId: string } }).peer.participantId)).toEqual([]);
    const mid = mediaAt();
    await expect.poll(() => mediaAt().toCustomer, { timeout: 5_000 }).toBeGreaterThan(mid.toCustomer + 20);
    await expect.poll(() => mediaAt().toAgent, { timeout: 5_000 }).toBeGreaterThan(mid.toAgent + 20);
    // No message handler threw (each would be logged and answered INTERNAL) and the process still answers.
    expect(world.t.logs.filter((l) => l.includes('signalling message handler failed') || l.includes('join failed'))).toEqual([]);
    expect((await world.t.client().get('/healthz')).status).toBe(200);
    console.log(`signalling fuzz: ${cases.sequences} sequences, ${cases.frames} frames, ${cases.errors} error answers, ${cases.closedByServer} sockets closed by the server`);
  }, 240_000);
});
