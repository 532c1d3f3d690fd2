import WebSocket from 'ws';
import { serverMessage, type ClientMessage, type ServerMessage } from '../../../src/protocol/signalling.ts';
import { RtcClient } from './rtc-client.ts';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A signalling socket in a test: records every server message (each checked against the protocol schema). */
export class SignalClient {
  readonly messages: ServerMessage[] = [];
  closeCode: number | null = null;
  readonly opened: Promise<void>;
  readonly closedPromise: Promise<number>;
  #waiters: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.closedPromise = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        this.#wake();
        resolve(code);
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const parsed = serverMessage.parse(JSON.parse(String(data)));
      this.messages.push(parsed);
      this.#wake();
    });
  }

  static async connect(url: string, options: { cookie?: string; origin?: string } = {}): Promise<SignalClient> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    const client = new SignalClient(new WebSocket(url, { headers, ...(options.origin ? { origin: options.origin } : {}) }));
    await client.opened;
    return client;
  }

  send(message: ClientMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  of<T extends ServerMessage['type']>(type: T): Of<T>[] {
    return this.messages.filter((m): m is Of<T> => m.type === type);
  }

  /** Resolves with the first message (from `from` on) of that type matching `match`. */
  async next<T extends ServerMessage['type']>(type: T, match: (m: Of<T>) => boolean = () => true, options: { from?: number; timeoutMs?: number } = {}): Promise<Of<T>> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.messages.slice(options.from ?? 0).find((m): m is Of<T> => m.type === type && match(m as Of<T>));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} message; got ${this.messages.map((m) => m.type).join(', ')} (closed: ${this.closeCode})`);
      await this.#wait(deadline - Date.now());
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<number> {
    return Promise.race([
      this.closedPromise,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('socket not closed in time')), timeoutMs).unref()),
    ]);
  }

  close(): void {
    this.ws.close();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(ms, 0));
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** A whole participant: signalling socket plus a werift peer that answers the server's offers. */
export class TestParticipant {
  readonly rtc = new RtcClient();
  participantId = '';
  readonly errors: string[] = [];

  constructor(readonly signal: SignalClient) {
    signal.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      if (m.type === 'welcome') this.participantId = m.participantId;
      if (m.type === 'offer') {
        this.rtc
          .answer(m)
          .then((sdp) => signal.send({ type: 'answer', sdp }))
          .catch((err: unknown) => this.errors.push(String(err)));
      }
    });
  }

  static async join(url: string, join: ClientMessage & { type: 'join' }, options: { cookie?: string } = {}): Promise<TestParticipant> {
    const p = new TestParticipant(await SignalClient.connect(url, options));
    p.signal.send(join);
    return p;
  }

  /** Publishes sources and starts sending fake RTP on them. */
  publish(...sources: ('audio' | 'video' | 'screen')[]): void {
    for (const source of sources) {
      this.signal.send({ type: 'publish', source });
      this.rtc.startSending(source);
    }
  }

  async close(): Promise<void> {
    this.signal.close();
    await this.rtc.close();
  }
}
