/*
 * String formats of the schemas (`"format": "vscp-guid"` …). Each one says what it allows and,
 * for a value it refuses, why; the parsers here also give the normalised values the desired
 * state holds. Driver schemas use the same names.
 */
import { validateCronExpression } from 'cron';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { parseEvent, parseFilterPart, parseGuid, parseVscpNumber } from '../protocol/index.js';
import { isPasswordHash } from '../protocol/password.js';
import { variableTypeFromToken } from '../variables/types.js';
import { packageRoot } from '../support/package-root.js';
import type { ListenAddress } from './types.js';

/** What each format allows, shared with the generated reference (schema/meta/formats.json). */
const FORMAT_TEXTS = (JSON.parse(readFileSync(join(packageRoot(), 'schema', 'meta', 'formats.json'), 'utf8')) as {
  formats: Record<string, { allowed: string; description: string }>;
}).formats;

function allowed(name: string): string {
  const t = FORMAT_TEXTS[name];
  if (!t) throw new Error(`internal: schema/meta/formats.json has no format ${name}`);
  return t.allowed;
}

export interface FormatSpec {
  /** What the format allows, as the end of an error message ("must be …"). */
  allowed: string;
  /** Null when the value is fine, else the reason (may quote the value). */
  check(value: string): string | null;
}

function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  // Lower-case a leading word, not an acronym (`GUID "x" …` stays).
  return /^[A-Z][a-z]/.test(m) ? m.charAt(0).toLowerCase() + m.slice(1) : m;
}

function attempt(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return reason(e);
  }
}

/** A six-field cron expression (seconds first), or an `@hourly`-style alias. */
export function checkCron(text: string): string | null {
  const t = text.trim();
  if (!t.startsWith('@')) {
    const fields = t.split(/\s+/).length;
    if (fields !== 6) return `has ${fields} field${fields === 1 ? '' : 's'}, six are needed (second minute hour day month weekday)`;
  }
  const r = validateCronExpression(t);
  return r.valid ? null : reason(r.error ?? 'invalid cron expression');
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function parsePort(text: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new Error(`${what}: port "${text}" is not a number 0..65535`);
  const port = Number(text);
  if (port > 65535) throw new Error(`${what}: port ${port} is out of range 0..65535`);
  return port;
}

/**
 * `host:port`, `[v6]:port`, or (when `barePort`) a bare `port`, which means every IPv4
 * interface (`0.0.0.0`).
 */
export function parseHostPort(text: string, barePort: boolean): ListenAddress {
  const t = text.trim();
  if (barePort && /^[0-9]+$/.test(t)) return { host: '0.0.0.0', port: parsePort(t, t) };
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) throw new Error(`"${t}" has no closing ]; expected [ipv6]:port`);
    const host = t.slice(1, close);
    if (!isIPv6(host)) throw new Error(`"${t}": ${host} is not an IPv6 address`);
    if (t[close + 1] !== ':') throw new Error(`"${t}" needs :port after ]`);
    return { host, port: parsePort(t.slice(close + 2), t) };
  }
  const colon = t.lastIndexOf(':');
  if (colon < 0) throw new Error(`"${t}" has no port; expected host:port`);
  const host = t.slice(0, colon);
  if (host.includes(':')) throw new Error(`"${t}": write an IPv6 address in brackets, e.g. [::1]:9598`);
  if (!isIPv4(host) && !HOSTNAME_RE.test(host)) throw new Error(`"${t}": "${host}" is not an IPv4 address or host name`);
  return { host, port: parsePort(t.slice(colon + 1), t) };
}

function splitList(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((s) => s.trim());
}

export function parseListenList(text: string): ListenAddress[] {
  const items = splitList(text);
  if (items.length === 0) throw new Error('no address; set at least one, or enable = false');
  return items.map((item) => {
    if (item === '') throw new Error('an empty entry between commas');
    return parseHostPort(item, true);
  });
}

/** One `allowfrom` entry, normalised to `+addr/bits` or `-addr/bits`. */
export function parseCidrEntry(entry: string): string {
  let t = entry.trim();
  if (t === '*') throw new Error('"*" is not an entry; leave allowfrom empty (or use +0.0.0.0/0, +::/0) to allow every address');
  let sign = '+';
  if (t.startsWith('+') || t.startsWith('-')) {
    sign = t[0]!;
    t = t.slice(1).trim();
  }
  const slash = t.indexOf('/');
  const addr = slash >= 0 ? t.slice(0, slash) : t;
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) throw new Error(`"${entry.trim()}": "${addr}" is not an IPv4 or IPv6 address`);
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = t.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(b) || Number(b) > max) throw new Error(`"${entry.trim()}": prefix length "${b}" must be 0..${max}`);
    bits = Number(b);
  }
  return `${sign}${addr.toLowerCase()}/${bits}`;
}

export function parseCidrList(text: string): string[] {
  return splitList(text).map((item) => {
    if (item === '') throw new Error('an empty entry between commas');
    return parseCidrEntry(item);
  });
}

/** `*:*`, `class:*` or `class:type` (decimal or 0x), normalised to decimal. */
export function parseAllowEvent(entry: string): string {
  const t = entry.trim();
  const m = /^([^:]+):([^:]+)$/.exec(t);
  if (!m) throw new Error(`"${t}" is not class:type`);
  const cls = m[1]!.trim();
  const type = m[2]!.trim();
  if (cls === '*') {
    if (type !== '*') throw new Error(`"${t}": with class * the type must be * too`);
    return '*:*';
  }
  const c = parseVscpNumber(cls, `"${t}": class`, 0xffff);
  if (type === '*') return `${c}:*`;
  return `${c}:${parseVscpNumber(type, `"${t}": type`, 0xffff)}`;
}

export function parseAllowEventList(text: string): string[] {
  return splitList(text).map((item) => {
    if (item === '') throw new Error('an empty entry between commas');
    return parseAllowEvent(item);
  });
}

/** `admin` (15), `user` (6), `driver` (15) or 0–15, as the v13 code. */
export function parsePrivilege(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'admin' || t === 'driver') return 15;
  if (t === 'user') return 6;
  if (/^[0-9]{1,2}$/.test(t) && Number(t) <= 15) return Number(t);
  throw new Error(`"${text.trim()}" is not a privilege`);
}

/** Comma-separated include patterns; a pattern names a file, not a folder. */
export function parseGlobList(text: string): string[] {
  return splitList(text).map((item) => {
    if (item === '') throw new Error('an empty entry between commas');
    if (item.endsWith('/')) throw new Error(`"${item}" names a folder; add a file pattern, e.g. ${item}*.conf`);
    if (item.includes('**')) throw new Error(`"${item}": ** is not supported; * matches within one folder`);
    return item;
  });
}

export const FORMATS: Record<string, FormatSpec> = {
  'vscp-guid': {
    allowed: allowed('vscp-guid'),
    check: (v) => attempt(() => parseGuid(v, { strict: true })),
  },
  'vscp-filter': {
    allowed: allowed('vscp-filter'),
    check: (v) => attempt(() => parseFilterPart(v, 'filter')),
  },
  'vscp-event': {
    allowed: allowed('vscp-event'),
    check: (v) => attempt(() => parseEvent(v)),
  },
  cron: {
    allowed: allowed('cron'),
    check: (v) => (v.trim() === '' ? null : checkCron(v)),
  },
  'host-port': {
    allowed: allowed('host-port'),
    check: (v) => attempt(() => parseHostPort(v, false)),
  },
  'listen-address': {
    allowed: allowed('listen-address'),
    check: (v) => attempt(() => parseHostPort(v, true)),
  },
  'listen-list': {
    allowed: allowed('listen-list'),
    check: (v) => attempt(() => parseListenList(v)),
  },
  'cidr-list': {
    allowed: allowed('cidr-list'),
    check: (v) => attempt(() => parseCidrList(v)),
  },
  'allow-event-list': {
    allowed: allowed('allow-event-list'),
    check: (v) => attempt(() => parseAllowEventList(v)),
  },
  'password-hash': {
    allowed: allowed('password-hash'),
    check: (v) => (isPasswordHash(v) ? null : 'not a SALT;HASH pair; plain passwords are never accepted'),
  },
  privilege: {
    allowed: allowed('privilege'),
    check: (v) => attempt(() => parsePrivilege(v)),
  },
  'variable-type': {
    allowed: allowed('variable-type'),
    check: (v) => attempt(() => variableTypeFromToken(v)),
  },
  'glob-list': {
    allowed: allowed('glob-list'),
    check: (v) => attempt(() => parseGlobList(v)),
  },
  path: {
    allowed: allowed('path'),
    // eslint-disable-next-line no-control-regex
    check: (v) => (/[\u0000-\u001f]/.test(v) ? 'contains a control character' : null),
  },
};
