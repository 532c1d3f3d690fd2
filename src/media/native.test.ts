import { describe, expect, it } from 'vitest';
import { withoutAddresses } from './native.ts';

describe("libdatachannel's log lines", () => {
  it('lose every IPv4 and IPv6 address and keep the C++ names around them', () => {
    expect(withoutAddresses('rtc::impl::IceTransport::LogCallback@392: juice: Candidate 192.0.2.44:51234 fd00::2 [2001:db8::1]:9 ::1 added')).toBe(
      'rtc::impl::IceTransport::LogCallback@392: juice: Candidate [address]:51234 [address] [[address]]:9 [address] added',
    );
    expect(withoutAddresses('rtc::impl::DtlsTransport::doRecv@1007: DTLS handshake failed')).toBe('rtc::impl::DtlsTransport::doRecv@1007: DTLS handshake failed');
  });
});
