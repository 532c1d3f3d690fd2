import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy, parseCidr } from './address-policy.ts';

// The SSRF rule of webhook deliveries. The connection path is real (Node's http client to a receiver on 127.0.0.1);
// only DNS is replaced, by a resolver that answers names the way an attacker's DNS would.

describe('webhook address policy', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A DNS that answers every name with the given addresses. */
  const fakeDns = (addresses: string[]) =>
    ((_host: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
      callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))) as unknown as typeof import('node:dns').lookup;

  function post(policy: AddressPolicy, url: string, addresses: string[]): Promise<number | string> {
    const target = new URL(url);
    return new Promise((resolve) => {
      // A fresh connection each time (no keep-alive reuse), so every request goes through the lookup.
      const req = request(target, { method: 'POST', agent: false, lookup: policy.lookupFor(target, fakeDns(addresses)) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end('{}');
    });
  }

  it('classifies addresses: public yes; loopback, private, link-local, unique-local, mapped private, reserved no', () => {
    const policy = new AddressPolicy();
    for (const ok of ['93.184.216.34', '2a00:1450:4001:80b::200e', '8.8.8.8']) expect(policy.allows(ok), ok).toBe(true);
    for (const no of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '224.0.0.1', 'not an ip']) {
      expect(policy.allows(no), no).toBe(false);
    }
    const allowing = new AddressPolicy(['10.20.0.0/16']);
    expect(allowing.allows('10.20.3.4')).toBe(true);
    expect(allowing.allows('10.21.0.1')).toBe(false);
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow(/CIDR/);
    expect(parseCidr('fd00:1::/48')).toEqual({ address: 'fd00:1::', prefix: 48, type: 'ipv6' });
    expect(parseCidr('10.0.0.0')).toBeNull();
  });

  it('refuses to connect when a name resolves to an internal address (DNS rebinding included), before any byte is sent', async () => {
    const before = hits;
    expect(await post(new AddressPolicy(), `http://crm.attacker.test:${port}/hook`, ['127.0.0.1'])).toBe('EADDRBLOCKED');
    // One public and one internal answer: still refused (the client could pick either).
    expect(await post(new AddressPolicy(), `http://crm.attacker.test:${port}/hook`, ['93.184.216.34', '127.0.0.1'])).toBe('EADDRBLOCKED');
    expect(hits).toBe(before);
  });

  it('connects to an internal address the operator allows, and to a receiver named as localhost', async () => {
    const before = hits;
    expect(await post(new AddressPolicy(['127.0.0.0/8']), `http://crm.company.test:${port}/hook`, ['127.0.0.1'])).toBe(204);
    expect(await post(new AddressPolicy(), `http://localhost:${port}/hook`, ['127.0.0.1'])).toBe(204);
    // Named as localhost but answered with a private address: refused.
    expect(await post(new AddressPolicy(), `http://localhost:${port}/hook`, ['10.0.0.9'])).toBe('EADDRBLOCKED');
    expect(hits).toBe(before + 2);
  });

  it('judges a literal address in a URL at registration; names wait for delivery', () => {
    const policy = new AddressPolicy();
    expect(policy.refusalForUrl(new URL('https://10.0.0.1/x'))).toMatch(/public addresses only/);
    expect(policy.refusalForUrl(new URL('https://[fe80::1]/x'))).toMatch(/public addresses only/);
    expect(policy.refusalForUrl(new URL('https://crm.example.com/x'))).toBeNull();
    expect(policy.refusalForUrl(new URL('http://127.0.0.1:9/x'))).toBeNull();
    expect(new AddressPolicy(['10.0.0.0/8']).refusalForUrl(new URL('https://10.0.0.1/x'))).toBeNull();
  });
});
