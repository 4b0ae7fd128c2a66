import { ProtocolError } from './errors.js';
import { type VscpDateTime, type VscpEvent, MAX_DATA, isValidDateTime, validateDateTime } from './event.js';
import { type Guid, formatGuid, parseGuid } from './guid.js';
import { parseVscpNumber } from './numbers.js';

/*
 * The event text form used by TCP SEND/RETR, MQTT payloads and event variables:
 *   head,class,type,obid,datetime,timestamp,GUID[,data0,data1,…]
 * Writer: byte-identical to v13 (`0xNN` data, `Z` datetime, empty datetime when unset).
 * Parser: lenient about what clients of every era wrote, strict about values.
 */

const DATA_HEX: string[] = Array.from({ length: 256 }, (_, i) => ',0x' + i.toString(16).toUpperCase().padStart(2, '0'));

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export function formatDateTime(dt: VscpDateTime | null): string {
  if (!dt) return '';
  return `${String(dt.year).padStart(4, '0')}-${pad2(dt.month)}-${pad2(dt.day)}T${pad2(dt.hour)}:${pad2(dt.minute)}:${pad2(dt.second)}Z`;
}

/** Writes an event as the v13 daemon did (H10, H11); no trailing CRLF. */
export function formatEvent(event: VscpEvent): string {
  let s =
    event.head + ',' + event.vscpClass + ',' + event.vscpType + ',' + event.obid + ',' +
    formatDateTime(event.dateTime) + ',' + event.timestamp + ',' + formatGuid(event.guid);
  const data = event.data;
  for (let i = 0; i < data.length; i++) s += DATA_HEX[data[i]!]!;
  return s;
}

/** Data bytes as `0x00,0x01,…` (logger, variables). */
export function formatData(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i++) s += DATA_HEX[data[i]!]!;
  return s.slice(1);
}

/** Parses `0x00,1,…` into bytes; empty text gives no bytes. */
export function parseData(text: string, what = 'data'): Uint8Array {
  const t = text.trim();
  if (t === '') return new Uint8Array(0);
  const tokens = t.split(',');
  if (tokens.length > 0 && tokens[tokens.length - 1]!.trim() === '') tokens.pop();
  if (tokens.length > MAX_DATA) throw new ProtocolError(`${what} has ${tokens.length} bytes, at most ${MAX_DATA} are allowed`);
  const out = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.trim() === '') throw new ProtocolError(`${what} byte ${i} is empty`);
    out[i] = parseVscpNumber(tok, `${what} byte ${i}`, 255);
  }
  return out;
}

const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?Z?$/i;

/** `YYYY-MM-DDTHH:MM:SS` with optional fraction and `Z`; empty gives `null` (unset). */
export function parseDateTime(text: string): VscpDateTime | null {
  const t = text.trim();
  if (t === '') return null;
  const m = DATETIME_RE.exec(t);
  if (!m) throw new ProtocolError(`datetime "${text}" is not YYYY-MM-DDTHH:MM:SS (UTC, optional Z)`);
  const dt: VscpDateTime = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
  };
  validateDateTime(dt);
  return dt;
}

export interface ParsedEvent {
  event: VscpEvent;
  /** true when the line had the pre-1.12.20 layout without the datetime field */
  legacyLayout: boolean;
}

function looksLikeGuid(token: string | undefined): boolean {
  if (token === undefined) return false;
  const t = token.trim();
  return t.startsWith('-') || t.includes(':');
}

/**
 * Parses the event text form. Empty head/class/type/obid are 0; an empty datetime stays unset
 * and an empty timestamp 0, so the daemon fills in "now" on arrival (H12). The 6-field layout
 * of daemons before 1.12.20 (no datetime) is detected by where the GUID stands (H13) instead of
 * being misparsed.
 */
export function parseEventDetailed(text: string): ParsedEvent {
  const tokens = text.trim().split(',');
  if (tokens.length > 1 && tokens[tokens.length - 1]!.trim() === '') tokens.pop();
  const legacyLayout = tokens.length >= 6 && looksLikeGuid(tokens[5]) && !looksLikeGuid(tokens[6]);
  const headerCount = legacyLayout ? 6 : 7;
  if (tokens.length < headerCount) {
    throw new ProtocolError(
      `event "${text.trim()}" has ${tokens.length} fields; expected head,class,type,obid,datetime,timestamp,GUID[,data…]`,
    );
  }
  const num = (i: number, what: string, max: number): number => {
    const tok = tokens[i]!;
    return tok.trim() === '' ? 0 : parseVscpNumber(tok, what, max);
  };
  const head = num(0, 'head', 0xffff);
  const vscpClass = num(1, 'class', 0xffff);
  const vscpType = num(2, 'type', 0xffff);
  const obid = num(3, 'obid', 0xffffffff);
  const dateTime = legacyLayout ? null : parseDateTime(tokens[4]!);
  const timestamp = num(legacyLayout ? 4 : 5, 'timestamp', 0xffffffff);
  const guid = parseGuid(tokens[legacyLayout ? 5 : 6]!);
  const dataTokens = tokens.slice(headerCount);
  if (dataTokens.length > MAX_DATA) {
    throw new ProtocolError(`event has ${dataTokens.length} data bytes, at most ${MAX_DATA} are allowed`);
  }
  const data = new Uint8Array(dataTokens.length);
  for (let i = 0; i < dataTokens.length; i++) {
    const tok = dataTokens[i]!;
    if (tok.trim() === '') throw new ProtocolError(`data byte ${i} is empty`);
    data[i] = parseVscpNumber(tok, `data byte ${i}`, 255);
  }
  return { event: { head, vscpClass, vscpType, obid, timestamp, dateTime, guid, data }, legacyLayout };
}

export function parseEvent(text: string): VscpEvent {
  return parseEventFast(text) ?? parseEventDetailed(text).event;
}

// ---------------------------------------------------------------------------------------------
// Fast path for the lines clients and daemons actually send: one scan, no split, no regex,
// no per-token strings. It accepts a strict subset of the grammar (7-field layout, plain
// decimal or 0x numbers, empty or `YYYY-MM-DDTHH:MM:SS[Z]` datetime, `-`/empty/canonical
// GUID, no spaces, no trailing comma) and returns undefined for anything else, so the general
// parser above decides every other case and produces every error message.

const C_COMMA = 44, C_0 = 48, C_9 = 57, C_x = 120, C_X = 88, C_COLON = 58, C_DASH = 45;

/** Hex digit value of a char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Value of s[start, end) as decimal or 0x-hex within 0..max; empty → 0; -1 when not plain. */
function fastNumber(s: string, start: number, end: number, max: number): number {
  if (start === end) return 0;
  let v = 0;
  if (end - start > 2 && s.charCodeAt(start) === C_0 && (s.charCodeAt(start + 1) === C_x || s.charCodeAt(start + 1) === C_X)) {
    for (let i = start + 2; i < end; i++) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) return -1;
      v = v * 16 + d;
      if (v > max) return -1;
    }
    return v;
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < C_0 || c > C_9) return -1;
    v = v * 10 + (c - C_0);
    if (v > max) return -1;
  }
  return v;
}

function digits2(s: string, at: number): number {
  const a = s.charCodeAt(at) - C_0, b = s.charCodeAt(at + 1) - C_0;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DDTHH:MM:SS` with optional `Z` at s[start, end); null for empty; undefined if not that form. */
function fastDateTime(s: string, start: number, end: number): VscpDateTime | null | undefined {
  const n = end - start;
  if (n === 0) return null;
  if (n !== 19 && !(n === 20 && s.charCodeAt(start + 19) === 90 /* Z */)) return undefined;
  if (s.charCodeAt(start + 4) !== C_DASH || s.charCodeAt(start + 7) !== C_DASH || s.charCodeAt(start + 10) !== 84 /* T */ ||
      s.charCodeAt(start + 13) !== C_COLON || s.charCodeAt(start + 16) !== C_COLON) return undefined;
  const y1 = digits2(s, start), y2 = digits2(s, start + 2);
  const month = digits2(s, start + 5), day = digits2(s, start + 8);
  const hour = digits2(s, start + 11), minute = digits2(s, start + 14), second = digits2(s, start + 17);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  const dt: VscpDateTime = { year: y1 * 100 + y2, month, day, hour, minute, second };
  return isValidDateTime(dt) ? dt : undefined;
}

/** The canonical GUID form (47 chars, 2 hex digits per byte), `-` or empty; undefined otherwise. */
function fastGuid(s: string, start: number, end: number): Guid | undefined {
  const n = end - start;
  if (n === 0 || (n === 1 && s.charCodeAt(start) === C_DASH)) return new Uint8Array(16);
  if (n !== 47) return undefined;
  const g = new Uint8Array(16);
  for (let i = 0, at = start; i < 16; i++, at += 3) {
    const hi = hexDigit(s.charCodeAt(at)), lo = hexDigit(s.charCodeAt(at + 1));
    if (hi < 0 || lo < 0 || (i < 15 && s.charCodeAt(at + 2) !== C_COLON)) return undefined;
    g[i] = hi * 16 + lo;
  }
  return g;
}

const scratch = new Uint8Array(MAX_DATA);

/** The fast path of {@link parseEvent}; undefined when the general parser must decide. */
export function parseEventFast(text: string): VscpEvent | undefined {
  const len = text.length;
  if (len === 0 || text.charCodeAt(len - 1) <= 32 || text.charCodeAt(0) <= 32 || text.charCodeAt(len - 1) === C_COMMA) return undefined;
  let pos = 0;
  // head, class, type, obid
  let end = text.indexOf(',', pos);
  if (end < 0) return undefined;
  const head = fastNumber(text, pos, end, 0xffff);
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0 || head < 0) return undefined;
  const vscpClass = fastNumber(text, pos, end, 0xffff);
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0 || vscpClass < 0) return undefined;
  const vscpType = fastNumber(text, pos, end, 0xffff);
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0 || vscpType < 0) return undefined;
  const obid = fastNumber(text, pos, end, 0xffffffff);
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0 || obid < 0) return undefined;
  const dateTime = fastDateTime(text, pos, end);
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0 || dateTime === undefined) return undefined;
  const timestamp = fastNumber(text, pos, end, 0xffffffff);
  if (timestamp < 0) return undefined;
  pos = end + 1;
  end = text.indexOf(',', pos);
  if (end < 0) end = len;
  const guid = fastGuid(text, pos, end);
  if (guid === undefined) return undefined;
  let n = 0;
  while (end < len) {
    pos = end + 1;
    end = text.indexOf(',', pos);
    if (end < 0) end = len;
    if (pos === end || n === MAX_DATA) return undefined;
    const b = fastNumber(text, pos, end, 255);
    if (b < 0) return undefined;
    scratch[n++] = b;
  }
  return { head, vscpClass, vscpType, obid, timestamp, dateTime, guid, data: scratch.slice(0, n) };
}
