import { describe, expect, it } from 'vitest';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { type VscpEventInit, createEvent } from '../../runtime/protocol/index.js';
import { encodeMeasurement, encodeMeasurementFloat, encodeMeasurementString } from '../../runtime/protocol/measurement.js';
import { parseSimplify, simplifiedEvent, simplifiedPayload } from './simplify.js';

const hex = (data: Uint8Array | readonly number[] | undefined): string =>
  Array.from(data ?? [], (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

describe('simplify setting', () => {
  it('reads the CLASS1.MEASUREMENT form', () => {
    expect(parseSimplify('10,6,float,3,1')).toMatchObject({ vscpClass: 10, vscpType: 6, coding: 'float', index: 3, unit: 1 });
    expect(parseSimplify(' 10 , 6 , STRING , 0 , 0 ')).toMatchObject({ coding: 'string', index: 0, unit: 0 });
  });

  it('reads the CLASS2 forms', () => {
    expect(parseSimplify('1040,6,2,1,3,4')).toMatchObject({ vscpClass: 1040, vscpType: 6, index: 2, unit: 1, zone: 3, subzone: 4 });
    expect(parseSimplify('1060,0x06,255,255,255,255')).toMatchObject({ vscpClass: 1060, vscpType: 6, index: 255, zone: 255 });
  });

  it.each([
    ['10,6,float,3,7', /unit 7 is out of range 0..3/],
    ['10,6,float,8,1', /sensor index 8 is out of range 0..7/],
    ['10,6,normalized,3,1', /coding "normalized" must be float or string/],
    ['10,6,float,3', /has 4 fields/],
    ['20,3,float,0,0', /class 20 is not supported; use 10/],
    ['1060,6,0,1,0', /has 5 fields/],
    ['1060,6,0,1,0,256', /subzone 256 is out of range 0..255/],
    ['ten,6,float,0,0', /class "ten" is not a number/],
  ])('refuses %s', (text, message) => {
    let err: unknown;
    try { parseSimplify(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as DriverConfigError).key).toBe('simplify');
    expect((err as Error).message).toMatch(message);
  });
});

describe('received numbers (vscp-drivers.md §15.6, fixed column)', () => {
  it('M3: float coding is IEEE binary32 big-endian', () => {
    const e = simplifiedEvent(parseSimplify('10,6,float,3,1'), '23.78');
    expect(e).toMatchObject({ head: 0x60, vscpClass: 10, vscpType: 6 });
    expect(e.guid).toBeUndefined();
    expect(hex(e.data)).toBe('AB 41 BE 3D 71');
  });

  it('M4: string coding carries the characters', () => {
    const e = simplifiedEvent(parseSimplify('10,6,string,3,1'), '23.78');
    expect(hex(e.data)).toBe('4B 32 33 2E 37 38');
  });

  it('fits a long number into the seven characters of string coding by rounding', () => {
    expect(Buffer.from(simplifiedEvent(parseSimplify('10,6,string,0,1'), '23.78125').data as Uint8Array).subarray(1).toString()).toBe('23.7813');
  });

  it('codes negative values (the original lost the sign)', () => {
    expect(hex(simplifiedEvent(parseSimplify('10,6,float,0,1'), '-12.75').data)).toBe('A8 C1 4C 00 00');
  });

  it('CLASS2.MEASUREMENT_STR keeps the text as written', () => {
    const e = simplifiedEvent(parseSimplify('1040,6,2,1,3,4'), ' 21.123456789012 \n');
    expect(e.vscpClass).toBe(1040);
    expect(hex(e.data)).toBe(hex(encodeMeasurementString('21.123456789012', { index: 2, unit: 1, zone: 3, subzone: 4 })));
  });

  it('CLASS2.MEASUREMENT_FLOAT is a big-endian double with all eight bytes (the original dropped the last)', () => {
    const e = simplifiedEvent(parseSimplify('1060,6,2,1,3,4'), '23.78');
    expect(hex(e.data)).toBe('02 03 04 01 40 37 C7 AE 14 7A E1 48');
  });

  it.each(['', 'warm', '23,78', '1e', '0x10', '23.78 C', 'NaN', '1e400'])('rejects the payload %j', (payload) => {
    expect(() => simplifiedEvent(parseSimplify('10,6,float,3,1'), payload)).toThrow(/payload/);
  });
});

describe('published numbers', () => {
  const ev = (init: VscpEventInit) => createEvent(init);

  it('publishes the number of a matching CLASS1.MEASUREMENT in any coding', () => {
    const spec = parseSimplify('10,6,float,3,1');
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(23.78, { coding: 'float', unit: 1, index: 3 }) }))).toBe('23.78');
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(-5.25, { coding: 'normalized', unit: 1, index: 3 }) }))).toBe('-5.25');
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(22.5, { coding: 'string', unit: 1, index: 3 }) }))).toBe('22.5');
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(68, { coding: 'integer', unit: 1, index: 3 }) }))).toBe('68');
  });

  it('skips events of another class, type, sensor index or unit', () => {
    const spec = parseSimplify('10,6,float,3,1');
    const data = encodeMeasurement(1, { coding: 'float', unit: 1, index: 3 });
    expect(simplifiedPayload(spec, ev({ vscpClass: 20, vscpType: 6, data }))).toBeNull();
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 5, data }))).toBeNull();
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(1, { coding: 'float', unit: 1, index: 2 }) }))).toBeNull();
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(1, { coding: 'float', unit: 0, index: 3 }) }))).toBeNull();
    expect(simplifiedPayload(spec, ev({ vscpClass: 10, vscpType: 6, data: [0xab] }))).toBeNull();
  });

  it('compares zone and subzone of CLASS2 measurements (the original compared the subzone to the zone)', () => {
    const spec = parseSimplify('1060,6,2,1,3,4');
    expect(simplifiedPayload(spec, ev({ vscpClass: 1060, vscpType: 6, data: encodeMeasurementFloat(21.5, { index: 2, unit: 1, zone: 3, subzone: 4 }) }))).toBe('21.5');
    expect(simplifiedPayload(spec, ev({ vscpClass: 1060, vscpType: 6, data: encodeMeasurementFloat(21.5, { index: 2, unit: 1, zone: 3, subzone: 3 }) }))).toBeNull();
    const str = parseSimplify('1040,6,2,1,3,4');
    expect(simplifiedPayload(str, ev({ vscpClass: 1040, vscpType: 6, data: encodeMeasurementString('0.000001', { index: 2, unit: 1, zone: 3, subzone: 4 }) }))).toBe('0.000001');
  });
});
