/*
 * From a snapshot of the files to the desired state: schema validation of every section,
 * drivers, semantic checks, hashes. Reads no files, so the daemon can re-run it cheaply when a
 * `<prefix>_…` variable changes at run time. `vscpd check`, `vscpd plan` and a live reload all
 * come through here, so their verdicts cannot differ.
 */
import { type DriverResolver, type RuntimeVariables, defaultDriverResolver, resolveDrivers } from './drivers.js';
import { resolveGlobals } from './globals.js';
import { contentHash } from './hash.js';
import { RunMemo } from './memo.js';
import { type ConfigSnapshot, type ReadOptions, displayPath, readConfiguration } from './read.js';
import { sortSections } from './sections.js';
import { semanticChecks } from './semantic.js';
import type { DeclaredVariable, DesiredState, DriverDesired, EffectiveValue, Problem } from './types.js';
import { resolveVariables } from './variables.js';

export interface ResolveOptions {
  /** Where driver definitions come from (default: the registry). */
  drivers?: DriverResolver;
  /** Current variable values (the store's snapshot): `<prefix>_<key>` values that differ from the file override it. */
  runtimeVariables?: RuntimeVariables;
}

export interface LoadResult {
  /** Present when there is no error (warnings allowed). */
  state?: DesiredState;
  /** Every error and warning, sorted by file (reading order) and line. */
  problems: Problem[];
}

function addSecrets(out: { add(text: string): unknown }, values: Record<string, EffectiveValue>): void {
  for (const k in values) {
    const e = values[k]!;
    if (e.secret && typeof e.value === 'string') out.add(e.value);
  }
}

/** The drivers' secret texts of the last state asked about, with the (frozen, shared) records they came from. */
const lastDriverSecrets = new RunMemo<{ records: readonly object[]; texts: string[] }>();

/** The drivers' secret texts in order; again only when some driver's effective values are other ones. */
function driverSecrets(drivers: readonly DriverDesired[]): string[] {
  const records: object[] = [];
  for (const d of drivers) records.push(d.effective, d.commonEffective ?? NONE);
  const last = lastDriverSecrets.get('');
  if (last && last.records.length === records.length && last.records.every((r, i) => r === records[i] && Object.isFrozen(r))) return last.texts;
  const texts: string[] = [];
  const list = { add: (t: string) => texts.push(t) };
  for (const d of drivers) {
    addSecrets(list, d.effective);
    if (d.commonEffective) addSecrets(list, d.commonEffective);
  }
  lastDriverSecrets.set('', { records, texts });
  return texts;
}
const NONE = Object.freeze({});

/** Texts that must never appear in output: values from references and secret fields. */
function secretTexts(state: Omit<DesiredState, 'hash'> | undefined, extra: Iterable<string>): string[] {
  const out = new Set<string>(extra);
  if (state) {
    addSecrets(out, state.globalEffective);
    for (const t of driverSecrets(state.drivers)) out.add(t);
    for (const v of state.variables) if (v.secret) out.add(v.value);
  }
  return [...out].filter((s) => s.length >= 4);
}

/** Replaces every secret text in problem messages by `[redacted]` (defence in depth). */
function scrub(problems: Problem[], secrets: readonly string[]): Problem[] {
  if (!secrets.length) return problems;
  return problems.map((p) => {
    let message = p.message;
    for (const s of secrets) if (message.includes(s)) message = message.split(s).join('[redacted]');
    return message === p.message ? p : { ...p, message };
  });
}

function sortProblems(problems: Problem[], snapshot: ConfigSnapshot): Problem[] {
  const order = new Map(snapshot.files.map((f, i) => [f.path, i]));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const fa = a.p.file === undefined ? -1 : (order.get(a.p.file) ?? order.size);
      const fb = b.p.file === undefined ? -1 : (order.get(b.p.file) ?? order.size);
      if (fa !== fb) return fa - fb;
      if (a.p.file !== b.p.file) return (a.p.file ?? '') < (b.p.file ?? '') ? -1 : 1;
      const la = a.p.line ?? 0;
      const lb = b.p.line ?? 0;
      return la !== lb ? la - lb : a.i - b.i;
    })
    .map(({ p }) => p);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.severity}\u0000${p.file ?? ''}\u0000${p.line ?? 0}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The hash of the last declared variables: an unchanged variable file declares the same (frozen) objects again. */
const lastVariables = new RunMemo<{ items: readonly DeclaredVariable[]; hash: string }>();

function variablesHash(list: readonly DeclaredVariable[]): string {
  const last = lastVariables.get('');
  if (last && last.items.length === list.length && last.items.every((v, i) => v === list[i] && Object.isFrozen(v))) return last.hash;
  const hash = contentHash(list.map(({ origin: _o, secret: _s, ...v }) => v));
  lastVariables.set('', { items: list.slice(), hash });
  return hash;
}

/**
 * Validates a snapshot and builds the desired state. The result carries the snapshot's own
 * problems too; a state is returned only when there is no error anywhere.
 */
export async function resolveDesiredState(snapshot: ConfigSnapshot, options: ResolveOptions = {}): Promise<LoadResult> {
  const show = (p: string): string => displayPath(p, snapshot.baseDir);
  const problems: Problem[] = [...snapshot.problems];

  const sorted = sortSections(snapshot.sections);
  problems.push(...sorted.problems);
  const globals = resolveGlobals(sorted, snapshot.configFile, snapshot.baseDir);
  problems.push(...globals.problems);
  const vars = resolveVariables(snapshot.variableFile, snapshot.baseDir, show);
  problems.push(...vars.problems);
  const drivers = await resolveDrivers(sorted.drivers, {
    snapshot, general: globals.general, tcpip: globals.tcpip, variables: vars.variables,
    ...(options.runtimeVariables ? { runtimeVariables: options.runtimeVariables } : {}),
    resolver: options.drivers ?? defaultDriverResolver, show,
  });
  problems.push(...drivers.problems);
  problems.push(...semanticChecks({ snapshot, sorted, globals, drivers, variables: vars.variables, show }));

  const hasError = problems.some((p) => p.severity === 'error');
  let state: DesiredState | undefined;
  if (!hasError) {
    const { general, tcpip, admin, automation } = globals;
    const users = globals.users.map(({ origin: _o, ...u }) => u);
    const schedules = globals.schedules.map(({ origin: _o, ...s }) => s);
    const sectionHashes: Record<string, string> = {
      general: contentHash(general),
      // The TLS files' content counts: a renewed certificate is a change of [tcpip].
      tcpip: contentHash({ tcpip, tls: [tcpip.tlsCert, tcpip.tlsKey].map((p) => snapshot.files.find((f) => f.path === p)?.hash ?? null) }),
      admin: contentHash(admin),
      automation: contentHash(automation),
      users: contentHash(users),
      schedules: contentHash(schedules),
      variables: variablesHash(vars.variables),
    };
    const driverList = drivers.drivers.map((d) => d.desired);
    const body: Omit<DesiredState, 'hash'> = {
      configFile: snapshot.configFile,
      files: snapshot.files,
      general, tcpip, admin, automation,
      users: globals.users,
      schedules: globals.schedules,
      drivers: driverList,
      variables: vars.variables,
      sectionHashes,
      globalEffective: globals.effective,
      warnings: [],
    };
    // Sorted as their text `prefix,hash` (what a plain sort() of the pairs compares), without building it per comparison.
    const pairs = driverList.map((d) => ({ pair: [d.prefix.toLowerCase(), d.hash], text: `${d.prefix.toLowerCase()},${d.hash}` }));
    pairs.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    const hash = contentHash({ sectionHashes, drivers: pairs.map((p) => p.pair) });
    state = { ...body, hash };
  }
  const referenced = [...snapshot.sections, ...(snapshot.variableFile?.sections ?? [])]
    .flatMap((s) => s.entries.filter((e) => e.secret && !e.broken).map((e) => e.value));
  const secrets = secretTexts(state, referenced);
  const finalProblems = scrub(sortProblems(dedupe(problems), snapshot), secrets);
  if (state) state.warnings = finalProblems.filter((p) => p.severity === 'warning');
  return { ...(state ? { state } : {}), problems: finalProblems };
}

/** Reads and resolves in one go: what `vscpd check` and a reload do. */
export async function loadConfiguration(path: string, options: ReadOptions & ResolveOptions = {}): Promise<LoadResult> {
  const read = await readConfiguration(path, options);
  if (!read.snapshot) return { problems: read.problems };
  return resolveDesiredState(read.snapshot, options);
}

/**
 * Every text of a state that must never be printed or logged (values from references, secret
 * fields such as password hashes); feed it to the logger's `redact`.
 */
export function secretValues(state: DesiredState): string[] {
  const out = new Set(secretTexts(state, []));
  for (const u of state.users) out.add(u.passwordHash);
  return [...out];
}
