/*
 * Driver sections: the common keys, the definition (built-in, module or exec), the effective
 * settings with their origins (schema default → legacy `config` string → keys → `<prefix>_<key>`
 * variables), validation against the driver's schema, and a dry `create()` with an inert
 * context so the driver can check what a schema cannot.
 */
import { dirname, join } from 'node:path';
import type {
  DriverContext, DriverDefinition, DriverResource, DriverSettings, DriverVariable,
} from '../drivers/contract.js';
import { BUILTIN_DRIVER_IDS, PLANNED_DRIVER_IDS, loadBuiltinDriver, loadModuleDriver } from '../drivers/registry.js';
import { parseGuid, zeroGuid } from '../protocol/index.js';
import { classifyDriverRef } from './driver-ref.js';
import { normaliseGuid } from './globals.js';
import { contentHash } from './hash.js';
import { RunMemo, deepFreeze, lastingEntries, sameEntries } from './memo.js';
import type { ConfEntry, ConfSection, ConfigSnapshot, FileStatus } from './read.js';
import {
  type CompiledSection, type InputValue, type JsonSchema, confSection, driverSection, fieldSchema, locate, validateSection,
} from './schema.js';
import { type NamedSection, sectionInput } from './sections.js';
import { closest } from './suggest.js';
import type {
  DeclaredVariable, DriverDesired, DriverKind, EffectiveValue, GeneralSettings, ListenAddress, Problem, SourceLocation, TcpipSettings,
  ValueOrigin,
} from './types.js';

/** Where driver definitions come from; the daemon uses {@link defaultDriverResolver}, tests a fake. */
export interface DriverResolver {
  load(kind: Exclude<DriverKind, 'exec'>, ref: string): Promise<DriverDefinition>;
}

/** Built-in ids from the registry, modules by absolute path. */
export const defaultDriverResolver: DriverResolver = {
  load: (kind, ref) => (kind === 'builtin' ? loadBuiltinDriver(ref) : loadModuleDriver(ref)),
};

export const COMMON_DRIVER_KEYS: ReadonlySet<string> = new Set(['driver', 'enable', 'guid', 'config', 'queue_size']);

export type RuntimeVariables = ReadonlyMap<string, { type: number; value: string }>;

export interface DriverCheck {
  desired: DriverDesired;
  resources: DriverResource[];
  /** The definition's schema (absent for exec drivers). */
  schema?: JsonSchema;
}

export interface DriversResult {
  drivers: DriverCheck[];
  problems: Problem[];
  /** Declared variables some driver reads as a setting. */
  claimed: Set<string>;
  /** Drivers whose section had errors. */
  failed: Set<string>;
  /** Prefixes whose variables were matched against a schema (null: an exec driver, which reads its own). */
  prefixes: { prefix: string; label: string; schema: JsonSchema | null }[];
}

export interface DriverStageContext {
  snapshot: ConfigSnapshot;
  general: GeneralSettings;
  tcpip: TcpipSettings;
  variables: readonly DeclaredVariable[];
  runtimeVariables?: RuntimeVariables;
  resolver: DriverResolver;
  show(path: string): string;
}

function isDriverConfigError(e: unknown): e is Error & { key?: string } {
  return e instanceof Error && e.name === 'DriverConfigError';
}

function describeOrigin(o: ValueOrigin, show: (p: string) => string): string {
  switch (o.kind) {
    case 'file':
      return `the key at ${show(o.file)}:${o.line}`;
    case 'config-string':
      return `config position ${o.position} at ${show(o.file)}:${o.line}`;
    case 'variable':
      return o.file ? `variable ${o.name} (${show(o.file)}:${o.line})` : `run-time variable ${o.name}`;
    case 'default':
      return 'the default';
  }
}

/** A DriverContext that does nothing: create() may read it, but nothing runs or is emitted. */
function inertContext(
  name: string, prefix: string, guidText: string | null, stateDir: string, listen: ListenAddress | undefined,
  lookup: (name: string) => DriverVariable | undefined, log: (level: string, message: string) => void,
): DriverContext {
  let guid = zeroGuid();
  try {
    if (guidText) guid = parseGuid(guidText, { strict: true });
  } catch {
    // invalid GUIDs are reported by the schema
  }
  const noop = (): (() => void) => () => {};
  let signal: AbortSignal | undefined;
  return {
    name,
    prefix,
    guid,
    log: {
      debug: () => {},
      info: () => {},
      warn: (m) => log('warn', m),
      error: (m) => log('error', m),
    },
    // A fresh signal that is never aborted: create() must not see a stopping driver. Made when
    // first read: most drivers never look at it while checking.
    get signal(): AbortSignal {
      return (signal ??= new AbortController().signal);
    },
    stopTimeoutMs: 5000,
    scheduler: { setTimeout: noop, setInterval: noop, cron: noop },
    variables: {
      get: (n) => lookup(n),
      prefixed: (suffix) => lookup(`${prefix}_${suffix}`),
      set: () => {},
    },
    stateDir,
    emit: () => false,
    setHealth: () => {},
    fail: () => {},
    localCredentials: () => ({ host: listen && listen.host !== '0.0.0.0' ? listen.host : '127.0.0.1', port: listen?.port ?? 9598, user: 'drv_check', password: '' }),
  };
}

/** What one driver section contributes to the driver stage. */
interface DriverOutcome {
  check?: DriverCheck;
  problems: Problem[];
  /** Declared variables this driver reads as a setting. */
  claimed: string[];
  failed: boolean;
  prefix?: DriversResult['prefixes'][number];
  /** The schema run-time values were matched against, when the check got that far. */
  layeredWith?: JsonSchema;
}

type RuntimeValue = { type: number; value: string };

/**
 * Everything one driver section is checked against besides its own entries. A memoised outcome
 * is reused only when the fields are equal to those it was computed from and each read it made
 * through the functions (file status, definition, variable by name) still gives the same answer.
 */
interface DriverInputs {
  baseDir: string;
  /** Folder of the variable file (relative paths in run-time values). */
  variableBase: string;
  clientBufferSize: number;
  generalGuid: string | null;
  stateDir: string;
  listen: ListenAddress | undefined;
  /** Declared variables named `<PREFIX>_…`, in declaration order. */
  declared: readonly DeclaredVariable[];
  /** Run-time values named `<PREFIX>_…` (upper-case names), in the store's order. */
  runtime: readonly (readonly [string, RuntimeValue])[];
  fileStatus(path: string): FileStatus | undefined;
  load(kind: Exclude<DriverKind, 'exec'>, ref: string): Promise<DriverDefinition>;
  /** What {@link load} gives as text (the definition's and its schema's identity, or the error); a string once settled in this run. */
  loadAnswer(kind: Exclude<DriverKind, 'exec'>, ref: string): string | Promise<string>;
  /** Any variable by name, as the inert context's `variables.get` sees it. */
  lookup(name: string): DriverVariable | undefined;
  show(path: string): string;
}

/** One recorded read: what it asked and a text that is equal exactly when the answer is. */
type Read = { kind: 'status' | 'lookup'; arg: string; answer: string } | { kind: 'load'; arg: [Exclude<DriverKind, 'exec'>, string]; answer: string };

/** The inputs a memoised outcome was computed from (copies: later runs compare against them). */
interface MemoInputs {
  name: string;
  sectionName: string;
  entries: readonly ConfEntry[];
  baseDir: string;
  variableBase: string;
  clientBufferSize: number;
  generalGuid: string | null;
  stateDir: string;
  listen: readonly [string, number] | null;
  declared: readonly DeclaredVariable[];
  /**
   * The schema that decided which run-time values are settings (null: the check never got to
   * them), and those values: a run-time variable that is no setting (a driver's own state)
   * changes nothing.
   */
  runtimeSchema: JsonSchema | null;
  runtime: readonly (readonly [string, number, string])[];
}

interface MemoEntry {
  inputs: MemoInputs;
  outcome: DriverOutcome;
  reads: Read[];
}

/** The outcome of each section position (file and line) in recent runs. */
const memo = new RunMemo<MemoEntry>();
/** A number per object (driver definitions, schemas): identity as text. */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
function identity(o: object): number {
  let id = identities.get(o);
  if (id === undefined) identities.set(o, (id = nextIdentity++));
  return id;
}

const statusText = (st: FileStatus | undefined): string =>
  st ? `${+st.exists}${+st.isFile}${+st.readable}${+st.executable}` : '-';
const variableText = (v: DriverVariable | undefined): string => (v ? JSON.stringify([v.name, v.type, v.value]) : '-');
function memoInputs(name: string, section: ConfSection, inputs: DriverInputs): MemoInputs {
  return {
    name,
    sectionName: section.name,
    entries: lastingEntries(section),
    baseDir: inputs.baseDir,
    variableBase: inputs.variableBase,
    clientBufferSize: inputs.clientBufferSize,
    generalGuid: inputs.generalGuid,
    stateDir: inputs.stateDir,
    listen: inputs.listen ? [inputs.listen.host, inputs.listen.port] : null,
    declared: inputs.declared.slice(),
    runtimeSchema: null,
    runtime: [],
  };
}

/** The run-time values that are settings of the driver with this schema (the check skips the others). */
function settingValues(name: string, runtime: DriverInputs['runtime'], schema: JsonSchema | null): (readonly [string, number, string])[] {
  if (!schema || runtime.length === 0) return [];
  const skip = name.replace(/ /g, '_').toUpperCase().length + 1;
  return runtime.filter(([n]) => fieldSchema(schema, n.slice(skip).toLowerCase())).map(([n, r]) => [n, r.type, r.value] as const);
}

const sameDeclared = (a: DeclaredVariable, b: DeclaredVariable): boolean =>
  a === b || (a.name === b.name && a.type === b.type && a.value === b.value && (a.secret === true) === (b.secret === true)
    && a.origin.file === b.origin.file && a.origin.line === b.origin.line);

/** True when the memoised inputs are those of this run: every field the check reads, compared by value. */
function sameInputs(m: MemoInputs, name: string, section: ConfSection, inputs: DriverInputs): boolean {
  if (m.name !== name || m.sectionName !== section.name || m.baseDir !== inputs.baseDir || m.variableBase !== inputs.variableBase
    || m.clientBufferSize !== inputs.clientBufferSize || m.generalGuid !== inputs.generalGuid || m.stateDir !== inputs.stateDir) return false;
  if (inputs.listen ? !m.listen || m.listen[0] !== inputs.listen.host || m.listen[1] !== inputs.listen.port : m.listen !== null) return false;
  if (m.declared.length !== inputs.declared.length || !sameEntries(m.entries, section.entries)) return false;
  for (let i = 0; i < m.declared.length; i++) if (!sameDeclared(m.declared[i]!, inputs.declared[i]!)) return false;
  const runtime = settingValues(name, inputs.runtime, m.runtimeSchema);
  if (runtime.length !== m.runtime.length) return false;
  for (let i = 0; i < runtime.length; i++) {
    const a = m.runtime[i]!;
    const b = runtime[i]!;
    if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2]) return false;
  }
  return true;
}

/** True when every recorded read still gives the same answer; waits only for a definition not yet loaded in this run. */
function readsStillHold(reads: readonly Read[], inputs: DriverInputs, from = 0): boolean | Promise<boolean> {
  for (let i = from; i < reads.length; i++) {
    const r = reads[i]!;
    if (r.kind === 'load') {
      const answer = inputs.loadAnswer(r.arg[0], r.arg[1]);
      if (typeof answer !== 'string') return answer.then((a) => a === r.answer && readsStillHold(reads, inputs, i + 1));
      if (answer !== r.answer) return false;
    } else if ((r.kind === 'status' ? statusText(inputs.fileStatus(r.arg)) : variableText(inputs.lookup(r.arg))) !== r.answer) {
      return false;
    }
  }
  return true;
}

/** Freezes effective values (their values are plain data: a default may be an object). */
function freezeEffective(values: Record<string, EffectiveValue>): void {
  for (const k in values) {
    const e = values[k]!;
    if (typeof e.value === 'object') deepFreeze(e.value);
    Object.freeze(e.origin);
    if (e.shadows) {
      for (const o of e.shadows) Object.freeze(o);
      Object.freeze(e.shadows);
    }
    Object.freeze(e);
  }
  Object.freeze(values);
}

/**
 * What a run hands out of a memoised outcome: the effective values, origins and resources are
 * shared (frozen); the desired record and its settings, which the driver host passes to the
 * driver, are the run's own.
 */
function handOut(o: DriverOutcome): DriverOutcome {
  const out: DriverOutcome = { problems: o.problems.map((p) => ({ ...p })), claimed: o.claimed, failed: o.failed };
  if (o.prefix) out.prefix = o.prefix;
  const c = o.check;
  if (c) {
    const d = c.desired;
    // The fields in the order checkDriver writes them.
    const desired: DriverDesired = {
      name: d.name, prefix: d.prefix, kind: d.kind, ref: d.ref, enable: d.enable, guid: d.guid, queueSize: d.queueSize,
      settings: { ...d.settings }, effective: d.effective, origin: d.origin, legacyConfig: d.legacyConfig, commonEffective: d.commonEffective, hash: d.hash,
    };
    out.check = c.schema ? { desired, resources: c.resources, schema: c.schema } : { desired, resources: c.resources };
  }
  return out;
}

/** Checks one driver section, reusing the outcome of an earlier run with the same inputs (at once when nothing needs loading). */
function memoisedDriver(name: string, section: ConfSection, inputs: DriverInputs): DriverOutcome | Promise<DriverOutcome> {
  const hit = memo.get(section.file, section.line);
  if (!hit || !sameInputs(hit.inputs, name, section, inputs)) return computeDriver(name, section, inputs);
  const held = readsStillHold(hit.reads, inputs);
  if (held === true) return handOut(hit.outcome);
  if (held === false) return computeDriver(name, section, inputs);
  return held.then((ok) => (ok ? handOut(hit.outcome) : computeDriver(name, section, inputs)));
}

async function computeDriver(name: string, section: ConfSection, inputs: DriverInputs): Promise<DriverOutcome> {
  const reads: Read[] = [];
  const recording: DriverInputs = {
    baseDir: inputs.baseDir, variableBase: inputs.variableBase, clientBufferSize: inputs.clientBufferSize, generalGuid: inputs.generalGuid,
    stateDir: inputs.stateDir, listen: inputs.listen, declared: inputs.declared, runtime: inputs.runtime, loadAnswer: inputs.loadAnswer, show: inputs.show,
    fileStatus: (p) => {
      const st = inputs.fileStatus(p);
      reads.push({ kind: 'status', arg: p, answer: statusText(st) });
      return st;
    },
    lookup: (n) => {
      const v = inputs.lookup(n);
      reads.push({ kind: 'lookup', arg: n, answer: variableText(v) });
      return v;
    },
    load: async (kind, ref) => {
      const read: Read = { kind: 'load', arg: [kind, ref], answer: '' };
      reads.push(read);
      read.answer = await inputs.loadAnswer(kind, ref);
      return inputs.load(kind, ref);
    },
  };
  const memoised = memoInputs(name, section, inputs);
  const outcome = await checkDriver(name, section, recording);
  memoised.runtimeSchema = outcome.layeredWith ?? null;
  memoised.runtime = settingValues(name, inputs.runtime, memoised.runtimeSchema);
  // Shared between runs from now on, so frozen; the settings are not (each run copies them), nor
  // the driver's schema (the definition's own).
  if (outcome.check) {
    const { desired } = outcome.check;
    freezeEffective(desired.effective);
    if (desired.commonEffective) freezeEffective(desired.commonEffective);
    Object.freeze(desired.origin);
    Object.freeze(desired);
    outcome.check.resources = deepFreeze(outcome.check.resources.map((r) => ({ ...r })));
    Object.freeze(outcome.check);
  }
  for (const p of outcome.problems) Object.freeze(p);
  Object.freeze(outcome.problems);
  Object.freeze(outcome.claimed);
  if (outcome.prefix) Object.freeze(outcome.prefix);
  memo.set(section.file, { inputs: memoised, outcome, reads }, section.line);
  return handOut(outcome);
}

/** Values of a map whose names start with one of `prefixes` + `_`, grouped by that prefix (upper-case), in map order. */
function byPrefix<V>(names: Iterable<[string, V]>, prefixes: ReadonlySet<string>): Map<string, [string, V][]> {
  const out = new Map<string, [string, V][]>();
  for (const entry of names) {
    const n = entry[0];
    for (let i = n.indexOf('_'); i >= 0; i = n.indexOf('_', i + 1)) {
      const p = n.slice(0, i);
      if (!prefixes.has(p)) continue;
      let list = out.get(p);
      if (!list) out.set(p, (list = []));
      list.push(entry);
    }
  }
  return out;
}

export async function resolveDrivers(sections: readonly NamedSection[], ctx: DriverStageContext): Promise<DriversResult> {
  const problems: Problem[] = [];
  const drivers: DriverCheck[] = [];
  const claimed = new Set<string>();
  const failed = new Set<string>();
  const prefixes: DriversResult['prefixes'] = [];
  const { snapshot } = ctx;
  const declaredByName = new Map(ctx.variables.map((v) => [v.name, v]));
  const runtime = new Map<string, RuntimeValue>();
  for (const [n, v] of ctx.runtimeVariables ?? []) runtime.set(n.toUpperCase(), v);
  const lookup = (n: string): DriverVariable | undefined => {
    const key = n.toUpperCase();
    const r = runtime.get(key);
    if (r) return { name: key, type: r.type, value: r.value };
    const d = declaredByName.get(key);
    return d ? { name: key, type: d.type, value: d.value } : undefined;
  };
  // Each driver reads the variables named after its prefix: find them once, not once per driver.
  const upperPrefixes = new Set(sections.map(({ name }) => name.replace(/ /g, '_').toUpperCase()));
  const declaredByPrefix = byPrefix(ctx.variables.map((v) => [v.name, v] as [string, DeclaredVariable]), upperPrefixes);
  const runtimeByPrefix = byPrefix(runtime, upperPrefixes);
  // One load per definition and run, however many sections name it.
  const loads = new Map<string, Promise<DriverDefinition>>();
  const load = (kind: Exclude<DriverKind, 'exec'>, ref: string): Promise<DriverDefinition> => {
    const k = `${kind}\u0000${ref}`;
    let p = loads.get(k);
    if (!p) {
      try {
        p = Promise.resolve(ctx.resolver.load(kind, ref));
      } catch (e) {
        p = Promise.reject(e as Error);
      }
      p.catch(() => {});
      loads.set(k, p);
    }
    return p;
  };
  const answers = new Map<string, string | Promise<string>>();
  const loadAnswer = (kind: Exclude<DriverKind, 'exec'>, ref: string): string | Promise<string> => {
    const k = `${kind}\u0000${ref}`;
    let answer = answers.get(k);
    if (answer === undefined) {
      const pending = load(kind, ref).then(
        (d) => `${identity(d)}:${typeof d.schema === 'object' && d.schema !== null ? identity(d.schema) : '-'}`,
        (e: unknown) => `!${(e as Error)?.message ?? String(e)}`,
      );
      answers.set(k, (answer = pending));
      void pending.then((text) => answers.set(k, text));
    }
    return answer;
  };
  const baseDir = snapshot.baseDir;
  const variableBase = snapshot.variableFile ? dirname(snapshot.variableFile.path) : snapshot.baseDir;
  const { clientBufferSize, guid: generalGuid, stateDir } = ctx.general;
  const listen = ctx.tcpip.listen[0];
  const fileStatus = (p: string): FileStatus | undefined => snapshot.fileStatus.get(p);
  const show = ctx.show;

  const run = memo.begin();
  try {
    for (const { name, section } of sections) {
      const upper = name.replace(/ /g, '_').toUpperCase();
      const declared = (declaredByPrefix.get(upper) ?? []).map(([, v]) => v);
      const runtime = runtimeByPrefix.get(upper) ?? [];
      const inputs: DriverInputs = {
        baseDir, variableBase, clientBufferSize, generalGuid, stateDir, listen, declared, runtime, fileStatus, load, loadAnswer, lookup, show,
      };
      const pending = memoisedDriver(name, section, inputs);
      const o = pending instanceof Promise ? await pending : pending;
      problems.push(...o.problems);
      for (const n of o.claimed) claimed.add(n);
      if (o.failed) failed.add(`driver.${name}`);
      if (o.prefix) prefixes.push(o.prefix);
      if (o.check) drivers.push(o.check);
    }
  } finally {
    memo.end(run);
  }
  return { drivers, problems, claimed, failed, prefixes };
}

/** Checks one driver section; reads nothing but the section and `inputs`. */
async function checkDriver(name: string, section: ConfSection, inputs: DriverInputs): Promise<DriverOutcome> {
  const problems: Problem[] = [];
  const claimed: string[] = [];
  const { show } = inputs;
  const label = `driver.${name}`;
  const header: SourceLocation = { file: section.file, line: section.line };
  const failed = (prefix?: DriverOutcome['prefix']): DriverOutcome => ({ problems, claimed, failed: true, ...(prefix ? { prefix } : {}) });
  const hasError = (): boolean => problems.some((p) => p.severity === 'error');
  const err = (where: { file?: string; line?: number }, message: string, key?: string): void => {
    problems.push({ severity: 'error', ...(where.file ? { file: where.file } : {}), ...(where.line ? { line: where.line } : {}), section: label, ...(key ? { key } : {}), message });
  };
  const warn = (where: { file?: string; line?: number }, message: string, key?: string): void => {
    problems.push({ severity: 'warning', ...(where.file ? { file: where.file } : {}), ...(where.line ? { line: where.line } : {}), section: label, ...(key ? { key } : {}), message });
  };
  const prefix = name.replace(/ /g, '_');

  // Common keys.
  const all = sectionInput(section);
  const commonValues = new Map([...all.values].filter(([k]) => COMMON_DRIVER_KEYS.has(k)));
  const commonBroken = new Set([...all.broken].filter((k) => COMMON_DRIVER_KEYS.has(k)));
  const common = validateSection(confSection('driver'), {
    label, where: header, values: commonValues, broken: commonBroken, allowUnknown: true, defaultBaseDir: inputs.baseDir,
  });
  problems.push(...common.problems);
  const driverEntry = section.entries.find((e) => e.key === 'driver');
  if (!driverEntry || driverEntry.broken || common.failed.has('driver')) return failed();
  const driverAt = { file: driverEntry.file, line: driverEntry.line };
  const ref = classifyDriverRef(driverEntry.value, dirname(driverEntry.file));
  if (ref.kind === 'invalid') {
    err(driverAt, `[${label}] driver: ${ref.message}`, 'driver');
    return failed();
  }

  const configEntry = section.entries.find((e) => e.key === 'config');
  const legacyConfig = configEntry && !configEntry.broken ? configEntry.value : '';
  const enable = common.values.enable !== false;
  let guid: string | null = null;
  try {
    guid = normaliseGuid(String(common.values.guid ?? ''));
  } catch {
    // reported by the schema
  }
  const queueSize = typeof common.values.queue_size === 'number' ? common.values.queue_size : inputs.clientBufferSize;
  const commonEffective: Record<string, EffectiveValue> = { ...common.effective };
  if (!('queue_size' in commonEffective)) {
    commonEffective.queue_size = { value: queueSize, origin: { kind: 'default' }, secret: false, reload: 'driver-restart' };
  }
  const own = sectionInput(section, COMMON_DRIVER_KEYS);

  if (ref.kind === 'exec') {
    if (ref.program) {
      const st = inputs.fileStatus(ref.program);
      const problem = !st?.exists ? 'does not exist' : !st.isFile ? 'is not a file' : !st.executable ? 'is not executable' : null;
      if (problem) err(driverAt, `[${label}] driver: program ${show(ref.program)} ${problem}`, 'driver');
    }
    // Claim every `<prefix>_…` variable: the program reads its own.
    const entry = { prefix, label, schema: null };
    for (const v of inputs.declared) claimed.push(v.name);
    if (own.broken.size || hasError()) return failed(entry);
    const settings: Record<string, unknown> = {};
    const effective: Record<string, EffectiveValue> = {};
    for (const [k, v] of own.values) {
      settings[k] = v.text;
      effective[k] = { value: v.text, origin: v.origin, secret: v.secret, reload: 'driver-restart' };
    }
    const desired: DriverDesired = {
      name, prefix, kind: 'exec', ref: ref.ref, enable, guid, queueSize, settings, effective, origin: header,
      legacyConfig, commonEffective, hash: '',
    };
    desired.hash = contentHash({ kind: 'exec', ref: ref.ref, enable, guid, queueSize, settings, legacyConfig });
    return { check: { desired, resources: [] }, problems, claimed, failed: false, prefix: entry };
  }

  // Built-in or module definition.
  if (ref.kind === 'module') {
    const st = inputs.fileStatus(ref.ref);
    if (!st?.exists || !st.isFile) {
      err(driverAt, `[${label}] driver: module ${show(ref.ref)} ${!st?.exists ? 'does not exist' : 'is not a file'}`, 'driver');
      return failed();
    }
  }
  let definition: DriverDefinition;
  try {
    definition = await inputs.load(ref.kind, ref.ref);
  } catch (e) {
    let message = (e as Error).message;
    const known = [...BUILTIN_DRIVER_IDS, ...PLANNED_DRIVER_IDS] as readonly string[];
    if (ref.kind === 'builtin' && !known.includes(ref.ref)) {
      const guess = closest(ref.ref, BUILTIN_DRIVER_IDS);
      if (guess) message += `; did you mean \`${guess}\`?`;
    }
    err(driverAt, `[${label}] driver: ${message}`, 'driver');
    return failed();
  }
  const compiled = driverSection(definition.schema);
  if ('error' in compiled) {
    err(driverAt, `[${label}] driver \`${definition.id}\` has a broken schema: ${compiled.error}`, 'driver');
    return failed();
  }

  const entry = { prefix, label, schema: definition.schema };
  const layered = new Map<string, InputValue>();
  const shadows = new Map<string, ValueOrigin[]>();
  const put = (key: string, v: InputValue): void => {
    const prev = layered.get(key);
    if (prev) {
      shadows.set(key, [...(shadows.get(key) ?? []), prev.origin]);
      // A value written in a file that a later file value replaces is stale: say so where it is.
      if (prev.origin.kind !== 'default' && !(v.origin.kind === 'variable' && v.origin.runtime)) {
        const at = locate(prev.origin, header);
        warn(at, `[${label}] ${key}${at.note}: overridden by ${describeOrigin(v.origin, show)}`, key);
      }
    }
    layered.set(key, v);
  };

  // Legacy positional config string. When it cannot be read, the keys it would set count as
  // present (not "missing"): the error at the config line says it all.
  const ownBroken = new Set(own.broken);
  if (legacyConfig.trim() !== '' && configEntry) {
    const base = { file: configEntry.file, line: configEntry.line };
    const positional = Array.isArray(definition.schema['x-positional']) ? (definition.schema['x-positional'] as string[]) : [];
    const position = (key: string): number => positional.indexOf(key) + 1;
    const fromString = (key: string, text: string, pos: number): void => {
      put(key.toLowerCase(), {
        text, secret: configEntry.secret, baseDir: dirname(configEntry.file),
        origin: { kind: 'config-string', file: configEntry.file, line: configEntry.line, position: pos },
      });
    };
    if (definition.parseLegacyConfig) {
      try {
        for (const [k, v] of Object.entries(definition.parseLegacyConfig(legacyConfig))) fromString(k, v, position(k.toLowerCase()));
      } catch (e) {
        const m = (e as Error).message;
        err(base, `[${label}] config: ${configEntry.secret ? 'the config string (from a reference) is not valid for this driver' : m.replace(/^config:\s*/, '')}`, 'config');
        positional.forEach((k) => ownBroken.add(k));
      }
    } else {
      const parts = legacyConfig.split(';');
      if (parts.length > positional.length) {
        err(base, `[${label}] config: has ${parts.length} positions; driver \`${definition.id}\` takes ${positional.length === 0 ? 'none' : `${positional.length}: ${positional.join(';')}`}`, 'config');
        positional.forEach((k) => ownBroken.add(k));
      } else {
        parts.forEach((p, i) => {
          if (p.trim() !== '') fromString(positional[i]!, p.trim(), i + 1);
        });
      }
    }
  }

  // Keys in the section.
  for (const [k, v] of own.values) put(k, v);

  // `<prefix>_<key>` variables: declared, then run-time values that differ.
  const upperPrefix = `${prefix.toUpperCase()}_`;
  const variableKeys = new Map<string, InputValue>();
  for (const v of inputs.declared) {
    const key = v.name.slice(upperPrefix.length).toLowerCase();
    if (!fieldSchema(definition.schema, key)) continue;
    claimed.push(v.name);
    variableKeys.set(key, {
      text: v.value, secret: v.secret === true, baseDir: dirname(v.origin.file),
      origin: { kind: 'variable', name: v.name, file: v.origin.file, line: v.origin.line },
    });
  }
  const declaredHere = new Map(inputs.declared.map((v) => [v.name, v]));
  const layeredWith = definition.schema;
  for (const [n, r] of inputs.runtime) {
    const key = n.slice(upperPrefix.length).toLowerCase();
    if (!fieldSchema(definition.schema, key)) continue;
    const declared = declaredHere.get(n);
    if (declared && declared.value === r.value) continue;
    variableKeys.set(key, { text: r.value, secret: false, baseDir: inputs.variableBase, origin: { kind: 'variable', name: n, runtime: true } });
  }
  for (const [k, v] of [...variableKeys].sort(([a], [b]) => (a < b ? -1 : 1))) put(k, v);

  const result = validateSection(compiled as CompiledSection, {
    label, where: header, values: layered, broken: ownBroken, defaultBaseDir: inputs.baseDir,
  });
  problems.push(...result.problems);
  for (const [k, e] of Object.entries(result.effective)) {
    const s = shadows.get(k);
    if (s) e.shadows = s;
  }
  if (own.broken.size || hasError()) return { ...failed(entry), layeredWith };

  // Let the driver check what the schema cannot, without starting anything.
  const settings = result.values as DriverSettings;
  const context = inertContext(name, prefix, guid ?? inputs.generalGuid, join(inputs.stateDir, 'drivers', prefix), inputs.listen, inputs.lookup, (level, m) => {
    warn(header, `[${label}] driver \`${definition.id}\` (${level}): ${m}`);
  });
  const reportDriverError = (e: unknown, stage: string): void => {
    const message = (e as Error)?.message ?? String(e);
    if (isDriverConfigError(e) && e.key) {
      const key = e.key.toLowerCase();
      const origin = result.effective[key]?.origin ?? (key === 'config' && configEntry ? { kind: 'file' as const, file: configEntry.file, line: configEntry.line } : undefined);
      const at = origin ? locate(origin, header) : { ...header, note: '' };
      const rest = message.startsWith(`${e.key}:`) || message.startsWith(`${key}:`) ? message.slice(message.indexOf(':') + 1).trim() : message;
      err(at, `[${label}] ${key}${at.note}: ${rest}`, key);
    } else if (isDriverConfigError(e)) {
      err(header, `[${label}] ${message}`);
    } else {
      err(header, `[${label}] driver \`${definition.id}\`: ${stage}: ${message}`);
    }
  };
  try {
    const instance = definition.create(context, settings) as unknown;
    if (instance && typeof (instance as { then?: unknown }).then === 'function') {
      (instance as Promise<unknown>).catch(() => {});
      err(header, `[${label}] driver \`${definition.id}\`: create() returned a promise; it must return the instance at once and open nothing`);
    }
  } catch (e) {
    reportDriverError(e, 'create');
  }
  let resources: DriverResource[] = [];
  try {
    resources = definition.resources?.(settings) ?? [];
  } catch (e) {
    reportDriverError(e, 'resources');
  }
  if (hasError()) return { ...failed(entry), layeredWith };
  const desired: DriverDesired = {
    name, prefix, kind: ref.kind, ref: ref.ref, enable, guid, queueSize, settings, effective: result.effective, origin: header,
    legacyConfig, commonEffective, hash: '',
  };
  desired.hash = contentHash({ kind: ref.kind, ref: ref.ref, enable, guid, queueSize, settings });
  return { check: { desired, resources, schema: definition.schema }, problems, claimed, failed: false, prefix: entry, layeredWith };
}
