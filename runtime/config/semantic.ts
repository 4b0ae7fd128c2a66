/*
 * Checks across sections that no schema can express: unique driver prefixes, one owner per
 * device or address, listen address clashes, TLS files, value pairs that must be ordered,
 * variables that look meant for a driver but match none of its keys.
 */
import { isIPv6 } from 'node:net';
import type { DriverResource } from '../drivers/contract.js';
import { parseGuid } from '../protocol/index.js';
import type { DriversResult } from './drivers.js';
import type { GlobalResult } from './globals.js';
import type { ConfigSnapshot } from './read.js';
import { fieldSchema, keyCandidates, locate } from './schema.js';
import type { SortedSections } from './sections.js';
import { closest } from './suggest.js';
import type { DeclaredVariable, ListenAddress, Problem, SourceLocation, ValueOrigin } from './types.js';

export interface SemanticInput {
  snapshot: ConfigSnapshot;
  sorted: SortedSections;
  globals: GlobalResult;
  drivers: DriversResult;
  variables: readonly DeclaredVariable[];
  show(path: string): string;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function overlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port === 0 || b.port === 0 || a.port !== b.port) return false;
  if (a.host.toLowerCase() === b.host.toLowerCase()) return true;
  const family = (h: string): number => (isIPv6(h) ? 6 : 4);
  const wildA = WILDCARDS.has(a.host);
  const wildB = WILDCARDS.has(b.host);
  // `::` takes IPv4 too (dual stack); 0.0.0.0 only IPv4.
  if (wildA && (a.host === '::' || family(b.host) === 4)) return true;
  if (wildB && (b.host === '::' || family(a.host) === 4)) return true;
  return false;
}

function showAddress(a: ListenAddress): string {
  return isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function semanticChecks(input: SemanticInput): Problem[] {
  const { snapshot, sorted, globals, drivers, variables, show } = input;
  const problems: Problem[] = [];
  const main: SourceLocation = { file: snapshot.configFile, line: 0 };
  const at = (origin: ValueOrigin | undefined, fallback: SourceLocation = main): { file?: string; line?: number; note: string } =>
    origin ? locate(origin, fallback) : { ...fallback, note: '' };
  const push = (severity: Problem['severity'], where: { file?: string; line?: number }, section: string | undefined, key: string | undefined, message: string): void => {
    problems.push({
      severity,
      ...(where.file ? { file: where.file } : {}),
      ...(where.line ? { line: where.line } : {}),
      ...(section ? { section } : {}),
      ...(key ? { key } : {}),
      message,
    });
  };
  const g = (key: string): ValueOrigin | undefined => globals.effective[key]?.origin;
  const loc = (s: SourceLocation): string => `${show(s.file)}:${s.line}`;

  // Driver prefixes: unique, compared case-insensitively after spaces → `_`.
  const prefixes = new Map<string, { label: string; where: SourceLocation }>();
  for (const { name, section } of sorted.drivers) {
    const prefix = name.replace(/ /g, '_');
    const first = prefixes.get(prefix.toLowerCase());
    const where = { file: section.file, line: section.line };
    if (first) {
      push('error', where, section.name, undefined,
        `[${section.name}] prefix \`${prefix}\` is already used by [${first.label}] at ${loc(first.where)} (prefixes are compared case-insensitively; spaces become _)`);
      continue;
    }
    prefixes.set(prefix.toLowerCase(), { label: section.name, where });
  }

  // One owner per exclusive resource among the drivers that run.
  const owners = new Map<string, { label: string; where: SourceLocation }>();
  const claim = (r: DriverResource, label: string, where: SourceLocation): void => {
    const id = `${r.kind}\u0000${r.id}`;
    const first = owners.get(id);
    if (first) {
      push('error', where, label, undefined, `[${label}] claims ${r.kind} ${r.id}, which [${first.label}] at ${loc(first.where)} claims too; one driver may own it`);
      return;
    }
    owners.set(id, { label, where });
  };
  const tcpipListenAt = at(g('tcpip.listen'));
  if (globals.tcpip.enable) {
    const seen: ListenAddress[] = [];
    for (const a of globals.tcpip.listen) {
      const dup = seen.find((b) => overlaps(a, b));
      if (dup) push('error', tcpipListenAt, 'tcpip', 'listen', `[tcpip] listen: ${showAddress(a)} overlaps ${showAddress(dup)} in the same list`);
      seen.push(a);
    }
  }
  if (globals.admin.enable && globals.tcpip.enable) {
    const clash = globals.tcpip.listen.find((a) => overlaps(a, globals.admin.listen));
    if (clash) {
      const w = at(g('admin.listen'));
      const tcpLoc = tcpipListenAt.file ? ` (${show(tcpipListenAt.file)}${tcpipListenAt.line ? `:${tcpipListenAt.line}` : ''})` : '';
      push('error', w, 'admin', 'listen', `[admin] listen: ${showAddress(globals.admin.listen)} clashes with the [tcpip] listen address ${showAddress(clash)}${tcpLoc}`);
    }
  }
  const daemonAddresses: { a: ListenAddress; label: string }[] = [
    ...(globals.tcpip.enable ? globals.tcpip.listen.map((a) => ({ a, label: 'tcpip' })) : []),
    ...(globals.admin.enable ? [{ a: globals.admin.listen, label: 'admin' }] : []),
  ];
  for (const d of drivers.drivers) {
    if (!d.desired.enable) continue;
    const label = `driver.${d.desired.name}`;
    for (const r of d.resources) {
      if (r.kind === 'tcp-listen') {
        try {
          const m = /^(.*):([0-9]+)$/.exec(r.id);
          const addr = m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : null;
          const hit = addr && daemonAddresses.find((x) => overlaps(x.a, addr));
          if (hit) push('error', d.desired.origin, label, undefined, `[${label}] listens on ${r.id}, which the [${hit.label}] listen address ${showAddress(hit.a)} uses`);
        } catch {
          // an id that is no address cannot clash with one
        }
      }
      claim(r, label, d.desired.origin);
    }
  }

  // TLS: both files or neither, and both present.
  if (!globals.failed.has('tcpip')) {
    const { tlsCert, tlsKey } = globals.tcpip;
    if (tlsCert && !tlsKey) push('error', at(g('tcpip.tls_cert')), 'tcpip', 'tls_cert', '[tcpip] tls_cert: needs tls_key too (set both or neither)');
    if (tlsKey && !tlsCert) push('error', at(g('tcpip.tls_key')), 'tcpip', 'tls_key', '[tcpip] tls_key: needs tls_cert too (set both or neither)');
    for (const [key, path] of [['tls_cert', tlsCert], ['tls_key', tlsKey]] as const) {
      if (!path) continue;
      const st = snapshot.fileStatus.get(path);
      const problem = !st?.exists ? 'does not exist' : !st.isFile ? 'is not a file' : !st.readable ? 'is not readable' : null;
      const effective = globals.effective[`tcpip.${key}`];
      if (problem && effective) {
        push('error', at(effective.origin), 'tcpip', key, `[tcpip] ${key}: ${effective.secret ? 'the file (from a reference)' : show(path)} ${problem}`);
      }
    }
  }

  // Pairs of values that must be ordered.
  const ordered = (section: string, lowKey: string, highKey: string, low: number, high: number): void => {
    if (globals.failed.has(section) || low <= high) return;
    push('error', at(g(`${section}.${lowKey}`)), section, lowKey, `[${section}] ${lowKey}: ${low} is above ${highKey} ${high}; it must be at most ${highKey}`);
  };
  ordered('general', 'restart_backoff_min_ms', 'restart_backoff_max_ms', globals.general.restartBackoffMinMs, globals.general.restartBackoffMaxMs);
  ordered('tcpip', 'login_delay_base_ms', 'login_delay_max_ms', globals.tcpip.loginDelayBaseMs, globals.tcpip.loginDelayMaxMs);

  // Warnings: things that work but are probably not meant.
  if (globals.tcpip.enable && sorted.users.length === 0) {
    push('warning', main, undefined, undefined,
      'no [user.NAME] section: nobody can log in over TCP/IP; add one with a password hash from `vscpd passwd` (see docs/configuration.md)');
  }
  if (globals.admin.enable && !globals.failed.has('admin') && !isLoopback(globals.admin.listen.host)) {
    push('warning', at(g('admin.listen')), 'admin', 'listen',
      `[admin] listen: ${showAddress(globals.admin.listen)} is not a loopback address; the admin API has no authentication`);
  }
  if (globals.general.guid) {
    const bytes = parseGuid(globals.general.guid);
    if (bytes[12] || bytes[13] || bytes[14] || bytes[15]) {
      push('warning', at(g('general.guid')), 'general', 'guid',
        '[general] guid: bytes 12–15 should be 00; interface GUIDs put the client id in bytes 12–13 and the nickname in 14–15');
    }
  }

  // Variables named like a driver's settings that match none of its keys (typos).
  // Candidates by upper-case prefix, so a variable looks at the prefixes it starts with, not at every driver.
  const byUpperPrefix = new Map<string, number[]>();
  drivers.prefixes.forEach((p, i) => {
    const u = p.prefix.toUpperCase();
    const list = byUpperPrefix.get(u);
    if (list) list.push(i);
    else byUpperPrefix.set(u, [i]);
  });
  for (const v of variables) {
    if (drivers.claimed.has(v.name)) continue;
    const candidates: number[] = [];
    for (let i = v.name.indexOf('_'); i >= 0; i = v.name.indexOf('_', i + 1)) candidates.push(...(byUpperPrefix.get(v.name.slice(0, i)) ?? []));
    // The longest prefix wins; among equally long ones the first driver.
    let owner: DriversResult['prefixes'][number] | undefined;
    for (const p of candidates.sort((a, b) => a - b).map((i) => drivers.prefixes[i]!)) {
      if (!owner || p.prefix.length > owner.prefix.length) owner = p;
    }
    if (!owner || owner.schema === null) continue;
    const suffix = v.name.slice(owner.prefix.length + 1).toLowerCase();
    if (fieldSchema(owner.schema, suffix)) continue;
    const guess = closest(suffix, keyCandidates(owner.schema, suffix));
    push('warning', v.origin, v.name, undefined,
      `variable ${v.name} has the prefix of [${owner.label}], but \`${suffix}\` is none of its keys${guess ? `; did you mean ${owner.prefix.toUpperCase()}_${guess.toUpperCase()}?` : ''}`);
  }

  return problems;
}
