/**
 * Which push endpoints the issuer talks to (no SSRF): the subscription's endpoint is a URL the
 * phone chose, and the issuer POSTs to it after every payment, so an endpoint must not turn the
 * issuer into a client of its own network. Checked when a phone subscribes (`checkPushEndpoint`)
 * and again before each send, where the host name is resolved by `publicLookup`, which hands the
 * socket only public addresses — a DNS answer cannot switch it to a private one afterwards (no
 * second resolution: the socket connects to what the filter passed).
 *
 * Rules (docs/operations.md "Notifications (Web Push)"):
 * - `https:` on port 443, no user name or password, no fragment, at most 2048 characters;
 * - the host is a DNS name with a dot outside the special-use names (RFC 6761, RFC 8375: localhost,
 *   local, internal, home.arpa, …) or a public IP literal (`isPublicAddress`);
 * - with `--dev-push` also `http:` or `https:` on any port of a loopback host (127.0.0.0/8, ::1,
 *   `localhost`): the tests' and the demo's stand-in push services.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import { HttpError } from '../errors.js';

/** Longest accepted endpoint URL (push services use about 200 characters). */
export const MAX_ENDPOINT_LENGTH = 2048;

/** Names that never resolve to a public push service (RFC 6761 §6, RFC 8375, RFC 6762, ICANN). */
const SPECIAL_USE_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'home.arpa',
  'invalid',
  'test',
  'example',
  'onion',
  'lan',
  'intranet',
];

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry). */
const IPV4_NOT_PUBLIC: readonly [number, number][] = [
  [0x00000000, 8], // "this network", 0.0.0.0 (RFC 791)
  [0x0a000000, 8], // private (RFC 1918)
  [0x64400000, 10], // shared address space, CGNAT (RFC 6598)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata services (RFC 3927)
  [0xac100000, 12], // private (RFC 1918)
  [0xc0000000, 24], // IETF protocol assignments (RFC 6890)
  [0xc0000200, 24], // TEST-NET-1 (RFC 5737)
  [0xc0586300, 24], // 6to4 relay anycast (RFC 7526)
  [0xc0a80000, 16], // private (RFC 1918)
  [0xc6120000, 15], // benchmarking (RFC 2544)
  [0xc6336400, 24], // TEST-NET-2
  [0xcb007100, 24], // TEST-NET-3
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, and the limited broadcast 255.255.255.255
];

/** The four octets of a dotted-quad IPv4 address as one unsigned number. */
function ipv4Number(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function inIpv4Range(value: number, [base, bits]: readonly [number, number]): boolean {
  const size = 2 ** (32 - bits);
  return value >= base && value < base + size;
}

/** The 16 bytes of a textual IPv6 address (RFC 4291 §2.2, with a trailing dotted quad), or null. */
export function ipv6Bytes(text: string): Uint8Array | null {
  let address = text.replace(/%.*$/, '');
  const tail = address.slice(address.lastIndexOf(':') + 1);
  if (isIP(tail) === 4) {
    const value = ipv4Number(tail);
    address = `${address.slice(0, address.length - tail.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (const [index, group] of all.entries()) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  }
  return bytes;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], bits: number): boolean => {
  for (let bit = 0; bit < bits; bit++) {
    const byte = Math.floor(bit / 8);
    const mask = 0x80 >> (bit % 8);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
};

const embeddedIpv4 = (bytes: Uint8Array, at: number): string =>
  Array.from(bytes.subarray(at, at + 4)).join('.');

/**
 * Whether `address` (an IP literal, without brackets) is on the public internet: IPv4 outside the
 * special-purpose ranges above; IPv6 in global unicast 2000::/3 outside documentation
 * (2001:db8::/32, 3fff::/20) and the IETF protocol block 2001::/23 (Teredo and others); an
 * IPv4-mapped address (::ffff:0:0/96) or a 6to4 address (2002::/16) as the IPv4 address it
 * carries. Loopback, unspecified, link-local, unique local (fc00::/7), site-local, multicast,
 * NAT64 (64:ff9b::/96) and IPv4-compatible addresses are not public. Anything else is not an
 * address, so not public.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) {
    const value = ipv4Number(address);
    return !IPV4_NOT_PUBLIC.some((range) => inIpv4Range(value, range));
  }
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  if (!bytes) return false;
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) {
    return isPublicAddress(embeddedIpv4(bytes, 12));
  }
  if (startsWith(bytes, [0x20, 0x02], 16)) return isPublicAddress(embeddedIpv4(bytes, 2));
  if (!startsWith(bytes, [0x20], 3)) return false;
  return !(
    startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8], 32) ||
    startsWith(bytes, [0x3f, 0xff], 20) ||
    startsWith(bytes, [0x20, 0x01, 0x00], 23)
  );
}

/** Whether `address` is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return inIpv4Range(ipv4Number(address), [0x7f000000, 8]);
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  if (!bytes) return false;
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) {
    return isLoopbackAddress(embeddedIpv4(bytes, 12));
  }
  return startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128);
}

/** The host of a URL as an address or name: IPv6 without its brackets, names without a final dot. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

const isLoopbackName = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost');

/** How an allowed endpoint may be reached. */
export interface EndpointRoute {
  url: URL;
  /** A `--dev-push` loopback endpoint: its name may resolve to loopback addresses. */
  loopback: boolean;
}

function refuse(why: string): never {
  throw new HttpError('push_endpoint_not_allowed', `The push endpoint ${why}`);
}

/**
 * The endpoint as a URL the issuer may POST to, or `push_endpoint_not_allowed` saying why. With
 * `devPush`, `http:`/`https:` on any port of a loopback host is allowed too.
 */
export function checkPushEndpoint(endpoint: string, devPush: boolean): EndpointRoute {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) refuse('is too long');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return refuse('is not a URL');
  }
  if (url.username || url.password) refuse('must not carry a user name or password');
  if (url.hash) refuse('must not have a fragment');
  const host = hostOf(url);
  const literal = isIP(host) !== 0;
  const loopbackHost = literal ? isLoopbackAddress(host) : isLoopbackName(host);
  if (devPush && loopbackHost && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return { url, loopback: true };
  }
  if (url.protocol !== 'https:') refuse('must be an https URL');
  if (url.port !== '') refuse('must use port 443');
  if (literal) {
    if (!isPublicAddress(host)) refuse('is a private, loopback or reserved address');
    return { url, loopback: false };
  }
  const lower = host.toLowerCase();
  if (!lower.includes('.')) refuse('needs a fully qualified host name');
  if (SPECIAL_USE_SUFFIXES.some((suffix) => lower === suffix || lower.endsWith(`.${suffix}`))) {
    refuse('is a local or special-use name');
  }
  return { url, loopback: false };
}

/** A push host name resolved only to addresses the issuer may not connect to. */
export class PushAddressRefused extends Error {
  override readonly name = 'PushAddressRefused';
  readonly code = 'EPUSHADDRESS';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves `hostname` and passes on only public addresses
 * (loopback ones too for a `--dev-push` loopback endpoint); none left is a `PushAddressRefused`.
 * The socket connects to an address this function returned, so the check and the connection
 * see the same answer (no DNS rebinding between them).
 */
export function publicLookup(
  allowLoopback: boolean,
  resolve: typeof dnsLookup = dnsLookup,
): (
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
) => void {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true } as LookupAllOptions;
    resolve(hostname, all, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter(
        ({ address }) => isPublicAddress(address) || (allowLoopback && isLoopbackAddress(address)),
      );
      const first = allowed[0];
      if (!first) {
        return callback(
          new PushAddressRefused(`${hostname} resolves to no address the issuer may push to`),
          [],
        );
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}
