import type { RtcConfig } from 'node-datachannel';

/** Where the media server's UDP socket lives and what it tells clients about it. */
export interface RtcNetworkOptions {
  /** Replaces the address of every announced host candidate (a server behind 1:1 NAT). */
  readonly announcedIp?: string | undefined;
  /**
   * Inclusive UDP port range for media; each media process takes one port of it (ICE UDP mux: every peer
   * connection of the process shares that port). Undefined lets the system pick a port per process.
   */
  readonly portRange?: readonly [number, number] | undefined;
}

/** Payload types are Parley's: the server is always the offerer, so every leg of a call uses the same ones. */
export const payloadTypes = { opus: 111, vp8: 96 } as const;

/** The Opus parameters every leg uses (10 ms frames allowed, in-band FEC). */
export const OPUS_FMTP = 'minptime=10;useinbandfec=1';

/**
 * The libdatachannel configuration of every server-side peer connection.
 * - No ICE servers: the server only offers host candidates (clients bring TURN), and Parley contacts no third party.
 * - ICE UDP mux: all peer connections of a media process share one UDP port, `port` (0: the system picks it
 *   once for the process, as the first connection binds it).
 * - Negotiation is Parley's: the server offers when it decides to (auto-negotiation off).
 */
export function serverRtcConfig(port: number): RtcConfig {
  return {
    iceServers: [],
    enableIceUdpMux: true,
    disableAutoNegotiation: true,
    ...(port > 0 ? { portRangeBegin: port, portRangeEnd: port } : {}),
  };
}

const CANDIDATE = /^(a=candidate:\S+ \d+ \S+ \d+ )(\S+)( \d+ typ host\b.*)$/;

/**
 * Writes `announcedIp` into every host candidate of a session description the server sends, keeping only the
 * candidates of the announced address's family (an IPv6 socket cannot be reached through an IPv4 address). The
 * sockets still listen on the local addresses: the NAT in front maps the announced address to them.
 */
export function announceAddress(sdp: string, announcedIp: string | undefined): string {
  if (!announcedIp) return sdp;
  const v6 = announcedIp.includes(':');
  const lines = sdp.split('\r\n');
  const out: string[] = [];
  for (const line of lines) {
    const m = CANDIDATE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const address = m[2]!;
    if (address.includes(':') !== v6) continue;
    out.push(`${m[1]}${announcedIp}${m[3]}`);
  }
  return out.join('\r\n');
}
