/**
 * The few RTP and RTCP fields Parley's SFU reads and writes, straight on the bytes libdatachannel hands over.
 * Written by hand because the forwarding path touches every packet once per subscriber: parsing into objects (as
 * werift's RtpPacket does) would allocate per packet and cost more than the forwarding itself. Everything here is
 * RFC 3550 (RTP/RTCP), RFC 4585 (PLI), RFC 5104 (FIR) and RFC 5761 (telling RTP from RTCP on one port).
 */

/** The smallest RTP header: version, flags, payload type, sequence number, timestamp, SSRC. */
export const RTP_HEADER_BYTES = 12;

/** An RTCP packet on a muxed port: its second byte is a packet type 192–223 (RFC 5761 §4). */
export function isRtcp(packet: Uint8Array): boolean {
  if (packet.length < 2) return false;
  const type = packet[1]!;
  return type >= 192 && type <= 223;
}

/** A packet that can be forwarded: RTP version 2 with a whole header (CSRCs and extension included). */
export function isForwardableRtp(packet: Uint8Array): boolean {
  if (packet.length < RTP_HEADER_BYTES || packet[0]! >> 6 !== 2) return false;
  return headerLength(packet) <= packet.length;
}

export const payloadTypeOf = (packet: Uint8Array): number => packet[1]! & 0x7f;
export const sequenceOf = (packet: Buffer): number => packet.readUInt16BE(2);
export const timestampOf = (packet: Buffer): number => packet.readUInt32BE(4);
export const ssrcOf = (packet: Buffer): number => packet.readUInt32BE(8);
export const markerOf = (packet: Uint8Array): boolean => (packet[1]! & 0x80) !== 0;

/** The RTP header's length in bytes: fixed part, CSRCs, and the extension block when the X bit is set. */
export function headerLength(packet: Uint8Array): number {
  const csrcs = packet[0]! & 0x0f;
  let length = RTP_HEADER_BYTES + 4 * csrcs;
  if ((packet[0]! & 0x10) !== 0) {
    if (packet.length < length + 4) return Number.MAX_SAFE_INTEGER;
    const words = (packet[length + 2]! << 8) | packet[length + 3]!;
    length += 4 + 4 * words;
  }
  return length;
}

/**
 * The packet without its header extensions. A publisher's extensions carry ids negotiated on its own leg (the mid
 * above all); a subscriber would read them with its leg's ids. Parley negotiates none, so a well-behaved client
 * sends none and this returns the same buffer; otherwise a copy without the block, its X bit cleared.
 */
export function withoutExtensions(packet: Buffer): Buffer {
  if ((packet[0]! & 0x10) === 0) return packet;
  const fixed = RTP_HEADER_BYTES + 4 * (packet[0]! & 0x0f);
  const end = headerLength(packet);
  const out = Buffer.allocUnsafe(packet.length - (end - fixed));
  packet.copy(out, 0, 0, fixed);
  packet.copy(out, fixed, end);
  out[0] = out[0]! & ~0x10;
  return out;
}

/** Writes a subscriber's own payload type, sequence number, timestamp and SSRC into a packet (in place). */
export function rewriteHeader(packet: Buffer, payloadType: number, sequence: number, timestamp: number, ssrc: number): void {
  packet[1] = (packet[1]! & 0x80) | payloadType;
  packet.writeUInt16BE(sequence & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
}

/** What one RTCP compound packet from a subscriber says that the SFU acts on. */
export interface RtcpFeedback {
  /** Media SSRCs the subscriber asks a keyframe for (PLI, FIR). */
  readonly keyframeSsrcs: number[];
  /** Receiver report blocks: about which of our SSRCs, the fraction lost (0–1), and the round trip when known. */
  readonly reports: { ssrc: number; fractionLost: number; rttMs: number | null }[];
}

/** The middle 32 bits of the NTP time now (the unit of RTCP's LSR and DLSR fields: 1/65536 s). */
export function ntpMiddle(nowMs: number = Date.now()): number {
  const seconds = nowMs / 1000 + 2_208_988_800;
  return Math.floor(seconds * 65_536) >>> 0;
}

/** Reads keyframe requests and receiver reports from an RTCP compound packet; anything malformed ends the walk. */
export function readRtcp(packet: Buffer, nowMs: number = Date.now()): RtcpFeedback {
  const keyframeSsrcs: number[] = [];
  const reports: RtcpFeedback['reports'] = [];
  let offset = 0;
  while (offset + 4 <= packet.length) {
    const first = packet[offset]!;
    if (first >> 6 !== 2) break;
    const count = first & 0x1f;
    const type = packet[offset + 1]!;
    const length = 4 * (packet.readUInt16BE(offset + 2) + 1);
    if (offset + length > packet.length) break;
    if (type === 206 && count === 1 && length >= 12) {
      keyframeSsrcs.push(packet.readUInt32BE(offset + 8)); // PLI: the media source SSRC
    } else if (type === 206 && count === 4) {
      for (let fci = offset + 12; fci + 8 <= offset + length; fci += 8) keyframeSsrcs.push(packet.readUInt32BE(fci)); // FIR
    } else if (type === 200 || type === 201) {
      // SR carries 20 bytes of sender info before its report blocks; RR none.
      let block = offset + 8 + (type === 200 ? 20 : 0);
      for (let i = 0; i < count && block + 24 <= offset + length; i++, block += 24) {
        const lsr = packet.readUInt32BE(block + 16);
        const dlsr = packet.readUInt32BE(block + 20);
        const rtt = lsr === 0 ? null : (((ntpMiddle(nowMs) - lsr - dlsr) >>> 0) * 1000) / 65_536;
        reports.push({
          ssrc: packet.readUInt32BE(block),
          fractionLost: packet[block + 4]! / 256,
          // A negative round trip (clocks) wraps to a huge number: not a measurement.
          rttMs: rtt !== null && rtt < 60_000 ? rtt : null,
        });
      }
    }
    offset += length;
  }
  return { keyframeSsrcs, reports };
}

/**
 * Counts packets lost on the way in from sequence numbers (RFC 3550 A.1 in short): the highest extended sequence
 * seen against the packets that arrived. Reordered packets are not lost; duplicates can make `lost` dip, which the
 * reader clamps.
 */
export class SequenceTracker {
  #base = -1;
  #highest = -1;
  #cycles = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  received = 0;

  add(sequence: number): void {
    this.received++;
    if (this.#base < 0) {
      this.#base = sequence;
      this.#highest = sequence;
      return;
    }
    const delta = (sequence - this.#highest) & 0xffff;
    if (delta > 0 && delta < 0x8000) {
      if (sequence < this.#highest) this.#cycles += 0x10000;
      this.#highest = sequence;
    }
  }

  /** The highest sequence number seen, with its wrap count above the low 16 bits. */
  get extendedHighest(): number {
    return this.#cycles + Math.max(this.#highest, 0);
  }

  #expected(): number {
    return this.#base < 0 ? 0 : this.#cycles + this.#highest - this.#base + 1;
  }

  /** Packets that should have arrived since the first one and did not (never negative). */
  get lost(): number {
    return Math.max(0, this.#expected() - this.received);
  }

  /** The fraction lost (0–255, as RTCP writes it) since the previous call. */
  intervalFraction(): number {
    const expected = this.#expected();
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval <= 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  }
}

/** A zeroed RTCP packet of `bytes` with its common header (version 2, count or format, type, length) and sender SSRC. */
function rtcpPacket(bytes: number, countOrFormat: number, type: number, senderSsrc: number): Buffer {
  const out = Buffer.alloc(bytes);
  out[0] = 0x80 | countOrFormat;
  out[1] = type;
  out.writeUInt16BE(bytes / 4 - 1, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  return out;
}

/** A picture loss indication (RFC 4585 §6.3.1): asks `mediaSsrc`'s sender for a keyframe. */
export function pliPacket(senderSsrc: number, mediaSsrc: number): Buffer {
  const out = rtcpPacket(12, 1, 206, senderSsrc);
  out.writeUInt32BE(mediaSsrc >>> 0, 8);
  return out;
}

/** A receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb): the ceiling `mediaSsrc`'s sender may use. */
export function rembPacket(senderSsrc: number, mediaSsrc: number, bitsPerSecond: number): Buffer {
  const out = rtcpPacket(24, 15, 206, senderSsrc); // media SSRC (bytes 8–11) stays 0, as REMB wants
  out.write('REMB', 12, 'ascii');
  let exponent = 0;
  let mantissa = Math.max(0, Math.floor(bitsPerSecond));
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  out[16] = 1; // one SSRC
  out[17] = (exponent << 2) | (mantissa >> 16);
  out.writeUInt16BE(mantissa & 0xffff, 18);
  out.writeUInt32BE(mediaSsrc >>> 0, 20);
  return out;
}

/** What a receiver report block says about one incoming stream. */
export interface ReportBlock {
  readonly ssrc: number;
  /** 0–255. */
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly extendedHighest: number;
  /** The middle 32 bits of the NTP time of the sender's last SR, and how long ago it came (1/65536 s); 0 if none. */
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

/** A receiver report (RFC 3550 §6.4.2) with one block. */
export function receiverReportPacket(senderSsrc: number, block: ReportBlock): Buffer {
  const out = rtcpPacket(32, 1, 201, senderSsrc);
  out.writeUInt32BE(block.ssrc >>> 0, 8);
  out[12] = block.fractionLost;
  const lost = Math.min(block.cumulativeLost, 0x7fffff);
  out[13] = (lost >> 16) & 0xff;
  out.writeUInt16BE(lost & 0xffff, 14);
  out.writeUInt32BE(block.extendedHighest >>> 0, 16);
  out.writeUInt32BE(0, 20); // jitter: not measured
  out.writeUInt32BE(block.lastSr >>> 0, 24);
  out.writeUInt32BE(block.delaySinceLastSr >>> 0, 28);
  return out;
}

/** The middle 32 bits of the NTP timestamp of each sender report in an RTCP compound, by sender SSRC. */
export function senderReports(packet: Buffer): { ssrc: number; ntpMiddle: number }[] {
  const out: { ssrc: number; ntpMiddle: number }[] = [];
  let offset = 0;
  while (offset + 4 <= packet.length) {
    if (packet[offset]! >> 6 !== 2) break;
    const length = 4 * (packet.readUInt16BE(offset + 2) + 1);
    if (offset + length > packet.length) break;
    if (packet[offset + 1] === 200 && length >= 28) {
      out.push({ ssrc: packet.readUInt32BE(offset + 4), ntpMiddle: packet.readUInt32BE(offset + 10) });
    }
    offset += length;
  }
  return out;
}
