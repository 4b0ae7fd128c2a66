import { CLASS1, CLASS2, LEVEL1_OVER_LEVEL2_OFFSET } from './classes.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, type VscpEventInit, PRIORITY_NORMAL, createEvent, withPriority } from './event.js';
import type { Guid } from './guid.js';

/*
 * Measurement payloads (vscp-protocol.md §4.1–4.2).
 *
 * CLASS1.MEASUREMENT data[0] is the data-coding byte: bits 7–5 coding, 4–3 unit, 2–0 sensor
 * index; data[1..7] the value. Encoders here follow the specification where v13's helpers were
 * buggy: floats are big-endian, negative numbers are two's complement, the normalized encoder
 * rounds instead of truncating and keeps up to 15 significant digits instead of `%g`'s 6.
 * Every out-of-range input (index > 7, unit > 3, a value that does not fit) is a ProtocolError,
 * never a silently wrapped byte.
 */

export type MeasurementCoding = 'bit' | 'byte' | 'string' | 'integer' | 'normalized' | 'float';

/** The 3-bit coding field (bits 7–5 of the data-coding byte) of each coding. */
export const CODING_BITS: Readonly<Record<MeasurementCoding, number>> = {
  bit: 0,
  byte: 1,
  string: 2,
  integer: 3,
  normalized: 4,
  float: 5,
};
const CODING_BY_BITS: readonly (MeasurementCoding | undefined)[] = ['bit', 'byte', 'string', 'integer', 'normalized', 'float', undefined, undefined];

/** Value bytes after the coding byte in CLASS1.MEASUREMENT (8 data bytes in all). */
export const MEASUREMENT_MAX_PAYLOAD = 7;
/** Value bytes after the coding byte in MEASUREZONE / SETVALUEZONE. */
export const MEASUREZONE_MAX_PAYLOAD = 4;
/** Longest ASCII number in CLASS2.MEASUREMENT_STR (512 − 4 header bytes, as the spec's 483 allows less). */
export const MEASUREMENT_STR_MAX_TEXT = 483;

export interface DataCodingByte {
  coding: MeasurementCoding;
  /** 0–3; 0 is the SI/default unit of the measurement type */
  unit: number;
  /** sensor index 0–7 */
  index: number;
}

function checkInt(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new ProtocolError(`${what} ${v} is out of range ${min}..${max}`);
}

/** The data-coding byte: coding bits 7–5, unit bits 4–3, sensor index bits 2–0. */
export function dataCodingByte(coding: MeasurementCoding, unit = 0, index = 0): number {
  const bits = CODING_BITS[coding];
  if (bits === undefined) throw new ProtocolError(`measurement coding "${String(coding)}" is unknown; allowed: ${Object.keys(CODING_BITS).join(', ')}`);
  checkInt('measurement unit', unit, 0, 3);
  checkInt('measurement sensor index', index, 0, 7);
  return (bits << 5) | (unit << 3) | index;
}

export function parseDataCodingByte(byte: number): DataCodingByte {
  checkInt('data-coding byte', byte, 0, 255);
  const coding = CODING_BY_BITS[byte >> 5];
  if (!coding) throw new ProtocolError(`data coding ${(byte >> 5).toString(2).padStart(3, '0')} (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}) is reserved`);
  return { coding, unit: (byte >> 3) & 3, index: byte & 7 };
}

// ---------------------------------------------------------------------------------------------
// exact decimal helpers: value = digits × 10^exp, digits a bigint

interface Decimal {
  digits: bigint;
  exp: number;
}

/** The shortest decimal that reads back to `v` (what `String(v)` shows), exactly. */
function decimalOf(v: number): Decimal {
  const [mant, e] = v.toExponential().split('e') as [string, string];
  const negative = mant.startsWith('-');
  const body = (negative ? mant.slice(1) : mant).replace('.', '');
  let digits = BigInt(body);
  let exp = Number(e) - (body.length - 1);
  while (digits !== 0n && digits % 10n === 0n) {
    digits /= 10n;
    exp++;
  }
  if (digits === 0n) exp = 0;
  return { digits: negative ? -digits : digits, exp };
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Divides by 10^n rounding half away from zero. */
function divRound(x: bigint, n: number): bigint {
  if (n <= 0) return x * 10n ** BigInt(-n);
  const d = 10n ** BigInt(n);
  const q = abs(x) / d;
  const r = abs(x) % d;
  const rounded = r * 2n >= d ? q + 1n : q;
  return x < 0n ? -rounded : rounded;
}

/** Number of bytes (1..) of the shortest big-endian two's complement form of x. */
function signedWidth(x: bigint): number {
  let n = 1;
  while (x < -(1n << BigInt(8 * n - 1)) || x >= 1n << BigInt(8 * n - 1)) n++;
  return n;
}

function writeSigned(x: bigint, width: number): number[] {
  const out = new Array<number>(width);
  let v = BigInt.asUintN(8 * width, x);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function readSigned(bytes: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i < to; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return BigInt.asIntN(8 * (to - from), v);
}

function readUnsigned(bytes: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i < to; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function checkFinite(value: number, coding: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProtocolError(`measurement value ${String(value)} cannot be coded as ${coding}: it must be a finite number`);
  }
}

// ---------------------------------------------------------------------------------------------
// value payloads (the bytes after the coding byte)

export interface EncodeOptions {
  /**
   * normalized: use exactly this many decimals (value rounded to them); string: this many
   * decimals (must fit). Default: as many as the value needs (shortest exact form).
   */
  decimals?: number;
  /**
   * string: fill all available characters with decimals (`20.9200`, `45.0000`) as the
   * original drivers' `%f` did, rounding the last digit instead of cutting it.
   */
  padDecimals?: boolean;
}

/** Normalized integer: exponent byte + signed big-endian mantissa of 1..maxPayload−1 bytes. */
export function encodeNormalized(value: number, maxPayload = MEASUREMENT_MAX_PAYLOAD, options: EncodeOptions = {}): number[] {
  checkFinite(value, 'normalized integer');
  const maxMantissa = maxPayload - 1;
  const limit = 1n << BigInt(8 * maxMantissa - 1);
  const fits = (m: bigint): boolean => m >= -limit && m < limit;
  const dec = decimalOf(value);
  let mantissa: bigint;
  let shift: number; // value = mantissa × 10^shift
  if (options.decimals !== undefined) {
    checkInt('normalized decimals', options.decimals, 0, 127);
    shift = -options.decimals;
    mantissa = divRound(dec.digits, shift - dec.exp);
    if (!fits(mantissa)) {
      throw new ProtocolError(`measurement value ${value} with ${options.decimals} decimals does not fit a ${maxMantissa}-byte normalized mantissa`);
    }
  } else if (dec.exp >= 0) {
    // whole number: mantissa × 10^0 while it fits, else scale with a positive exponent
    mantissa = dec.digits * 10n ** BigInt(dec.exp);
    shift = 0;
    if (!fits(mantissa)) {
      mantissa = dec.digits;
      shift = dec.exp;
      while (!fits(mantissa)) {
        mantissa = divRound(mantissa, 1);
        shift++;
      }
    }
  } else {
    // fraction: keep every digit that fits, rounding away the rest
    mantissa = dec.digits;
    shift = dec.exp;
    while (!fits(mantissa) || shift < -127) {
      mantissa = divRound(mantissa, 1);
      shift++;
    }
    if (mantissa === 0n && dec.digits !== 0n) {
      throw new ProtocolError(`measurement value ${value} is too small for a normalized integer (exponent beyond -127)`);
    }
    // rounding may leave trailing zeros (0.30000000000000004 → 3000…0 × 10^-14 → 3 × 10^-1)
    while (shift < 0 && mantissa % 10n === 0n) {
      mantissa /= 10n;
      shift++;
    }
  }
  if (shift > 127) throw new ProtocolError(`measurement value ${value} is too large for a normalized integer (exponent beyond 127)`);
  // A decimal-point shift left sets bit 7; no shift is written 0x80 as the original encoders did.
  const exponentByte = shift <= 0 ? 0x80 | -shift : shift;
  return [exponentByte, ...writeSigned(mantissa, signedWidth(mantissa))];
}

/** Two's complement big-endian, 1..maxPayload bytes; the value is rounded half away from zero. */
export function encodeInteger(value: number, maxPayload = MEASUREMENT_MAX_PAYLOAD): number[] {
  checkFinite(value, 'integer');
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  const x = BigInt(rounded);
  const width = signedWidth(x);
  if (width > maxPayload) throw new ProtocolError(`measurement value ${value} does not fit ${maxPayload} bytes of integer coding`);
  return writeSigned(x, width);
}

/** IEEE-754 binary32, big-endian. */
export function encodeFloat(value: number): number[] {
  checkFinite(value, 'single float');
  const f = Math.fround(value);
  if (!Number.isFinite(f)) throw new ProtocolError(`measurement value ${value} is outside the single float range`);
  if (f === 0 && value !== 0) throw new ProtocolError(`measurement value ${value} is too small for a single float`);
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f, false);
  return [view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3)];
}

function unsignedBytes(value: number, maxPayload: number, coding: string): number[] {
  if (!Number.isInteger(value) || value < 0) {
    throw new ProtocolError(`measurement value ${value} cannot be coded as ${coding}: it must be a whole number ≥ 0`);
  }
  let x = BigInt(value);
  const out: number[] = [];
  do {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  } while (x > 0n);
  if (out.length > maxPayload) throw new ProtocolError(`measurement value ${value} does not fit ${maxPayload} bytes of ${coding} coding`);
  return out;
}

/** Plain decimal text for a number (no exponent), as short as exact. */
export function plainDecimal(value: number): string {
  checkFinite(value, 'text');
  const { digits, exp } = decimalOf(value);
  const sign = digits < 0n ? '-' : '';
  const d = abs(digits).toString();
  if (exp >= 0) return sign + d + '0'.repeat(exp);
  const point = d.length + exp;
  return point > 0 ? `${sign}${d.slice(0, point)}.${d.slice(point)}` : `${sign}0.${'0'.repeat(-point)}${d}`;
}

function fixedDecimals(value: number, decimals: number): string {
  // exact decimal rounding half away from zero (toFixed rounds the binary value)
  const { digits, exp } = decimalOf(value);
  const scaled = divRound(digits, -decimals - exp);
  const negative = scaled < 0n;
  const s = abs(scaled).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return (negative ? '-' : '') + text;
}

/** ASCII number of at most `maxChars` characters (`.` point, optional `-`, exponent form when needed). */
export function encodeMeasurementText(value: number, maxChars = MEASUREMENT_MAX_PAYLOAD, options: EncodeOptions = {}): string {
  checkFinite(value, 'string');
  if (options.decimals !== undefined) {
    checkInt('string decimals', options.decimals, 0, 20);
    const t = fixedDecimals(value, options.decimals);
    if (t.length > maxChars) throw new ProtocolError(`measurement value ${value} with ${options.decimals} decimals needs ${t.length} characters, at most ${maxChars} fit`);
    return t;
  }
  const plain = plainDecimal(value);
  const intLen = plain.split('.')[0]!.length;
  if (intLen <= maxChars) {
    // as many decimals as fit (rounded), trailing zeros removed unless padding is asked for
    const room = Math.max(0, maxChars - intLen - 1);
    const fraction = plain.includes('.') ? plain.length - intLen - 1 : 0;
    let decimals = options.padDecimals ? room : Math.min(room, fraction);
    let t = fixedDecimals(value, decimals);
    // rounding may carry into a new integer digit (9.99999 → 10.0000)
    while (t.length > maxChars && decimals > 0) t = fixedDecimals(value, --decimals);
    if (!options.padDecimals && t.includes('.')) t = t.replace(/\.?0+$/, '');
    if (t === '-0') t = '0';
    if (t.length <= maxChars && !(Number(t) === 0 && value !== 0)) return t;
  }
  // exponent form, e.g. 1.5e9, 123e-5: as many mantissa digits as fit
  for (let p = 15; p >= 1; p--) {
    const [m, e] = value.toExponential(p - 1).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const t = `${mant}e${Number(e)}`;
    if (t.length <= maxChars) return t;
  }
  throw new ProtocolError(`measurement value ${value} cannot be written in ${maxChars} characters`);
}

function encodeString(value: number, maxPayload: number, options: EncodeOptions): number[] {
  const t = encodeMeasurementText(value, maxPayload, options);
  return Array.from(t, (c) => c.charCodeAt(0));
}

/** The value bytes for a coding (without the coding byte). */
export function encodeMeasurementValue(value: number, coding: MeasurementCoding, maxPayload = MEASUREMENT_MAX_PAYLOAD, options: EncodeOptions = {}): number[] {
  switch (coding) {
    case 'bit':
    case 'byte':
      return unsignedBytes(value, maxPayload, coding);
    case 'string':
      return encodeString(value, maxPayload, options);
    case 'integer':
      return encodeInteger(value, maxPayload);
    case 'normalized':
      if (maxPayload < 2) throw new ProtocolError('normalized coding needs at least 2 value bytes');
      return encodeNormalized(value, maxPayload, options);
    case 'float':
      if (maxPayload < 4) throw new ProtocolError('float coding needs 4 value bytes');
      return encodeFloat(value);
    default:
      throw new ProtocolError(`measurement coding "${String(coding)}" is unknown; allowed: ${Object.keys(CODING_BITS).join(', ')}`);
  }
}

export interface MeasurementOptions extends EncodeOptions {
  coding: MeasurementCoding;
  /** 0–3, default 0 (SI unit) */
  unit?: number;
  /** sensor index 0–7, default 0 */
  index?: number;
}

/**
 * CLASS1.MEASUREMENT data for a number in one call: coding byte + value bytes.
 * `encodeMeasurement(22.5, { coding: 'normalized', unit: 1 })` → `88 81 00 E1`.
 */
export function encodeMeasurement(value: number, options: MeasurementOptions): Uint8Array {
  const codingByte = dataCodingByte(options.coding, options.unit ?? 0, options.index ?? 0);
  return Uint8Array.from([codingByte, ...encodeMeasurementValue(value, options.coding, MEASUREMENT_MAX_PAYLOAD, options)]);
}

// ---------------------------------------------------------------------------------------------
// decoding

export interface DecodedMeasurement {
  coding: MeasurementCoding;
  unit: number;
  index: number;
  value: number;
  /** the ASCII text of string coding */
  text?: string;
}

const NUMBER_TEXT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function textValue(text: string, what: string): number {
  const t = text.trim();
  if (!NUMBER_TEXT_RE.test(t)) throw new ProtocolError(`${what} "${text}" is not a decimal number`);
  const v = Number(t);
  if (!Number.isFinite(v)) throw new ProtocolError(`${what} "${text}" is out of range`);
  return v;
}

function ascii(bytes: Uint8Array, from: number, to: number, what: string): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b === 0) break; // a NUL terminator some encoders added
    if (b < 0x20 || b > 0x7e) throw new ProtocolError(`${what} byte ${i} (0x${b.toString(16).toUpperCase().padStart(2, '0')}) is not printable ASCII`);
    s += String.fromCharCode(b);
  }
  return s;
}

/** Shortest decimal that reads back to the same binary32 (what the sender meant, not 20.920000076…). */
function float32Value(f: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

function readFloat32(bytes: Uint8Array, at: number, what: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 4);
  const f = view.getFloat32(0, false);
  if (!Number.isFinite(f)) throw new ProtocolError(`${what} is ${f} (not a finite number)`);
  return float32Value(f);
}

function readFloat64(bytes: Uint8Array, at: number, what: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const f = view.getFloat64(0, false);
  if (!Number.isFinite(f)) throw new ProtocolError(`${what} is ${f} (not a finite number)`);
  return f;
}

/** Decodes the value bytes `data[from..to)` of a coding. */
export function decodeMeasurementValue(coding: MeasurementCoding, data: Uint8Array, from = 1, to = data.length): { value: number; text?: string } {
  const n = to - from;
  switch (coding) {
    case 'bit':
    case 'byte':
      // an unsigned big-endian number (7 bytes exceed 2^53 and may round); `data` has the bits
      if (n < 1 || n > 7) throw new ProtocolError(`${coding} coding needs 1..7 value bytes, got ${n}`);
      return { value: Number(readUnsigned(data, from, to)) };
    case 'string': {
      if (n < 1) throw new ProtocolError('string coding has no characters');
      const text = ascii(data, from, to, 'string measurement');
      return { value: textValue(text, 'string measurement'), text };
    }
    case 'integer':
      if (n < 1 || n > 7) throw new ProtocolError(`integer coding needs 1..7 value bytes, got ${n}`);
      return { value: Number(readSigned(data, from, to)) };
    case 'normalized': {
      if (n < 2 || n > 7) throw new ProtocolError(`normalized coding needs an exponent byte and 1..6 mantissa bytes, got ${n} bytes`);
      const e = data[from]!;
      const mantissa = readSigned(data, from + 1, to);
      const shift = e & 0x80 ? -(e & 0x7f) : e & 0x7f;
      // the decimal text parsed once: correctly rounded, no 0.1-style error accumulation
      return { value: Number(`${mantissa}e${shift}`) };
    }
    case 'float':
      if (n !== 4) throw new ProtocolError(`float coding needs 4 value bytes, got ${n}`);
      return { value: readFloat32(data, from, 'float measurement') };
  }
}

/** Decodes CLASS1.MEASUREMENT data (coding byte + value); negative integers are sign-extended. */
export function decodeMeasurement(data: Uint8Array): DecodedMeasurement {
  if (data.length < 2) throw new ProtocolError(`measurement data has ${data.length} bytes; a coding byte and a value are needed`);
  if (data.length > 8) throw new ProtocolError(`measurement data has ${data.length} bytes, at most 8 are allowed`);
  const cb = parseDataCodingByte(data[0]!);
  return { ...cb, ...decodeMeasurementValue(cb.coding, data, 1, data.length) };
}

// ---------------------------------------------------------------------------------------------
// related measurement classes

/** CLASS1.MEASUREMENT64 (60): IEEE binary64, MSB first; unit default, sensor index 0. */
export function encodeMeasurement64(value: number): Uint8Array {
  checkFinite(value, 'double');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value, false);
  return out;
}

export function decodeMeasurement64(data: Uint8Array): number {
  if (data.length !== 8) throw new ProtocolError(`MEASUREMENT64 data must have 8 bytes, got ${data.length}`);
  return readFloat64(data, 0, 'MEASUREMENT64 value');
}

/** CLASS1.MEASUREMENT32 (70): IEEE binary32, MSB first. */
export function encodeMeasurement32(value: number): Uint8Array {
  return Uint8Array.from(encodeFloat(value));
}

export function decodeMeasurement32(data: Uint8Array): number {
  if (data.length !== 4) throw new ProtocolError(`MEASUREMENT32 data must have 4 bytes, got ${data.length}`);
  return readFloat32(data, 0, 'MEASUREMENT32 value');
}

export interface ZoneMeasurementOptions extends EncodeOptions {
  /** default 'normalized' (what the specification recommends for zone measurements) */
  coding?: MeasurementCoding;
  unit?: number;
  /** sensor index 0–255 */
  index?: number;
  zone?: number;
  subzone?: number;
}

export interface DecodedZoneMeasurement extends DecodedMeasurement {
  zone: number;
  subzone: number;
}

/**
 * CLASS1.MEASUREZONE (65) and CLASS1.SETVALUEZONE (85): [0] sensor index, [1] zone, [2]
 * subzone, [3] data-coding byte (its index bits 0: byte 0 holds the index), [4..7] value (≤ 4 bytes).
 */
export function encodeMeasurementZone(value: number, options: ZoneMeasurementOptions = {}): Uint8Array {
  const coding = options.coding ?? 'normalized';
  const index = options.index ?? 0;
  const zone = options.zone ?? 255;
  const subzone = options.subzone ?? 255;
  checkInt('sensor index', index, 0, 255);
  checkInt('zone', zone, 0, 255);
  checkInt('subzone', subzone, 0, 255);
  const codingByte = dataCodingByte(coding, options.unit ?? 0, 0);
  return Uint8Array.from([index, zone, subzone, codingByte, ...encodeMeasurementValue(value, coding, MEASUREZONE_MAX_PAYLOAD, options)]);
}

export function decodeMeasurementZone(data: Uint8Array): DecodedZoneMeasurement {
  if (data.length < 5 || data.length > 8) throw new ProtocolError(`zone measurement data must have 5..8 bytes, got ${data.length}`);
  const cb = parseDataCodingByte(data[3]!);
  return { coding: cb.coding, unit: cb.unit, index: data[0]!, zone: data[1]!, subzone: data[2]!, ...decodeMeasurementValue(cb.coding, data, 4, data.length) };
}

export interface Level2MeasurementOptions {
  /** 0–255 */
  unit?: number;
  /** 0–255 */
  index?: number;
  zone?: number;
  subzone?: number;
}

export interface DecodedLevel2Measurement {
  unit: number;
  index: number;
  zone: number;
  subzone: number;
  value: number;
  /** MEASUREMENT_STR only */
  text?: string;
}

function level2Header(options: Level2MeasurementOptions): number[] {
  const h = [options.index ?? 0, options.zone ?? 255, options.subzone ?? 255, options.unit ?? 0];
  checkInt('sensor index', h[0]!, 0, 255);
  checkInt('zone', h[1]!, 0, 255);
  checkInt('subzone', h[2]!, 0, 255);
  checkInt('unit', h[3]!, 0, 255);
  return h;
}

/**
 * CLASS2.MEASUREMENT_STR (1040): [0] sensor index, [1] zone, [2] subzone, [3] unit, [4..] ASCII
 * decimal number (`.` point, no exponent, no NUL terminator). A number given as text is
 * checked and sent as written.
 */
export function encodeMeasurementString(value: number | string, options: Level2MeasurementOptions = {}): Uint8Array {
  const text = typeof value === 'number' ? plainDecimal(value) : value.trim();
  if (typeof value === 'string') textValue(text, 'MEASUREMENT_STR value');
  if (text.length > MEASUREMENT_STR_MAX_TEXT) throw new ProtocolError(`MEASUREMENT_STR value has ${text.length} characters, at most ${MEASUREMENT_STR_MAX_TEXT} fit`);
  return Uint8Array.from([...level2Header(options), ...Array.from(text, (c) => c.charCodeAt(0))]);
}

export function decodeMeasurementString(data: Uint8Array): DecodedLevel2Measurement {
  if (data.length < 5) throw new ProtocolError(`MEASUREMENT_STR data must have at least 5 bytes, got ${data.length}`);
  const text = ascii(data, 4, data.length, 'MEASUREMENT_STR value');
  return { index: data[0]!, zone: data[1]!, subzone: data[2]!, unit: data[3]!, value: textValue(text, 'MEASUREMENT_STR value'), text };
}

/** CLASS2.MEASUREMENT_FLOAT (1060): [0] sensor index, [1] zone, [2] subzone, [3] unit, [4..11] binary64 MSB first. */
export function encodeMeasurementFloat(value: number, options: Level2MeasurementOptions = {}): Uint8Array {
  const out = new Uint8Array(12);
  out.set(level2Header(options), 0);
  out.set(encodeMeasurement64(value), 4);
  return out;
}

export function decodeMeasurementFloat(data: Uint8Array): DecodedLevel2Measurement {
  if (data.length !== 12) throw new ProtocolError(`MEASUREMENT_FLOAT data must have 12 bytes, got ${data.length}`);
  return { index: data[0]!, zone: data[1]!, subzone: data[2]!, unit: data[3]!, value: readFloat64(data, 4, 'MEASUREMENT_FLOAT value') };
}

// ---------------------------------------------------------------------------------------------
// whole events

const MEASUREMENT_CLASSES: ReadonlySet<number> = new Set([
  CLASS1.MEASUREMENT, CLASS1.MEASUREMENT64, CLASS1.MEASUREZONE, CLASS1.MEASUREMENT32, CLASS1.SETVALUEZONE,
  CLASS2.MEASUREMENT_STR, CLASS2.MEASUREMENT_FLOAT,
]);

/** True for the classes {@link decodeMeasurementEvent} understands (also as Level I over Level II, class + 512). */
export function isMeasurementClass(vscpClass: number): boolean {
  if (vscpClass >= LEVEL1_OVER_LEVEL2_OFFSET && vscpClass < 1024) return MEASUREMENT_CLASSES.has(vscpClass - LEVEL1_OVER_LEVEL2_OFFSET);
  return MEASUREMENT_CLASSES.has(vscpClass);
}

export interface MeasurementReading {
  /** the event's class with any Level I over Level II offset removed */
  vscpClass: number;
  /** measurement type (CLASS1.MEASUREMENT numbering) */
  vscpType: number;
  value: number;
  unit: number;
  index: number;
  /** 255 (all) when the class carries no zone */
  zone: number;
  subzone: number;
  /** absent for classes without a coding byte */
  coding?: MeasurementCoding;
  text?: string;
}

/** Reads the measurement of any measurement class; a ProtocolError for other classes or bad data. */
export function decodeMeasurementEvent(event: Pick<VscpEvent, 'vscpClass' | 'vscpType' | 'data'>): MeasurementReading {
  let cls = event.vscpClass;
  let data = event.data;
  if (cls >= LEVEL1_OVER_LEVEL2_OFFSET && cls < 1024) {
    if (data.length < 16) throw new ProtocolError(`class ${cls} needs a 16-byte destination GUID before the data, got ${data.length} bytes`);
    cls -= LEVEL1_OVER_LEVEL2_OFFSET;
    data = data.subarray(16);
  }
  const base = { vscpClass: cls, vscpType: event.vscpType };
  switch (cls) {
    case CLASS1.MEASUREMENT: {
      const m = decodeMeasurement(data);
      return { ...base, ...m, zone: 255, subzone: 255 };
    }
    case CLASS1.MEASUREMENT64:
      return { ...base, value: decodeMeasurement64(data), unit: 0, index: 0, zone: 255, subzone: 255 };
    case CLASS1.MEASUREMENT32:
      return { ...base, value: decodeMeasurement32(data), unit: 0, index: 0, zone: 255, subzone: 255 };
    case CLASS1.MEASUREZONE:
    case CLASS1.SETVALUEZONE:
      return { ...base, ...decodeMeasurementZone(data) };
    case CLASS2.MEASUREMENT_STR:
      return { ...base, ...decodeMeasurementString(data) };
    case CLASS2.MEASUREMENT_FLOAT:
      return { ...base, ...decodeMeasurementFloat(data) };
    default:
      throw new ProtocolError(`class ${event.vscpClass} is not a measurement class`);
  }
}

export interface MeasurementEventInit extends MeasurementOptions {
  /** measurement type, e.g. MEASUREMENT_TYPE.TEMPERATURE */
  vscpType: number;
  value: number;
  guid?: Guid;
  /** 0–7, default 3 (normal) */
  priority?: number;
  head?: number;
}

/** A complete CLASS1.MEASUREMENT event (head priority normal unless given). */
export function createMeasurementEvent(init: MeasurementEventInit): VscpEvent {
  checkInt('measurement type', init.vscpType, 0, 255);
  const head = withPriority(init.head ?? 0, init.priority ?? PRIORITY_NORMAL);
  const e: VscpEventInit = { head, vscpClass: CLASS1.MEASUREMENT, vscpType: init.vscpType, data: encodeMeasurement(init.value, init) };
  if (init.guid) e.guid = init.guid;
  return createEvent(e);
}
