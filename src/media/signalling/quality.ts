import type { PeerHandle } from '../media-api.ts';

/** One participant's connection quality over the last interval, as measured by the SFU. */
export interface QualitySample {
  /** What the server received from the participant (their upload), kbit/s. */
  readonly bitrateInKbps: number;
  /** What the server sent to the participant (their download), kbit/s. */
  readonly bitrateOutKbps: number;
  /** Packets lost on the way in (sequence gaps) and out (the client's receiver reports), percent; the worse of both. */
  readonly packetLossPct: number;
  /** Round-trip time from the client's receiver reports, ms; null until a report answered a sender report. */
  readonly rttMs: number | null;
}

interface Totals {
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  lostIn: number;
  at: number;
}

/**
 * Samples one peer's counters (Peer.stats): bitrates and inbound loss from deltas between two samples, outbound loss
 * and round-trip time from the receiver reports the client sent last.
 */
export class QualitySampler {
  #last: Totals | null = null;
  #peer: PeerHandle | null = null;

  async sample(peer: PeerHandle): Promise<QualitySample | null> {
    if (peer.closed) return null;
    // A rejoin brings a new peer connection whose counters start again from zero.
    if (this.#peer !== peer) {
      this.#peer = peer;
      this.#last = null;
    }
    let stats;
    try {
      stats = await peer.stats();
    } catch {
      return null; // the peer's worker is gone
    }
    if (!stats) return null;
    const totals: Totals = { bytesIn: stats.bytesIn, bytesOut: stats.bytesOut, packetsIn: stats.packetsIn, lostIn: stats.lostIn, at: performance.now() };
    const last = this.#last;
    this.#last = totals;
    if (!last) return null;
    const seconds = (totals.at - last.at) / 1000;
    if (seconds <= 0) return null;
    const kbps = (bytes: number) => round((Math.max(0, bytes) * 8) / 1000 / seconds);
    const received = totals.packetsIn - last.packetsIn;
    const lost = Math.max(0, totals.lostIn - last.lostIn);
    const lossIn = received + lost > 0 ? lost / (received + lost) : 0;
    return {
      bitrateInKbps: kbps(totals.bytesIn - last.bytesIn),
      bitrateOutKbps: kbps(totals.bytesOut - last.bytesOut),
      packetLossPct: round(Math.max(lossIn, stats.fractionLostOut) * 100),
      rttMs: stats.rttMs !== null ? round(stats.rttMs) : null,
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface MetricAggregate {
  min: number | null;
  avg: number | null;
  max: number | null;
}

const metricKeys = ['bitrateInKbps', 'bitrateOutKbps', 'packetLossPct', 'rttMs'] as const;

export interface QualityAggregate {
  readonly samples: number;
  readonly metrics: Record<'bitrateInKbps' | 'bitrateOutKbps' | 'packetLossPct' | 'rttMs', MetricAggregate>;
}

/** Running minimum, average and maximum per metric over every sample of every participant: no identities kept. */
export class QualityAggregator {
  #samples = 0;
  readonly #acc = {
    bitrateInKbps: { min: Infinity, max: -Infinity, sum: 0, n: 0 },
    bitrateOutKbps: { min: Infinity, max: -Infinity, sum: 0, n: 0 },
    packetLossPct: { min: Infinity, max: -Infinity, sum: 0, n: 0 },
    rttMs: { min: Infinity, max: -Infinity, sum: 0, n: 0 },
  };

  add(sample: QualitySample): void {
    this.#samples++;
    for (const key of metricKeys) {
      const value = sample[key];
      if (value === null) continue;
      const a = this.#acc[key];
      a.min = Math.min(a.min, value);
      a.max = Math.max(a.max, value);
      a.sum += value;
      a.n++;
    }
  }

  result(): QualityAggregate {
    const metric = (a: { min: number; max: number; sum: number; n: number }): MetricAggregate =>
      a.n === 0 ? { min: null, avg: null, max: null } : { min: a.min, avg: round(a.sum / a.n), max: a.max };
    return {
      samples: this.#samples,
      metrics: {
        bitrateInKbps: metric(this.#acc.bitrateInKbps),
        bitrateOutKbps: metric(this.#acc.bitrateOutKbps),
        packetLossPct: metric(this.#acc.packetLossPct),
        rttMs: metric(this.#acc.rttMs),
      },
    };
  }
}
