import { describe, expect, it } from 'vitest';
import { CLASS1, CLASS2, MEASUREMENT_TYPE } from './classes.js';
import { ProtocolError } from './errors.js';
import { formatEvent } from './event-text.js';
import { parseGuid } from './guid.js';
import {
  type MeasurementCoding,
  createMeasurementEvent,
  dataCodingByte,
  decodeMeasurement,
  decodeMeasurement32,
  decodeMeasurement64,
  decodeMeasurementEvent,
  decodeMeasurementFloat,
  decodeMeasurementString,
  decodeMeasurementZone,
  encodeMeasurement,
  encodeMeasurement32,
  encodeMeasurement64,
  encodeMeasurementFloat,
  encodeMeasurementString,
  encodeMeasurementText,
  encodeMeasurementZone,
  isMeasurementClass,
  parseDataCodingByte,
  plainDecimal,
} from './measurement.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.split(' ').filter(Boolean), (b) => parseInt(b, 16));
const hex = (a: Uint8Array): string => Array.from(a, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

function enc(value: number, coding: MeasurementCoding, unit = 0, index = 0, extra: { decimals?: number; padDecimals?: boolean } = {}): string {
  return hex(encodeMeasurement(value, { coding, unit, index, ...extra }));
}

function throwsProtocol(fn: () => unknown, fragment: string | RegExp): void {
  expect(fn).toThrow(ProtocolError);
  expect(fn).toThrow(fragment);
}

describe('data-coding byte', () => {
  it('packs coding bits 7–5, unit 4–3, index 2–0', () => {
    expect(dataCodingByte('normalized', 1, 0)).toBe(0x88);
    expect(dataCodingByte('float', 1, 6)).toBe(0xae);
    expect(dataCodingByte('string', 1, 2)).toBe(0x4a);
    expect(dataCodingByte('integer', 3, 7)).toBe(0x7f);
    expect(parseDataCodingByte(0xae)).toEqual({ coding: 'float', unit: 1, index: 6 });
    expect(parseDataCodingByte(0x20)).toEqual({ coding: 'byte', unit: 0, index: 0 });
  });

  it('refuses out-of-range unit and index instead of wrapping them', () => {
    throwsProtocol(() => dataCodingByte('normalized', 4, 0), 'measurement unit 4 is out of range 0..3');
    throwsProtocol(() => dataCodingByte('normalized', 0, 8), 'measurement sensor index 8 is out of range 0..7');
    throwsProtocol(() => dataCodingByte('normalized', -1, 0), 'out of range');
    throwsProtocol(() => dataCodingByte('double' as MeasurementCoding), 'coding "double" is unknown');
  });

  it('reports the reserved codings', () => {
    throwsProtocol(() => parseDataCodingByte(0xc0), 'data coding 110 (byte 0xC0) is reserved');
    throwsProtocol(() => parseDataCodingByte(0xe8), 'reserved');
  });
});

describe('normalized integer', () => {
  it.each([
    // vscp-drivers.md §15.1 H6–H9 (fixed column)
    [23.125, 1, 0, '88 83 5A 55'],
    [20.1, 1, 0, '88 81 00 C9'],
    [0.29, 1, 0, '88 82 1D'],
    [85.0, 1, 0, '88 80 55'],
    // vscp-protocol.md §4.1
    [22.5, 1, 0, '88 81 00 E1'],
    [-5.25, 1, 0, '88 82 FD F3'],
    // §15.3 W2, W3, W5 fixed; §15.10 Z1, Z2
    [73.625, 2, 0, '90 83 01 1F 99'],
    [296.275, 0, 0, '80 83 04 85 53'],
    [-1.25, 1, 0, '88 82 83'],
    [20.92, 0, 0, '80 82 08 2C'],
    [20.92, 1, 2, '8A 82 08 2C'],
    // §15.4 L2, L5
    [45, 1, 0, '88 80 2D'],
    [21.5, 1, 0, '88 81 00 D7'],
  ])('%d unit %d index %d → %s', (value, unit, index, expected) => {
    expect(enc(value, 'normalized', unit, index)).toBe(expected);
    const d = decodeMeasurement(bytes(expected));
    expect(d).toEqual({ coding: 'normalized', unit, index, value });
  });

  it('decodes the specification examples, sign-extending the mantissa', () => {
    expect(decodeMeasurement(bytes('80 02 1B 22')).value).toBe(694600);
    expect(decodeMeasurement(bytes('80 85 8D')).value).toBe(-0.00115);
    expect(decodeMeasurement(bytes('80 81 01 07')).value).toBe(26.3);
    expect(decodeMeasurement(bytes('80 80 FF FF FF FF FF FF')).value).toBe(-1);
    expect(decodeMeasurement(bytes('80 80 7F FF FF FF FF FF')).value).toBe(140737488355327);
  });

  it('rounds away binary noise and keeps at most what 6 mantissa bytes hold', () => {
    expect(enc(0.1 + 0.2, 'normalized')).toBe('80 81 03');
    expect(enc(0, 'normalized')).toBe('80 80 00');
    expect(enc(-0, 'normalized')).toBe('80 80 00');
    expect(enc(1e20, 'normalized')).toBe('80 14 01');
    const big = decodeMeasurement(encodeMeasurement(123456789012345678, { coding: 'normalized' })).value;
    expect(big).toBe(123456789012346000);
    const pi = decodeMeasurement(encodeMeasurement(Math.PI, { coding: 'normalized' })).value;
    expect(pi).toBe(3.1415926535898); // 31415926535898 < 2^47
  });

  it('uses a fixed number of decimals when asked, rounding half away from zero', () => {
    expect(enc(21.456, 'normalized', 1, 0, { decimals: 1 })).toBe('88 81 00 D7');
    expect(enc(0.125, 'normalized', 0, 0, { decimals: 2 })).toBe('80 82 0D');
    expect(enc(-0.125, 'normalized', 0, 0, { decimals: 2 })).toBe('80 82 F3');
    expect(enc(85, 'normalized', 1, 0, { decimals: 2 })).toBe('88 82 21 34');
  });

  it('refuses values it cannot represent', () => {
    throwsProtocol(() => encodeMeasurement(1e-130, { coding: 'normalized' }), 'too small');
    throwsProtocol(() => encodeMeasurement(1e200, { coding: 'normalized' }), 'too large');
    throwsProtocol(() => encodeMeasurement(Number.NaN, { coding: 'normalized' }), 'must be a finite number');
    throwsProtocol(() => encodeMeasurement(Infinity, { coding: 'normalized' }), 'finite');
    throwsProtocol(() => encodeMeasurement(1e15, { coding: 'normalized', decimals: 3 }), 'does not fit a 6-byte normalized mantissa');
  });

  it('rejects malformed normalized data', () => {
    throwsProtocol(() => decodeMeasurement(bytes('80 82')), 'normalized coding needs an exponent byte and 1..6 mantissa bytes, got 1 bytes');
    throwsProtocol(() => decodeMeasurement(bytes('80')), 'a coding byte and a value are needed');
    throwsProtocol(() => decodeMeasurement(bytes('80 80 01 02 03 04 05 06 07')), 'at most 8');
  });
});

describe('integer, float, string, bit and byte codings', () => {
  it('integer: rounded, shortest two\'s complement, sign-extended on decode', () => {
    expect(enc(22.5, 'integer', 1)).toBe('68 17');
    expect(enc(45, 'integer', 1)).toBe('68 2D');
    expect(enc(-5, 'integer', 1)).toBe('68 FB'); // L7 fixed
    expect(enc(-22.5, 'integer')).toBe('60 E9');
    expect(enc(128, 'integer')).toBe('60 00 80');
    expect(enc(-129, 'integer')).toBe('60 FF 7F');
    expect(decodeMeasurement(bytes('68 FB')).value).toBe(-5);
    expect(decodeMeasurement(bytes('60 FF 7F')).value).toBe(-129);
    expect(decodeMeasurement(bytes('60 80 00 00 00 00 00 00')).value).toBe(-(2 ** 55));
    throwsProtocol(() => encodeMeasurement(2 ** 55, { coding: 'integer' }), 'does not fit 7 bytes');
  });

  it('float: IEEE binary32 big-endian, decoded to the shortest exact decimal', () => {
    expect(enc(22.5, 'float', 1)).toBe('A8 41 B4 00 00');
    expect(enc(-12.75, 'float', 1)).toBe('A8 C1 4C 00 00');
    expect(enc(20.92, 'float', 1, 2)).toBe('AA 41 A7 5C 29'); // Z3 fixed
    expect(enc(23.78, 'float', 1, 3)).toBe('AB 41 BE 3D 71'); // M3 fixed
    expect(decodeMeasurement(bytes('AE 41 83 80 00'))).toEqual({ coding: 'float', unit: 1, index: 6, value: 16.4375 });
    expect(decodeMeasurement(bytes('AA 41 A7 5C 29')).value).toBe(20.92);
    throwsProtocol(() => encodeMeasurement(1e39, { coding: 'float' }), 'outside the single float range');
    throwsProtocol(() => encodeMeasurement(1e-50, { coding: 'float' }), 'too small for a single float');
    throwsProtocol(() => decodeMeasurement(bytes('A0 7F C0 00 00')), 'not a finite number');
    throwsProtocol(() => decodeMeasurement(bytes('A0 41 B4 00')), 'float coding needs 4 value bytes, got 3');
  });

  it('string: shortest text by default, %f-like padding on request, at most 7 characters', () => {
    expect(enc(22.5, 'string', 1)).toBe('48 32 32 2E 35');
    expect(enc(23.78, 'string', 1, 3)).toBe('4B 32 33 2E 37 38'); // M4
    expect(enc(20.92, 'string', 1, 2, { padDecimals: true })).toBe('4A 32 30 2E 39 32 30 30'); // Z4
    expect(enc(23.125, 'string', 1, 0, { padDecimals: true })).toBe('48 32 33 2E 31 32 35 30'); // W4 fixed
    expect(enc(45, 'string', 1, 0, { padDecimals: true })).toBe('48 34 35 2E 30 30 30 30'); // L3
    expect(encodeMeasurementText(-5.25)).toBe('-5.25');
    expect(encodeMeasurementText(3.14159265)).toBe('3.14159');
    expect(encodeMeasurementText(9.99999999)).toBe('10');
    expect(encodeMeasurementText(123456789)).toBe('1.235e8');
    expect(encodeMeasurementText(1e-9)).toBe('1e-9');
    expect(encodeMeasurementText(1234567)).toBe('1234567');
    expect(encodeMeasurementText(2.5, 7, { decimals: 3 })).toBe('2.500');
    throwsProtocol(() => encodeMeasurementText(12345.5, 7, { decimals: 3 }), 'needs 9 characters, at most 7 fit');
    const d = decodeMeasurement(bytes('48 32 32 2E 35'));
    expect(d).toEqual({ coding: 'string', unit: 1, index: 0, value: 22.5, text: '22.5' });
    expect(decodeMeasurement(Uint8Array.from([0x40, ...Buffer.from('123e-5')])).value).toBe(0.00123);
    expect(decodeMeasurement(Uint8Array.from([0x40, ...Buffer.from('-7'), 0])).text).toBe('-7');
    throwsProtocol(() => decodeMeasurement(Uint8Array.from([0x40, ...Buffer.from('12,5')])), 'is not a decimal number');
    throwsProtocol(() => decodeMeasurement(bytes('40 32 0A')), 'not printable ASCII');
  });

  it('byte and bit: unsigned big-endian', () => {
    expect(enc(200, 'byte')).toBe('20 C8');
    expect(enc(0x1234, 'bit')).toBe('00 12 34');
    expect(decodeMeasurement(bytes('20 C8')).value).toBe(200);
    expect(decodeMeasurement(bytes('00 12 34'))).toEqual({ coding: 'bit', unit: 0, index: 0, value: 0x1234 });
    throwsProtocol(() => encodeMeasurement(-1, { coding: 'byte' }), 'whole number ≥ 0');
    throwsProtocol(() => encodeMeasurement(1.5, { coding: 'bit' }), 'whole number');
  });

  it('every coding round-trips typical sensor readings', () => {
    const values = [0, 1, -1, 21.5, -40.25, 99.9, 1013.25, 0.001, 12345];
    for (const v of values) {
      expect(decodeMeasurement(encodeMeasurement(v, { coding: 'normalized', unit: 2, index: 5 })).value).toBe(v);
      expect(decodeMeasurement(encodeMeasurement(v, { coding: 'string' })).value).toBe(v);
      expect(decodeMeasurement(encodeMeasurement(v, { coding: 'float' })).value).toBe(v);
    }
  });
});

describe('other measurement classes', () => {
  it('MEASUREMENT64 and MEASUREMENT32 are big-endian IEEE', () => {
    expect(hex(encodeMeasurement64(22.5))).toBe('40 36 80 00 00 00 00 00');
    expect(decodeMeasurement64(bytes('40 36 80 00 00 00 00 00'))).toBe(22.5);
    expect(hex(encodeMeasurement32(22.5))).toBe('41 B4 00 00');
    expect(decodeMeasurement32(bytes('C1 4C 00 00'))).toBe(-12.75);
    throwsProtocol(() => decodeMeasurement64(bytes('40 36')), 'must have 8 bytes, got 2');
    throwsProtocol(() => decodeMeasurement32(bytes('40 36 00 00 00')), 'must have 4 bytes, got 5');
  });

  it('MEASUREZONE / SETVALUEZONE: index, zone, subzone, coding, ≤ 4 value bytes', () => {
    const d = encodeMeasurementZone(22.5, { index: 9, zone: 1, subzone: 2, unit: 1 });
    expect(hex(d)).toBe('09 01 02 88 81 00 E1');
    expect(decodeMeasurementZone(d)).toEqual({ coding: 'normalized', unit: 1, index: 9, zone: 1, subzone: 2, value: 22.5 });
    expect(hex(encodeMeasurementZone(-5, { coding: 'integer' }))).toBe('00 FF FF 60 FB');
    // 3 mantissa bytes hold 7 digits: the rest is rounded away
    expect(decodeMeasurementZone(encodeMeasurementZone(123456.789)).value).toBe(123456.8);
    throwsProtocol(() => encodeMeasurementZone(123456.789, { decimals: 3 }), 'does not fit a 3-byte normalized mantissa');
    throwsProtocol(() => encodeMeasurementZone(1e10, { coding: 'integer' }), 'does not fit 4 bytes of integer coding');
    expect(hex(encodeMeasurementZone(1, { coding: 'float', index: 1 }))).toBe('01 FF FF A0 3F 80 00 00');
    throwsProtocol(() => encodeMeasurementZone(1, { zone: 256 }), 'zone 256 is out of range 0..255');
    throwsProtocol(() => decodeMeasurementZone(bytes('00 01 02 88')), 'must have 5..8 bytes');
  });

  it('CLASS2.MEASUREMENT_STR: header bytes and plain ASCII decimal', () => {
    const d = encodeMeasurementString(-0.00000125, { index: 1, zone: 2, subzone: 3, unit: 200 });
    expect(Buffer.from(d.subarray(4)).toString('latin1')).toBe('-0.00000125');
    expect(Array.from(d.subarray(0, 4))).toEqual([1, 2, 3, 200]);
    expect(decodeMeasurementString(d)).toEqual({ index: 1, zone: 2, subzone: 3, unit: 200, value: -0.00000125, text: '-0.00000125' });
    expect(Buffer.from(encodeMeasurementString('21.50').subarray(4)).toString()).toBe('21.50');
    expect(plainDecimal(1e21)).toBe('1000000000000000000000');
    throwsProtocol(() => encodeMeasurementString('warm'), 'is not a decimal number');
    throwsProtocol(() => decodeMeasurementString(bytes('00 00 00 00')), 'at least 5 bytes');
    // a NUL terminator (v13 helper) is tolerated
    expect(decodeMeasurementString(Uint8Array.from([0, 0, 0, 0, 0x35, 0])).value).toBe(5);
  });

  it('CLASS2.MEASUREMENT_FLOAT: header + binary64 big-endian, 12 bytes', () => {
    const d = encodeMeasurementFloat(23.78, { index: 4, unit: 1 });
    expect(hex(d)).toBe('04 FF FF 01 40 37 C7 AE 14 7A E1 48');
    expect(decodeMeasurementFloat(d)).toEqual({ index: 4, zone: 255, subzone: 255, unit: 1, value: 23.78 });
    throwsProtocol(() => decodeMeasurementFloat(d.subarray(0, 11)), 'must have 12 bytes');
  });
});

describe('measurement events', () => {
  it('builds a CLASS1.MEASUREMENT event in one call', () => {
    const guid = parseGuid('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01');
    const e = createMeasurementEvent({ vscpType: MEASUREMENT_TYPE.TEMPERATURE, value: 20.92, coding: 'normalized', unit: 1, index: 1, guid });
    expect(formatEvent(e)).toBe('96,10,6,0,,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01,0x89,0x82,0x08,0x2C');
    throwsProtocol(() => createMeasurementEvent({ vscpType: 300, value: 1, coding: 'normalized' }), 'measurement type 300');
  });

  it('decodes every measurement class, also as Level I over Level II', () => {
    const dest = new Uint8Array(16);
    const cases: [number, Uint8Array, number][] = [
      [CLASS1.MEASUREMENT, bytes('88 81 00 E1'), 22.5],
      [CLASS1.MEASUREMENT64, encodeMeasurement64(-3.5), -3.5],
      [CLASS1.MEASUREMENT32, encodeMeasurement32(7.25), 7.25],
      [CLASS1.MEASUREZONE, encodeMeasurementZone(1.5, { zone: 4 }), 1.5],
      [CLASS1.SETVALUEZONE, encodeMeasurementZone(19, { zone: 4 }), 19],
      [CLASS2.MEASUREMENT_STR, encodeMeasurementString(42.125), 42.125],
      [CLASS2.MEASUREMENT_FLOAT, encodeMeasurementFloat(1e-3), 1e-3],
      [CLASS2.LEVEL1_MEASUREMENT, Uint8Array.from([...dest, 0x88, 0x81, 0x00, 0xe1]), 22.5],
    ];
    for (const [vscpClass, data, value] of cases) {
      expect(isMeasurementClass(vscpClass)).toBe(true);
      const r = decodeMeasurementEvent({ vscpClass, vscpType: 6, data });
      expect(r.value).toBe(value);
      expect(r.vscpType).toBe(6);
    }
    expect(decodeMeasurementEvent({ vscpClass: 522, vscpType: 6, data: Uint8Array.from([...dest, 0x88, 0x81, 0x00, 0xe1]) }).vscpClass).toBe(10);
    expect(decodeMeasurementEvent({ vscpClass: 65, vscpType: 6, data: encodeMeasurementZone(1.5, { zone: 4 }) }).zone).toBe(4);
    expect(isMeasurementClass(20)).toBe(false);
    expect(isMeasurementClass(532)).toBe(false);
    throwsProtocol(() => decodeMeasurementEvent({ vscpClass: 20, vscpType: 3, data: bytes('00 01 02') }), 'class 20 is not a measurement class');
    throwsProtocol(() => decodeMeasurementEvent({ vscpClass: 522, vscpType: 6, data: bytes('88 81') }), '16-byte destination GUID');
  });
});
