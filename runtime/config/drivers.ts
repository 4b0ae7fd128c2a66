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
import type { ConfigSnapshot } from './read.js';
import {
  type CompiledSection, type InputValue, type JsonSchema, confSection, driverSection, fieldSchema, locate, validateSection,
} from './schema.js';
import { type NamedSection, sectionInput } from './sections.js';
import { closest } from './suggest.js';
import type {
  DeclaredVariable, DriverDesired, DriverKind, EffectiveValue, GeneralSettings, Problem, SourceLocation, TcpipSettings, ValueOrigin,
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
  name: string, prefix: string, guidText: string | null, stateDir: string, tcpip: TcpipSettings,
  lookup: (name: string) => DriverVariable | undefined, log: (level: string, message: string) => void,
): DriverContext {
  let guid = zeroGuid();
  try {
    if (guidText) guid = parseGuid(guidText, { strict: true });
  } catch {
    // invalid GUIDs are reported by the schema
  }
  const noop = (): (() => void) => () => {};
  const first = tcpip.listen[0];
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
    // A fresh signal that is never aborted: create() must not see a stopping driver.
    signal: new AbortController().signal,
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
    localCredentials: () => ({ host: first && first.host !== '0.0.0.0' ? first.host : '127.0.0.1', port: first?.port ?? 9598, user: 'drv_check', password: '' }),
  };
}

export async function resolveDrivers(sections: readonly NamedSection[], ctx: DriverStageContext): Promise<DriversResult> {
  const problems: Problem[] = [];
  const drivers: DriverCheck[] = [];
  const claimed = new Set<string>();
  const failed = new Set<string>();
  const prefixes: DriversResult['prefixes'] = [];
  const { snapshot, show } = ctx;
  const declaredByName = new Map(ctx.variables.map((v) => [v.name, v]));
  const runtime = new Map<string, { type: number; value: string }>();
  for (const [n, v] of ctx.runtimeVariables ?? []) runtime.set(n.toUpperCase(), v);
  const lookup = (n: string): DriverVariable | undefined => {
    const key = n.toUpperCase();
    const r = runtime.get(key);
    if (r) return { name: key, type: r.type, value: r.value };
    const d = declaredByName.get(key);
    return d ? { name: key, type: d.type, value: d.value } : undefined;
  };
  const variableBase = snapshot.variableFile ? dirname(snapshot.variableFile.path) : snapshot.baseDir;

  for (const { name, section } of sections) {
    const label = `driver.${name}`;
    const header: SourceLocation = { file: section.file, line: section.line };
    const count = problems.length;
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
      label, where: header, values: commonValues, broken: commonBroken, allowUnknown: true, defaultBaseDir: snapshot.baseDir,
    });
    problems.push(...common.problems);
    const driverEntry = section.entries.find((e) => e.key === 'driver');
    if (!driverEntry || driverEntry.broken || common.failed.has('driver')) {
      failed.add(label);
      continue;
    }
    const driverAt = { file: driverEntry.file, line: driverEntry.line };
    const ref = classifyDriverRef(driverEntry.value, dirname(driverEntry.file));
    if (ref.kind === 'invalid') {
      err(driverAt, `[${label}] driver: ${ref.message}`, 'driver');
      failed.add(label);
      continue;
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
    const queueSize = typeof common.values.queue_size === 'number' ? common.values.queue_size : ctx.general.clientBufferSize;
    const commonEffective: Record<string, EffectiveValue> = { ...common.effective };
    if (!('queue_size' in commonEffective)) {
      commonEffective.queue_size = { value: queueSize, origin: { kind: 'default' }, secret: false, reload: 'driver-restart' };
    }
    const own = sectionInput(section, COMMON_DRIVER_KEYS);

    if (ref.kind === 'exec') {
      if (ref.program) {
        const st = snapshot.fileStatus.get(ref.program);
        const problem = !st?.exists ? 'does not exist' : !st.isFile ? 'is not a file' : !st.executable ? 'is not executable' : null;
        if (problem) err(driverAt, `[${label}] driver: program ${show(ref.program)} ${problem}`, 'driver');
      }
      // Claim every `<prefix>_…` variable: the program reads its own.
      prefixes.push({ prefix, label, schema: null });
      for (const v of ctx.variables) if (v.name.startsWith(`${prefix.toUpperCase()}_`)) claimed.add(v.name);
      if (own.broken.size || problems.slice(count).some((p) => p.severity === 'error')) {
        failed.add(label);
        continue;
      }
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
      drivers.push({ desired, resources: [] });
      continue;
    }

    // Built-in or module definition.
    if (ref.kind === 'module') {
      const st = snapshot.fileStatus.get(ref.ref);
      if (!st?.exists || !st.isFile) {
        err(driverAt, `[${label}] driver: module ${show(ref.ref)} ${!st?.exists ? 'does not exist' : 'is not a file'}`, 'driver');
        failed.add(label);
        continue;
      }
    }
    let definition: DriverDefinition;
    try {
      definition = await ctx.resolver.load(ref.kind, ref.ref);
    } catch (e) {
      let message = (e as Error).message;
      const known = [...BUILTIN_DRIVER_IDS, ...PLANNED_DRIVER_IDS] as readonly string[];
      if (ref.kind === 'builtin' && !known.includes(ref.ref)) {
        const guess = closest(ref.ref, BUILTIN_DRIVER_IDS);
        if (guess) message += `; did you mean \`${guess}\`?`;
      }
      err(driverAt, `[${label}] driver: ${message}`, 'driver');
      failed.add(label);
      continue;
    }
    const compiled = driverSection(definition.schema);
    if ('error' in compiled) {
      err(driverAt, `[${label}] driver \`${definition.id}\` has a broken schema: ${compiled.error}`, 'driver');
      failed.add(label);
      continue;
    }

    prefixes.push({ prefix, label, schema: definition.schema });
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
    for (const v of ctx.variables) {
      if (!v.name.startsWith(upperPrefix)) continue;
      const key = v.name.slice(upperPrefix.length).toLowerCase();
      if (!fieldSchema(definition.schema, key)) continue;
      claimed.add(v.name);
      variableKeys.set(key, {
        text: v.value, secret: v.secret === true, baseDir: dirname(v.origin.file),
        origin: { kind: 'variable', name: v.name, file: v.origin.file, line: v.origin.line },
      });
    }
    for (const [n, r] of runtime) {
      if (!n.startsWith(upperPrefix)) continue;
      const key = n.slice(upperPrefix.length).toLowerCase();
      if (!fieldSchema(definition.schema, key)) continue;
      const declared = declaredByName.get(n);
      if (declared && declared.value === r.value) continue;
      variableKeys.set(key, { text: r.value, secret: false, baseDir: variableBase, origin: { kind: 'variable', name: n, runtime: true } });
    }
    for (const [k, v] of [...variableKeys].sort(([a], [b]) => (a < b ? -1 : 1))) put(k, v);

    const result = validateSection(compiled as CompiledSection, {
      label, where: header, values: layered, broken: ownBroken, defaultBaseDir: snapshot.baseDir,
    });
    problems.push(...result.problems);
    for (const [k, e] of Object.entries(result.effective)) {
      const s = shadows.get(k);
      if (s) e.shadows = s;
    }
    if (own.broken.size || problems.slice(count).some((p) => p.severity === 'error')) {
      failed.add(label);
      continue;
    }

    // Let the driver check what the schema cannot, without starting anything.
    const settings = result.values as DriverSettings;
    const context = inertContext(name, prefix, guid ?? ctx.general.guid, join(ctx.general.stateDir, 'drivers', prefix), ctx.tcpip, lookup, (level, m) => {
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
    if (problems.slice(count).some((p) => p.severity === 'error')) {
      failed.add(label);
      continue;
    }
    const desired: DriverDesired = {
      name, prefix, kind: ref.kind, ref: ref.ref, enable, guid, queueSize, settings, effective: result.effective, origin: header,
      legacyConfig, commonEffective, hash: '',
    };
    desired.hash = contentHash({ kind: ref.kind, ref: ref.ref, enable, guid, queueSize, settings });
    drivers.push({ desired, resources, schema: definition.schema });
  }
  return { drivers, problems, claimed, failed, prefixes };
}
