/**
 * The synthetic people of the soak (bench/soak.ts, test/soak/soak.test.ts), in a process of their own so that their
 * CPU and memory are not the server's. One ffmpeg (MediaFeed) encodes a test pattern (VP8) and a tone (Opus) in real
 * time; every participant sends that real media on a werift peer. The parent hands over one call at a time with
 * its plan; this process plays it out — the agent joins and the customer follows, both publish camera and
 * microphone, the agent starts the recording, the customer consents, they chat, the customer may withdraw her
 * consent, then the call ends in one of three ways — and reports what happened.
 *
 * Loss is counted as RTP receivers do (RFC 3550 A.3): per received stream, the packets expected from the span of
 * (extended) sequence numbers seen, less the packets that arrived.
 *
 * Started with `fork(…, { execArgv: ['--import', 'tsx'] })`; not a benchmark itself.
 */
import type { RTCTrackEvent } from 'werift';
import type { ClientMessage } from '../../src/protocol/signalling.ts';
import { TestParticipant } from '../../test/media/support/signal-client.ts';
import { MediaFeed, publishReal } from '../../test/support/media-feed.ts';

/** How a call ends: the agent ends it; the customer leaves first (the agent ends it a moment later); or both close their tabs (no goodbye: the server's grace period ends the call). */
export type SoakEnding = 'agent-ends' | 'customer-leaves' | 'tabs-closed';

export interface SoakCallPlan {
  readonly url: string;
  readonly callId: string;
  readonly agentCookie: string;
  readonly customerToken: string;
  /** How long the call lasts once both are in and recorded, in seconds. */
  readonly seconds: number;
  /** Seconds into the call when the customer withdraws her recording consent; null: she does not. */
  readonly withdrawAtSeconds: number | null;
  /** A chat message every this many seconds, the two taking turns. */
  readonly chatEverySeconds: number;
  readonly ending: SoakEnding;
}

export interface SoakCallOutcome {
  readonly callId: string;
  readonly ending: SoakEnding;
  /** Null when the call went as planned; else what failed, for the report. */
  readonly failure: string | null;
  readonly recordingId: string | null;
  readonly withdrew: boolean;
  readonly chatsSent: number;
  readonly chatsReceived: number;
}

export interface SoakClientsSample {
  /** Cumulative over every stream received so far (finished calls included). */
  readonly packetsExpected: number;
  readonly packetsReceived: number;
  readonly participants: number;
  readonly userMicros: number;
  readonly systemMicros: number;
}

export type ToSoakClients = { type: 'call'; plan: SoakCallPlan } | { type: 'sample' } | { type: 'close' };
export type FromSoakClients =
  | { type: 'ready' }
  | { type: 'call-done'; outcome: SoakCallOutcome }
  | { type: 'sample'; sample: SoakClientsSample }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

/** Waits for messages; long, because the machine is busy by design. */
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One received RTP stream: extended sequence numbers (wrap-aware) and the packets that arrived. */
class StreamCount {
  #first = -1;
  #highest = -1;
  #cycles = 0;
  #lastSeq = -1;
  received = 0;

  add(seq: number): void {
    this.received++;
    if (this.#lastSeq === -1) {
      this.#first = this.#highest = seq;
      this.#lastSeq = seq;
      return;
    }
    // A jump back of more than half the space is a wrap; anything else behind the highest is late or repeated.
    if (seq < this.#lastSeq && this.#lastSeq - seq > 32_768) this.#cycles += 65_536;
    else if (seq > this.#lastSeq && seq - this.#lastSeq > 32_768) return; // a late packet from before a wrap
    this.#lastSeq = seq;
    this.#highest = Math.max(this.#highest, this.#cycles + seq);
  }

  get expected(): number {
    return this.#first === -1 ? 0 : this.#highest - this.#first + 1;
  }
}

const streams: StreamCount[] = [];
let liveParticipants = 0;

/** Counts every RTP packet a participant receives, per stream (the RtcClient's own counting stays as it is). */
function countLoss(p: TestParticipant): void {
  const pc = p.rtc.pc;
  const inner = pc.ontrack;
  pc.ontrack = (event: RTCTrackEvent) => {
    inner?.(event);
    const stream = new StreamCount();
    streams.push(stream);
    event.track.onReceiveRtp.subscribe((rtp) => stream.add(rtp.header.sequenceNumber));
  };
}

async function join(url: string, message: ClientMessage & { type: 'join' }, cookie?: string): Promise<TestParticipant> {
  const p = await TestParticipant.join(url, message, cookie ? { cookie } : {});
  countLoss(p);
  liveParticipants++;
  return p;
}

async function closeParticipant(p: TestParticipant | null): Promise<void> {
  if (!p) return;
  liveParticipants--;
  await p.close().catch(() => {});
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Both directions carry audio and video: each side has received some of each from the other. */
const mediaFrom = (receiver: TestParticipant, sender: TestParticipant) =>
  receiver.rtc.receivedFrom(sender.participantId, 'audio') > 10 && receiver.rtc.receivedFrom(sender.participantId, 'video') > 10;

async function playCall(plan: SoakCallPlan, feed: MediaFeed): Promise<SoakCallOutcome> {
  let agent: TestParticipant | null = null;
  let customer: TestParticipant | null = null;
  const detach: (() => void)[] = [];
  let recordingId: string | null = null;
  let withdrew = false;
  let chatsSent = 0;
  let step = 'joining';
  try {
    agent = await join(plan.url, { type: 'join', callId: plan.callId, auth: { kind: 'session' } }, plan.agentCookie);
    await agent.signal.next('welcome', undefined, { timeoutMs: WAIT_MS });
    customer = await join(plan.url, { type: 'join', callId: plan.callId, auth: { kind: 'link', token: plan.customerToken } });
    await customer.signal.next('welcome', undefined, { timeoutMs: WAIT_MS });
    detach.push(publishReal(agent, feed), publishReal(customer, feed));
    step = 'waiting for media both ways';
    const a = agent;
    const c = customer;
    await until('media both ways', () => mediaFrom(a, c) && mediaFrom(c, a));

    step = 'starting the recording';
    a.signal.send({ type: 'recording-start' });
    const started = await a.signal.next('recording', (m) => m.state.active, { timeoutMs: WAIT_MS });
    recordingId = started.state.recordingId;
    const asked = await c.signal.next('recording', (m) => m.state.prompt !== null, { timeoutMs: WAIT_MS });
    c.signal.send({ type: 'recording-answer', given: true, textHash: asked.state.prompt!.textHash });
    await c.signal.next('recording', (m) => m.state.you === 'captured', { timeoutMs: WAIT_MS });

    step = 'talking';
    const startedAt = Date.now();
    let nextChat = startedAt + plan.chatEverySeconds * 1000;
    for (;;) {
      const now = Date.now();
      const elapsed = (now - startedAt) / 1000;
      if (elapsed >= plan.seconds) break;
      if (plan.withdrawAtSeconds !== null && !withdrew && elapsed >= plan.withdrawAtSeconds) {
        step = 'withdrawing';
        const from = c.signal.messages.length;
        c.signal.send({ type: 'recording-withdraw' });
        await c.signal.next('recording', (m) => m.state.you === 'withdrawn', { from, timeoutMs: WAIT_MS });
        withdrew = true;
        step = 'talking';
      }
      if (now >= nextChat) {
        const from = chatsSent % 2 === 0 ? a : c;
        from.signal.send({ type: 'chat', text: `Soak message ${chatsSent + 1}` });
        chatsSent++;
        nextChat += plan.chatEverySeconds * 1000;
      }
      await sleep(200);
    }

    step = `ending (${plan.ending})`;
    const chatsFrom = (receiver: TestParticipant, sender: TestParticipant) => receiver.signal.of('chat').filter((m) => m.from === sender.participantId).length;
    // The agent wrote the 1st, 3rd … message, the customer the 2nd, 4th …; a message not delivered shows in the count.
    const byAgent = Math.ceil(chatsSent / 2);
    await until('every chat message delivered', () => chatsFrom(c, a) >= byAgent && chatsFrom(a, c) >= chatsSent - byAgent).catch(() => {});
    const chatsReceived = chatsFrom(c, a) + chatsFrom(a, c);
    if (plan.ending === 'agent-ends') {
      a.signal.send({ type: 'end' });
      await Promise.all([a.signal.next('call-ended', undefined, { timeoutMs: WAIT_MS }), c.signal.next('call-ended', undefined, { timeoutMs: WAIT_MS })]);
    } else if (plan.ending === 'customer-leaves') {
      c.signal.send({ type: 'leave' });
      await a.signal.next('peer-left', (m) => m.participantId === c.participantId, { timeoutMs: WAIT_MS });
      await sleep(1_000);
      a.signal.send({ type: 'end' });
      await a.signal.next('call-ended', undefined, { timeoutMs: WAIT_MS });
    }
    // 'tabs-closed': nothing said; the sockets just close below.
    return { callId: plan.callId, ending: plan.ending, failure: null, recordingId, withdrew, chatsSent, chatsReceived };
  } catch (err) {
    const errors = [...(agent?.errors ?? []), ...(customer?.errors ?? [])].slice(0, 2).join('; ');
    return { callId: plan.callId, ending: plan.ending, failure: `${step}: ${err instanceof Error ? err.message : String(err)}${errors ? ` (${errors})` : ''}`, recordingId, withdrew, chatsSent, chatsReceived: 0 };
  } finally {
    for (const d of detach) d();
    await closeParticipant(customer);
    await closeParticipant(agent);
  }
}

const send = (m: FromSoakClients) => process.send?.(m);

async function main(): Promise<void> {
  const seconds = Number(process.env.SOAK_FEED_SECONDS ?? '900');
  const feed = await MediaFeed.start({ seconds });
  await feed.ready();
  const running = new Set<Promise<void>>();
  process.on('message', (m: ToSoakClients) => {
    if (m.type === 'call') {
      const done: Promise<void> = playCall(m.plan, feed).then((outcome) => {
        running.delete(done);
        send({ type: 'call-done', outcome });
      });
      running.add(done);
    } else if (m.type === 'sample') {
      const cpu = process.cpuUsage();
      let packetsExpected = 0;
      let packetsReceived = 0;
      for (const s of streams) {
        packetsExpected += s.expected;
        packetsReceived += Math.min(s.received, s.expected);
      }
      send({ type: 'sample', sample: { packetsExpected, packetsReceived, participants: liveParticipants, userMicros: cpu.user, systemMicros: cpu.system } });
    } else {
      void Promise.all(running)
        .then(() => feed.stop())
        .finally(() => {
          send({ type: 'closed' });
          setTimeout(() => process.exit(0), 100);
        });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});
