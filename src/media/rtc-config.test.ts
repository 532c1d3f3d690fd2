import { describe, expect, it } from 'vitest';
import { announceAddress, serverPeerConfig } from './rtc-config.ts';

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

  it('contacts no third-party STUN server, bundles everything, and does not negotiate transport-cc', () => {
    const config = serverPeerConfig({ portRange: [40000, 40100] });
    expect(config.iceServers).toEqual([]);
    expect(config.bundlePolicy).toBe('max-bundle');
    expect(config.icePortRange).toEqual([40000, 40100]);
    const feedback = [...(config.codecs?.audio ?? []), ...(config.codecs?.video ?? [])].flatMap((c) => c.rtcpFeedback.map((f) => f.type));
    expect(feedback).not.toContain('transport-cc');
    expect(feedback).toContain('nack');
    const extensions = [...(config.headerExtensions?.audio ?? []), ...(config.headerExtensions?.video ?? [])].map((e) => e.uri);
    expect(extensions.some((uri) => uri.includes('transport-wide-cc'))).toBe(false);
    expect(config.codecs?.video?.map((c) => c.mimeType)).toEqual(['video/VP8', 'video/rtx']);
  });
});
