import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../support/package-root.js';
import {
  FORMATS, checkCron, parseAllowEvent, parseCidrEntry, parseGlobList, parseHostPort, parseListenList, parsePrivilege,
} from './formats.js';

describe('formats', () => {
  it('each format is documented in schema/meta/formats.json, and nothing else is', () => {
    const doc = JSON.parse(readFileSync(join(packageRoot(), 'schema', 'meta', 'formats.json'), 'utf8')) as { formats: Record<string, unknown> };
    expect(Object.keys(doc.formats).sort()).toEqual(Object.keys(FORMATS).sort());
  });

  it('host:port, [v6]:port and bare ports', () => {
    expect(parseHostPort('127.0.0.1:9598', false)).toEqual({ host: '127.0.0.1', port: 9598 });
    expect(parseHostPort('[::1]:0', false)).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('broker.local:1883', false)).toEqual({ host: 'broker.local', port: 1883 });
    expect(parseHostPort('9598', true)).toEqual({ host: '0.0.0.0', port: 9598 });
    expect(() => parseHostPort('9598', false)).toThrow('has no port');
    expect(() => parseHostPort('::1:9598', false)).toThrow('write an IPv6 address in brackets');
    expect(() => parseHostPort('[::1]9598', false)).toThrow('needs :port after ]');
    expect(() => parseHostPort('[fe80::zz]:1', false)).toThrow('is not an IPv6 address');
    expect(() => parseHostPort('a_b:1', false)).toThrow('is not an IPv4 address or host name');
    expect(() => parseHostPort('h:65536', false)).toThrow('out of range');
  });

  it('listen lists need at least one address', () => {
    expect(parseListenList('127.0.0.1:9598, [::1]:9598')).toEqual([{ host: '127.0.0.1', port: 9598 }, { host: '::1', port: 9598 }]);
    expect(() => parseListenList('')).toThrow('no address');
    expect(() => parseListenList('1,,2')).toThrow('empty entry');
  });

  it('allowfrom entries normalise to sign, address and prefix length', () => {
    expect(parseCidrEntry('+127.0.0.0/8')).toBe('+127.0.0.0/8');
    expect(parseCidrEntry('10.1.2.3')).toBe('+10.1.2.3/32');
    expect(parseCidrEntry('-::1')).toBe('-::1/128');
    expect(parseCidrEntry('+FE80::/10')).toBe('+fe80::/10');
    expect(() => parseCidrEntry('+10.0.0.0/33')).toThrow('must be 0..32');
    expect(() => parseCidrEntry('*')).toThrow('leave allowfrom empty');
    expect(() => parseCidrEntry('+192.168.1.*')).toThrow('is not an IPv4 or IPv6 address');
  });

  it('allowevent entries normalise to decimal', () => {
    expect(parseAllowEvent('*:*')).toBe('*:*');
    expect(parseAllowEvent('0x14:*')).toBe('20:*');
    expect(parseAllowEvent(' 10 : 0x06 ')).toBe('10:6');
    expect(() => parseAllowEvent('*:3')).toThrow('type must be * too');
    expect(() => parseAllowEvent('70000:1')).toThrow('out of range');
    expect(() => parseAllowEvent('10')).toThrow('is not class:type');
  });

  it('privileges as the v13 code', () => {
    expect([parsePrivilege('admin'), parsePrivilege('USER'), parsePrivilege('driver'), parsePrivilege('4')]).toEqual([15, 6, 15, 4]);
    expect(() => parsePrivilege('16')).toThrow();
    expect(() => parsePrivilege('root')).toThrow();
  });

  it('cron: six fields or an alias', () => {
    expect(checkCron('*/30 * * * * *')).toBeNull();
    expect(checkCron('@hourly')).toBeNull();
    expect(checkCron('0 * * * *')).toBe('has 5 fields, six are needed (second minute hour day month weekday)');
    expect(checkCron('61 * * * * *')).toBe('field value (61) is out of range');
    expect(FORMATS.cron!.check('')).toBeNull();
  });

  it('include patterns name files', () => {
    expect(parseGlobList('conf.d/*.conf, extra.conf')).toEqual(['conf.d/*.conf', 'extra.conf']);
    expect(() => parseGlobList('conf.d/')).toThrow('names a folder');
    expect(() => parseGlobList('conf.d/**/*.conf')).toThrow('** is not supported');
  });

  it('GUID, filter, event, password hash and variable type formats', () => {
    expect(FORMATS['vscp-guid']!.check('')).toBeNull();
    expect(FORMATS['vscp-guid']!.check('-')).toBeNull();
    expect(FORMATS['vscp-guid']!.check('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:00')).toBeNull();
    expect(FORMATS['vscp-guid']!.check('FF:FF')).toMatch(/has 2 bytes/);
    expect(FORMATS['vscp-filter']!.check('0,10,6,-')).toBeNull();
    expect(FORMATS['vscp-filter']!.check('0,10,6,-,1')).toMatch(/5 fields/);
    expect(FORMATS['vscp-event']!.check('0,30,5,0,,0,-,0,1,1')).toBeNull();
    expect(FORMATS['vscp-event']!.check('0,30')).toMatch(/2 fields/);
    expect(FORMATS['password-hash']!.check('23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02')).toBeNull();
    expect(FORMATS['password-hash']!.check('secret')).toMatch(/plain passwords are never accepted/);
    expect(FORMATS['variable-type']!.check('int')).toBeNull();
    expect(FORMATS['variable-type']!.check('0x03')).toBeNull();
    expect(FORMATS['variable-type']!.check('integr')).toMatch(/unknown/);
    expect(FORMATS.path!.check('a\u0001b')).toBe('contains a control character');
  });
});
