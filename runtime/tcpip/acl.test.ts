import { describe, expect, it } from 'vitest';
import { AclError, aclAllows, parseAcl, parseIpAddress } from './acl.js';

describe('parseIpAddress', () => {
  it('reads IPv4, IPv6 (compressed, bracketed, with zone) and maps ::ffff:a.b.c.d to IPv4', () => {
    expect(parseIpAddress('10.1.2.3')).toEqual({ family: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseIpAddress('::ffff:127.0.0.1')).toEqual({ family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) });
    expect(parseIpAddress('::FFFF:7f00:1')).toEqual({ family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) });
    const v6 = parseIpAddress('[fe80::1%eth0]')!;
    expect(v6.family).toBe(6);
    expect([...v6.bytes]).toEqual([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...parseIpAddress('2001:db8::ff00:42:8329')!.bytes]).toEqual(
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29]);
    expect([...parseIpAddress('::')!.bytes]).toEqual(new Array(16).fill(0));
    expect([...parseIpAddress('64:ff9b::192.0.2.33')!.bytes]).toEqual([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33]);
    expect(parseIpAddress('1:2:3:4:5:6:7:8')!.bytes[15]).toBe(8);
  });

  it('refuses what is no address', () => {
    for (const bad of ['', 'localhost', '256.1.1.1', '1.2.3', '::g', '1::2::3']) expect(parseIpAddress(bad)).toBeUndefined();
  });
});

describe('allowfrom lists', () => {
  it('allows everyone when empty', () => {
    expect(aclAllows([], '8.8.8.8')).toBe(true);
    expect(aclAllows(parseAcl(['', ' ']), '::1')).toBe(true);
  });

  it('denies what no entry matches in a non-empty list', () => {
    const acl = parseAcl(['+127.0.0.0/8']);
    expect(aclAllows(acl, '127.4.5.6')).toBe(true);
    expect(aclAllows(acl, '::ffff:127.0.0.1')).toBe(true);
    expect(aclAllows(acl, '10.0.0.1')).toBe(false);
    expect(aclAllows(acl, '::1')).toBe(false);
    expect(aclAllows(acl, 'not-an-address')).toBe(false);
  });

  it('lets the last matching entry win', () => {
    const acl = parseAcl(['+10.0.0.0/8', '-10.1.0.0/16', '+10.1.2.3']);
    expect(aclAllows(acl, '10.9.9.9')).toBe(true);
    expect(aclAllows(acl, '10.1.9.9')).toBe(false);
    expect(aclAllows(acl, '10.1.2.3')).toBe(true);
    const denyFirst = parseAcl(['+0.0.0.0/0', '+::/0', '-192.168.0.0/16']);
    expect(aclAllows(denyFirst, '192.168.1.1')).toBe(false);
    expect(aclAllows(denyFirst, '2001:db8::1')).toBe(true);
  });

  it('matches IPv6 prefixes, odd prefix lengths and IPv4-mapped prefixes', () => {
    const acl = parseAcl(['+fd00::/8', '+2001:db8:abcd:12::/63', '-::ffff:192.168.0.0/112', '+::ffff:192.168.0.0/104']);
    expect(aclAllows(acl, 'fd12:3456::1')).toBe(true);
    expect(aclAllows(acl, 'fe00::1')).toBe(false);
    expect(aclAllows(acl, '2001:db8:abcd:13::1')).toBe(true);
    expect(aclAllows(acl, '2001:db8:abcd:14::1')).toBe(false);
    expect(aclAllows(acl, '192.200.1.1')).toBe(true);
    expect(aclAllows(acl, '192.168.1.1')).toBe(true);
    expect(aclAllows(parseAcl(['+::ffff:192.168.0.0/112']), '192.168.7.7')).toBe(true);
    expect(aclAllows(parseAcl(['+::1']), '::1')).toBe(true);
    expect(aclAllows(parseAcl(['+1.2.3.4']), '1.2.3.5')).toBe(false);
    expect(aclAllows(parseAcl(['1.2.3.4']), '1.2.3.4')).toBe(true);
  });

  it('explains a malformed entry', () => {
    expect(() => parseAcl(['+10.0.0.0/33'])).toThrow(/prefix length 33 is more than 32/);
    expect(() => parseAcl(['+example.com'])).toThrow(AclError);
    expect(() => parseAcl(['+example.com'])).toThrow(/"example.com" is not an IPv4 or IPv6 address/);
    expect(() => parseAcl(['-10.0.0.0/x'])).toThrow(/prefix length "x"/);
    expect(() => parseAcl(['+::ffff:1.2.3.4/8'])).toThrow(/96..128/);
  });
});
