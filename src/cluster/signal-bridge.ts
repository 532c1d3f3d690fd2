import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { closeCodes, type ClientMessage } from '../protocol/signalling.ts';
import type { Logger } from '../logging/logger.ts';
import type { SignalConnection, SignalSocket } from '../media/signalling/connection.ts';
import type { UpgradeContext } from '../media/signalling/join-auth.ts';
import type { BridgeHandle } from '../media/signalling/call-hub.ts';
import type { ClusterMessage, ClusterNode } from './cluster-node.ts';

/** Frames of the bridge, on the channels of the two nodes. `b` names the bridge (one per bridged socket). */
type BridgeFrame =
  | { k: 'sig-open'; b: string; upgrade: UpgradeContext; join: string }
  | { k: 'sig-c2s'; b: string; data: string }
  | { k: 'sig-s2c'; b: string; data: string }
  | { k: 'sig-close'; b: string; code: number; reason: string };

const OPEN = 1 as const;
const CLOSED = 3 as const;

/** What the browser is told when the node hosting its call is gone: reconnect now (the call is placed anew). */
const HOST_LOST = 'The server node carrying this call stopped. Reconnecting to another one…';

/**
 * The hosting node's end of a socket another node holds: what the call hub and its SignalConnection see as the
 * participant's WebSocket. Its liveness is the edge node's business (it pings the real socket); a ping here is
 * answered at once, and the socket closes when the edge node says so or its registration expires.
 */
class BridgedSocket extends EventEmitter implements SignalSocket {
  readonly OPEN = OPEN;
  readonly CONNECTING = 0 as const;
  readyState: 0 | 1 | 2 | 3 = OPEN;

  constructor(private readonly out: (frame: BridgeFrame) => void, readonly bridgeId: string) {
    super();
  }

  send(data: unknown): void {
    if (this.readyState === OPEN) this.out({ k: 'sig-s2c', b: this.bridgeId, data: String(data) });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== OPEN) return;
    this.out({ k: 'sig-close', b: this.bridgeId, code: code ?? closeCodes.normal, reason: reason ?? '' });
    this.closedByPeer();
  }

  terminate(): void {
    this.close(1001, 'going away');
  }

  ping(): void {
    if (this.readyState === OPEN) queueMicrotask(() => this.emit('pong'));
  }

  /** The other end closed (or its node died): no frame goes back. */
  closedByPeer(): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.emit('close');
  }
}

/**
 * The signalling bridge of a cluster (issue 14, item 3). A browser's WebSocket stays on the node the load balancer
 * gave it (the edge); once its `join` is authenticated and the call is placed on another node (the host), the edge
 * relays every message to the host over Redis and every answer back, unchanged and in order. The host runs the call
 * exactly as for a socket of its own. Media never takes this path: the browser connects to the host's announced
 * address directly.
 */
export class SignalBridge {
  /** Edge side: sockets of this node bridged to a host. */
  readonly #out = new Map<string, { node: string; connection: SignalConnection }>();
  /** Host side: sockets held by an edge node. */
  readonly #in = new Map<string, { node: string; socket: BridgedSocket }>();
  readonly #log: Logger;

  constructor(
    private readonly cluster: ClusterNode,
    private readonly accept: (socket: SignalSocket, upgrade: UpgradeContext) => void,
    logger: Logger,
  ) {
    this.#log = logger.child({ module: 'signal-bridge' });
    cluster.events.on('message', (m) => this.#onMessage(m));
    cluster.events.on('nodeLost', (node) => this.#nodeLost(node));
  }

  get counts(): { out: number; in: number } {
    return { out: this.#out.size, in: this.#in.size };
  }

  /** Edge side: relays `connection` to the call's host, starting with its join message. */
  open(node: string, connection: SignalConnection, join: ClientMessage): BridgeHandle {
    const b = randomUUID();
    this.#out.set(b, { node, connection });
    this.#send(node, { k: 'sig-open', b, upgrade: { ...connection.upgrade, viaNode: this.cluster.id }, join: JSON.stringify(join) });
    return {
      forward: (message) => {
        if (this.#out.has(b)) this.#send(node, { k: 'sig-c2s', b, data: JSON.stringify(message) });
      },
      closed: () => {
        if (this.#out.delete(b)) this.#send(node, { k: 'sig-close', b, code: closeCodes.normal, reason: '' });
      },
    };
  }

  #send(node: string, frame: BridgeFrame): void {
    this.cluster.send(node, frame);
  }

  #onMessage(message: ClusterMessage): void {
    const frame = message as unknown as BridgeFrame & { from: string };
    switch (frame.k) {
      case 'sig-open': {
        const socket = new BridgedSocket((f) => this.#send(frame.from, f), frame.b);
        this.#in.set(frame.b, { node: frame.from, socket });
        socket.on('close', () => this.#in.delete(frame.b));
        this.accept(socket, frame.upgrade);
        socket.emit('message', Buffer.from(frame.join, 'utf8'), false);
        return;
      }
      case 'sig-c2s':
        this.#in.get(frame.b)?.socket.emit('message', Buffer.from(frame.data, 'utf8'), false);
        return;
      case 'sig-s2c':
        this.#out.get(frame.b)?.connection.sendText(frame.data);
        return;
      case 'sig-close': {
        const edge = this.#out.get(frame.b);
        if (edge) {
          this.#out.delete(frame.b);
          edge.connection.close(frame.code, frame.reason);
          return;
        }
        this.#in.get(frame.b)?.socket.closedByPeer();
        return;
      }
      default:
    }
  }

  /**
   * A node's registration expired. Sockets this node relays to it are told to reconnect (the call is placed on a
   * live node then); sockets it held for calls hosted here are gone as if their browsers had dropped (grace period).
   */
  #nodeLost(node: string): void {
    let moved = 0;
    for (const [b, edge] of [...this.#out]) {
      if (edge.node !== node) continue;
      this.#out.delete(b);
      edge.connection.error('MEDIA_MOVED', HOST_LOST, { close: closeCodes.policy });
      moved++;
    }
    let dropped = 0;
    for (const [b, host] of [...this.#in]) {
      if (host.node !== node) continue;
      this.#in.delete(b);
      host.socket.closedByPeer();
      dropped++;
    }
    if (moved + dropped > 0) this.#log.warn({ node, moved, dropped }, 'a node of the cluster is gone: its bridged sockets were closed');
  }

  /** Closes every bridged socket (this node shuts down). */
  close(): void {
    for (const edge of this.#out.values()) edge.connection.close(1012, 'node restarting');
    this.#out.clear();
    for (const host of this.#in.values()) host.socket.closedByPeer();
    this.#in.clear();
  }
}
