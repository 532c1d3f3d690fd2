import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhook deliveries may connect (server-side request forgery, OWASP SSRF). An organisation chooses the URL,
 * so without a rule it could make Parley POST to the installation's own network: a cloud metadata service
 * (169.254.169.254), an internal admin page, a database port. Deliveries therefore go only to public addresses,
 * checked on the address actually connected to (after DNS, so a name that resolves — or is re-pointed — to an
 * internal address is refused too), with two exceptions:
 *
 * - a URL whose host is literally `localhost`, `127.0.0.1` or `[::1]`: a receiver on this machine, which the
 *   organisation names explicitly (and the operator controls);
 * - networks the operator allows with PARLEY_WEBHOOK_ALLOWED_NETWORKS (a CRM on the company network).
 *
 * Written here because no maintained npm library does this check on the connected address with Node's own
 * `http.request`; the classification itself is Node's `net.BlockList`.
 */

/** Not public: loopback, private, shared, link-local, unique-local, multicast, reserved, documentation, benchmark. */
const NON_PUBLIC: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
for (const [net, prefix, type] of NON_PUBLIC) nonPublic.addSubnet(net, prefix, type);

/** Literal loopback hosts a URL may name for a receiver on this machine (as `URL.hostname` spells them). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** One CIDR as PARLEY_WEBHOOK_ALLOWED_NETWORKS writes it, e.g. `10.20.0.0/16` or `fd00:1::/48`. */
export function parseCidr(text: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const version = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return null;
  return { address: match[1]!, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

export class AddressPolicy {
  readonly #allowed = new BlockList();

  /** `allowedNetworks`: CIDRs the operator lets deliveries reach although they are not public. */
  constructor(allowedNetworks: readonly string[] = []) {
    for (const cidr of allowedNetworks) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`not a network in CIDR notation: ${cidr}`);
      this.#allowed.addSubnet(parsed.address, parsed.prefix, parsed.type);
    }
  }

  /** Whether a delivery may connect to this IP address (IPv4-mapped IPv6 addresses are judged as IPv4). */
  allows(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(ip) === 0) return false;
    if (this.#allowed.check(ip, type)) return true;
    return !nonPublic.check(ip, type);
  }

  /**
   * Why a webhook URL cannot be registered, judged on its host alone (a literal address that is not public), or
   * null. A host name is judged at each delivery, on what it resolves to then.
   */
  refusalForUrl(url: URL): string | null {
    if (LOOPBACK_HOSTS.has(url.hostname)) return null;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !this.allows(host)) {
      return 'Webhooks go to public addresses only: this one is on a private, local or reserved network. For a receiver on this machine use localhost; for one on your company network, the operator allows its network (PARLEY_WEBHOOK_ALLOWED_NETWORKS).';
    }
    return null;
  }

  /**
   * A `lookup` for `http.request`: resolves as usual, then refuses (error code EADDRBLOCKED) when any address is not
   * one deliveries may reach, so the check applies to the address connected to. A URL naming a loopback host
   * literally is let through (see above).
   */
  lookupFor(url: URL, resolve: typeof dnsLookup = dnsLookup): NonNullable<import('node:http').RequestOptions['lookup']> {
    const explicitLoopback = LOOPBACK_HOSTS.has(url.hostname);
    const lookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void): void => {
      resolve(hostname, { ...options, all: true } as { all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
        if (err) return callback(err);
        const refused = addresses.find((a) => !(explicitLoopback && isLoopback(a.address)) && !this.allows(a.address));
        if (refused || addresses.length === 0) {
          const blocked = Object.assign(new Error(`webhook host ${hostname} resolves to an address deliveries may not reach`), { code: 'EADDRBLOCKED' });
          return callback(blocked);
        }
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    return lookup as unknown as NonNullable<import('node:http').RequestOptions['lookup']>;
  }
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
function isLoopback(address: string): boolean {
  return loopback.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
