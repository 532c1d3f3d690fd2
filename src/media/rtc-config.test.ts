import { describe, expect, it } from 'vitest';
import { announceAddress, serverRtcConfig } from './rtc-config.ts';

const sdp = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=candidate:1 1 udp 2130706431 192.0.2.2 40001 typ host',
  'a=candidate:2 1 udp 2130706431 fd00::2 40002 typ host',
  'a=candidate:3 1 udp 1694498815 198.51.100.9 50000 typ srflx raddr 192.0.2.2 rport 40001',
  'a=mid:0',
].join('\r\n');

describe('RTC configuration', () => {
  it('writes the announced address into host candidates of its family only, and leaves the rest alone', () => {
    const out = announceAddress(sdp, '203.0.113.7').split('\r\n');
    expect(out).toContain('a=candidate:1 1 udp 2130706431 203.0.113.7 40001 typ host');
    expect(out.join('\n')).not.toContain('fd00::2');
    expect(out).toContain('a=candidate:3 1 udp 1694498815 198.51.100.9 50000 typ srflx raddr 192.0.2.2 rport 40001');
    expect(out).toContain('a=mid:0');
    expect(announceAddress(sdp, undefined)).toBe(sdp);
    expect(announceAddress(sdp, '2001:db8::1')).toContain('2001:db8::1 40002 typ host');
  });

  it('contacts no third-party STUN server, shares one UDP port per process, and leaves negotiation to Parley', () => {
    const config = serverRtcConfig(40000);
    expect(config.iceServers).toEqual([]);
    expect(config.enableIceUdpMux).toBe(true);
    expect(config.disableAutoNegotiation).toBe(true);
    expect([config.portRangeBegin, config.portRangeEnd]).toEqual([40000, 40000]);
    const anyPort = serverRtcConfig(0);
    expect(anyPort.portRangeBegin).toBeUndefined();
    expect(anyPort.enableIceUdpMux).toBe(true);
  });
});
