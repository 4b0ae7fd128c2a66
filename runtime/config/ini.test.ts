import * as ini from 'ini';
import { describe, expect, it } from 'vitest';
import { formatIniValue, packageText, scanIni } from './ini.js';

const FILE = '/etc/vscpd/vscpd.conf';

function values(text: string): Record<string, Record<string, string>> {
  const doc = scanIni(text, FILE);
  expect(doc.problems).toEqual([]);
  const out: Record<string, Record<string, string>> = {};
  for (const s of doc.sections) out[s.name] = Object.fromEntries(s.entries.map((e) => [e.key, e.value]));
  return out;
}

function problems(text: string): string[] {
  return scanIni(text, FILE).problems.map((p) => `${p.line}: ${p.message}`);
}

describe('INI dialect: values', () => {
  it('keeps ; and # that do not follow a blank', () => {
    expect(values('[a]\nconfig = a;b;c\npassword = SALT;HASH\ntopic = vscp/#\nx = a#b\n').a).toEqual({
      config: 'a;b;c', password: 'SALT;HASH', topic: 'vscp/#', x: 'a#b',
    });
  });

  it('a value that starts with ; or # after a blank is a comment: quote it', () => {
    expect(values('[a]\ntopic = #\nquoted = "#"\n').a).toEqual({ topic: '', quoted: '#' });
  });

  it('cuts an inline comment that follows a blank', () => {
    expect(values('[a]\nx = 1 ; one\ny = a;b # two\nz = v\t;tab\nw = ; nothing\n').a).toEqual({ x: '1', y: 'a;b', z: 'v', w: '' });
  });

  it('reads ;x right after = as a value (no blank before it)', () => {
    expect(values('[a]\nx =;x\n').a).toEqual({ x: ';x' });
  });

  it('keeps everything inside quotes and decodes JSON escapes in double quotes', () => {
    expect(values(`[a]\nx = "a ; b # c" ; comment\ny = ' lead and trail ' # c\nz = "say \\"hi\\" \\u00e9"\nq = ''\n`).a).toEqual({
      x: 'a ; b # c', y: ' lead and trail ', z: 'say "hi" é', q: '',
    });
  });

  it('keeps backslashes literally in unquoted values', () => {
    expect(values('[a]\nre = ^a\\.b\\;c$\npath = C:\\temp\\x\n').a).toEqual({ re: '^a\\.b\\;c$', path: 'C:\\temp\\x' });
  });

  it('reads true/false/null as text', () => {
    expect(values('[a]\nx = true\ny = null\nz = "false"\n').a).toEqual({ x: 'true', y: 'null', z: 'false' });
  });

  it('does not nest sections at dots: [driver.a.b] is one section', () => {
    const doc = scanIni('[driver.a.b]\ndriver = sim\n[driver.a]\ndriver = logger\n', FILE);
    expect(doc.sections.map((s) => s.name)).toEqual(['driver.a.b', 'driver.a']);
    expect(doc.sections[0]!.entries[0]!.value).toBe('sim');
  });

  it('accepts a comment after a section header, CRLF line ends and a BOM', () => {
    const doc = scanIni('\uFEFF[general] ; main\r\nname = x\r\n\r\n[tcpip]\r\nlisten = 9598\r\n', FILE);
    expect(doc.problems).toEqual([]);
    expect(doc.sections.map((s) => [s.name, s.line, s.entries.map((e) => [e.key, e.value, e.line])])).toEqual([
      ['general', 1, [['name', 'x', 2]]],
      ['tcpip', 4, [['listen', '9598', 5]]],
    ]);
  });

  it('matches keys case-insensitively and keeps the written form', () => {
    const e = scanIni('[a]\nNumberOfNodes = 3\n', FILE).sections[0]!.entries[0]!;
    expect([e.key, e.rawKey]).toEqual(['numberofnodes', 'NumberOfNodes']);
  });
});

describe('INI dialect: errors the package would accept silently', () => {
  it('the package itself cuts SALT;HASH, merges sections, drops =value and turns a bare word into true', () => {
    // Pins the package behaviour the loader works around.
    expect((ini.decode('[a]\nb = SALT;HASH\n') as Record<string, Record<string, unknown>>).a!.b).toBe('SALT');
    expect(ini.decode('[a]\nx = 1\nx = 2\n[a]\ny = 3\n')).toEqual({ a: { x: '2', y: '3' } });
    expect(ini.decode('[a]\n= v\nword\n')).toEqual({ a: { word: true } });
    expect(ini.decode('[driver.a.b]\nk = v\n')).toEqual({ driver: { a: { b: { k: 'v' } } } });
  });

  it('reports a repeated key with both lines', () => {
    expect(problems('[a]\nx = 1\nX = 2\n')).toEqual(['3: [a] key `x` is repeated; first at line 2 (a key may appear once per section)']);
  });

  it('reports a repeated section with both lines (case-insensitive)', () => {
    expect(problems('[a]\nx = 1\n[A]\ny = 2\n')).toEqual(['3: section [A] is repeated; first at line 1 (a section may appear once)']);
  });

  it('reports a line without =', () => {
    expect(problems('[a]\njust words\n')).toEqual(['2: expected key = value, a [section] header or a comment, got "just words"']);
  });

  it('reports a key without a name', () => {
    expect(problems('[a]\n= value\n')).toEqual(['2: key without a name: expected key = value']);
  });

  it('reports malformed section headers', () => {
    expect(problems('[general\n')).toEqual(['1: malformed section header: missing `]`; expected [name]']);
    expect(problems('[]\n')).toEqual(['1: malformed section header: empty name; expected [name]']);
    expect(problems('[a] b\n')).toEqual(['1: malformed section header: text after `]`; only a comment may follow [name]']);
    expect(problems('[a;b]\n')[0]).toMatch(/^1: malformed section header \[a;b\]: names may not contain/);
  });

  it('skips the keys below a bad header without further errors', () => {
    expect(problems('[bad\nx = 1\ny = 2\n[ok]\nz = 3\n')).toHaveLength(1);
  });

  it('reports a key outside of any section once', () => {
    expect(problems('x = 1\ny = 2\n[a]\n')).toEqual(['1: key `x` is outside of any section; put it below a [section] header']);
  });

  it('reports bad key names, unterminated quotes and text after a quote', () => {
    expect(problems('[a]\nbad key = 1\n')).toEqual(['2: bad key name "bad key": keys use letters, digits, _ - and .']);
    expect(problems('[a]\nx = "abc\n')).toEqual(['2: [a] x: unterminated quoted value: a value that starts with " must end with "']);
    expect(problems('[a]\nx = "abc" def\n')).toEqual(['2: [a] x: text after the closing quote; only a comment may follow a quoted value']);
    expect(problems('[a]\nx = "\\q"\n')[0]).toMatch(/^2: \[a\] x: bad escape/);
  });

  it('reports control characters and overlong lines', () => {
    expect(problems('[a]\nx = a\u0000b\n')).toEqual(['2: line contains a control character; only printable text and tabs are allowed']);
    expect(problems(`[a]\nx = ${'y'.repeat(70000)}\n`)).toEqual(['2: line is longer than 65536 characters']);
  });
});

describe('INI dialect: the escaping handed to the package', () => {
  it('escapes ; # and backslashes and quotes what the package would trim or unquote', () => {
    const text = packageText({
      sections: [{ name: 'driver.a.b', line: 1, entries: [
        { key: 'x', rawKey: 'x', value: 'a;b#c\\d', line: 2, quoted: false },
        { key: 'y', rawKey: 'y', value: ' padded ', line: 3, quoted: true },
        { key: 'z', rawKey: 'z', value: '"q"', line: 4, quoted: true },
      ] }],
    });
    expect(text).toBe('[driver\\.a\\.b]\nx = a\\;b\\#c\\\\d\ny = " padded "\nz = "\\"q\\""\n');
    expect(ini.decode(text)).toEqual({ 'driver.a.b': { x: 'a;b#c\\d', y: ' padded ', z: '"q"' } });
  });

  it('round-trips random values through the package unchanged', () => {
    const alphabet = ['a', 'Z', '0', ' ', '\t', ';', '#', '\\', '"', "'", '=', '[', ']', '.', ',', 'é', '$', '{', '}'];
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 500; i++) {
      let v = '';
      const len = rnd(12);
      for (let j = 0; j < len; j++) v += alphabet[rnd(alphabet.length)];
      const entries = [{ key: 'k', rawKey: 'k', value: v, line: 1, quoted: false }];
      const decoded = ini.decode(packageText({ sections: [{ name: 's.t', line: 1, entries }] })) as Record<string, Record<string, unknown>>;
      expect(String(decoded['s.t']!.k)).toBe(v);
      // What `vscpd show` writes, the scan reads back.
      const back = scanIni(`[s]\nk = ${formatIniValue(v)}\n`, FILE);
      expect(back.problems).toEqual([]);
      expect(back.sections[0]!.entries[0]!.value).toBe(v);
    }
  });
});
