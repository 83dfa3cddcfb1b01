/**
 * Which IP addresses a webhook may be sent to (SSRF defence): public unicast only. Refused are
 * the private, loopback, link-local, shared (CGNAT), multicast, unspecified, reserved,
 * documentation and benchmarking ranges of the IANA special-purpose registries (RFC 6890 and its
 * updates), for IPv4 and IPv6; an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64's
 * well-known prefix, 6to4) is judged by the IPv4 address inside. Loopback is told apart so that
 * development issuers (`devWebhooks`) may allow it.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'forbidden';

type Range = readonly [prefix: readonly number[], bits: number];

/** IPv4 ranges no webhook goes to (besides 127.0.0.0/8, loopback). */
const FORBIDDEN_V4: readonly Range[] = [
  [[0], 8], // "this network", 0.0.0.0 (RFC 791)
  [[10], 8], // private (RFC 1918)
  [[100, 64], 10], // shared address space, CGNAT (RFC 6598)
  [[169, 254], 16], // link-local, cloud metadata services (RFC 3927)
  [[172, 16], 12], // private (RFC 1918)
  [[192, 0, 0], 24], // IETF protocol assignments (RFC 6890)
  [[192, 0, 2], 24], // documentation, TEST-NET-1 (RFC 5737)
  [[192, 88, 99], 24], // 6to4 relay anycast (RFC 7526)
  [[192, 168], 16], // private (RFC 1918)
  [[198, 18], 15], // benchmarking (RFC 2544)
  [[198, 51, 100], 24], // documentation, TEST-NET-2 (RFC 5737)
  [[203, 0, 113], 24], // documentation, TEST-NET-3 (RFC 5737)
  [[224], 4], // multicast (RFC 5771)
  [[240], 4], // reserved, and the limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
];

/** Within global unicast (2000::/3), the IPv6 ranges no webhook goes to. */
const FORBIDDEN_V6_GLOBAL: readonly Range[] = [
  [[0x20, 0x01, 0x00], 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928)
  [[0x20, 0x01, 0x0d, 0xb8], 32], // documentation (RFC 3849)
  [[0x3f, 0xff, 0x00], 20], // documentation (RFC 9637)
];

function inRange(bytes: readonly number[], [prefix, bits]: Range): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const index = bit / 8;
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (zone ids dropped), or null when it is not one. */
export function ipv6Bytes(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(text)) return null;
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes its two 16-bit groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function classifyV4(bytes: readonly number[]): AddressClass {
  if (bytes[0] === 127) return 'loopback';
  return FORBIDDEN_V4.some((range) => inRange(bytes, range)) ? 'forbidden' : 'public';
}

function classifyV6(bytes: readonly number[]): AddressClass {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 15) && bytes[15] === 0) return 'forbidden'; // :: unspecified
  if (zeros(0, 15) && bytes[15] === 1) return 'loopback'; // ::1
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return classifyV4(bytes.slice(12)); // IPv4-mapped ::ffff:0:0/96 (RFC 4291)
  }
  if (inRange(bytes, [[0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96])) {
    // NAT64's well-known prefix reaches the IPv4 address inside (RFC 6052); never loopback.
    return classifyV4(bytes.slice(12)) === 'public' ? 'public' : 'forbidden';
  }
  if (inRange(bytes, [[0x20, 0x02], 16])) {
    return classifyV4(bytes.slice(2, 6)) === 'public' ? 'public' : 'forbidden'; // 6to4 (RFC 3056)
  }
  // Outside global unicast 2000::/3: IPv4-compatible, discard, ULA (fc00::/7), link-local
  // (fe80::/10), site-local, multicast (ff00::/8) and the rest of the reserved space.
  if (!inRange(bytes, [[0x20], 3])) return 'forbidden';
  return FORBIDDEN_V6_GLOBAL.some((range) => inRange(bytes, range)) ? 'forbidden' : 'public';
}

/** The class of an IP address (IPv4, or IPv6 with or without brackets); `forbidden` for junk. */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyV4(ipv4Bytes(address));
  const bytes = ipv6Bytes(address);
  return bytes ? classifyV6(bytes) : 'forbidden';
}
