import { ProtocolError } from './errors.js';
import { type VscpDateTime, type VscpEvent, MAX_DATA, validateDateTime } from './event.js';
import { formatGuid, parseGuid } from './guid.js';
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
  return parseEventDetailed(text).event;
}
