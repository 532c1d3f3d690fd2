import type { Logger } from '../logging/logger.ts';
import type { MediaEngine } from './media-api.ts';
import { zeroCounts, zeroTraffic, type MediaCounts, type MediaTraffic } from './counters.ts';
import type { PeerContext } from './peer.ts';
import type { RtcNetworkOptions } from './rtc-config.ts';
import { Room } from './room.ts';
import { TimerSet } from './timer-set.ts';
import { routeNativeLog } from './native.ts';

export interface MediaServerOptions {
  readonly network: RtcNetworkOptions;
  readonly logger: Logger;
  /** How long a client has to answer an offer, in ms (default 10,000). */
  readonly negotiationTimeoutMs?: number;
  /** Smallest interval between keyframe requests to one publisher's track, in ms (default 500). */
  readonly keyframeMinIntervalMs?: number;
  /** The UDP port of this process's media (default: the first of the configured range, else one the system picks). */
  readonly udpPort?: number;
  /** The most a publisher's camera or screen may send, bits/s (default 2,500,000). */
  readonly videoBitrateCeiling?: number;
}

/**
 * The SFU of one process: the root of the media ownership tree (MediaServer → Room → Peer → PublishedTrack /
 * Subscription). Closing it closes everything below; `counts()` says what is still alive.
 */
export class MediaServer implements MediaEngine {
  readonly #rooms = new Map<string, Room>();
  readonly #counts: MediaCounts = zeroCounts();
  readonly #retiredTraffic: MediaTraffic = zeroTraffic();
  readonly #timers = new TimerSet();
  readonly #ctx: PeerContext;
  readonly #log: Logger;
  #closed = false;

  constructor(options: MediaServerOptions) {
    this.#log = options.logger.child({ module: 'media' });
    routeNativeLog(this.#log);
    this.#ctx = {
      counts: this.#counts,
      retiredTraffic: this.#retiredTraffic,
      timers: this.#timers,
      network: options.network,
      udpPort: options.udpPort ?? options.network.portRange?.[0] ?? 0,
      videoBitrateCeiling: options.videoBitrateCeiling ?? 2_500_000,
      negotiationTimeoutMs: options.negotiationTimeoutMs ?? 10_000,
      keyframeMinIntervalMs: options.keyframeMinIntervalMs ?? 500,
      onListenerError: (err) => this.#log.error({ err }, 'media event listener failed'),
    };
  }

  /** The room of a call, created on first use. */
  openRoom(callId: string): Room {
    if (this.#closed) throw new Error('media server is closed');
    const existing = this.#rooms.get(callId);
    if (existing) return existing;
    const room = new Room(callId, this.#ctx, this.#counts);
    this.#rooms.set(callId, room);
    room.events.on('closed', () => {
      if (this.#rooms.get(callId) === room) this.#rooms.delete(callId);
    });
    return room;
  }

  getRoom(callId: string): Room | undefined {
    return this.#rooms.get(callId);
  }

  /** Live objects of each kind plus live media timers; all zero when nothing is going on. */
  counts(): MediaCounts & { timers: number } {
    return { ...this.#counts, timers: this.#timers.size };
  }

  /** Packets this process has received, lost and forwarded since it started: closed tracks' and the live ones'. */
  traffic(): MediaTraffic {
    const t = { ...this.#retiredTraffic };
    for (const room of this.#rooms.values()) {
      for (const peer of room.peers) {
        for (const p of peer.publications) {
          t.packetsReceived += p.packetsReceived;
          t.packetsLost += p.packetsLost;
        }
        for (const s of peer.subscriptions) t.packetsForwarded += s.packetsForwarded;
      }
    }
    return t;
  }

  mediaTraffic(): Promise<MediaTraffic> {
    return Promise.resolve(this.traffic());
  }

  /** Rooms of this process are lost only with the process: nothing to tell. */
  onLost(): void {}

  /** Closes every room. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) room.close();
    this.#rooms.clear();
    this.#timers.clearAll();
  }
}
