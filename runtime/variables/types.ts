import {
  type VscpEvent,
  ProtocolError,
  formatData,
  formatEvent,
  formatGuid,
  parseData,
  parseEvent,
  parseGuid,
  zeroGuid,
} from '../protocol/index.js';

/*
 * Daemon variable types of vscpd v13 (`variablecodes.h`) and the canonical plain-text form of
 * each type's value. The store keeps values in this form; the TCP/IP layer decides how
 * string-class values travel (BASE64 or plain).
 *
 * Decisions (where v13 was loose or silent):
 * - int (3): 32-bit signed, -2147483648..2147483647. Decimal or 0x-hex (optional sign) in,
 *   decimal out. Out of range is an error, never wrapped.
 * - long (4): 64-bit signed, -9223372036854775808..9223372036854775807, held exactly as
 *   decimal text (bigint arithmetic), so values beyond Number's safe range are not rounded.
 * - double (5): any finite decimal or exponent number in, the shortest text that reads back
 *   to the same binary64 out (JavaScript's `String(n)`: `21.5`, `0.001`, `1e+21`), not v13's
 *   `%lf` (`21.500000`), which lost digits below 1e-6. strtod/atof read both. `-0` is `0`.
 * - measurement (6): `value,unit,sensoridx,zone,subzone`; value as a double; unit, sensor
 *   index, zone and subzone 0..255 (Level II measurements carry a full byte); missing trailing
 *   fields default to unit 0, index 0, zone 255, subzone 255.
 * - vscpclass (10), vscptype (11): 0..65535. timestamp (12): 0..4294967295 (u32 µs).
 * - datetime (13) `YYYY-MM-DDTHH:MM:SS`, date (14) `YYYY-MM-DD`, time (15) `HH:MM:SS`: UTC as
 *   in events; a space instead of `T`, a trailing `Z` and fractional seconds are accepted on
 *   input and dropped; impossible dates (Feb 30) are errors. Reset to "now" uses UTC.
 * - guid (8): 16 colon-separated hex bytes, written upper-case; empty or `-` is the all-zero GUID.
 * - data (9): comma-separated bytes (decimal or 0x), written `0x00,0x01,…`; empty = no bytes.
 * - event (7): the event text form, written as the daemon writes events.
 * - blob (16): BASE64; whitespace is removed and missing `=` padding added.
 * - other string-class types (1, 100–105, 200, 201, 300, 500–503): any text, kept as is.
 * - unassigned (0) holds no value; it is not accepted as a type token.
 */

export const VariableType = {
  UNASSIGNED: 0,
  STRING: 1,
  BOOL: 2,
  INT: 3,
  LONG: 4,
  DOUBLE: 5,
  MEASUREMENT: 6,
  EVENT: 7,
  GUID: 8,
  DATA: 9,
  VSCP_CLASS: 10,
  VSCP_TYPE: 11,
  TIMESTAMP: 12,
  DATETIME: 13,
  DATE: 14,
  TIME: 15,
  BLOB: 16,
  MIME: 100,
  HTML: 101,
  JAVASCRIPT: 102,
  JSON: 103,
  XML: 104,
  SQL: 105,
  LUA: 200,
  LUARES: 201,
  UX1: 300,
  DMROW: 500,
  DRIVER: 501,
  USER: 502,
  FILTER: 503,
} as const;

export type VariableTypeCode = number;

/** A variable type token or value that is not allowed; the message says what is. */
export class VariableValueError extends Error {
  override name = 'VariableValueError';
}

export const DEFAULT_VARIABLE_RIGHTS = 0x744;

interface TypeInfo {
  code: number;
  /** printed name, as v13 */
  name: string;
  /** lower-case token used in files */
  token: string;
  /** further accepted tokens (lower-case) */
  aliases: readonly string[];
  stringClass: boolean;
}

const TYPES: readonly TypeInfo[] = [
  { code: 0, name: 'Unassigned', token: 'unassigned', aliases: [], stringClass: false },
  { code: 1, name: 'String', token: 'string', aliases: [], stringClass: true },
  { code: 2, name: 'Boolean', token: 'bool', aliases: ['boolean'], stringClass: false },
  { code: 3, name: 'Integer', token: 'int', aliases: ['integer'], stringClass: false },
  { code: 4, name: 'Long', token: 'long', aliases: [], stringClass: false },
  { code: 5, name: 'Double', token: 'double', aliases: ['float'], stringClass: false },
  { code: 6, name: 'Measurement', token: 'measurement', aliases: [], stringClass: false },
  { code: 7, name: 'VscpEvent', token: 'event', aliases: ['vscpevent'], stringClass: false },
  { code: 8, name: 'VscpGuid', token: 'guid', aliases: ['eventguid', 'vscpguid'], stringClass: false },
  { code: 9, name: 'VscpData', token: 'data', aliases: ['eventdata', 'vscpdata'], stringClass: false },
  { code: 10, name: 'VscpClass', token: 'vscpclass', aliases: ['eventclass'], stringClass: false },
  { code: 11, name: 'VscpType', token: 'vscptype', aliases: ['eventtype'], stringClass: false },
  { code: 12, name: 'Timestamp', token: 'timestamp', aliases: ['eventtimestamp'], stringClass: false },
  { code: 13, name: 'DateTime', token: 'datetime', aliases: [], stringClass: false },
  { code: 14, name: 'Date', token: 'date', aliases: [], stringClass: false },
  { code: 15, name: 'Time', token: 'time', aliases: [], stringClass: false },
  { code: 16, name: 'BLOB', token: 'blob', aliases: [], stringClass: true },
  { code: 100, name: 'Mime', token: 'mime', aliases: [], stringClass: true },
  { code: 101, name: 'Html', token: 'html', aliases: [], stringClass: true },
  { code: 102, name: 'Javascript', token: 'javascript', aliases: [], stringClass: true },
  { code: 103, name: 'Json', token: 'json', aliases: [], stringClass: true },
  { code: 104, name: 'XML', token: 'xml', aliases: [], stringClass: true },
  { code: 105, name: 'SQL', token: 'sql', aliases: [], stringClass: true },
  { code: 200, name: 'LUA', token: 'lua', aliases: [], stringClass: true },
  { code: 201, name: 'LUARES', token: 'luares', aliases: ['lua_result'], stringClass: true },
  { code: 300, name: 'UX1', token: 'ux1', aliases: ['uxtype1', 'ux_type1'], stringClass: true },
  { code: 500, name: 'DMrow', token: 'dmrow', aliases: [], stringClass: true },
  { code: 501, name: 'Driver', token: 'driver', aliases: [], stringClass: true },
  { code: 502, name: 'User', token: 'user', aliases: [], stringClass: true },
  { code: 503, name: 'Filter', token: 'filter', aliases: [], stringClass: true },
];

const BY_CODE = new Map<number, TypeInfo>(TYPES.map((t) => [t.code, t]));
const BY_TOKEN = new Map<string, TypeInfo>();
for (const t of TYPES) {
  if (t.code === VariableType.UNASSIGNED) continue;
  BY_TOKEN.set(t.token, t);
  BY_TOKEN.set(t.name.toLowerCase(), t);
  for (const a of t.aliases) BY_TOKEN.set(a, t);
}
const ACCEPTED_TOKENS = TYPES.filter((t) => t.code !== 0).map((t) => t.token).join(', ');

export function isKnownVariableType(code: number): boolean {
  return BY_CODE.has(code);
}

function infoOf(code: VariableTypeCode): TypeInfo {
  const info = BY_CODE.get(code);
  if (!info) throw new VariableValueError(`variable type ${code} is unknown; allowed: ${ACCEPTED_TOKENS} or their codes`);
  return info;
}

/**
 * `'string'`, `'INT'`, `'integer'`, `'float'`, `'eventguid'`, `'3'`, `'0x03'` → type code.
 * Names match exactly (case-insensitive), so `luares` is 201, not 200 as v13's prefix match
 * gave. The printed names (`VscpEvent`, `Boolean`) are accepted too.
 */
export function variableTypeFromToken(token: string): VariableTypeCode {
  const t = token.trim().toLowerCase();
  if (/^(?:0x[0-9a-f]+|[0-9]+)$/.test(t)) {
    const code = t.startsWith('0x') ? parseInt(t.slice(2), 16) : parseInt(t, 10);
    if (code !== VariableType.UNASSIGNED && BY_CODE.has(code)) return code;
    throw new VariableValueError(`variable type ${token.trim()} is unknown; allowed: ${ACCEPTED_TOKENS} or their codes`);
  }
  const info = BY_TOKEN.get(t);
  if (!info) {
    throw new VariableValueError(`variable type "${token.trim()}" is unknown; allowed: ${ACCEPTED_TOKENS} or their codes`);
  }
  return info.code;
}

/** Printed name as v13 (`String`, `Boolean`, `Integer`, `Long`, `Double`, `Measurement`, `VscpEvent`, …). */
export function variableTypeName(code: VariableTypeCode): string {
  return infoOf(code).name;
}

/** Lower-case token used in files: `string`, `bool`, `int`, `long`, `double`, `measurement`, `event`, `guid`, `data`, … */
export function variableTypeToken(code: VariableTypeCode): string {
  return infoOf(code).token;
}

/** Types v13 stored BASE64 (1, 16, 100–105, 200, 201, 300, 500–503). */
export function isStringClassType(code: VariableTypeCode): boolean {
  return BY_CODE.get(code)?.stringClass ?? false;
}

// ---------------------------------------------------------------------------------------------
// values

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const INTEGER_RE = /^([+-]?)(?:0x([0-9a-f]+)|([0-9]+))$/i;
const DOUBLE_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/i;

function fail(type: VariableTypeCode, text: string, allowed: string): never {
  throw new VariableValueError(`${variableTypeToken(type)} value "${text}" is invalid; ${allowed}`);
}

/** Whole number in [min, max] as bigint, or undefined when the text is no whole number. */
function parseWhole(text: string): bigint | undefined {
  const m = INTEGER_RE.exec(text);
  if (!m) return undefined;
  const magnitude = m[2] !== undefined ? BigInt('0x' + m[2]) : BigInt(m[3]!);
  return m[1] === '-' ? -magnitude : magnitude;
}

function normalizeWhole(type: VariableTypeCode, text: string, min: bigint, max: bigint): string {
  const t = text.trim();
  const v = parseWhole(t);
  const allowed = `must be a whole number ${min}..${max} (decimal or 0x-hex)`;
  if (v === undefined || v < min || v > max) fail(type, text, allowed);
  return v.toString();
}

function parseDouble(type: VariableTypeCode, text: string, what = ''): number {
  const t = text.trim();
  const allowed = `${what}must be a finite decimal number such as 21.5, -0.25 or 1.5e-3`;
  if (!DOUBLE_RE.test(t)) fail(type, text, allowed);
  const v = Number(t);
  if (!Number.isFinite(v)) fail(type, text, allowed);
  return v;
}

function formatDouble(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

function normalizeBool(text: string): string {
  switch (text.trim().toLowerCase()) {
    case 'true': case 'yes': case 'on': case '1':
      return 'true';
    case 'false': case 'no': case 'off': case '0':
      return 'false';
    default:
      return fail(VariableType.BOOL, text, 'allowed: true, false, yes, no, on, off, 1, 0');
  }
}

function normalizeMeasurement(text: string): string {
  const type = VariableType.MEASUREMENT;
  const fields = text.split(',');
  const form = 'format value,unit,sensoridx,zone,subzone (unit, index, zone, subzone 0..255; defaults 0,0,255,255)';
  if (fields.length > 5) fail(type, text, form);
  const value = parseDouble(type, fields[0]!, 'value ');
  const defaults = [0, 0, 255, 255];
  const names = ['unit', 'sensoridx', 'zone', 'subzone'];
  const bytes = defaults.map((d, i) => {
    const tok = fields[i + 1];
    if (tok === undefined || tok.trim() === '') return d;
    const v = parseWhole(tok.trim());
    if (v === undefined || v < 0n || v > 255n) fail(type, text, `${names[i]} must be 0..255; ${form}`);
    return Number(v);
  });
  return [formatDouble(value), ...bytes].join(',');
}

function normalizeEvent(text: string): string {
  let event: VscpEvent;
  try {
    event = parseEvent(text);
  } catch (e) {
    return fail(VariableType.EVENT, text, `${(e as Error).message}`);
  }
  return formatEvent(event);
}

function normalizeGuid(text: string): string {
  const t = text.trim();
  if (t === '' || t === '-') return formatGuid(zeroGuid());
  try {
    return formatGuid(parseGuid(t, { strict: true }));
  } catch (e) {
    if (e instanceof ProtocolError) return fail(VariableType.GUID, text, 'must be 16 colon-separated hex bytes, or - for all zero');
    throw e;
  }
}

function normalizeData(text: string): string {
  try {
    return formatData(parseData(text, 'data'));
  } catch (e) {
    if (e instanceof ProtocolError) return fail(VariableType.DATA, text, `${e.message}; allowed: comma-separated bytes 0..255 (decimal or 0x-hex), at most 512`);
    throw e;
  }
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

const DATE_PART = '(\\d{4})-(\\d{1,2})-(\\d{1,2})';
const TIME_PART = '(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.\\d+)?)?';
const DATETIME_RE = new RegExp(`^${DATE_PART}[T ]${TIME_PART}Z?$`, 'i');
const DATE_RE = new RegExp(`^${DATE_PART}$`);
const TIME_RE = new RegExp(`^${TIME_PART}Z?$`, 'i');

function checkTime(type: VariableTypeCode, text: string, h: string, mi: string, s: string | undefined): string {
  const hour = Number(h), minute = Number(mi), second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) fail(type, text, 'time must be 00:00:00..23:59:59');
  return `${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
}

function checkDate(type: VariableTypeCode, text: string, y: string, mo: string, d: string): string {
  const year = Number(y), month = Number(mo), day = Number(d);
  if (!validDate(year, month, day)) fail(type, text, 'no such calendar date');
  return `${y}-${pad2(month)}-${pad2(day)}`;
}

function normalizeDateTime(type: VariableTypeCode, text: string): string {
  const t = text.trim();
  if (type === VariableType.DATETIME) {
    const m = DATETIME_RE.exec(t);
    if (!m) fail(type, text, 'format YYYY-MM-DDTHH:MM:SS (UTC)');
    return `${checkDate(type, text, m[1]!, m[2]!, m[3]!)}T${checkTime(type, text, m[4]!, m[5]!, m[6])}`;
  }
  if (type === VariableType.DATE) {
    const m = DATE_RE.exec(t);
    if (!m) fail(type, text, 'format YYYY-MM-DD');
    return checkDate(type, text, m[1]!, m[2]!, m[3]!);
  }
  const m = TIME_RE.exec(t);
  if (!m) fail(type, text, 'format HH:MM:SS');
  return checkTime(type, text, m[1]!, m[2]!, m[3]);
}

function normalizeBlob(text: string): string {
  const t = text.replace(/\s+/g, '');
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 !== 1 && (!t.includes('=') || t.length % 4 === 0);
  if (!ok) fail(VariableType.BLOB, text.length > 40 ? text.slice(0, 40) + '…' : text, 'must be BASE64 (A-Z, a-z, 0-9, +, /, = padding)');
  return t + '='.repeat((4 - (t.length % 4)) % 4);
}

/**
 * Validates a plain-text value for the type and returns its canonical text form (see the
 * decisions at the top of this file). Throws {@link VariableValueError} saying what is allowed.
 */
export function normalizeVariableValue(type: VariableTypeCode, text: string): string {
  const info = infoOf(type);
  switch (type) {
    case VariableType.UNASSIGNED:
      throw new VariableValueError('a variable of type unassigned holds no value; give it a type');
    case VariableType.BOOL:
      return normalizeBool(text);
    case VariableType.INT:
      return normalizeWhole(type, text, BigInt(INT_MIN), BigInt(INT_MAX));
    case VariableType.LONG:
      return normalizeWhole(type, text, LONG_MIN, LONG_MAX);
    case VariableType.DOUBLE:
      return formatDouble(parseDouble(type, text));
    case VariableType.MEASUREMENT:
      return normalizeMeasurement(text);
    case VariableType.EVENT:
      return normalizeEvent(text);
    case VariableType.GUID:
      return normalizeGuid(text);
    case VariableType.DATA:
      return normalizeData(text);
    case VariableType.VSCP_CLASS:
    case VariableType.VSCP_TYPE:
      return normalizeWhole(type, text, 0n, 0xffffn);
    case VariableType.TIMESTAMP:
      return normalizeWhole(type, text, 0n, 0xffffffffn);
    case VariableType.DATETIME:
    case VariableType.DATE:
    case VariableType.TIME:
      return normalizeDateTime(type, text);
    case VariableType.BLOB:
      return normalizeBlob(text);
    default:
      if (info.stringClass) return text;
      throw new VariableValueError(`variable type ${type} has no value rules`);
  }
}

/**
 * The value VAR RESET gives: string-class '' , bool 'false', numbers '0', measurement
 * '0,0,0,255,255', event the all-zero event, GUID all zero, data '', date/time now (UTC).
 */
export function resetVariableValue(type: VariableTypeCode, now: Date = new Date()): string {
  infoOf(type);
  const date = `${String(now.getUTCFullYear()).padStart(4, '0')}-${pad2(now.getUTCMonth() + 1)}-${pad2(now.getUTCDate())}`;
  const time = `${pad2(now.getUTCHours())}:${pad2(now.getUTCMinutes())}:${pad2(now.getUTCSeconds())}`;
  switch (type) {
    case VariableType.BOOL:
      return 'false';
    case VariableType.INT:
    case VariableType.LONG:
    case VariableType.DOUBLE:
    case VariableType.VSCP_CLASS:
    case VariableType.VSCP_TYPE:
    case VariableType.TIMESTAMP:
      return '0';
    case VariableType.MEASUREMENT:
      return '0,0,0,255,255';
    case VariableType.EVENT:
      return formatEvent({
        head: 0, vscpClass: 0, vscpType: 0, obid: 0, timestamp: 0, dateTime: null, guid: zeroGuid(), data: new Uint8Array(0),
      });
    case VariableType.GUID:
      return formatGuid(zeroGuid());
    case VariableType.DATETIME:
      return `${date}T${time}`;
    case VariableType.DATE:
      return date;
    case VariableType.TIME:
      return time;
    default:
      // unassigned, data and every string-class type
      return '';
  }
}

/**
 * Trims, upper-cases and replaces `;` `'` `"` `,` and space by `_` (v13 fixName). Empty names
 * and names with control characters (they would break the line-based protocol) are errors.
 */
export function normalizeVariableName(name: string): string {
  const n = name.trim().toUpperCase().replace(/[;'", ]/g, '_');
  if (n === '') throw new VariableValueError('variable name is empty');
  if (/[\u0000-\u001f\u007f]/.test(n)) {
    throw new VariableValueError(`variable name ${JSON.stringify(name)} contains a control character; allowed: printable characters`);
  }
  return n;
}
