import { describe, expect, it } from 'vitest';
import { type VscpEvent, formatEvent, parseGuid } from '../protocol/index.js';
import { deliveryLine, eventLine } from './event-line.js';

function randomEvent(seed: number, guids: Uint8Array[]): VscpEvent {
  let x = seed * 2654435761 >>> 0;
  const rnd = (n: number): number => { x = (x * 1103515245 + 12345) >>> 0; return x % n; };
  const data = Uint8Array.from({ length: rnd(20) }, () => rnd(256));
  return {
    head: rnd(0x10000), vscpClass: rnd(0x10000), vscpType: rnd(0x10000), obid: rnd(0xffffffff), timestamp: rnd(0xffffffff),
    dateTime: rnd(4) === 0 ? null : { year: 2000 + rnd(3), month: 1 + rnd(12), day: 1 + rnd(28), hour: rnd(24), minute: rnd(60), second: rnd(60) },
    guid: guids[rnd(guids.length)]!, data,
  };
}

describe('eventLine', () => {
  it('is formatEvent + CRLF for every event, also with reused GUIDs and dates', () => {
    const guids = Array.from({ length: 12 }, (_, i) => parseGuid(`FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:${i.toString(16).padStart(2, '0')}:00:00`));
    for (let i = 0; i < 5000; i++) {
      const e = randomEvent(i, guids);
      expect(eventLine(e)).toBe(formatEvent(e) + '\r\n');
    }
  });

  it('notices a GUID array changed in place and a date object reused with new fields', () => {
    const guid = parseGuid('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10');
    const dateTime = { year: 2024, month: 5, day: 6, hour: 7, minute: 8, second: 9 };
    const a: VscpEvent = { head: 0, vscpClass: 20, vscpType: 3, obid: 1, timestamp: 5, dateTime, guid, data: new Uint8Array(0) };
    expect(eventLine(a)).toBe('0,20,3,1,2024-05-06T07:08:09Z,5,01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10\r\n');
    guid[15] = 0x11;
    dateTime.second = 10;
    const b: VscpEvent = { ...a };
    expect(eventLine(b)).toBe('0,20,3,1,2024-05-06T07:08:10Z,5,01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:11\r\n');
  });

  it('formats a delivery once for all its receivers', () => {
    const e: VscpEvent = { head: 0, vscpClass: 1, vscpType: 2, obid: 3, timestamp: 4, dateTime: null, guid: new Uint8Array(16), data: Uint8Array.from([1]) };
    const d = { event: e, text: undefined };
    const first = deliveryLine(d);
    expect(d.text).toBe(first);
    e.vscpType = 99; // against the rules: a sent event is immutable; the kept line shows it
    expect(deliveryLine(d)).toBe(first);
  });
});
