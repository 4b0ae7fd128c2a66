import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { type VscpEvent, createEvent, formatEventJson, formatEvent, parseGuid } from '../../runtime/protocol/index.js';
import { type DriverHarness, driverHarness } from '../../test/support/driver-harness.js';
import { tempDir } from '../../test/support/tmp.js';
import { ByteWriter, LogClock, jsonLine, textLine } from './formats.js';
import definition from './index.js';
import { LoggerDriver } from './logger.js';
import type { LoggerSettings } from './settings.generated.js';
import { checkXml } from './testdata/well-formed.mjs';
import { deriveConfig, parseLegacyConfig } from './settings.js';
import { until } from '../../test/support/wait.js';

const schema = definition.schema as { properties: Record<string, { default?: unknown }> };

/** Settings as the loader hands them over: schema defaults, then the given keys. */
function settings(over: Partial<LoggerSettings> & { path: string }): LoggerSettings & Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema.properties)) if (p.default !== undefined) out[k] = p.default;
  return { ...out, ...over } as LoggerSettings & Record<string, unknown>;
}

const G3_GUID = parseGuid('FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10');
const G3_TIME = new Date(2018, 11, 1, 10, 20, 30).getTime();

function g3Event(over: Partial<VscpEvent> = {}): VscpEvent {
  return { ...createEvent({ head: 96, vscpClass: 10, vscpType: 6, guid: G3_GUID, data: [0x88, 0x83, 0x5a, 0x55], timestamp: 123456789 }), ...over };
}

function ev(vscpClass: number, vscpType: number, n = 0): VscpEvent {
  return createEvent({ head: 0x60, vscpClass, vscpType, timestamp: n, guid: G3_GUID, data: [n & 0xff, 1, 2] });
}


let harnesses: DriverHarness[] = [];
let drivers: LoggerDriver[] = [];

function setup(over: Partial<LoggerSettings> & { path: string }, now?: () => number) {
  const h = driverHarness({ name: 'log1' });
  harnesses.push(h);
  const d = new LoggerDriver(h.ctx, settings(over), now ? { now } : {});
  drivers.push(d);
  return { h, d };
}

afterEach(async () => {
  for (const d of drivers) await d.stop();
  for (const h of harnesses) h.dispose();
  drivers = [];
  harnesses = [];
});

const read = (p: string) => readFileSync(p, 'latin1');
const lines = (p: string) => read(p).split('\r\n').filter((l) => l !== '');

describe('logger settings', () => {
  it('G1: reads path;rewrite;vscpworksfmt from the legacy config string', () => {
    const keys = parseLegacyConfig('/var/log/vscp.log;true;false');
    expect(keys).toEqual({ path: '/var/log/vscp.log', rewrite: 'true', vscpworksfmt: 'false' });
    const cfg = deriveConfig(settings({ path: keys.path!, rewrite: true, vscpworksfmt: false }));
    expect(cfg).toMatchObject({ path: '/var/log/vscp.log', rewrite: true, format: 'text' });
  });

  it('G2: hands a non-boolean token on unchanged instead of reading "untrue" as true', () => {
    const keys = parseLegacyConfig('/var/log/a.log;untrue;xTRUEx');
    expect(keys).toEqual({ path: '/var/log/a.log', rewrite: 'untrue', vscpworksfmt: 'xTRUEx' });
    // TRUE in any case is a boolean; empty fields set nothing; filter and mask keep their commas.
    expect(parseLegacyConfig(' x.log ;TRUE;;1,10,6,-;0,0xffff,0xffff,-')).toEqual({
      path: 'x.log', rewrite: 'true', filter: '1,10,6,-', mask: '0,0xffff,0xffff,-',
    });
    expect(() => parseLegacyConfig('a;true;false;0,0,0,-;0,0,0,-;extra')).toThrow(/at most 5/);
  });

  it('takes vscpworksfmt = true as format xml and rejects a contradicting format', () => {
    expect(deriveConfig(settings({ path: '/x', vscpworksfmt: true })).format).toBe('xml');
    expect(deriveConfig(settings({ path: '/x', vscpworksfmt: true, format: 'xml' })).format).toBe('xml');
    expect(deriveConfig(settings({ path: '/x', format: 'jsonl' })).format).toBe('jsonl');
    let err: unknown;
    try { deriveConfig(settings({ path: '/x', vscpworksfmt: true, format: 'jsonl' })); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as DriverConfigError).key).toBe('format');
    expect((err as Error).message).toMatch(/format: is jsonl but vscpworksfmt = true asks for xml/);
  });

  it('rejects a malformed filter or mask naming the key', () => {
    const bad = (over: Partial<LoggerSettings>) => {
      try { deriveConfig(settings({ path: '/x', ...over })); } catch (e) { return e as DriverConfigError; }
      throw new Error('no error');
    };
    expect(bad({ filter: '0,banana,6' }).key).toBe('filter');
    expect(bad({ filter: '0,banana,6' }).message).toMatch(/^filter: .*banana/);
    expect(bad({ mask: '0,0,0,GG:00' }).key).toBe('mask');
    expect(bad({ mask: '9,0,0' }).message).toMatch(/^mask: .*out of range/);
  });

  it('claims its file, so two loggers cannot write the same one', () => {
    expect(definition.resources!(settings({ path: '/var/log/a.log' }))).toEqual([{ kind: 'file', id: '/var/log/a.log' }]);
  });
});

describe('logger formats', () => {
  it('G3: writes the original text line, local time, CRLF', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path }, () => G3_TIME);
    await d.start();
    d.receive(g3Event());
    await d.stop();
    expect(read(path)).toBe(
      '2018-12-01 10:20:30: head=96 class=10 type=6 GUID=FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10 ' +
      'datasize=4 data=0x88,0x83,0x5A,0x55 Timestamp=123456789\r\n');
  });

  it('G4: writes one space before Timestamp when there is no data, and the timestamp unsigned', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path }, () => G3_TIME);
    await d.start();
    d.receive(g3Event({ data: new Uint8Array(0), timestamp: 5 }));
    d.receive(g3Event({ data: new Uint8Array(0), timestamp: 0xfffffffe }));
    await d.stop();
    expect(lines(path)).toEqual([
      '2018-12-01 10:20:30: head=96 class=10 type=6 GUID=FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10 datasize=0 Timestamp=5',
      '2018-12-01 10:20:30: head=96 class=10 type=6 GUID=FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10 datasize=0 Timestamp=4294967294',
    ]);
  });

  it('writes the time in UTC with time = utc', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, time: 'utc' }, () => Date.UTC(2018, 11, 1, 23, 59, 58));
    await d.start();
    d.receive(g3Event());
    await d.stop();
    expect(read(path)).toMatch(/^2018-12-01 23:59:58: head=96 /);
  });

  it('the XML check used here rejects what the original driver wrote', () => {
    const ok = '<?xml version="1.0" encoding="UTF-8"?>\n<vscprxdata>\n<event>\n<dir>rx</dir>\n</event>\n</vscprxdata>\n';
    expect(checkXml(ok)).toEqual({ root: 'vscprxdata', events: 1 });
    expect(() => checkXml(ok.replace('<dir>rx', 'rx'))).toThrow(/<\/dir> closes <event>/);
    expect(() => checkXml(ok.replace('</vscprxdata>\n', ''))).toThrow(/unclosed elements: vscprxdata/);
    expect(() => checkXml(ok + ok)).toThrow(/malformed tag|second root/);
  });

  it('G5: writes VSCP Works XML with <dir>rx</dir>, header and closing tag', async () => {
    const path = join(tempDir(), 'events.xml');
    const { d } = setup({ path, vscpworksfmt: true }, () => G3_TIME);
    await d.start();
    d.receive(g3Event({ dateTime: { year: 2018, month: 12, day: 1, hour: 9, minute: 20, second: 30 } }));
    d.receive(g3Event({ data: new Uint8Array(0), timestamp: 5, dateTime: null }));
    await d.stop();
    expect(read(path)).toBe([
      '<?xml version="1.0" encoding="UTF-8"?>', '<vscprxdata>',
      '<event>', '<dir>rx</dir>', '<time>2018-12-01 10:20:30</time>', '<dt>2018-12-01T09:20:30Z</dt>',
      '<head>96</head>', '<class>10</class>', '<type>6</type>', '<guid>FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10</guid>',
      '<sizedata>4</sizedata>', '<data>0x88,0x83,0x5A,0x55</data>', '<timestamp>123456789</timestamp>', '<note></note>', '</event>',
      '<event>', '<dir>rx</dir>', '<time>2018-12-01 10:20:30</time>', '<dt></dt>',
      '<head>96</head>', '<class>10</class>', '<type>6</type>', '<guid>FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10</guid>',
      '<sizedata>0</sizedata>', '<timestamp>5</timestamp>', '<note></note>', '</event>',
      '</vscprxdata>', '',
    ].join('\n'));
    expect(checkXml(read(path))).toEqual({ root: 'vscprxdata', events: 2 });
  });

  it('writes JSON Lines: the log time, then the event as JSON', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const at = Date.UTC(2018, 11, 1, 10, 20, 30, 7);
    const { d } = setup({ path, format: 'jsonl', time: 'utc' }, () => at);
    await d.start();
    d.receive(g3Event({ obid: 3, dateTime: { year: 2018, month: 12, day: 1, hour: 10, minute: 20, second: 29 } }));
    d.receive(g3Event({ data: new Uint8Array(0), dateTime: null }));
    await d.stop();
    const rows = read(path).split('\n');
    expect(rows.pop()).toBe('');
    expect(rows.map((r) => JSON.parse(r) as unknown)).toEqual([
      { time: '2018-12-01T10:20:30.007Z', head: 96, obid: 3, datetime: '2018-12-01T10:20:29Z', timestamp: 123456789, class: 10, type: 6,
        guid: 'FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10', data: [0x88, 0x83, 0x5a, 0x55], note: '' },
      { time: '2018-12-01T10:20:30.007Z', head: 96, obid: 0, datetime: '', timestamp: 123456789, class: 10, type: 6,
        guid: 'FF:FF:FF:FF:FF:FF:FF:FF:72:01:4B:46:7F:FF:0E:10', data: [], note: '' },
    ]);
  });

  it('writes each JSON line as the protocol JSON form of the event, for any event', () => {
    const w = new ByteWriter(64);
    const json = jsonLine(new LogClock(true));
    const text = textLine(new LogClock(true));
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let i = 0; i < 300; i++) {
      const e = createEvent({
        head: rnd(0x10000), vscpClass: rnd(0x10000), vscpType: rnd(0x10000), obid: rnd(2147483647) * 2 + rnd(2),
        timestamp: [0, 9, 10, 99, 100, 4294967295][i % 6]! + (i % 6 === 5 ? 0 : rnd(1000)),
        guid: Uint8Array.from({ length: 16 }, () => rnd(256)), data: Uint8Array.from({ length: rnd(i % 10 === 0 ? 513 : 9) }, () => rnd(256)),
        dateTime: i % 4 === 0 ? null : { year: 1970 + rnd(100), month: 1 + rnd(12), day: 1 + rnd(28), hour: rnd(24), minute: rnd(60), second: rnd(60) },
      });
      w.reset();
      json(w, e, 0);
      const line = w.view().toString('latin1');
      expect(line).toBe(`{"time":"1970-01-01T00:00:00.000Z",${formatEventJson(e).slice(1)}\n`);
      // The text line carries the fields of the event text form, in the same notation.
      w.reset();
      text(w, e, 0);
      const m = /^1970-01-01 00:00:00: head=(\d+) class=(\d+) type=(\d+) GUID=(\S+) datasize=(\d+)(?: data=(\S+))? Timestamp=(\d+)\r\n$/.exec(w.view().toString('latin1'))!;
      expect(m).not.toBeNull();
      const [h, c, t, , , ts, g] = formatEvent(e).split(',');
      expect([m[1], m[2], m[3], m[7], m[4], Number(m[5])]).toEqual([h, c, t, ts, g, e.data.length]);
      expect(m[6] ?? '').toBe(formatEvent(e).split(',').slice(7).join(','));
    }
  });

  it('writes local JSON times with their offset', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const { d } = setup({ path, format: 'jsonl' }, () => G3_TIME + 250);
    await d.start();
    d.receive(g3Event());
    await d.stop();
    const row = JSON.parse(read(path)) as { time: string };
    expect(row.time).toMatch(/^2018-12-01T10:20:30\.250(Z|[+-]\d\d:\d\d)$/);
    expect(Date.parse(row.time)).toBe(G3_TIME + 250);
  });
});

describe('logger filter and file handling', () => {
  it('H3: logs only what passes filter and mask', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, filter: '0,10,6,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00', mask: '0,0xFFFF,0xFFFF,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00' });
    await d.start();
    d.receive(ev(10, 6, 1));
    d.receive(ev(10, 5, 2));
    d.receive(ev(20, 6, 3));
    d.receive(ev(10, 6, 4));
    await d.stop();
    expect(lines(path).map((l) => /class=(\d+) type=(\d+)/.exec(l)!.slice(1).join(','))).toEqual(['10,6', '10,6']);
    expect(d.stats()).toMatchObject({ written: 2, filtered: 2 });
  });

  it('appends by default and empties the file with rewrite = true', async () => {
    const path = join(tempDir(), 'events.log');
    writeFileSync(path, 'old line\r\n');
    const a = setup({ path });
    await a.d.start();
    a.d.receive(ev(10, 6));
    await a.d.stop();
    expect(lines(path)).toHaveLength(2);
    expect(lines(path)[0]).toBe('old line');
    const b = setup({ path, rewrite: true });
    await b.d.start();
    b.d.receive(ev(20, 3));
    await b.d.stop();
    expect(lines(path)).toHaveLength(1);
    expect(lines(path)[0]).toMatch(/class=20 type=3/);
  });

  it('keeps an XML log one valid document across restarts in append mode', async () => {
    const path = join(tempDir(), 'events.xml');
    const a = setup({ path, format: 'xml' });
    await a.d.start();
    a.d.receive(ev(10, 6, 1));
    a.d.receive(ev(10, 6, 2));
    // Valid while running, not only after stop: the closing tag follows every batch.
    await until('two events written', () => a.d.stats().written === 2);
    expect(checkXml(read(path)).events).toBe(2);
    await a.d.stop();
    const b = setup({ path, format: 'xml' });
    await b.d.start();
    b.d.receive(ev(20, 3, 3));
    await b.d.stop();
    const doc = read(path);
    expect(checkXml(doc)).toEqual({ root: 'vscprxdata', events: 3 });
    expect(doc.match(/<\?xml/g)).toHaveLength(1);
    expect(doc.endsWith('</event>\n</vscprxdata>\n')).toBe(true);
  });

  it('repairs an XML log whose end was torn by a crash, and says so', async () => {
    const path = join(tempDir(), 'events.xml');
    const a = setup({ path, format: 'xml' });
    await a.d.start();
    a.d.receive(ev(10, 6, 1));
    await a.d.stop();
    const whole = read(path);
    // A crash in the middle of the next batch: a partial event and no closing tag.
    const torn = '<event>\n<dir>rx</dir>\n<ti';
    writeFileSync(path, whole.replace('</vscprxdata>\n', torn));
    const b = setup({ path, format: 'xml' });
    await b.d.start();
    b.d.receive(ev(20, 3, 2));
    await b.d.stop();
    expect(checkXml(read(path)).events).toBe(2);
    expect(b.h.logs.some((l) => l.level === 'warn' && /Repaired the end of .*events\.xml: removed 25 bytes/.test(l.message))).toBe(true);
    expect(torn.length).toBe(25);
  });

  it('continues a header-only XML log, and one whose closing tag the original driver left out', async () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.xml');
    writeFileSync(empty, '<?xml version="1.0" encoding="UTF-8"?>\n<vscprxdata>\n');
    const original = join(dir, 'original.xml');
    writeFileSync(original, '<?xml version = "1.0" encoding = "UTF-8" ?>\n<vscprxdata>\n<event>\n<head>0</head>\n</event>\n');
    for (const path of [empty, original]) {
      const { d } = setup({ path, format: 'xml' });
      await d.start();
      d.receive(ev(10, 6));
      await d.stop();
    }
    expect(checkXml(read(empty)).events).toBe(1);
    expect(checkXml(read(original)).events).toBe(2);
  });

  it('does not write XML into a file that is not an XML log: degraded with the reason', async () => {
    const path = join(tempDir(), 'events.xml');
    writeFileSync(path, 'a text log\r\n');
    const { h, d } = setup({ path, format: 'xml', retry_interval_ms: 60_000 });
    await d.start();
    expect(h.health.at(-1)).toEqual({ health: 'degraded', reason: expect.stringMatching(/^open .*events\.xml: the file is not a VSCP Works XML log .*set rewrite = true$/) as unknown });
    expect(read(path)).toBe('a text log\r\n');
  });

  it('re-opens after logrotate moved the file away (create mode)', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, rotation_check_ms: 20 });
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    renameSync(path, `${path}.1`);
    writeFileSync(path, '');
    // Events keep coming while the driver has not noticed yet; all of them end up in one of the files.
    let n = 2;
    await until('the new file is used', () => {
      d.receive(ev(10, 6, n++));
      return existsSync(path) && read(path).length > 0;
    });
    await d.stop();
    const total = lines(`${path}.1`).length + lines(path).length;
    expect(total).toBe(n - 1);
    expect(lines(`${path}.1`)[0]).toMatch(/Timestamp=1$/);
  });

  it('re-opens when the file was removed', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, rotation_check_ms: 20 });
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    unlinkSync(path);
    await until('the file is created again', () => existsSync(path));
    d.receive(ev(10, 6, 2));
    await d.stop();
    expect(lines(path)).toHaveLength(1);
    expect(lines(path)[0]).toMatch(/Timestamp=2$/);
  });

  it('continues at the start after copytruncate, without a hole of zero bytes', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, rotation_check_ms: 20 });
    await d.start();
    for (let i = 0; i < 50; i++) d.receive(ev(10, 6, i));
    await until('50 events', () => d.stats().written === 50);
    writeFileSync(`${path}.1`, readFileSync(path));
    truncateSync(path, 0);
    d.receive(ev(10, 6, 99));
    await d.stop();
    const content = read(path);
    expect(content.includes('\0')).toBe(false);
    expect(lines(path)).toHaveLength(1);
    expect(lines(`${path}.1`)).toHaveLength(50);
  });

  it('starts a fresh XML document after copytruncate', async () => {
    const path = join(tempDir(), 'events.xml');
    const { d } = setup({ path, format: 'xml', rotation_check_ms: 20 });
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('one event', () => d.stats().written === 1);
    truncateSync(path, 0);
    await until('a new header', () => read(path).startsWith('<?xml'));
    d.receive(ev(10, 6, 2));
    await d.stop();
    expect(checkXml(read(path)).events).toBe(1);
  });

  it('re-opens at once on the reload signal (reconfigure with no changed key)', async () => {
    const path = join(tempDir(), 'events.log');
    const s = settings({ path, rotation_check_ms: 3_600_000 });
    const { d } = setup(s);
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    renameSync(path, `${path}.old`);
    expect(d.reconfigure(s, [])).toBe('applied');
    d.receive(ev(10, 6, 2));
    await d.stop();
    expect(lines(`${path}.old`)).toHaveLength(1);
    expect(lines(path)).toHaveLength(1);
    expect(lines(path)[0]).toMatch(/Timestamp=2$/);
  });

  it('rotates by size, keeping rotate_keep files, each XML file valid', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.xml');
    const { d } = setup({ path, format: 'xml', rotate_size_bytes: 2000, rotate_keep: 2 });
    await d.start();
    for (let i = 0; i < 40; i++) {
      d.receive(ev(10, 6, i));
      // One batch per event so rotation can happen between them.
      await until(`event ${i}`, () => d.stats().written === i + 1);
    }
    await d.stop();
    expect(readdirSync(dir).sort()).toEqual(['events.xml', 'events.xml.1', 'events.xml.2']);
    for (const f of readdirSync(dir)) {
      const text = read(join(dir, f));
      expect(checkXml(text).root).toBe('vscprxdata');
      expect(text.length).toBeLessThan(2000 + 600);
    }
    // Nothing lost among the files kept: the newest events, in order, up to the last one.
    const stamps = ['events.xml.2', 'events.xml.1', 'events.xml'].flatMap((f) => [...read(join(dir, f)).matchAll(/<timestamp>(\d+)</g)].map((m) => Number(m[1])));
    expect(stamps.at(-1)).toBe(39);
    stamps.forEach((s, i) => { if (i) expect(s).toBe(stamps[i - 1]! + 1); });
  });

  it('folder removed: degraded with the reason, events kept, recovers when it is back', async () => {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    const path = join(dir, 'events.log');
    const { h, d } = setup({ path, rotation_check_ms: 20, retry_interval_ms: 20 });
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    rmSync(dir, { recursive: true });
    await until('degraded', () => h.health.at(-1)?.health === 'degraded');
    expect(h.health.at(-1)!.reason).toBe(`open ${path}: ENOENT: no such file or directory`);
    for (let i = 2; i <= 5; i++) d.receive(ev(10, 6, i));
    mkdirSync(dir);
    await until('running again', () => h.health.at(-1)?.health === 'running');
    await until('events written', () => d.stats().written === 5);
    expect(lines(path).map((l) => /Timestamp=(\d+)/.exec(l)![1])).toEqual(['2', '3', '4', '5']);
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes(`Cannot log events: open ${path}: ENOENT`))).toBe(true);
  });

  it('disk full: degraded with ENOSPC, a bounded buffer that drops and counts, recovery', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.log');
    const real = join(dir, 'real.log');
    symlinkSync('/dev/full', path);
    const { h, d } = setup({ path, rotation_check_ms: 20, retry_interval_ms: 20, buffer_max_bytes: 4096 });
    await d.start();
    const results: unknown[] = [];
    for (let i = 1; i <= 5; i++) results.push(d.receive(ev(10, 6, i)));
    await until('degraded', () => h.health.at(-1)?.health === 'degraded');
    expect(h.health.at(-1)!.reason).toBe(`write ${path}: ENOSPC: no space left on device`);
    // While failing, receive never blocks the bus: it keeps what fits and drops the rest.
    for (let i = 6; i <= 200; i++) results.push(d.receive(ev(10, 6, i)));
    expect(results.every((r) => r === undefined)).toBe(true);
    const { dropped } = d.stats();
    expect(dropped).toBeGreaterThan(150);
    unlinkSync(path);
    symlinkSync(real, path);
    await until('running again', () => h.health.at(-1)?.health === 'running');
    await until('kept events written', () => d.stats().queued === 0 && d.stats().written === 200 - dropped);
    const stamps = lines(real).map((l) => Number(/Timestamp=(\d+)/.exec(l)![1]));
    expect(stamps).toEqual(Array.from({ length: 200 - dropped }, (_, i) => i + 1));
    expect(h.logs.some((l) => l.level === 'info' && l.message.includes(`${dropped} events were dropped meanwhile`))).toBe(true);
  });

  it('makes the daemon wait (a promise) while more than buffer_max_bytes wait for a healthy file', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, buffer_max_bytes: 4096 });
    await d.start();
    const results = Array.from({ length: 100 }, (_, i) => d.receive(ev(10, 6, i)));
    const waits = results.filter((r): r is Promise<void> => r instanceof Promise);
    expect(waits.length).toBeGreaterThan(50);
    expect(results[0]).toBeUndefined();
    await Promise.all(waits);
    await d.stop();
    expect(lines(path)).toHaveLength(100);
    expect(d.stats().dropped).toBe(0);
  });

  it('writes everything accepted before stop, stops idempotently and leaves no timer', async () => {
    const path = join(tempDir(), 'events.log');
    const { h, d } = setup({ path });
    await d.start();
    for (let i = 0; i < 1000; i++) d.receive(ev(10, 6, i));
    const a = d.stop();
    const b = d.stop();
    expect(a).toBe(b);
    await a;
    expect(lines(path)).toHaveLength(1000);
    expect(h.activeTimers()).toBe(0);
    d.receive(ev(10, 6));
    expect(lines(path)).toHaveLength(1000);
  });

  it('a reconfigure after stop opens nothing and arms no timer', async () => {
    const dir = tempDir();
    const { h, d } = setup({ path: join(dir, 'a.log') });
    await d.start();
    await d.stop();
    expect(d.reconfigure(settings({ path: join(dir, 'b.log'), rotation_check_ms: 50 }), ['path', 'rotation_check_ms'])).toBe('applied');
    d.reconfigure(settings({ path: join(dir, 'b.log'), rotation_check_ms: 50 }), []);
    await new Promise((r) => setImmediate(r));
    expect(existsSync(join(dir, 'b.log'))).toBe(false);
    expect(h.activeTimers()).toBe(0);
  });

  it('can be stopped without being started, and opens nothing in create()', async () => {
    const dir = tempDir();
    const path = join(dir, 'never.log');
    const h = driverHarness();
    harnesses.push(h);
    const d = definition.create(h.ctx, settings({ path }));
    await d.stop();
    expect(existsSync(path)).toBe(false);
    expect(h.activeTimers()).toBe(0);
  });

  it('applies hot changes in place: path, format, filter', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.jsonl');
    const s1 = settings({ path: a });
    const { d } = setup(s1);
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    const s2 = settings({ path: b, format: 'jsonl', filter: '0,20,0,-', mask: '0,0xFFFF,0,-' });
    expect(d.reconfigure(s2, ['path', 'format', 'filter', 'mask'])).toBe('applied');
    d.receive(ev(10, 6, 2));
    d.receive(ev(20, 3, 3));
    await d.stop();
    expect(lines(a)).toHaveLength(1);
    const rows = read(b).trim().split('\n').map((r) => JSON.parse(r) as { class: number; timestamp: number });
    expect(rows.map((r) => [r.class, r.timestamp])).toEqual([[20, 3]]);
  });

  it('a new format starts anew with rewrite = true, and only then; a later reload never empties the file', async () => {
    const path = join(tempDir(), 'events.log');
    const { d } = setup({ path, rewrite: true });
    await d.start();
    d.receive(ev(10, 6, 1));
    await until('first event', () => d.stats().written === 1);
    d.reconfigure(settings({ path, rewrite: true, format: 'jsonl' }), ['format']);
    d.receive(ev(10, 6, 2));
    await until('second event', () => d.stats().written === 2);
    expect(read(path).trim().split('\n').map((l) => (JSON.parse(l) as { timestamp: number }).timestamp)).toEqual([2]);
    d.reconfigure(settings({ path, rewrite: true, format: 'jsonl' }), []);
    d.receive(ev(10, 6, 3));
    await d.stop();
    expect(read(path).trim().split('\n').map((l) => (JSON.parse(l) as { timestamp: number }).timestamp)).toEqual([2, 3]);
  });

  it('a hot fix of a bad path recovers at once', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.log');
    const bad = join(dir, 'missing', 'x.log');
    const { h, d } = setup({ path: bad, retry_interval_ms: 3_600_000 });
    await d.start();
    expect(h.health.at(-1)?.health).toBe('degraded');
    d.receive(ev(10, 6, 1));
    d.reconfigure(settings({ path: good, retry_interval_ms: 3_600_000 }), ['path']);
    await until('running', () => h.health.at(-1)?.health === 'running');
    await d.stop();
    expect(lines(good)).toHaveLength(1);
  });

  it('reports a file it may not write as degraded', async () => {
    if (process.getuid?.() === 0) {
      // root may write anything; a directory in place of the file fails for everyone.
      const path = tempDir();
      const { h, d } = setup({ path, retry_interval_ms: 60_000 });
      await d.start();
      expect(h.health.at(-1)).toEqual({ health: 'degraded', reason: `open ${path}: EISDIR: illegal operation on a directory` });
      return;
    }
    const dir = tempDir();
    const path = join(dir, 'ro.log');
    writeFileSync(path, '');
    chmodSync(path, 0o444);
    const { h, d } = setup({ path, retry_interval_ms: 60_000 });
    await d.start();
    expect(h.health.at(-1)).toEqual({ health: 'degraded', reason: `open ${path}: EACCES: permission denied` });
  });
});
