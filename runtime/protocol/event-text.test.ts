import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { type VscpEvent, createEvent, stampEvent } from './event.js';
import {
  formatData,
  formatDateTime,
  formatEvent,
  parseData,
  parseDateTime,
  parseEvent,
  parseEventDetailed,
  parseEventFast,
} from './event-text.js';
import { formatGuid, parseGuid } from './guid.js';

const ZERO_GUID = '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00';
const H10_GUID = 'FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01';

function h10Event(): VscpEvent {
  return createEvent({
    head: 0x60, vscpClass: 20, vscpType: 3, obid: 0, timestamp: 1000,
    dateTime: { year: 2019, month: 1, day: 2, hour: 3, minute: 4, second: 5 },
    guid: parseGuid(H10_GUID), data: [0x00, 0x01, 0x23],
  });
}

describe('formatEvent (vscp-drivers.md §15.1)', () => {
  it('H10: writes the v13 form', () => {
    expect(formatEvent(h10Event())).toBe(`96,20,3,0,2019-01-02T03:04:05Z,1000,${H10_GUID},0x00,0x01,0x23`);
  });

  it('H11: empty datetime when unset, no trailing comma without data', () => {
    const e = h10Event();
    e.dateTime = null;
    e.data = new Uint8Array(0);
    expect(formatEvent(e)).toBe(`96,20,3,0,,1000,${H10_GUID}`);
  });

  it('pads dates and writes bytes upper-case', () => {
    const e = createEvent({ vscpClass: 1, vscpType: 2, timestamp: 55, dateTime: { year: 987, month: 8, day: 3, hour: 0, minute: 0, second: 1 }, data: [0xab, 0xff, 10] });
    expect(formatEvent(e)).toBe(`0,1,2,0,0987-08-03T00:00:01Z,55,${ZERO_GUID},0xAB,0xFF,0x0A`);
  });
});

describe('parseEvent', () => {
  it('H12: the short SEND form leaves date and timestamp for stampEvent, GUID zero', () => {
    const e = parseEvent('0,20,3,,,,-,0,1,35');
    expect([e.head, e.vscpClass, e.vscpType, e.obid, e.timestamp]).toEqual([0, 20, 3, 0, 0]);
    expect(e.dateTime).toBeNull();
    expect(formatGuid(e.guid)).toBe(ZERO_GUID);
    expect(Array.from(e.data)).toEqual([0x00, 0x01, 0x23]);
    const now = Date.UTC(2021, 5, 7, 8, 9, 10, 500);
    stampEvent(e, now);
    expect(e.dateTime).toEqual({ year: 2021, month: 6, day: 7, hour: 8, minute: 9, second: 10 });
    expect(e.timestamp).toBe(Number((BigInt(now) * 1000n) % 2n ** 32n));
  });

  it('H13: detects the 6-field layout of daemons before 1.12.20', () => {
    const r = parseEventDetailed('0,20,3,0,0,-,0,1,35');
    expect(r.legacyLayout).toBe(true);
    expect(Array.from(r.event.data)).toEqual([0x00, 0x01, 0x23]);
    expect(r.event.dateTime).toBeNull();
    expect(formatGuid(r.event.guid)).toBe(ZERO_GUID);
    const old = parseEventDetailed(`0,20,3,7,3340221,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00,0,1,35`);
    expect(old.legacyLayout).toBe(true);
    expect(old.event.timestamp).toBe(3340221);
    expect(formatGuid(old.event.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00');
    expect(parseEventDetailed('0,20,3,,,,-,0,1,35').legacyLayout).toBe(false);
  });

  it('§2.4 example 1: what another client sees for SEND 0,20,3,,,,-,0,1,35', () => {
    const line = '0,20,3,7,2018-08-30T10:11:12Z,3340221456,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00,0x00,0x01,0x23';
    expect(formatEvent(parseEvent(line))).toBe(line);
  });

  it('§2.4 example 2: a datetime without Z is read and written with Z, month kept', () => {
    const e = parseEvent('96,10,6,0,2018-08-30T12:34:56,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01,0x89,0x82,0x08,0x2C');
    expect(formatEvent(e)).toBe('96,10,6,0,2018-08-30T12:34:56Z,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01,0x89,0x82,0x08,0x2C');
    expect(e.dateTime!.month).toBe(8);
  });

  it('§2.4 example 3: hex and decimal mixed are equivalent', () => {
    expect(parseEvent('0x60,0x0A,0x06,0,,0,-,0xA8,65,180,0,0')).toEqual(parseEvent('96,10,6,0,,0,-,168,65,180,0,0'));
  });

  it('§2.4 example 4: events without data', () => {
    const line = `0,1,2,0,2018-08-30T00:00:01Z,55,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:02`;
    expect(formatEvent(parseEvent(line))).toBe(line);
    expect(formatEvent(parseEvent('0,1,2,0,,55,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:02'))).toBe(
      '0,1,2,0,,55,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:02',
    );
  });

  it('is lenient with spaces, short GUIDs, a trailing comma, fractions and lower case', () => {
    const e = parseEvent(' 0x60 , 10 , 6 , 0 , 2018-08-30 12:34:56.25z , 0 , ff:1:2 , 1 , 0X02 ,');
    expect(e.head).toBe(0x60);
    expect(e.dateTime).toEqual({ year: 2018, month: 8, day: 30, hour: 12, minute: 34, second: 56 });
    expect(formatGuid(e.guid)).toBe('FF:01:02:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(Array.from(e.data)).toEqual([1, 2]);
  });

  it('accepts 512 data bytes', () => {
    const line = `0,1040,0,0,,0,-,${new Array(512).fill('0x01').join(',')}`;
    expect(parseEvent(line).data.length).toBe(512);
  });

  it.each([
    ['0,70000,3,,,,-', /class: 70000 is out of range 0..65535/],
    ['0,20,70000,,,,-', /type: 70000 is out of range/],
    ['65536,20,3,,,,-', /head: 65536/],
    ['0,20,3,4294967296,,,-', /obid: 4294967296/],
    ['0,20,3,,,4294967296,-', /timestamp: 4294967296/],
    ['0,20,3,,,,-,256', /data byte 0: 256 is out of range 0..255/],
    ['0,20,3,,,,-,1,-1', /data byte 1: -1 is out of range/],
    ['0,20,3,,,,-,1,,2', /data byte 1 is empty/],
    ['0,20,3,,,,-,x', /data byte 0: "x" is not a number/],
    [`0,20,3,,,,-,${new Array(513).fill('1').join(',')}`, /513 data bytes, at most 512/],
    ['0,20,3,,,,zz:00', /GUID "zz:00": byte 0 "zz" is not a hex byte/],
    [`0,20,3,,,,${new Array(17).fill('00').join(':')}`, /17 bytes, at most 16/],
    ['0,20,3,,2018-13-01T00:00:00,,-', /not a valid UTC date and time/],
    ['0,20,3,,2019-02-29T00:00:00Z,,-', /not a valid UTC date and time/],
    ['0,20,3,,yesterday,,-', /datetime "yesterday" is not YYYY-MM-DDTHH:MM:SS/],
    ['0,20,3', /has 3 fields; expected head,class,type,obid,datetime,timestamp,GUID/],
    ['', /has 1 fields/],
    ['0,twenty,3,,,,-', /class: "twenty" is not a number/],
    ['0,1e3,3,,,,-', /is not a number/],
  ])('rejects %s', (line, message) => {
    expect(() => parseEvent(line)).toThrow(ProtocolError);
    expect(() => parseEvent(line)).toThrow(message);
  });
});

describe('fast path and general parser agree', () => {
  const lines = [
    '0,20,3,,,,-,0,1,35',
    '0,20,3,,,,,0,1,35',
    '0,20,3,0,,0,-',
    '96,10,6,7,2018-08-30T12:34:56Z,3340221456,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00,0x89,0x82,0x08,0x2C',
    '96,10,6,7,2018-08-30T12:34:56,4294967295,ff:ff:ff:ff:ff:ff:ff:fe:b8:27:eb:0a:00:07:00:00,0X89,255,0',
    '65535,65535,65535,4294967295,9999-12-31T23:59:59Z,4294967295,FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF,0xFF',
    '0x0,0x00,00,000,2020-02-29T00:00:60Z,0x0,-',
    '010,020,003,,,,-,010',
  ];
  it.each(lines)('%s', (line) => {
    const fast = parseEventFast(line);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseEventDetailed(line).event);
  });

  it('leaves every irregular line to the general parser', () => {
    const irregular = [
      ' 0,20,3,,,,-', '0,20,3,,,,-,1,', '0,20,3,0,0,-,0,1,35', '0,20,3,,,,1:2:3', '0,20,3,,2018-08-30 12:34:56,,-',
      '0,20,3,,2018-8-30T12:34:56,,-', '0,20,3,,,,-,256', '0,20,3,,,,-,1,,2', '+1,20,3,,,,-', '0,20,3,,,,-,0x', '0,70000,3,,,,-',
      '0,20,3,,2019-02-29T00:00:00Z,,-', '0,20,3,,,,-,' + new Array(513).fill('1').join(','), '0,20', '0,20,3,,,,0x01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10',
    ];
    for (const line of irregular) expect(parseEventFast(line), line).toBeUndefined();
  });

  it('agrees on random lines (differential)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['', '0', '1', '255', '256', '0x1F', '0XfF', '65535', '65536', '-1', ' 7', 'x', '010', '4294967295', '4294967296', '0x'];
    const dates = ['', '2018-08-30T12:34:56Z', '2018-08-30T12:34:56', '2018-02-30T00:00:00', '2018-08-30T24:00:00', '0', '2018-08-30t12:34:56'];
    const guids = ['-', '', 'FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00', 'ff:ff:ff:ff:ff:ff:ff:fe:b8:27:eb:0a:00:07:00:0g', '1:2', 'FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00:01'];
    let fastHits = 0;
    for (let i = 0; i < 5000; i++) {
      const fields = [pieces[rnd(pieces.length)]!, pieces[rnd(pieces.length)]!, pieces[rnd(pieces.length)]!, pieces[rnd(pieces.length)]!,
        dates[rnd(dates.length)]!, pieces[rnd(pieces.length)]!, guids[rnd(guids.length)]!];
      const n = rnd(5);
      for (let k = 0; k < n; k++) fields.push(pieces[rnd(pieces.length)]!);
      const line = fields.join(',');
      let slow: VscpEvent | Error;
      try {
        slow = parseEventDetailed(line).event;
      } catch (e) {
        slow = e as Error;
      }
      const fast = parseEventFast(line);
      if (fast !== undefined) {
        fastHits++;
        expect(slow, line).not.toBeInstanceOf(Error);
        expect(fast, line).toEqual(slow);
      }
      // the public parser gives what the general parser gives
      if (slow instanceof Error) expect(() => parseEvent(line), line).toThrow(slow.message);
      else expect(parseEvent(line), line).toEqual(slow);
    }
    expect(fastHits).toBeGreaterThan(50);
  });
});

describe('data and datetime helpers', () => {
  it('formats and parses data lists', () => {
    expect(formatData(Uint8Array.from([0, 1, 0x23, 0xff]))).toBe('0x00,0x01,0x23,0xFF');
    expect(formatData(new Uint8Array(0))).toBe('');
    expect(Array.from(parseData(' 0x00, 1 ,35,'))).toEqual([0, 1, 35]);
    expect(parseData('').length).toBe(0);
    expect(() => parseData('1,300', 'payload')).toThrow(/payload byte 1: 300 is out of range/);
    expect(() => parseData(new Array(513).fill('1').join(','))).toThrow(/513 bytes, at most 512/);
  });

  it('formats and parses datetimes', () => {
    expect(formatDateTime(null)).toBe('');
    expect(formatDateTime({ year: 2019, month: 1, day: 2, hour: 3, minute: 4, second: 5 })).toBe('2019-01-02T03:04:05Z');
    expect(parseDateTime('')).toBeNull();
    expect(parseDateTime('2019-01-02T03:04:05Z')).toEqual({ year: 2019, month: 1, day: 2, hour: 3, minute: 4, second: 5 });
    expect(() => parseDateTime('2019-01-02')).toThrow(ProtocolError);
    expect(() => parseDateTime('2019-04-31T00:00:00')).toThrow(/not a valid UTC date and time/);
  });
});
