import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import { expandGlob, segmentRegExp } from './glob.js';

describe('include globs', () => {
  it('match within one segment: * ? [abc] [!abc] [a-z]', () => {
    expect(segmentRegExp('*.conf').test('a.conf')).toBe(true);
    expect(segmentRegExp('*.conf').test('a.conf.bak')).toBe(false);
    expect(segmentRegExp('?0-*.conf').test('10-mqtt.conf')).toBe(true);
    expect(segmentRegExp('[12]*').test('3x')).toBe(false);
    expect(segmentRegExp('[!1]*').test('3x')).toBe(true);
    expect(segmentRegExp('[a-c].conf').test('b.conf')).toBe(true);
    expect(segmentRegExp('a+b(c).conf').test('a+b(c).conf')).toBe(true);
  });

  it('returns regular files in lexical order, without dot files or folders', async () => {
    const dir = writeFiles(tempDir(), {
      'conf.d/20-b.conf': '', 'conf.d/10-a.conf': '', 'conf.d/9-z.conf': '', 'conf.d/.#10-a.conf': '',
      'conf.d/notes.txt': '', 'conf.d/sub.conf/x': '', 'other/x.conf': '',
    });
    const r = await expandGlob('conf.d/*.conf', dir);
    expect(r.literal).toBe(false);
    expect(r.files).toEqual(['10-a.conf', '20-b.conf', '9-z.conf'].map((f) => join(dir, 'conf.d', f)));
    expect((await expandGlob('*/x.conf', dir)).files).toEqual([join(dir, 'other', 'x.conf')]);
    expect((await expandGlob('nothing/*.conf', dir)).files).toEqual([]);
  });

  it('a pattern without wildcards is a literal path', async () => {
    expect(await expandGlob('/etc/vscpd/extra.conf', '/tmp')).toEqual({ files: ['/etc/vscpd/extra.conf'], literal: true });
    expect(await expandGlob('extra.conf', '/etc/vscpd')).toEqual({ files: ['/etc/vscpd/extra.conf'], literal: true });
  });
});

describe('globMatches', () => {
  it('matches a path against a pattern segment by segment', async () => {
    const { globMatches } = await import('./glob.js');
    expect(globMatches('conf.d/*.conf', '/etc/vscpd', '/etc/vscpd/conf.d/40-mqtt.conf')).toBe(true);
    expect(globMatches('conf.d/*.conf', '/etc/vscpd', '/etc/vscpd/conf.d/.40-mqtt.conf')).toBe(false);
    expect(globMatches('conf.d/*.conf', '/etc/vscpd', '/etc/vscpd/conf.d/sub/x.conf')).toBe(false);
    expect(globMatches('/etc/*/x.conf', '/', '/etc/vscpd/x.conf')).toBe(true);
    expect(globMatches('x.conf', '/etc', '/etc/x.conf')).toBe(true);
  });
});
