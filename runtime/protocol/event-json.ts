import { ProtocolError } from './errors.js';
import { type VscpEvent, MAX_DATA, validateEvent } from './event.js';
import { formatDateTime, parseDateTime } from './event-text.js';
import { formatGuid, parseGuid } from './guid.js';
import { parseVscpNumber } from './numbers.js';

/*
 * The JSON form of an event from vscp.h (v13):
 *   {"head":96,"obid":0,"datetime":"2019-01-02T03:04:05Z","timestamp":1000,"class":20,"type":3,
 *    "guid":"FF:…:01","data":[0,1,35],"note":""}
 * Written compact on one line (JSON Lines friendly), keys in that order, datetime as in the
 * event text form (empty when unset). Parsing is lenient about what other writers produce
 * (numbers as strings, decimal or 0x; data as an array or a "0x00,0x01" string; the later
 * vscpHead/vscpClass/… key names; missing optional fields) but strict about values.
 */

/** Longest JSON text accepted (a full 512-byte event with a long note stays far below). */
export const MAX_EVENT_JSON_LENGTH = 65536;

export interface EventJson {
  head: number;
  obid: number;
  datetime: string;
  timestamp: number;
  class: number;
  type: number;
  guid: string;
  data: number[];
  note: string;
}

export function eventToJsonObject(event: VscpEvent, note = ''): EventJson {
  return {
    head: event.head,
    obid: event.obid,
    datetime: formatDateTime(event.dateTime),
    timestamp: event.timestamp,
    class: event.vscpClass,
    type: event.vscpType,
    guid: formatGuid(event.guid),
    data: Array.from(event.data),
    note,
  };
}

/** One line of JSON, no trailing newline. */
export function formatEventJson(event: VscpEvent, note = ''): string {
  return JSON.stringify(eventToJsonObject(event, note));
}

export interface ParsedEventJson {
  event: VscpEvent;
  note: string;
}

const KEYS = {
  head: ['head', 'vscpHead'],
  obid: ['obid', 'vscpObid'],
  datetime: ['datetime', 'vscpDateTime'],
  timestamp: ['timestamp', 'vscpTimeStamp', 'vscpTimestamp'],
  class: ['class', 'vscpClass'],
  type: ['type', 'vscpType'],
  guid: ['guid', 'vscpGuid'],
  data: ['data', 'vscpData'],
  note: ['note', 'vscpNote'],
} as const;

function pick(obj: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
}

function num(value: unknown, what: string, max: number, required: boolean): number {
  if (value === undefined) {
    if (required) throw new ProtocolError(`event JSON has no "${what}"`);
    return 0;
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new ProtocolError(`event JSON "${what}": ${value} is out of range 0..${max}`);
    return value;
  }
  if (typeof value === 'string') {
    if (value.trim() === '' && !required) return 0;
    return parseVscpNumber(value, `event JSON "${what}"`, max);
  }
  throw new ProtocolError(`event JSON "${what}" must be a number, got ${typeof value}`);
}

function str(value: unknown, what: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new ProtocolError(`event JSON "${what}" must be a string, got ${typeof value}`);
  return value;
}

function data(value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  let items: unknown[];
  if (typeof value === 'string') items = value.trim() === '' ? [] : value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw new ProtocolError(`event JSON "data" must be an array of bytes, got ${typeof value}`);
  if (items.length > MAX_DATA) throw new ProtocolError(`event JSON "data" has ${items.length} bytes, at most ${MAX_DATA} are allowed`);
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = num(items[i], `data[${i}]`, 255, true);
  return out;
}

/** Parses the JSON form (text or an already parsed object). Throws ProtocolError saying what is wrong. */
export function parseEventJson(input: string | unknown): ParsedEventJson {
  let obj: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_EVENT_JSON_LENGTH) {
      throw new ProtocolError(`event JSON of ${input.length} characters is longer than ${MAX_EVENT_JSON_LENGTH}`);
    }
    try {
      obj = JSON.parse(input);
    } catch (e) {
      throw new ProtocolError(`event JSON is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new ProtocolError('event JSON must be an object with class and type');
  }
  const o = obj as Record<string, unknown>;
  let guid;
  try {
    guid = parseGuid(str(pick(o, KEYS.guid), 'guid'));
  } catch (e) {
    throw new ProtocolError(`event JSON "guid": ${(e as Error).message}`);
  }
  let dateTime;
  try {
    dateTime = parseDateTime(str(pick(o, KEYS.datetime), 'datetime'));
  } catch (e) {
    throw new ProtocolError(`event JSON "datetime": ${(e as Error).message}`);
  }
  const event: VscpEvent = {
    head: num(pick(o, KEYS.head), 'head', 0xffff, false),
    vscpClass: num(pick(o, KEYS.class), 'class', 0xffff, true),
    vscpType: num(pick(o, KEYS.type), 'type', 0xffff, true),
    obid: num(pick(o, KEYS.obid), 'obid', 0xffffffff, false),
    timestamp: num(pick(o, KEYS.timestamp), 'timestamp', 0xffffffff, false),
    dateTime,
    guid,
    data: data(pick(o, KEYS.data)),
  };
  validateEvent(event);
  return { event, note: str(pick(o, KEYS.note), 'note') };
}
