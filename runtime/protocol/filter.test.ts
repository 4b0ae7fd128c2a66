import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { createEvent } from './event.js';
import {
  filterAccepts,
  filterPart,
  formatFilterPart,
  isOpenFilter,
  maskPart,
  openFilter,
  parseCombinedFilter,
  parseFilterMask,
  parseFilterPart,
} from './filter.js';
import { parseGuid } from './guid.js';

const ZERO = '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00';
const ev = (vscpClass: number, vscpType: number, head = 0, guid = ZERO) => createEvent({ vscpClass, vscpType, head, guid: parseGuid(guid) });

describe('filter and mask', () => {
  it('H3: class/type filter passes (10,6) and rejects (10,5)', () => {
    const f = parseFilterMask(`0,10,6,${ZERO}`, `0,0xFFFF,0xFFFF,${ZERO}`);
    expect(filterAccepts(f, ev(10, 6))).toBe(true);
    expect(filterAccepts(f, ev(10, 5))).toBe(false);
  });

  it('H4: a cleared filter accepts everything', () => {
    const f = openFilter();
    expect(isOpenFilter(f)).toBe(true);
    for (const e of [ev(0, 0), ev(65535, 65535, 0xe0), ev(10, 6, 0, 'FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF')]) {
      expect(filterAccepts(f, e)).toBe(true);
    }
    expect(isOpenFilter(parseFilterMask('', ''))).toBe(true);
  });

  it('§3: only CLASS1.MEASUREMENT temperature with - GUIDs', () => {
    const f = parseFilterMask('0,10,6,-', '0,0xFFFF,0xFFFF,-');
    expect(isOpenFilter(f)).toBe(false);
    expect(filterAccepts(f, ev(10, 6, 0x60, 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01'))).toBe(true);
    expect(filterAccepts(f, ev(10, 35))).toBe(false);
    expect(filterAccepts(f, ev(20, 6))).toBe(false);
  });

  it('§3: everything from one node GUID', () => {
    const node = '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01';
    const f = parseFilterMask(`0,0,0,${node}`, `0,0,0,${'FF:'.repeat(15)}FF`);
    expect(filterAccepts(f, ev(20, 3, 0, node))).toBe(true);
    expect(filterAccepts(f, ev(10, 6, 0xe0, node))).toBe(true);
    expect(filterAccepts(f, ev(20, 3, 0, '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:02'))).toBe(false);
  });

  it('compares the priority as the 0–7 value, not the head bits', () => {
    const f = parseFilterMask('3,0,0,-', '7,0,0,-');
    expect(filterAccepts(f, ev(20, 3, 0x60))).toBe(true);
    expect(filterAccepts(f, ev(20, 3, 0x60 | 0x1f))).toBe(true);
    expect(filterAccepts(f, ev(20, 3, 0x40))).toBe(false);
  });

  it('the spec example filter string parses', () => {
    const p = parseFilterPart('1,0x0000,0x0006,ff:ff:ff:ff:ff:ff:ff:01:00:00:00:00:00:00:00:00');
    expect(formatFilterPart(p)).toBe('1,0,6,FF:FF:FF:FF:FF:FF:FF:01:00:00:00:00:00:00:00:00');
  });

  it('missing trailing fields are 0 unless all four are required', () => {
    expect(formatFilterPart(parseFilterPart('2,10'))).toBe(`2,10,0,${ZERO}`);
    expect(() => parseFilterPart('2,10', 'filter', true)).toThrow(/needs all four fields/);
    expect(formatFilterPart(parseFilterPart(`0,20,3,${ZERO}`, 'filter', true))).toBe(`0,20,3,${ZERO}`);
  });

  it('says what is wrong', () => {
    expect(() => parseFilterPart('8,0,0,-')).toThrow('filter priority: 8 is out of range 0..7');
    expect(() => parseFilterPart('0,70000,0,-', 'mask')).toThrow('mask class: 70000 is out of range 0..65535');
    expect(() => parseFilterPart('0,0,0,zz')).toThrow(/filter: GUID "zz"/);
    expect(() => parseFilterPart('0,0,0,-,5')).toThrow(/has 5 fields/);
    expect(() => parseFilterPart('0,0,0,-,5')).toThrow(ProtocolError);
  });

  it('the combined 8-field form', () => {
    const f = parseCombinedFilter('0,10,6,-,0,0xFFFF,0xFFFF,-');
    expect(formatFilterPart(filterPart(f))).toBe(`0,10,6,${ZERO}`);
    expect(formatFilterPart(maskPart(f))).toBe(`0,65535,65535,${ZERO}`);
    expect(() => parseCombinedFilter('0,10,6,-')).toThrow(/needs 8 fields/);
  });
});
