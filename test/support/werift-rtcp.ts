import { PictureLossIndication, RtcpPayloadSpecificFeedback, type RtcpPacket } from 'werift';

/**
 * For the werift clients tests and benchmarks use in the place of browsers: the media SSRCs a packet asks a keyframe
 * for (PLI or FIR). Read from the transport's RTCP directly rather than from werift's sender events: werift routes payload-specific feedback by the *sender* SSRC first and only then
 * by the media SSRC, so a PLI whose sender SSRC happens to match one of the peer's receive streams (a client that
 * also publishes) ends up at that receiver and never reaches the sender it is about.
 */
export function keyframeRequestSsrcs(packet: RtcpPacket): number[] {
  if (packet.type !== RtcpPayloadSpecificFeedback.type) return [];
  const feedback = (packet as RtcpPayloadSpecificFeedback).feedback;
  if (feedback instanceof PictureLossIndication) return [feedback.mediaSsrc];
  // werift does not export its FullIntraRequest class; a FIR is the feedback that carries `fir` entries.
  if ('fir' in feedback) return feedback.fir.map((entry) => entry.ssrc);
  return [];
}
