import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { formatGuid, guidEquals, isZeroGuid, isZeroGuidExceptNickname, parseGuid, zeroGuid } from './guid.js';

describe('GUID text', () => {
  it('H5: every token is hex', () => {
    const g = parseGuid('0:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15');
    expect(Array.from(g)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15]);
    expect(formatGuid(g)).toBe('00:01:02:03:04:05:06:07:08:09:10:11:12:13:14:15');
  });

  it('writes upper-case two-digit bytes and reads either case, with 0x tolerated', () => {
    const text = 'FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:01:00:00';
    expect(formatGuid(parseGuid(text.toLowerCase()))).toBe(text);
    expect(formatGuid(parseGuid('0xFF:0x1:2'))).toBe('FF:01:02:00:00:00:00:00:00:00:00:00:00:00:00:00');
  });

  it('- and empty are the all-zero GUID; short GUIDs are zero-filled unless strict', () => {
    expect(isZeroGuid(parseGuid('-'))).toBe(true);
    expect(isZeroGuid(parseGuid(' '))).toBe(true);
    expect(formatGuid(parseGuid('1:2'))).toBe('01:02:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(() => parseGuid('1:2', { strict: true })).toThrow(/16 colon-separated hex bytes are required/);
  });

  it('refuses bad tokens and more than 16 bytes', () => {
    expect(() => parseGuid('zz')).toThrow(ProtocolError);
    expect(() => parseGuid('zz')).toThrow('GUID "zz": byte 0 "zz" is not a hex byte (00..FF)');
    expect(() => parseGuid(new Array(17).fill('00').join(':'))).toThrow('has 17 bytes, at most 16 are allowed');
    expect(() => parseGuid('100:00')).toThrow(/byte 0 "100"/);
    expect(() => parseGuid('FF::FF')).toThrow(/byte 1 ""/);
  });

  it('compares and classifies', () => {
    const a = parseGuid('00:00:00:00:00:00:00:00:00:00:00:00:00:00:12:34');
    expect(isZeroGuid(a)).toBe(false);
    expect(isZeroGuidExceptNickname(a)).toBe(true);
    expect(isZeroGuidExceptNickname(parseGuid('00:00:00:00:00:00:00:00:00:00:00:00:00:01'))).toBe(false);
    expect(guidEquals(a, Uint8Array.from(a))).toBe(true);
    expect(guidEquals(a, zeroGuid())).toBe(false);
  });
});
