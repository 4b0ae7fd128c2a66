/*
 * Validation of INI sections against JSON Schemas (ajv, draft-07): text → typed values
 * (coercion), every error at the origin of the offending value, unknown keys with a
 * did-you-mean, defaults with their origin, and the annotation rules every schema follows.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ReloadClass } from '../drivers/contract.js';
import { packageRoot } from '../support/package-root.js';
import { FORMATS } from './formats.js';
import { closest } from './suggest.js';
import type { EffectiveValue, Problem, SourceLocation, ValueOrigin } from './types.js';

export type JsonSchema = Record<string, unknown>;

/** One value of a section before validation: its text, where it came from, how to show it. */
export interface InputValue {
  /** The text as written (after `${…}` references). */
  text: string;
  origin: ValueOrigin;
  /** Came from a reference: never shown. */
  secret: boolean;
  /** Folder a relative `path` value is resolved against. */
  baseDir: string;
}

export interface CompiledSection {
  schema: JsonSchema;
  validate: ValidateFunction;
}

export interface SectionInput {
  /** `general`, `user.admin`, `driver.mqtt1`: shown in messages as `[label]`. */
  label: string;
  /** The section header (for required keys and defaults). */
  where: SourceLocation;
  values: Map<string, InputValue>;
  /** Keys not in the schema are left alone (the common driver keys). */
  allowUnknown?: boolean;
  /** Keys that are present but broken (an unresolved reference): not validated, never "missing". */
  broken?: ReadonlySet<string>;
  /** Folder for relative `path` defaults. */
  defaultBaseDir: string;
}

export interface SectionResult {
  /** Valid typed values and defaults; keys that failed are absent. */
  values: Record<string, unknown>;
  effective: Record<string, EffectiveValue>;
  problems: Problem[];
  /** Keys that failed validation. */
  failed: Set<string>;
}

export const RELOAD_CLASSES: readonly ReloadClass[] = ['hot', 'driver-restart', 'daemon-restart'];

let ajvInstance: Ajv | undefined;

/** The one ajv instance: draft-07, all errors, our formats and `x-…` keywords. */
export function schemaAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  for (const [name, spec] of Object.entries(FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: (v: string) => spec.check(v) === null });
  }
  ajv.addKeyword({ keyword: 'x-reload', schemaType: 'string', metaSchema: { enum: RELOAD_CLASSES } });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-positional', schemaType: 'array', metaSchema: { type: 'array', items: { type: 'string' } } });
  ajv.addKeyword({ keyword: 'x-section', schemaType: 'string' });
  // How the reference shows a default that reads better in INI form (`0x744` for 1860).
  ajv.addKeyword({ keyword: 'x-default-text', schemaType: 'string' });
  const meta = join(packageRoot(), 'schema', 'meta');
  ajv.addSchema(readJson(join(meta, 'field-annotations.meta.json')));
  ajv.addSchema(readJson(join(meta, 'driver-schema.meta.json')));
  return (ajvInstance = ajv);
}

function readJson(path: string): JsonSchema {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
}

const schemaCache = new Map<string, JsonSchema>();

/** A schema of this package by file name (`vscpd-conf.schema.json`), parsed once. */
export function packageSchema(name: string): JsonSchema {
  let s = schemaCache.get(name);
  if (!s) {
    s = readJson(join(packageRoot(), 'schema', name));
    schemaCache.set(name, s);
  }
  return s;
}

const compiledGlobal = new Map<string, CompiledSection>();

/** A section schema of vscpd.conf (`general`, `tcpip`, `admin`, `automation`, `user`, `schedule`, `driver`). */
export function confSection(name: string): CompiledSection {
  let c = compiledGlobal.get(name);
  if (!c) {
    const defs = packageSchema('vscpd-conf.schema.json').definitions as Record<string, JsonSchema>;
    const schema = defs[name];
    if (!schema) throw new Error(`internal: no section schema ${name}`);
    c = { schema, validate: schemaAjv().compile(schema) };
    compiledGlobal.set(name, c);
  }
  return c;
}

/** The schema of one variable section of the variable file. */
export function variableSection(): CompiledSection {
  let c = compiledGlobal.get(':variable');
  if (!c) {
    const schema = (packageSchema('variables.schema.json').definitions as Record<string, JsonSchema>).variable!;
    c = { schema, validate: schemaAjv().compile(schema) };
    compiledGlobal.set(':variable', c);
  }
  return c;
}

const compiledDrivers = new WeakMap<object, CompiledSection | { error: string }>();

/** Compiles a driver's schema once per definition; checks the annotation rules first. */
export function driverSection(schema: JsonSchema): CompiledSection | { error: string } {
  let c = compiledDrivers.get(schema);
  if (!c) {
    const problems = checkSchemaAnnotations(schema, 'driver');
    if (problems.length) c = { error: problems.join('; ') };
    else {
      try {
        c = { schema, validate: schemaAjv().compile(schema) };
      } catch (e) {
        c = { error: `the schema does not compile: ${(e as Error).message}` };
      }
    }
    compiledDrivers.set(schema, c);
  }
  return c;
}

/**
 * The annotation rules (`schema/meta/*.meta.json`): every field has a description, a type and
 * `x-reload`; driver schemas also forbid unknown keys, the common driver keys and
 * `daemon-restart`, and `x-positional` must name fields. Returns readable problems.
 */
export function checkSchemaAnnotations(schema: JsonSchema, kind: 'section' | 'driver'): string[] {
  const ajv = schemaAjv();
  const validate = ajv.getSchema(kind === 'driver' ? 'vscpd:meta/driver-schema' : 'vscpd:meta/field-annotations')!;
  const out: string[] = [];
  if (!validate(schema)) {
    for (const e of validate.errors ?? []) {
      if (['anyOf', 'allOf', 'if', 'not'].includes(e.keyword)) continue;
      const path = e.instancePath.replace(/^\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
      const where = path === '' ? 'schema' : path;
      if (e.keyword === 'required') out.push(`${where}: missing ${String((e.params as { missingProperty: string }).missingProperty)}`);
      else if (e.keyword === 'propertyNames') out.push(`${where}: field name ${JSON.stringify((e.params as { propertyName: string }).propertyName)} is not allowed (lower-case names; not a common driver key)`);
      else if (e.keyword === 'enum' || e.keyword === 'const') out.push(`${where}: ${e.message ?? 'not allowed'} (${JSON.stringify((e.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)})`);
      else out.push(`${where}: ${e.message ?? e.keyword}`);
    }
  }
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const positional = schema['x-positional'];
  if (Array.isArray(positional)) {
    for (const p of positional) {
      if (typeof p === 'string' && !(p in props)) out.push(`x-positional: ${p} is not a field of the schema`);
    }
  }
  return [...new Set(out)];
}

const patternCache = new WeakMap<object, [RegExp, JsonSchema][]>();

/** The schema of one field: an exact property, else the first matching pattern property. */
export function fieldSchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, key)) return props[key];
  const patterns = schema.patternProperties as Record<string, JsonSchema> | undefined;
  if (!patterns) return undefined;
  let compiled = patternCache.get(patterns);
  if (!compiled) {
    compiled = Object.entries(patterns).map(([p, s]) => [new RegExp(p, 'u'), s]);
    patternCache.set(patterns, compiled);
  }
  for (const [re, s] of compiled) if (re.test(key)) return s;
  return undefined;
}

/**
 * Names a did-you-mean may offer for `key`: the exact properties, and for each pattern
 * property its literal stem with the key's trailing digits (`intervl1` → `interval1`).
 */
export function keyCandidates(schema: JsonSchema, key: string): string[] {
  const out = Object.keys((schema.properties ?? {}) as object);
  const digits = /[0-9]+$/.exec(key)?.[0] ?? '0';
  for (const pattern of Object.keys((schema.patternProperties ?? {}) as object)) {
    const stem = /^\^([A-Za-z0-9_]+?)[([][0-9|()[\]{},-]*\$$/.exec(pattern)?.[1];
    if (stem && fieldSchema(schema, stem + digits)) out.push(stem + digits);
  }
  return out;
}

function typesOf(field: JsonSchema): string[] {
  const t = field.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (Array.isArray(field.enum)) {
    const kinds = new Set(field.enum.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
    return [...kinds];
  }
  return ['string'];
}

const BOOL_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** Reads an INI integer: decimal or 0x-hex, optional sign. */
export function parseIniInteger(text: string): number | undefined {
  const t = text.trim();
  let n: number;
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) n = (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]/, '').slice(2), 16);
  else if (/^[+-]?[0-9]+$/.test(t)) n = Number(t);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseIniBoolean(text: string): boolean | undefined {
  return BOOL_WORDS[text.trim().toLowerCase()];
}

function parseIniNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/i.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return parseIniInteger(t);
}

export type Coerced = { ok: true; value: unknown } | { ok: false; allowed: string };

/** INI text → the field's type (tries each type of a type list in order). */
export function coerceText(text: string, field: JsonSchema): Coerced {
  const types = typesOf(field);
  for (const t of types) {
    if (t === 'string') {
      // Enumerated words match case-insensitively (`INFO` is `info`).
      const word = Array.isArray(field.enum) ? field.enum.find((e) => typeof e === 'string' && e.toLowerCase() === text.trim().toLowerCase()) : undefined;
      return { ok: true, value: typeof word === 'string' ? word : text };
    }
    if (t === 'integer') {
      const n = parseIniInteger(text);
      if (n !== undefined) return { ok: true, value: n };
    } else if (t === 'number') {
      const n = parseIniNumber(text);
      if (n !== undefined) return { ok: true, value: n };
    } else if (t === 'boolean') {
      const b = parseIniBoolean(text);
      if (b !== undefined) return { ok: true, value: b };
    }
  }
  const names: Record<string, string> = {
    integer: 'an integer (decimal or 0x-hex)',
    number: 'a number',
    boolean: 'true or false (also yes/no, on/off, 1/0)',
  };
  return { ok: false, allowed: types.map((t) => names[t] ?? t).join(' or ') };
}

/** How a value is quoted in a message; secrets never appear. */
export function showValue(v: InputValue | undefined, fallback?: unknown): string {
  if (v?.secret) return '[redacted]';
  const text = v ? v.text : typeof fallback === 'string' ? fallback : JSON.stringify(fallback);
  if (text === '') return 'an empty value';
  const short = text.length > 80 ? text.slice(0, 77) + '…' : text;
  return /[\s,"]/.test(short) ? JSON.stringify(short) : short;
}

/** `a, b or c` */
export function orList(items: readonly unknown[]): string {
  const s = items.map((i) => String(i));
  return s.length <= 1 ? (s[0] ?? '') : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`;
}

/** Where a problem about a value is reported, and the note naming a source that is not a key. */
export function locate(origin: ValueOrigin, header: SourceLocation): { file?: string; line?: number; note: string } {
  switch (origin.kind) {
    case 'file':
      return { file: origin.file, line: origin.line, note: '' };
    case 'config-string':
      return { file: origin.file, line: origin.line, note: origin.position > 0 ? ` (config position ${origin.position})` : ' (config string)' };
    case 'variable':
      return origin.file
        ? { file: origin.file, line: origin.line, note: ` (variable ${origin.name})` }
        : { note: ` (run-time variable ${origin.name})` };
    case 'default':
      return { file: header.file, line: header.line, note: ' (default)' };
  }
}

function boundsText(field: JsonSchema): string | null {
  const min = typeof field.minimum === 'number' ? field.minimum : undefined;
  const max = typeof field.maximum === 'number' ? field.maximum : undefined;
  const xmin = typeof field.exclusiveMinimum === 'number' ? field.exclusiveMinimum : undefined;
  const xmax = typeof field.exclusiveMaximum === 'number' ? field.exclusiveMaximum : undefined;
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`;
  if (min !== undefined) parts.push(`at least ${min}`);
  if (xmin !== undefined) parts.push(`greater than ${xmin}`);
  if (max !== undefined) parts.push(`at most ${max}`);
  if (xmax !== undefined) parts.push(`less than ${xmax}`);
  return parts.length ? `must be ${parts.join(' and ')}` : null;
}

/** The message for one ajv error about a field (without the `[section] key:` lead). */
function describeError(e: ErrorObject, field: JsonSchema | undefined, value: InputValue | undefined, typed: unknown): string {
  const got = `got ${showValue(value, typed)}`;
  switch (e.keyword) {
    case 'enum':
      return `must be ${orList((e.params as { allowedValues: unknown[] }).allowedValues)}, ${got}`;
    case 'const':
      return `must be ${String((e.params as { allowedValue: unknown }).allowedValue)}, ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${(field && boundsText(field)) ?? e.message ?? 'out of range'}, ${got}`;
    case 'minLength': {
      const limit = (e.params as { limit: number }).limit;
      return limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters long, ${got}`;
    }
    case 'maxLength':
      return `must be at most ${(e.params as { limit: number }).limit} characters long, got ${typeof typed === 'string' ? typed.length : '?'}`;
    case 'pattern':
      return `must match ${String((e.params as { pattern: string }).pattern)}, ${got}`;
    case 'format': {
      const name = (e.params as { format: string }).format;
      const spec = FORMATS[name];
      if (!spec) return `must be a ${name}, ${got}`;
      if (value?.secret) return `must be ${spec.allowed}, ${got}`;
      const detail = typeof typed === 'string' ? spec.check(typed) : null;
      return `must be ${spec.allowed}; ${detail ?? got}`;
    }
    case 'type':
      return `must be ${String((e.params as { type: string }).type)}, ${got}`;
    case 'multipleOf':
      return `must be a multiple of ${String((e.params as { multipleOf: number }).multipleOf)}, ${got}`;
    default:
      return `${e.message ?? e.keyword}${value?.secret ? '' : `, ${got}`}`;
  }
}

function isPathField(field: JsonSchema | undefined): boolean {
  return field?.format === 'path';
}

/** A relative `path` value becomes absolute against the folder of the file it came from. */
export function resolvePathValue(value: string, baseDir: string): string {
  if (value === '') return value;
  return isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
}

function decodePointer(path: string): string {
  return path.replace(/^\//, '').split('/')[0]!.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Validates one section: unknown keys (did-you-mean), coercion, ajv, defaults. Every problem
 * names the origin of the value at fault; secrets are never shown.
 */
export function validateSection(compiled: CompiledSection, input: SectionInput): SectionResult {
  const { schema } = compiled;
  const problems: Problem[] = [];
  const failed = new Set<string>();
  const data: Record<string, unknown> = {};
  const header = input.where;
  const broken = input.broken ?? new Set<string>();

  const report = (key: string | undefined, origin: ValueOrigin | undefined, message: string): void => {
    const loc = origin ? locate(origin, header) : { file: header.file, line: header.line, note: '' };
    problems.push({
      severity: 'error',
      ...(loc.file ? { file: loc.file } : {}),
      ...(loc.line ? { line: loc.line } : {}),
      section: input.label,
      ...(key ? { key } : {}),
      message: `[${input.label}] ${key ? `${key}${loc.note}: ` : ''}${message}`,
    });
  };

  const known = Object.keys((schema.properties ?? {}) as object);
  // A secret field's value is never shown, wherever it came from.
  const shown = (key: string): InputValue | undefined => {
    const v = input.values.get(key);
    return v && !v.secret && fieldSchema(schema, key)?.['x-secret'] === true ? { ...v, secret: true } : v;
  };
  for (const [key, v] of input.values) {
    if (broken.has(key)) continue;
    const field = fieldSchema(schema, key);
    if (!field) {
      if (input.allowUnknown || schema.additionalProperties !== false) continue;
      const guess = closest(key, keyCandidates(schema, key));
      const patterns = Object.keys((schema.patternProperties ?? {}) as object);
      const allowed = known.length + patterns.length === 0
        ? 'this section takes no keys'
        : `allowed: ${[...known, ...patterns.map((p) => `/${p}/`)].join(', ')}`;
      report(key, v.origin, `unknown key${guess ? `; did you mean \`${guess}\`?` : `; ${allowed}`}`);
      failed.add(key);
      continue;
    }
    const coerced = coerceText(v.text, field);
    if (!coerced.ok) {
      report(key, v.origin, `must be ${coerced.allowed}, got ${showValue(shown(key))}`);
      failed.add(key);
      continue;
    }
    data[key] = coerced.value;
  }

  if (!compiled.validate(data)) {
    const seen = new Set<string>();
    for (const e of compiled.validate.errors ?? []) {
      if (e.instancePath === '') {
        if (e.keyword === 'required') {
          const missing = (e.params as { missingProperty: string }).missingProperty;
          if (broken.has(missing) || failed.has(missing)) continue;
          report(undefined, undefined, `missing required key \`${missing}\``);
        } else if (e.keyword === 'additionalProperties') {
          continue; // reported above with a did-you-mean
        } else if (!['anyOf', 'oneOf', 'if', 'then', 'else', 'not', 'allOf'].includes(e.keyword) || !problems.length) {
          report(undefined, undefined, e.message ?? e.keyword);
        }
        continue;
      }
      const key = decodePointer(e.instancePath);
      if (seen.has(key)) continue;
      seen.add(key);
      failed.add(key);
      const v = shown(key);
      report(key, v?.origin, describeError(e, fieldSchema(schema, key), v, data[key]));
    }
  }

  const values: Record<string, unknown> = {};
  const effective: Record<string, EffectiveValue> = {};
  for (const [key, value] of Object.entries(data)) {
    if (failed.has(key)) continue;
    const v = input.values.get(key)!;
    const field = fieldSchema(schema, key)!;
    const final = isPathField(field) && typeof value === 'string' ? resolvePathValue(value, v.baseDir) : value;
    values[key] = final;
    effective[key] = {
      value: final,
      origin: v.origin,
      secret: v.secret || field['x-secret'] === true,
      reload: reloadOf(field),
    };
  }
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, field] of Object.entries(props)) {
    if (key in values || failed.has(key) || broken.has(key) || !('default' in field)) continue;
    const value = isPathField(field) && typeof field.default === 'string' ? resolvePathValue(field.default, input.defaultBaseDir) : field.default;
    values[key] = value;
    effective[key] = { value, origin: { kind: 'default' }, secret: field['x-secret'] === true, reload: reloadOf(field) };
  }
  return { values, effective, problems, failed };
}

export function reloadOf(field: JsonSchema | undefined): ReloadClass {
  const r = field?.['x-reload'];
  return r === 'hot' || r === 'driver-restart' || r === 'daemon-restart' ? r : 'driver-restart';
}
