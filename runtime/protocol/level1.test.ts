import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { createEvent } from './event.js';
import { formatGuid, parseGuid } from './guid.js';
import {
  fromLevel1OverLevel2,
  isLevel1OverLevel2,
  isRoutedTo,
  level1Destination,
  level1RouteGuid,
  toLevel1OverLevel2,
} from './level1.js';

const IFACE = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00');
const NODE = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:2A');

describe('Level I over Level II', () => {
  it('knows the class range 512–1023', () => {
    expect(isLevel1OverLevel2(511)).toBe(false);
    expect(isLevel1OverLevel2(512)).toBe(true);
    expect(isLevel1OverLevel2({ vscpClass: 1023 })).toBe(true);
    expect(isLevel1OverLevel2(1024)).toBe(false);
  });

  it('wraps a Level I event: class + 512, destination GUID before the data', () => {
    const e = createEvent({ head: 0x60, vscpClass: 20, vscpType: 3, data: [0, 1, 35] });
    const w = toLevel1OverLevel2(e, NODE);
    expect(w.vscpClass).toBe(532);
    expect(w.vscpType).toBe(3);
    expect(w.head).toBe(0x60);
    expect(Array.from(w.data)).toEqual([...NODE, 0, 1, 35]);
    expect(e.vscpClass).toBe(20); // the original is untouched
    expect(e.data.length).toBe(3);
  });

  it('unwraps back to the Level I event and its destination', () => {
    const w = toLevel1OverLevel2(createEvent({ vscpClass: 30, vscpType: 5, data: [1, 2, 3] }), NODE);
    const e = fromLevel1OverLevel2(w);
    expect(e.vscpClass).toBe(30);
    expect(Array.from(e.data)).toEqual([1, 2, 3]);
    expect(formatGuid(level1Destination(w))).toBe(formatGuid(NODE));
  });

  it('refuses what is not Level I or not wrapped', () => {
    const e = createEvent({ vscpClass: 20, vscpType: 3 });
    expect(() => toLevel1OverLevel2(createEvent({ vscpClass: 532, vscpType: 3 }), NODE)).toThrow(/class 532 is not a Level I class/);
    expect(() => toLevel1OverLevel2(createEvent({ vscpClass: 20, vscpType: 256 }), NODE)).toThrow(/type 256/);
    expect(() => toLevel1OverLevel2(createEvent({ vscpClass: 20, vscpType: 3, data: new Uint8Array(9) }), NODE)).toThrow(/at most 8 data bytes, got 9/);
    expect(() => toLevel1OverLevel2(e, new Uint8Array(15))).toThrow(/16 bytes/);
    expect(() => fromLevel1OverLevel2(e)).toThrow(ProtocolError);
    expect(() => fromLevel1OverLevel2(createEvent({ vscpClass: 532, vscpType: 3, data: new Uint8Array(15) }))).toThrow(/16-byte destination GUID/);
    expect(() => fromLevel1OverLevel2(createEvent({ vscpClass: 532, vscpType: 3, data: new Uint8Array(25) }))).toThrow(/9 Level I data bytes/);
  });

  it('routes to the interface GUID: destination with bytes 14–15 zeroed', () => {
    const w = toLevel1OverLevel2(createEvent({ vscpClass: 20, vscpType: 3 }), NODE);
    expect(formatGuid(level1RouteGuid(w)!)).toBe(formatGuid(IFACE));
    expect(isRoutedTo(w, IFACE)).toBe(true);
    expect(isRoutedTo(w, parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:08:00:00'))).toBe(false);
    // a Level I interface GUID carrying a sub-address still matches on bytes 0–13
    expect(isRoutedTo(w, NODE)).toBe(true);
    expect(level1RouteGuid(createEvent({ vscpClass: 20, vscpType: 3 }))).toBeNull();
    expect(level1RouteGuid(createEvent({ vscpClass: 532, vscpType: 3, data: [1, 2] }))).toBeNull();
    expect(isRoutedTo(createEvent({ vscpClass: 20, vscpType: 3 }), IFACE)).toBe(false);
  });
});
