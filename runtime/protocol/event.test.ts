import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import {
  cloneEvent,
  createEvent,
  dateTimeFromDate,
  isValidDateTime,
  priorityOf,
  stampEvent,
  timestampFromMs,
  validateEvent,
  withPriority,
} from './event.js';

describe('events', () => {
  it('createEvent fills defaults and copies the GUID', () => {
    const guid = new Uint8Array(16).fill(1);
    const e = createEvent({ vscpClass: 20, vscpType: 3, guid, data: [1, 2] });
    expect(e).toMatchObject({ head: 0, obid: 0, timestamp: 0, dateTime: null });
    guid[0] = 9;
    expect(e.guid[0]).toBe(1);
    expect(Array.from(e.data)).toEqual([1, 2]);
  });

  it.each([
    [{ vscpClass: 70000, vscpType: 0 }, 'class 70000 is out of range 0..65535'],
    [{ vscpClass: 0, vscpType: -1 }, 'type -1 is out of range'],
    [{ vscpClass: 0, vscpType: 0, head: 1.5 }, 'head 1.5 is out of range'],
    [{ vscpClass: 0, vscpType: 0, timestamp: 2 ** 32 }, 'timestamp 4294967296'],
    [{ vscpClass: 0, vscpType: 0, data: new Uint8Array(513) }, 'data has 513 bytes, at most 512 are allowed'],
    [{ vscpClass: 0, vscpType: 0, guid: new Uint8Array(15) }, 'GUID must have 16 bytes, got 15'],
    [{ vscpClass: 0, vscpType: 0, dateTime: { year: 2019, month: 2, day: 29, hour: 0, minute: 0, second: 0 } }, 'not a valid UTC date and time'],
  ])('refuses %o', (init, message) => {
    expect(() => createEvent(init)).toThrow(ProtocolError);
    expect(() => createEvent(init)).toThrow(message);
  });

  it('knows real calendar dates', () => {
    const d = (year: number, month: number, day: number) => ({ year, month, day, hour: 0, minute: 0, second: 0 });
    expect(isValidDateTime(d(2020, 2, 29))).toBe(true);
    expect(isValidDateTime(d(2000, 2, 29))).toBe(true);
    expect(isValidDateTime(d(1900, 2, 29))).toBe(false);
    expect(isValidDateTime(d(2021, 4, 31))).toBe(false);
    expect(isValidDateTime(d(2021, 12, 31))).toBe(true);
    expect(isValidDateTime({ ...d(2021, 1, 1), second: 60 })).toBe(true);
    expect(isValidDateTime({ ...d(2021, 1, 1), hour: 24 })).toBe(false);
  });

  it('priority lives in head bits 7–5', () => {
    expect(priorityOf(0x60)).toBe(3);
    expect(priorityOf(0xf0)).toBe(7);
    expect(withPriority(0x1f, 7)).toBe(0xff);
    expect(withPriority(0xff, 0)).toBe(0x1f);
  });

  it('stampEvent fills only what is unset', () => {
    const ms = Date.UTC(2018, 7, 30, 10, 11, 12, 345);
    const e = createEvent({ vscpClass: 20, vscpType: 3 });
    stampEvent(e, ms);
    expect(e.dateTime).toEqual(dateTimeFromDate(new Date(ms)));
    expect(e.timestamp).toBe(timestampFromMs(ms));
    const kept = createEvent({ vscpClass: 20, vscpType: 3, timestamp: 5, dateTime: { year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 } });
    stampEvent(kept, ms);
    expect(kept.timestamp).toBe(5);
    expect(kept.dateTime!.year).toBe(2000);
  });

  it('timestamps are the low 32 bits of microseconds', () => {
    expect(timestampFromMs(1)).toBe(1000);
    expect(timestampFromMs(4294967.296)).toBe(0);
    expect(timestampFromMs(Date.UTC(2018, 7, 30))).toBeLessThan(2 ** 32);
  });

  it('cloneEvent is deep', () => {
    const e = createEvent({ vscpClass: 1, vscpType: 2, data: [1], dateTime: { year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 } });
    const c = cloneEvent(e);
    c.data[0] = 9;
    c.guid[0] = 9;
    c.dateTime!.year = 1999;
    expect([e.data[0], e.guid[0], e.dateTime!.year]).toEqual([1, 0, 2000]);
    expect(() => validateEvent(c)).not.toThrow();
  });
});
