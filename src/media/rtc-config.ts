import {
  RTCRtpCodecParameters,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  type RTCPeerConnectionConfig,
} from 'werift';

/** Where the media server's UDP sockets live and what it tells clients about them. */
export interface RtcNetworkOptions {
  /** Replaces the address of every announced host candidate (a server behind 1:1 NAT). */
  readonly announcedIp?: string | undefined;
  /** Inclusive UDP port range for media sockets; undefined lets the system pick. */
  readonly portRange?: readonly [number, number] | undefined;
}

/** Payload types are Parley's: the server is always the offerer, so every leg of a call uses the same ones. */
export const payloadTypes = { opus: 111, vp8: 96, vp8Rtx: 97 } as const;

/**
 * The werift configuration of every server-side peer connection.
 * - No ICE servers: werift's default is a public STUN server of a third party, which Parley must not contact
 *   (and does not need: the server only offers host candidates; clients bring TURN).
 * - One transport for all m-lines (max-bundle): one UDP port per local address per participant.
 * - Opus and VP8 with NACK, PLI and RTX (werift answers NACKs from its send history, wrapped in RTX when
 *   negotiated, and unwraps RTX it receives). Transport-cc is deliberately absent, neither the RTCP feedback
 *   nor the header extension: Chrome publishers held their estimate at 300 kbps with werift's transport-cc
 *   feedback (DESIGN, media notes); REMB plus loss-based estimation behaves.
 */
export function serverPeerConfig(options: RtcNetworkOptions): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    bundlePolicy: 'max-bundle',
    icePortRange: options.portRange ? [options.portRange[0], options.portRange[1]] : undefined,
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48_000,
          channels: 2,
          payloadType: payloadTypes.opus,
          parameters: 'minptime=10;useinbandfec=1',
          rtcpFeedback: [],
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90_000,
          payloadType: payloadTypes.vp8,
          rtcpFeedback: [useNACK(), usePLI(), useREMB()],
        }),
        new RTCRtpCodecParameters({
          mimeType: 'video/rtx',
          clockRate: 90_000,
          payloadType: payloadTypes.vp8Rtx,
          parameters: `apt=${payloadTypes.vp8}`,
          rtcpFeedback: [],
        }),
      ],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
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
