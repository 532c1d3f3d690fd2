import { describe, expect, it } from 'vitest';
import {
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RtcpPacketConverter,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { isRtcp, ntpMiddle, pliPacket, readRtcp, receiverReportPacket, rembPacket, rewriteHeader, senderReports, SequenceTracker, withoutExtensions } from './rtp.ts';

// werift's RTP/RTCP classes are an independent reading of the same RFCs: what Parley writes by hand is read back
// with them, and what they write is read by Parley.

const rtp = (extensions: { id: number; payload: Buffer }[] = []) =>
  new RtpPacket(
    new RtpHeader({ payloadType: 96, sequenceNumber: 65_535, timestamp: 4_000_000_000, ssrc: 0xdeadbeef, marker: true, extensions, extension: extensions.length > 0, extensionProfile: 0xbede }),
    Buffer.from('payload bytes'),
  ).serialize();

describe('RTP and RTCP on the bytes', () => {
  it('strips header extensions (the publisher leg\'s ids) and leaves a packet without them as it is', () => {
    const plain = rtp();
    expect(withoutExtensions(plain)).toBe(plain);
    const withMid = rtp([{ id: 1, payload: Buffer.from('3') }, { id: 3, payload: Buffer.from([1, 2, 3]) }]);
    const stripped = RtpPacket.deSerialize(withoutExtensions(withMid));
    expect(stripped.header.extension).toBe(false);
    expect(stripped.header.extensions).toEqual([]);
    expect(stripped.payload.toString()).toBe('payload bytes');
    expect(stripped.header).toMatchObject({ sequenceNumber: 65_535, timestamp: 4_000_000_000, ssrc: 0xdeadbeef, marker: true, payloadType: 96 });
  });

  it('rewrites payload type, sequence number, timestamp and SSRC in place, keeping the marker', () => {
    const packet = rtp();
    rewriteHeader(packet, 97, 65_536 + 7, 2 ** 32 + 5, 0x01020304);
    const read = RtpPacket.deSerialize(packet);
    expect(read.header).toMatchObject({ payloadType: 97, sequenceNumber: 7, timestamp: 5, ssrc: 0x01020304, marker: true });
    expect(read.payload.toString()).toBe('payload bytes');
  });

  it('tells RTCP from RTP on one port (RFC 5761)', () => {
    expect(isRtcp(rtp())).toBe(false);
    expect(isRtcp(pliPacket(1, 2))).toBe(true);
  });

  it('writes PLI, REMB and receiver reports that another implementation reads back', () => {
    const [pli] = RtcpPacketConverter.deSerialize(pliPacket(11, 22)) as RtcpPayloadSpecificFeedback[];
    expect(pli!.feedback).toBeInstanceOf(PictureLossIndication);
    expect(pli!.feedback).toMatchObject({ senderSsrc: 11, mediaSsrc: 22 });

    const remb = ReceiverEstimatedMaxBitrate.deSerialize(rembPacket(11, 22, 2_500_000).subarray(4));
    expect(Number(remb.bitrate)).toBeGreaterThan(2_500_000 * 0.999);
    expect(Number(remb.bitrate)).toBeLessThanOrEqual(2_500_000);
    expect(remb.ssrcFeedbacks).toEqual([22]);

    const [rr] = RtcpPacketConverter.deSerialize(
      receiverReportPacket(11, { ssrc: 22, fractionLost: 64, cumulativeLost: 300, extendedHighest: 70_000, lastSr: 0x12345678, delaySinceLastSr: 65_536 }),
    ) as RtcpRrPacket[];
    expect(rr!.ssrc).toBe(11);
    expect(rr!.reports[0]).toMatchObject({ ssrc: 22, fractionLost: 64, packetsLost: 300, highestSequence: 70_000, lsr: 0x12345678, dlsr: 65_536 });
  });

  it('reads keyframe requests, receiver report blocks (with the round trip) and sender reports from a compound', () => {
    const now = Date.now();
    const lsr = ntpMiddle(now - 80); // our SR went out 80 ms ago …
    const dlsr = Math.round(0.03 * 65_536); // … and sat 30 ms at the client
    const compound = Buffer.concat([
      new RtcpRrPacket({ ssrc: 5, reports: [new RtcpReceiverInfo({ ssrc: 22, fractionLost: 128, packetsLost: 1, highestSequence: 9, jitter: 0, lsr, dlsr })] }).serialize(),
      pliPacket(5, 22),
      new RtcpSrPacket({ ssrc: 33, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 0x0000_1234_5678_0000n, rtpTimestamp: 1, packetCount: 1, octetCount: 1 }), reports: [] }).serialize(),
    ]);
    const feedback = readRtcp(compound, now);
    expect(feedback.keyframeSsrcs).toEqual([22]);
    expect(feedback.reports).toHaveLength(1);
    expect(feedback.reports[0]!.fractionLost).toBe(0.5);
    expect(feedback.reports[0]!.rttMs).toBeGreaterThan(45);
    expect(feedback.reports[0]!.rttMs).toBeLessThan(55);
    expect(senderReports(compound)).toEqual([{ ssrc: 33, ntpMiddle: 0x12345678 }]);
    // Truncated or garbage input ends the walk without throwing.
    expect(readRtcp(compound.subarray(0, 13))).toEqual({ keyframeSsrcs: [], reports: [] });
    expect(readRtcp(Buffer.from([0xff, 0xff, 0xff]))).toEqual({ keyframeSsrcs: [], reports: [] });
  });

  it('counts loss from sequence gaps across the 16-bit wrap, and the fraction lost per interval', () => {
    const t = new SequenceTracker();
    for (const seq of [65_530, 65_531, 65_533, 65_535, 0, 1, 4]) t.add(seq);
    // 65530 … 65535, 0 … 4 is 11 packets; 7 arrived.
    expect(t.lost).toBe(4);
    expect(t.extendedHighest).toBe(65_536 + 4);
    expect(t.intervalFraction()).toBe(Math.floor((4 * 256) / 11));
    for (const seq of [5, 6, 7, 8]) t.add(seq);
    expect(t.intervalFraction()).toBe(0);
    t.add(3); // late, not lost twice
    expect(t.lost).toBe(3);
  });
});
