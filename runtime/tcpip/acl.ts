/*
 * `allowfrom` address lists: entries `+cidr` (allow) or `-cidr` (deny), IPv4 and IPv6, a bare
 * address meaning one host (/32, /128). Evaluated in order, the last matching entry wins; an
 * empty list allows everyone, and a non-empty list denies an address no entry matches (as the
 * v13 daemon's mongoose ACL did). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a
 * dual-stack socket reports) are matched as the IPv4 address they carry.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface AclEntry {
  allow: boolean;
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  /** As written, for messages. */
  text: string;
}

export class AclError extends Error {
  override name = 'AclError';
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 becomes IPv4. Undefined when it is none. */
export function parseIpAddress(text: string): IpAddress | undefined {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (isIPv4(t)) return { family: 4, bytes: Uint8Array.from(t.split('.').map(Number)) };
  if (!isIPv6(t)) return undefined;
  const bytes = ipv6Bytes(t);
  if (isV4Mapped(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Expands a valid IPv6 text (checked by isIPv6) into 16 bytes. */
function ipv6Bytes(text: string): Uint8Array {
  let t = text;
  const lastColon = t.lastIndexOf(':');
  const last = t.slice(lastColon + 1);
  if (last.includes('.')) {
    // a trailing dotted quad is the last two words
    const q = last.split('.').map(Number);
    t = t.slice(0, lastColon + 1) + (((q[0]! << 8) | q[1]!).toString(16)) + ':' + (((q[2]! << 8) | q[3]!).toString(16));
  }
  const split = t.indexOf('::');
  const toWords = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  let words: number[];
  if (split >= 0) {
    const head = toWords(t.slice(0, split));
    const tail = toWords(t.slice(split + 2));
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    words = toWords(t);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = (words[i]! >> 8) & 0xff;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/** One entry: `+10.0.0.0/8`, `-::1`, `192.168.1.7` (no sign = allow). */
export function parseAclEntry(entry: string): AclEntry {
  const text = entry.trim();
  let body = text;
  let allow = true;
  if (body.startsWith('+') || body.startsWith('-')) {
    allow = body[0] === '+';
    body = body.slice(1).trim();
  }
  const slash = body.indexOf('/');
  const addrText = slash >= 0 ? body.slice(0, slash) : body;
  const addr = parseIpAddress(addrText);
  if (!addr) throw new AclError(`allowfrom entry "${text}": "${addrText}" is not an IPv4 or IPv6 address; allowed: +address[/bits] or -address[/bits]`);
  const mappedV6 = addr.family === 4 && addrText.includes(':');
  const max = addr.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const bitsText = body.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(bitsText)) throw new AclError(`allowfrom entry "${text}": prefix length "${bitsText}" is not a number`);
    prefix = Number(bitsText);
    if (mappedV6) {
      // ::ffff:a.b.c.d/104 is a.b.c.d/8
      if (prefix < 96 || prefix > 128) throw new AclError(`allowfrom entry "${text}": an IPv4-mapped prefix must be 96..128 bits`);
      prefix -= 96;
    } else if (prefix > max) {
      throw new AclError(`allowfrom entry "${text}": prefix length ${prefix} is more than ${max}`);
    }
  }
  return { allow, family: addr.family, bytes: addr.bytes, prefix, text };
}

export function parseAcl(entries: readonly string[]): AclEntry[] {
  return entries.map((e) => e.trim()).filter((e) => e !== '').map(parseAclEntry);
}

function matches(entry: AclEntry, addr: IpAddress): boolean {
  if (entry.family !== addr.family) return false;
  let bits = entry.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((entry.bytes[i]! & mask) !== (addr.bytes[i]! & mask)) return false;
  }
  return true;
}

/** True when `address` may connect; an unparsable address is denied by a non-empty list. */
export function aclAllows(acl: readonly AclEntry[], address: string): boolean {
  if (acl.length === 0) return true;
  const addr = parseIpAddress(address);
  if (!addr) return false;
  let allowed = false;
  for (const entry of acl) if (matches(entry, addr)) allowed = entry.allow;
  return allowed;
}
