/**
 * The synthetic participants of `bench/capacity.ts`, in a process of their own so that their CPU is not the server's:
 * for each 1:1 call an agent (session cookie) and a customer (join link), each a signalling WebSocket plus a werift
 * peer (BenchClient) that answers the server's offers and sends VP8-like video and Opus-like audio at a call's packet
 * rates. Counts what each sends and receives; answers the parent's sample requests with the totals and its own load.
 *
 * Started by the benchmark with `fork(…, { execArgv: ['--import', 'tsx'] })`; not a benchmark itself.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { PeerOffer } from '../../src/media/peer.ts';
import { BenchClient, defaultRates } from './rtp-client.ts';

export interface CallSpec {
  readonly url: string;
  readonly callId: string;
  readonly agentCookie: string;
  readonly customerToken: string;
}

/** Parent → clients. */
export type ToClients = { type: 'add'; calls: CallSpec[] } | { type: 'sample' } | { type: 'close' };

export interface ClientsSample {
  readonly sent: number;
  readonly received: number;
  /** Participants whose media reached the other side (both kinds). */
  readonly flowing: number;
  readonly participants: number;
  readonly userMicros: number;
  readonly systemMicros: number;
  /** The clients' event-loop p99 since the previous sample, ms: when high, the clients fall behind, not the server. */
  readonly loopP99Ms: number;
  readonly problems: string[];
}

/** Clients → parent. */
export type FromClients = { type: 'sample'; sample: ClientsSample } | { type: 'closed' };

class Participant {
  readonly rtc = new BenchClient();
  readonly ws: WebSocket;
  #sending = false;

  constructor(url: string, join: object, cookie: string | undefined, problems: string[]) {
    this.ws = new WebSocket(url, cookie ? { headers: { cookie } } : {});
    this.ws.on('open', () => this.ws.send(JSON.stringify(join)));
    this.ws.on('error', (err) => problems.push(`socket: ${err.message}`));
    this.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; code?: string; message?: string } & Partial<PeerOffer>;
      if (m.type === 'welcome') {
        for (const source of ['audio', 'video']) this.ws.send(JSON.stringify({ type: 'publish', source }));
      } else if (m.type === 'offer') {
        this.rtc
          .answer(m as unknown as PeerOffer)
          .then((sdp) => {
            this.ws.send(JSON.stringify({ type: 'answer', sdp }));
            if (!this.#sending) {
              this.#sending = true;
              this.rtc.startSending(defaultRates);
            }
          })
          .catch((err: unknown) => problems.push(`answer: ${String(err)}`));
      } else if (m.type === 'error') problems.push(`server: ${m.code} ${m.message}`);
    });
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.rtc.close();
  }
}

const participants: Participant[] = [];
const problems: string[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const send = (m: FromClients) => process.send?.(m);

process.on('message', (m: ToClients) => {
  if (m.type === 'add') {
    for (const call of m.calls) {
      participants.push(new Participant(call.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, call.agentCookie, problems));
      participants.push(new Participant(call.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }, undefined, problems));
    }
  } else if (m.type === 'sample') {
    const cpu = process.cpuUsage();
    let sent = 0;
    let received = 0;
    let flowing = 0;
    for (const p of participants) {
      sent += p.rtc.totalSent;
      received += p.rtc.totalReceived;
      if (p.rtc.received.audio > 10 && p.rtc.received.video > 10) flowing++;
    }
    send({
      type: 'sample',
      sample: { sent, received, flowing, participants: participants.length, userMicros: cpu.user, systemMicros: cpu.system, loopP99Ms: loop.percentile(99) / 1e6, problems: problems.splice(0) },
    });
    loop.reset();
  } else if (m.type === 'close') {
    void Promise.all(participants.map((p) => p.close().catch(() => {}))).finally(() => {
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
    });
  }
});

process.on('disconnect', () => process.exit(0));
