import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { parseVscpNumber, readLegacyBool, readLegacyNumber } from './numbers.js';

describe('parseVscpNumber', () => {
  it('reads decimal and 0x-hex, either case, trimmed', () => {
    expect(parseVscpNumber('31', 'n', 255)).toBe(31);
    expect(parseVscpNumber('0x1F', 'n', 255)).toBe(31);
    expect(parseVscpNumber(' 0X10 ', 'n', 255)).toBe(16);
    expect(parseVscpNumber('010', 'n', 255)).toBe(10); // base 10 forced, no octal
    expect(parseVscpNumber('+7', 'n', 255)).toBe(7);
    expect(parseVscpNumber('-5', 'n', 10, -10)).toBe(-5);
    expect(parseVscpNumber('-0x10', 'n', 10, -100)).toBe(-16);
  });

  it('names the field and the allowed range when it refuses', () => {
    expect(() => parseVscpNumber('abc', 'class', 65535)).toThrow(ProtocolError);
    expect(() => parseVscpNumber('abc', 'class', 65535)).toThrow('class: "abc" is not a number (decimal or 0x-hex)');
    expect(() => parseVscpNumber('70000', 'class', 65535)).toThrow('class: 70000 is out of range 0..65535');
    expect(() => parseVscpNumber('-1', 'byte', 255)).toThrow('byte: -1 is out of range 0..255');
    for (const bad of ['', '1.5', '1e3', '0x', '12abc', '0x1G', '--1']) expect(() => parseVscpNumber(bad, 'n', 1e9)).toThrow(ProtocolError);
  });
});

describe('legacy readers (vscp-drivers.md §15.1)', () => {
  it('H1: vscp_readStringValue', () => {
    expect(readLegacyNumber('0x1F')).toBe(31);
    expect(readLegacyNumber('31')).toBe(31);
    expect(readLegacyNumber(' 0X10 ')).toBe(16);
    expect(readLegacyNumber('abc')).toBe(0);
    expect(readLegacyNumber('prefix0x20')).toBe(32); // hex when 0x appears anywhere
  });

  it('H2: the substring boolean rule', () => {
    expect(readLegacyBool('TRUE')).toBe(true);
    expect(readLegacyBool('1')).toBe(false);
    expect(readLegacyBool('untrue')).toBe(true);
  });
});
