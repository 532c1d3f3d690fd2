import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  closeCodes,
  MAX_MESSAGE_BYTES,
  parseClientMessage,
  serverMessage,
  type ClientMessage,
  type ServerMessage,
  type SignalErrorCode,
} from '../../protocol/signalling.ts';
import type { UpgradeContext } from './join-auth.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * What a signalling connection needs of its socket: a `ws` WebSocket, or (cluster mode) the host's end of a socket
 * held by another node and bridged over Redis (src/cluster/signal-bridge.ts).
 */
export type SignalSocket = Pick<WebSocket, 'send' | 'close' | 'terminate' | 'ping' | 'readyState' | 'OPEN' | 'CONNECTING'> & {
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'pong' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
};

export interface ConnectionLimits {
  /** Largest text frame, in bytes (default MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
  /** Sustained messages per second a socket may send (default 50). */
  readonly messagesPerSecond: number;
  /** Messages a socket may send at once before the rate applies (default 50). */
  readonly messageBurst: number;
}

export interface ConnectionHandlers {
  message(connection: SignalConnection, message: ClientMessage): void;
  closed(connection: SignalConnection): void;
  /** A handler threw: logged by the owner; the sender gets an INTERNAL error and the socket stays. */
  failed(connection: SignalConnection, err: unknown): void;
}

/**
 * One signalling socket: framing, size and rate limits, and liveness. Messages that pass are handed to the hub.
 * A bad message is answered on this socket only; a too-big one or a flood closes this socket only.
 */
export class SignalConnection {
  /** For logs: which socket, never who or from where. */
  readonly id = randomUUID();
  lastSeenAt = performance.now();
  readonly #bucket: TokenBucket;
  #closed = false;

  constructor(
    readonly ws: SignalSocket,
    readonly upgrade: UpgradeContext,
    private readonly limits: ConnectionLimits,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.#bucket = new TokenBucket(limits.messageBurst, limits.messagesPerSecond);
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.lastSeenAt = performance.now();
    });
    ws.on('close', () => this.#onClose());
    // Errors of the socket (a client vanishing mid-frame) end in 'close'; nothing else to do.
    ws.on('error', () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: ServerMessage): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    // Validated on the way out too (STYLE 5): a server bug shows up as an exception here, not in a browser.
    this.ws.send(JSON.stringify(serverMessage.parse(message)));
  }

  /** Sends a message the hosting node already validated (cluster mode: relayed from the bridge as it came). */
  sendText(text: string): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text);
  }

  /** Sends an error; with `close`, closes the socket after it (the error frame goes first). */
  error(code: SignalErrorCode, message: string, options: { close?: number } = {}): void {
    this.send({ type: 'error', code, message });
    if (options.close !== undefined) this.close(options.close, code);
  }

  close(code: number = closeCodes.normal, reason = ''): void {
    if (this.#closed) return;
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason.slice(0, 120));
    this.#onClose();
  }

  /** Ends a socket that stopped answering, without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
    this.#onClose();
  }

  ping(): void {
    if (!this.#closed && this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.handlers.closed(this);
  }

  #onMessage(data: unknown, isBinary: boolean): void {
    if (this.#closed) return;
    this.lastSeenAt = performance.now();
    if (!this.#bucket.take()) {
      this.error('RATE_LIMITED', 'Too many messages: slow down and reconnect.', { close: closeCodes.policy });
      return;
    }
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (bytes.length > this.limits.maxMessageBytes) {
      this.error('TOO_BIG', `A message may be at most ${this.limits.maxMessageBytes} bytes.`, { close: closeCodes.tooBig });
      return;
    }
    if (isBinary) {
      this.error('MALFORMED', 'Messages are JSON text frames.');
      return;
    }
    const parsed = parseClientMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.error(parsed.code, parsed.message);
      return;
    }
    try {
      this.handlers.message(this, parsed.message);
    } catch (err) {
      // A bug in handling one message must not take the process (or anyone else's call) down.
      this.handlers.failed(this, err);
      this.error('INTERNAL', 'The server could not handle this message.');
    }
  }
}

export const defaultConnectionLimits: ConnectionLimits = { maxMessageBytes: MAX_MESSAGE_BYTES, messagesPerSecond: 50, messageBurst: 50 };
