import { GUID_SIZE, type Guid, zeroGuid } from './guid.js';
import { ProtocolError } from './errors.js';

/** Level II: up to 512 data bytes (v13 `VSCP_LEVEL2_MAXDATA`). */
export const MAX_DATA = 512;
/** Level I: classes 0–511, types 0–255, at most 8 data bytes. */
export const LEVEL1_MAX_DATA = 8;

// head bits (v13 vscp.h)
export const HEAD_IPV6_GUID = 0x8000;
export const HEAD_DUMB = 0x4000;
export const HEAD_PRIORITY_MASK = 0xe0;
export const HEAD_HARD_CODED = 0x10;
export const HEAD_NO_CRC = 0x08;
export const PRIORITY_NORMAL = 3;

/** UTC date and time of an event; `null` on the event when not set (all-zero block). */
export interface VscpDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A Level II event: full 16-byte GUID, up to 512 data bytes. */
export interface VscpEvent {
  /** 16 bit: priority in bits 7–5 (0 highest), hard-coded bit 4, no-CRC bit 3. */
  head: number;
  /** 16 bit */
  vscpClass: number;
  /** 16 bit */
  vscpType: number;
  /** id of the client the event came from; set by the daemon on arrival */
  obid: number;
  /** relative time stamp in microseconds, 32 bit; 0 = let the daemon set it */
  timestamp: number;
  dateTime: VscpDateTime | null;
  guid: Guid;
  data: Uint8Array;
}

/** What a caller must give to make an event; everything else defaults to zero/empty. */
export interface VscpEventInit {
  head?: number;
  vscpClass: number;
  vscpType: number;
  obid?: number;
  timestamp?: number;
  dateTime?: VscpDateTime | null;
  guid?: Guid;
  data?: Uint8Array | readonly number[];
}

export function createEvent(init: VscpEventInit): VscpEvent {
  const event: VscpEvent = {
    head: init.head ?? 0,
    vscpClass: init.vscpClass,
    vscpType: init.vscpType,
    obid: init.obid ?? 0,
    timestamp: init.timestamp ?? 0,
    dateTime: init.dateTime ?? null,
    guid: init.guid ? Uint8Array.from(init.guid) : zeroGuid(),
    data: init.data instanceof Uint8Array ? init.data : Uint8Array.from(init.data ?? []),
  };
  validateEvent(event);
  return event;
}

/** Throws a {@link ProtocolError} naming the first field that is out of range. */
export function validateEvent(event: VscpEvent): void {
  checkRange('head', event.head, 0xffff);
  checkRange('class', event.vscpClass, 0xffff);
  checkRange('type', event.vscpType, 0xffff);
  checkRange('obid', event.obid, 0xffffffff);
  checkRange('timestamp', event.timestamp, 0xffffffff);
  if (event.guid.length !== GUID_SIZE) throw new ProtocolError(`GUID must have 16 bytes, got ${event.guid.length}`);
  if (event.data.length > MAX_DATA) throw new ProtocolError(`data has ${event.data.length} bytes, at most ${MAX_DATA} are allowed`);
  if (event.dateTime) validateDateTime(event.dateTime);
}

function checkRange(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(`${what} ${value} is out of range 0..${max}`);
  }
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar date (no 30 February) and time; second 60 is allowed for leap seconds. */
export function isValidDateTime(dt: VscpDateTime): boolean {
  const { year, month, day, hour, minute, second } = dt;
  if (!Number.isInteger(year) || year < 0 || year > 9999) return false;
  if (!Number.isInteger(month) || month < 1 || month > 12) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!;
  return (
    Number.isInteger(day) && day >= 1 && day <= days &&
    Number.isInteger(hour) && hour >= 0 && hour <= 23 &&
    Number.isInteger(minute) && minute >= 0 && minute <= 59 &&
    Number.isInteger(second) && second >= 0 && second <= 60
  );
}

export function validateDateTime(dt: VscpDateTime): void {
  if (!isValidDateTime(dt)) throw new ProtocolError(`date/time ${JSON.stringify(dt)} is not a valid UTC date and time`);
}

export function priorityOf(head: number): number {
  return (head >> 5) & 7;
}

export function withPriority(head: number, priority: number): number {
  return (head & ~HEAD_PRIORITY_MASK) | ((priority & 7) << 5);
}

export function dateTimeFromDate(d: Date): VscpDateTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Low 32 bits of microseconds since the epoch, as v13's `vscp_makeTimeStamp`. */
export function timestampFromMs(ms: number): number {
  return Math.floor((ms * 1000) % 0x100000000);
}

/** Fills what the daemon owns when the sender left it empty: date/time and timestamp (now). */
export function stampEvent(event: VscpEvent, nowMs: number = Date.now()): void {
  if (event.timestamp === 0) event.timestamp = timestampFromMs(nowMs);
  if (event.dateTime === null) event.dateTime = dateTimeFromDate(new Date(nowMs));
}

export function cloneEvent(event: VscpEvent): VscpEvent {
  return {
    ...event,
    dateTime: event.dateTime ? { ...event.dateTime } : null,
    guid: Uint8Array.from(event.guid),
    data: Uint8Array.from(event.data),
  };
}
