import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DriverContext, DriverConfigError, type DriverScheduler } from '../../runtime/drivers/contract.js';
import {
  type VscpEvent, createEvent, decodeMeasurementEvent, formatGuid, parseGuid, toLevel1OverLevel2,
} from '../../runtime/protocol/index.js';
import { type DriverHarness, driverHarness } from '../../test/support/driver-harness.js';
import { tempDir } from '../../test/support/tmp.js';
import definition from './index.js';
import { MDF_URL, REG } from './node.js';
import { BUILTIN_SERIES, parseSeries } from './series.js';
import type { SimSettings } from './settings.generated.js';
import { deriveConfig, parseDecisionMatrix, parseLegacyConfig } from './settings.js';
import { SimDriver } from './sim.js';

const IFACE = 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00';
const ifaceGuid = parseGuid(IFACE);

interface FakeTimer { fn: () => void; ms: number; kind: 'interval' | 'timeout'; active: boolean }

/** A scheduler whose timers fire only when the test says so. */
function fakeScheduler() {
  const timers: FakeTimer[] = [];
  const add = (kind: FakeTimer['kind']) => (fn: () => void, ms: number) => {
    const t: FakeTimer = { fn, ms, kind, active: true };
    timers.push(t);
    return () => { t.active = false; };
  };
  const scheduler: DriverScheduler = {
    setTimeout: add('timeout'),
    setInterval: add('interval'),
    cron: () => { throw new Error('the simulation driver uses no cron'); },
  };
  const active = () => timers.filter((t) => t.active);
  return {
    scheduler,
    active,
    /** Runs every active interval of `ms` once. */
    fire(ms: number) {
      const due = active().filter((t) => t.ms === ms);
      if (due.length === 0) throw new Error(`no active timer of ${ms} ms; active: ${active().map((t) => t.ms).join(', ')}`);
      for (const t of due) t.fn();
    },
  };
}

let harnesses: DriverHarness[] = [];
let sims: SimDriver[] = [];

afterEach(async () => {
  for (const d of sims) await d.stop();
  for (const h of harnesses) h.dispose();
  sims = [];
  harnesses = [];
});

function setup(settings: SimSettings, options: { realTimers?: boolean } = {}) {
  const h = driverHarness({ name: 'sim1', guid: IFACE });
  harnesses.push(h);
  const fake = fakeScheduler();
  const ctx: DriverContext = options.realTimers ? h.ctx : { ...h.ctx, scheduler: fake.scheduler };
  const d = new SimDriver(ctx, settings);
  sims.push(d);
  return { h, d, fake };
}

const hex = (data: Uint8Array) => Array.from(data, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
const of = (h: DriverHarness, vscpClass: number, vscpType?: number) =>
  h.emitted.filter((e) => e.vscpClass === vscpClass && (vscpType === undefined || e.vscpType === vscpType));
const nodeGuidText = (nick: number) => `FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:${nick.toString(16).toUpperCase().padStart(2, '0')}`;

function incoming(vscpClass: number, vscpType: number, data: number[], over: Partial<VscpEvent> = {}): VscpEvent {
  return { ...createEvent({ head: 0x60, vscpClass, vscpType, data, guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:09') }), ...over };
}

/** Delivers an event and returns what the driver emitted in answer. */
function ask(h: DriverHarness, d: SimDriver, e: VscpEvent): VscpEvent[] {
  const before = h.emitted.length;
  d.receive(e);
  return h.emitted.slice(before);
}

describe('sim settings', () => {
  it('gives node n the interface GUID with nickname n+1 by default', () => {
    const cfg = deriveConfig({ numberofnodes: 3 }, ifaceGuid);
    expect(cfg.nodes.map((n) => formatGuid(n.guid))).toEqual([nodeGuidText(1), nodeGuidText(2), nodeGuidText(3)]);
  });

  it('keeps a full node GUID, and fills a nickname-only GUID from the interface GUID', () => {
    const cfg = deriveConfig({
      numberofnodes: 2, guid0: '11:00:00:00:00:00:00:00:00:00:00:00:00:00:00:05', guid1: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:07',
    }, ifaceGuid);
    expect(formatGuid(cfg.nodes[0]!.guid)).toBe('11:00:00:00:00:00:00:00:00:00:00:00:00:00:00:05');
    expect(formatGuid(cfg.nodes[1]!.guid)).toBe(nodeGuidText(7));
  });

  it('rejects two Level I nodes with one nickname, naming the key', () => {
    let err: DriverConfigError | undefined;
    try { deriveConfig({ numberofnodes: 2, guid1: '11:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01' }, ifaceGuid); } catch (e) { err = e as DriverConfigError; }
    expect(err).toBeInstanceOf(DriverConfigError);
    expect(err!.key).toBe('guid1');
    expect(err!.message).toMatch(/^guid1: node 1 has nickname 1, already used by node 0/);
    expect(() => deriveConfig({ numberofnodes: 2, guid1: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01' }, ifaceGuid))
      .toThrow(/^guid1: node 1 has the same GUID as node 0/);
    // Level II nodes are not addressed by nickname.
    expect(deriveConfig({ numberofnodes: 2, blevel21: true, guid1: '11:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01' }, ifaceGuid).nodes).toHaveLength(2);
  });

  it('reads the documented decision matrix (white space, line breaks, hex) and rejects bad ones', () => {
    const dm = parseDecisionMatrix(`
      0,0x80,0xff,30,0xff,5,1,40,
      0,0x80,0xff,30,0xff,6,2,40,
      0,0x80,0xff,30,0xff,5,1,50,
      0,0x80,0xff,30,0xff,6,2,50\t`, 'decisionmatrix0');
    expect(Array.from(dm.subarray(0, 16))).toEqual([0, 0x80, 0xff, 30, 0xff, 5, 1, 40, 0, 0x80, 0xff, 30, 0xff, 6, 2, 40]);
    expect(Array.from(dm.subarray(32))).toEqual(new Array(32).fill(0));
    expect(() => parseDecisionMatrix(new Array(65).fill('1').join(','), 'decisionmatrix0')).toThrow(/has 65 bytes; a decision matrix has at most 64/);
    expect(() => parseDecisionMatrix('1,,2', 'decisionmatrix3')).toThrow(/^decisionmatrix3: byte 1 \(row 0, column 1\) is empty/);
    expect(() => parseDecisionMatrix('1,256', 'decisionmatrix0')).toThrow(/out of range 0\.\.255/);
    expect(() => deriveConfig({ decisionmatrix0: '0,0x80,zz' }, ifaceGuid)).toThrow(DriverConfigError);
  });

  it('rejects a measurement type above 255 for a Level I class', () => {
    expect(() => deriveConfig({ measurementclass0: 10, measurementtype0: 300 }, ifaceGuid)).toThrow(/measurementtype0: must be 0\.\.255 for the Level I class 10/);
    expect(deriveConfig({ measurementclass0: 1040, measurementtype0: 300 }, ifaceGuid).nodes[0]!.measurementType).toBe(300);
  });

  it('reads NumberOfNodes from the legacy config string', () => {
    expect(parseLegacyConfig('3')).toEqual({ numberofnodes: '3' });
    expect(parseLegacyConfig(' 2\n')).toEqual({ numberofnodes: '2' });
    expect(parseLegacyConfig('')).toEqual({});
    expect(() => parseLegacyConfig('3;7')).toThrow(/takes one field, NumberOfNodes; got also "7"/);
  });

  it('warns about settings for nodes that do not exist', async () => {
    const { h, d } = setup({ numberofnodes: 1, zone0: 1, zone4: 2, interval7: 5 });
    await d.start();
    expect(h.logs).toContainEqual({ level: 'warn', message: 'Settings for nodes beyond numberofnodes = 1 are ignored: interval7, zone4' });
  });
});

describe('sim measurements and heartbeats', () => {
  it('Z1: first measurement 20.92, normalized, unit 0, index 0', async () => {
    const { h, d } = setup({});
    await d.start();
    const [m] = of(h, 10, 6);
    expect(m).toMatchObject({ head: 0x60, vscpClass: 10, vscpType: 6 });
    expect(hex(m!.data)).toBe('80 82 08 2C');
    expect(formatGuid(m!.guid)).toBe(nodeGuidText(1));
  });

  it('Z2: unit 1, index 2', async () => {
    const { h, d } = setup({ unit0: 1, index0: 2 });
    await d.start();
    expect(hex(of(h, 10, 6)[0]!.data)).toBe('8A 82 08 2C');
  });

  it('Z3: float coding is IEEE-754 big-endian', async () => {
    const { h, d } = setup({ coding0: 1, unit0: 1, index0: 2 });
    await d.start();
    expect(hex(of(h, 10, 6)[0]!.data)).toBe('AA 41 A7 5C 29');
  });

  it('Z4: string coding writes seven characters', async () => {
    const { h, d } = setup({ coding0: 2, unit0: 1, index0: 2 });
    await d.start();
    expect(hex(of(h, 10, 6)[0]!.data)).toBe('4A 32 30 2E 39 32 30 30');
  });

  it('sends the built-in series round robin at the node interval', async () => {
    const { h, d, fake } = setup({ interval0: 2 });
    await d.start();
    for (let i = 1; i < BUILTIN_SERIES.length + 2; i++) fake.fire(2000);
    const values = of(h, 10, 6).map((e) => decodeMeasurementEvent(e).value);
    expect(values).toEqual([...BUILTIN_SERIES, BUILTIN_SERIES[0], BUILTIN_SERIES[1]]);
  });

  it('Z5: heartbeat [0, zone, subzone] at start and every 30 s', async () => {
    const { h, d, fake } = setup({ zone0: 1, subzone0: 2 });
    await d.start();
    expect(of(h, 20, 9).map((e) => hex(e.data))).toEqual(['00 01 02']);
    fake.fire(30_000);
    fake.fire(30_000);
    const beats = of(h, 20, 9);
    expect(beats.map((e) => hex(e.data))).toEqual(['00 01 02', '00 01 02', '00 01 02']);
    expect(beats.every((e) => e.head === 0x60 && formatGuid(e.guid) === nodeGuidText(1))).toBe(true);
  });

  it('heartbeat_interval_ms sets the period; 0 turns heartbeats off', async () => {
    const a = setup({ heartbeat_interval_ms: 5000 });
    await a.d.start();
    expect(a.fake.active().map((t) => t.ms).sort((x, y) => x - y)).toEqual([5000, 30_000]);
    const b = setup({ heartbeat_interval_ms: 0 });
    await b.d.start();
    expect(of(b.h, 20, 9)).toHaveLength(0);
    expect(b.fake.active().map((t) => t.ms)).toEqual([30_000]);
  });

  it('Z10: an interval of 300 s is 300 s (register 0x06 reads 255)', async () => {
    const { h, d, fake } = setup({ interval0: 300 });
    await d.start();
    expect(fake.active().filter((t) => t.ms === 300_000)).toHaveLength(1);
    const [reply] = ask(h, d, incoming(0, 9, [1, REG.INTERVAL]));
    expect(hex(reply!.data)).toBe('06 FF');
  });

  it('interval 0 sends no measurements', async () => {
    const { h, d, fake } = setup({ interval0: 0 });
    await d.start();
    expect(of(h, 10)).toHaveLength(0);
    expect(fake.active().map((t) => t.ms)).toEqual([30_000]);
  });

  it('Z11: a data file with a decimal comma and an empty line', async () => {
    expect(parseSeries('21,5\n22.0\n\n')).toEqual([21.5, 22.0, 22.0]);
    expect(parseSeries('junk\n# comment\n-3.5 C\r\n1e2\nx\n')).toEqual([-3.5, 100, 100]);
    const path = join(tempDir(), 'values.txt');
    writeFileSync(path, '21,5\n22.0\n\n');
    const { h, d, fake } = setup({ path0: path, interval0: 1 });
    await d.start();
    fake.fire(1000);
    fake.fire(1000);
    fake.fire(1000);
    expect(of(h, 10, 6).map((e) => decodeMeasurementEvent(e).value)).toEqual([21.5, 22, 22, 21.5]);
    expect(h.health).toEqual([]);
  });

  it('a missing data file: built-in series, degraded with the reason, running once the file is there', async () => {
    const path = join(tempDir(), 'later.txt');
    const { h, d, fake } = setup({ path0: path, interval0: 1 });
    await d.start();
    expect(h.health.at(-1)).toEqual({ health: 'degraded', reason: `node 0: read ${path}: ENOENT: no such file or directory; using the built-in series` });
    expect(decodeMeasurementEvent(of(h, 10, 6)[0]!).value).toBe(20.92);
    writeFileSync(path, '5\n6\n');
    fake.fire(1000);
    await new Promise((r) => setTimeout(r, 0));
    for (let i = 0; i < 100 && h.health.at(-1)?.health !== 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.health.at(-1)).toEqual({ health: 'running', reason: undefined });
    fake.fire(1000);
    fake.fire(1000);
    expect(of(h, 10, 6).slice(-2).map((e) => decodeMeasurementEvent(e).value)).toEqual([5, 6]);
  });

  it('sends the other measurement classes in their own layouts', async () => {
    const { h, d } = setup({
      numberofnodes: 5, zone0: 0, unit1: 1, index1: 3, zone1: 4, subzone1: 5, zone3: 7, subzone3: 8, unit3: 1, index3: 2, zone4: 1, subzone4: 2, unit4: 1, index4: 1,
      measurementclass0: 60, measurementclass1: 65, measurementclass2: 70, measurementclass3: 1040, measurementclass4: 1060,
    });
    await d.start();
    const by = (c: number) => of(h, c)[0]!;
    expect(hex(by(60).data)).toBe('40 34 EB 85 1E B8 51 EC');
    expect(hex(by(65).data)).toBe('03 04 05 88 82 08 2C');
    expect(hex(by(70).data)).toBe('41 A7 5C 29');
    expect(decodeMeasurementEvent(by(1040))).toMatchObject({ value: 20.92, unit: 1, index: 2, zone: 7, subzone: 8, text: '20.92' });
    expect(decodeMeasurementEvent(by(1060))).toMatchObject({ value: 20.92, unit: 1, index: 1, zone: 1, subzone: 2 });
    expect(by(1060).data).toHaveLength(12);
  });

  it('incoming traffic never holds measurements back', async () => {
    const { h, d } = setup({ interval0: 1, heartbeat_interval_ms: 0 }, { realTimers: true });
    await d.start();
    const flood = setInterval(() => { for (let i = 0; i < 20; i++) d.receive(incoming(30, 5, [0, 1, 2])); }, 5);
    try {
      await h.waitForEvents(3, 15_000);
    } finally {
      clearInterval(flood);
    }
    expect(of(h, 10, 6).length).toBeGreaterThanOrEqual(3);
  });
});

describe('sim register protocol', () => {
  it('Z8: reads the nickname register 0x91', async () => {
    const { h, d } = setup({ guid0: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:05' });
    await d.start();
    const replies = ask(h, d, incoming(0, 9, [5, 0x91]));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ vscpClass: 0, vscpType: 10, head: 0x60 });
    expect(hex(replies[0]!.data)).toBe('91 05');
    expect(formatGuid(replies[0]!.guid)).toBe(nodeGuidText(5));
  });

  it('Z9: reads the manufacturer id register 0x89', async () => {
    const { h, d } = setup({});
    await d.start();
    expect(ask(h, d, incoming(0, 9, [1, 0x89])).map((e) => hex(e.data))).toEqual(['89 0F']);
  });

  it('answers only for its own nickname', async () => {
    const { h, d } = setup({ numberofnodes: 2 });
    await d.start();
    expect(ask(h, d, incoming(0, 9, [3, 0x91]))).toHaveLength(0);
    expect(ask(h, d, incoming(0, 9, [2, 0x91])).map((e) => [formatGuid(e.guid), hex(e.data)])).toEqual([[nodeGuidText(2), '91 02']]);
    expect(ask(h, d, incoming(0, 9, [2]))).toHaveLength(0);
  });

  it('has the standard registers of §11', async () => {
    const { h, d } = setup({});
    await d.start();
    const read = (reg: number) => ask(h, d, incoming(0, 9, [1, reg]))[0]!.data[1];
    expect([0x81, 0x82, 0x83, 0x89, 0x8a, 0x8b, 0x8c, 0x90, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa1, 0xc0].map(read))
      .toEqual([1, 5, 0, 15, 3, 14, 0, 0, 1, 0, 0, 0, 8, 1, 0, 0, 0]);
    const guid = Array.from({ length: 16 }, (_, i) => read(0xd0 + i)!);
    expect(formatGuid(Uint8Array.from(guid))).toBe(nodeGuidText(1));
    const url = Array.from({ length: 32 }, (_, i) => read(0xe0 + i)!);
    expect(String.fromCharCode(...url.filter((b) => b !== 0))).toBe(MDF_URL);
    expect(url.slice(MDF_URL.length).every((b) => b === 0)).toBe(true);
  });

  it('writes user registers, and answers a read-only register with the complement', async () => {
    const { h, d, fake } = setup({ zone0: 1, subzone0: 2 });
    await d.start();
    expect(ask(h, d, incoming(0, 11, [1, REG.ZONE, 9])).map((e) => hex(e.data))).toEqual(['00 09']);
    fake.fire(30_000);
    expect(hex(of(h, 20, 9).at(-1)!.data)).toBe('00 09 02');
    expect(ask(h, d, incoming(0, 11, [1, 0x89, 0x0f])).map((e) => hex(e.data))).toEqual(['89 F0']);
    expect(ask(h, d, incoming(0, 11, [1, 0x91, 0x33])).map((e) => hex(e.data))).toEqual(['91 CC']);
    expect(ask(h, d, incoming(0, 11, [1, 0x84, 0x42])).map((e) => hex(e.data))).toEqual(['84 42']);
    expect(ask(h, d, incoming(0, 9, [1, 0x84])).map((e) => hex(e.data))).toEqual(['84 42']);
    expect(ask(h, d, incoming(0, 9, [1, 0x89])).map((e) => hex(e.data))).toEqual(['89 0F']);
  });

  it('changes the measurement coding and interval by register writes', async () => {
    const { h, d, fake } = setup({ interval0: 10 });
    await d.start();
    ask(h, d, incoming(0, 11, [1, REG.CODING, 1]));
    ask(h, d, incoming(0, 11, [1, REG.INTERVAL, 3]));
    expect(fake.active().filter((t) => t.ms === 10_000)).toHaveLength(0);
    fake.fire(3000);
    expect(hex(of(h, 10, 6).at(-1)!.data)).toBe('A0 41 A0 CC CD'); // 20.1 as float
    ask(h, d, incoming(0, 11, [1, REG.INTERVAL, 0]));
    expect(fake.active().map((t) => t.ms)).toEqual([30_000]);
  });

  it('clears the alarm register when it is read', async () => {
    const { h, d } = setup({});
    await d.start();
    d.nodes()[0]!.regs[REG.ALARM] = 0x21;
    expect(ask(h, d, incoming(0, 9, [1, REG.ALARM])).map((e) => hex(e.data))).toEqual(['80 21']);
    expect(ask(h, d, incoming(0, 9, [1, REG.ALARM])).map((e) => hex(e.data))).toEqual(['80 00']);
  });

  it('page read: frames of up to 7 registers', async () => {
    const { h, d } = setup({});
    await d.start();
    const replies = ask(h, d, incoming(0, 24, [1, 0x89, 10]));
    expect(replies.map((e) => [e.vscpType, hex(e.data)])).toEqual([
      [26, '00 0F 03 0E 00 00 00 00'],
      [26, '01 00 01 00'],
    ]);
    // Stops at the last register (0xFE is the URL's last character, 0xFF its padding).
    expect(ask(h, d, incoming(0, 24, [1, 0xfe, 10])).map((e) => hex(e.data))).toEqual(['00 6C 00']);
  });

  it('page write: writes from the offset and answers with what reads back', async () => {
    const { h, d } = setup({});
    await d.start();
    expect(ask(h, d, incoming(0, 25, [1, 0x00, 4, 5, 6])).map((e) => [e.vscpType, hex(e.data)])).toEqual([[26, '00 04 05 06']]);
    expect(ask(h, d, incoming(0, 24, [1, 0x00, 3])).map((e) => hex(e.data))).toEqual(['00 04 05 06']);
    expect(ask(h, d, incoming(0, 25, [1, 0x7f, 1, 2])).map((e) => hex(e.data))).toEqual(['00 01 FD']);
  });

  it('extended page read and write: frames of 4, page kept apart from the page-select registers', async () => {
    const { h, d } = setup({});
    await d.start();
    const guidFrames = ask(h, d, incoming(0, 37, [1, 0, 0, 0xd0, 16]));
    expect(guidFrames.map((e) => [e.vscpType, hex(e.data)])).toEqual([
      [39, '00 00 00 D0 FF FF FF FF'],
      [39, '01 00 00 D4 FF FF FF F5'],
      [39, '02 00 00 D8 00 00 00 00'],
      [39, '03 00 00 DC 00 01 00 01'],
    ]);
    // No count: one register.
    expect(ask(h, d, incoming(0, 37, [1, 0, 0, 0x81])).map((e) => hex(e.data))).toEqual(['00 00 00 81 01']);
    expect(ask(h, d, incoming(0, 38, [1, 0, 0, 0x00, 7, 8])).map((e) => [e.vscpType, hex(e.data)])).toEqual([[39, '00 00 00 00 07 08']]);
    // Page 1 has no user registers: reads 0, a write is refused with the complement.
    expect(ask(h, d, incoming(0, 37, [1, 0, 1, 0x00, 2])).map((e) => hex(e.data))).toEqual(['00 00 01 00 00 00']);
    expect(ask(h, d, incoming(0, 38, [1, 0, 1, 0x00, 0x0f])).map((e) => hex(e.data))).toEqual(['00 00 01 00 F0']);
    expect(ask(h, d, incoming(0, 9, [1, REG.PAGE_LSB])).map((e) => hex(e.data))).toEqual(['93 00']);
    expect(ask(h, d, incoming(0, 9, [1, REG.ZONE])).map((e) => hex(e.data))).toEqual(['00 07']);
  });

  it('answers the register protocol over Level I over Level II (class 512)', async () => {
    const { h, d } = setup({});
    await d.start();
    const wrapped = toLevel1OverLevel2(incoming(0, 9, [1, 0x89]), parseGuid(nodeGuidText(1)));
    expect(ask(h, d, wrapped).map((e) => [e.vscpClass, e.vscpType, hex(e.data)])).toEqual([[0, 10, '89 0F']]);
    expect(ask(h, d, incoming(1024, 9, [1, 0x89]))).toHaveLength(0);
  });

  it('a Level II node ignores incoming events but still sends', async () => {
    const { h, d } = setup({ blevel20: true, decisionmatrix0: '0,0x80,0xff,30,0xff,5,1,40' });
    await d.start();
    expect(ask(h, d, incoming(0, 9, [1, 0x89]))).toHaveLength(0);
    expect(ask(h, d, incoming(30, 5, [0, 1, 2]))).toHaveLength(0);
    expect(of(h, 10, 6)).toHaveLength(1);
    expect(of(h, 20, 9)).toHaveLength(1);
  });
});

describe('sim decision matrix', () => {
  it('Z6: TurnOn answered with On [param, zone, subzone] from the node GUID', async () => {
    const { h, d } = setup({ decisionmatrix0: '0,0x80,0xff,30,0xff,5,1,40' });
    await d.start();
    const replies = ask(h, d, incoming(30, 5, [0, 1, 2]));
    expect(replies.map((e) => [e.head, e.vscpClass, e.vscpType, hex(e.data), formatGuid(e.guid)])).toEqual([[0x60, 20, 3, '28 01 02', nodeGuidText(1)]]);
    expect(ask(h, d, incoming(30, 6, [0, 1, 2]))).toHaveLength(0);
  });

  it('Z7: the zone check accepts the node zone and 255 only', async () => {
    const { h, d } = setup({ zone0: 1, decisionmatrix0: '0,0x90,0xff,30,0xff,5,1,40' });
    await d.start();
    expect(ask(h, d, incoming(30, 5, [0, 5, 2]))).toHaveLength(0);
    expect(ask(h, d, incoming(30, 5, [0, 255, 2])).map((e) => hex(e.data))).toEqual(['28 FF 02']);
    expect(ask(h, d, incoming(30, 5, [0, 1, 2])).map((e) => hex(e.data))).toEqual(['28 01 02']);
    expect(ask(h, d, incoming(30, 5, [0]))).toHaveLength(0);
  });

  it('checks subzone, originating address and hard-coded flag', async () => {
    const { h, d } = setup({ subzone0: 3, decisionmatrix0: '0,0x88,0xff,30,0xff,5,1,1, 9,0xC0,0xff,30,0xff,6,2,2, 0,0xA0,0xff,30,0xff,7,1,3' });
    await d.start();
    expect(ask(h, d, incoming(30, 5, [0, 0, 4]))).toHaveLength(0);
    expect(ask(h, d, incoming(30, 5, [0, 0, 3])).map((e) => hex(e.data))).toEqual(['01 00 03']);
    expect(ask(h, d, incoming(30, 6, [0, 0, 0])).map((e) => [e.vscpType, hex(e.data)])).toEqual([[4, '02 00 00']]); // from …:09
    const other = incoming(30, 6, [0, 0, 0], { guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:08') });
    expect(ask(h, d, other)).toHaveLength(0);
    expect(ask(h, d, incoming(30, 7, [0, 0, 0]))).toHaveLength(0);
    expect(ask(h, d, incoming(30, 7, [0, 0, 0], { head: 0x70 })).map((e) => hex(e.data))).toEqual(['03 00 00']);
  });

  it('uses class bit 8 as 0x100 (the original added 0x200)', async () => {
    const { h, d } = setup({ decisionmatrix0: '0,0x83,0xff,0x02,0xff,1,1,7' });
    await d.start();
    expect(ask(h, d, incoming(258, 1, [0, 0, 0])).map((e) => e.vscpType)).toEqual([3]);
    expect(ask(h, d, incoming(2, 1, [0, 0, 0]))).toHaveLength(0);
  });

  it('runs every matching row; an event without zone bytes gets the node zone in the answer', async () => {
    const { h, d } = setup({ zone0: 4, subzone0: 6, decisionmatrix0: '0,0x80,0xff,30,0xff,5,1,40, 0,0x80,0x00,0,0x00,0,2,50, 0,0x00,0xff,30,0xff,5,1,60' });
    await d.start();
    expect(ask(h, d, incoming(30, 5, [])).map((e) => [e.vscpType, hex(e.data)])).toEqual([[3, '28 04 06'], [4, '32 04 06']]);
  });

  it('every node gets every event meant for it', async () => {
    const dm = '0,0x80,0xff,30,0xff,5,1,40';
    const { h, d } = setup({ numberofnodes: 3, decisionmatrix0: dm, decisionmatrix1: dm, decisionmatrix2: dm });
    await d.start();
    for (let i = 0; i < 5; i++) {
      expect(ask(h, d, incoming(30, 5, [0, 1, 2])).map((e) => e.guid[15])).toEqual([1, 2, 3]);
    }
  });
});

describe('sim lifecycle and hot reload', () => {
  it('opens nothing in create(), stops idempotently and leaves no timer', async () => {
    const h = driverHarness({ name: 'sim1', guid: IFACE });
    harnesses.push(h);
    const inst = definition.create(h.ctx, { numberofnodes: 3, path0: '/nonexistent/values.txt' });
    await inst.stop();
    const d = definition.create(h.ctx, { numberofnodes: 3, interval1: 1 });
    await d.start();
    expect(h.activeTimers()).toBe(3 + 1);
    await Promise.all([d.stop(), d.stop()]);
    expect(h.activeTimers()).toBe(0);
    const n = h.emitted.length;
    d.receive!(incoming(0, 9, [1, 0x89]));
    expect(h.emitted).toHaveLength(n);
  });

  it('applies changes in place: node settings, node count, heartbeat, keeping runtime register writes', async () => {
    const { h, d, fake } = setup({ numberofnodes: 1, zone0: 1, decisionmatrix0: '0,0x80,0xff,30,0xff,5,1,40' });
    await d.start();
    ask(h, d, incoming(0, 11, [1, 0x10, 0x77])); // a free user register, written at run time
    const res = await d.reconfigure({ numberofnodes: 3, zone0: 2, interval0: 60, decisionmatrix0: '0,0x80,0xff,30,0xff,5,1,40', heartbeat_interval_ms: 10_000 },
      ['numberofnodes', 'zone0', 'interval0', 'heartbeat_interval_ms']);
    expect(res).toBe('applied');
    expect(d.nodes()).toHaveLength(3);
    expect(ask(h, d, incoming(0, 9, [1, 0x00])).map((e) => hex(e.data))).toEqual(['00 02']);
    expect(ask(h, d, incoming(0, 9, [1, 0x10])).map((e) => hex(e.data))).toEqual(['10 77']);
    expect(fake.active().map((t) => t.ms).sort((a, b) => a - b)).toEqual([10_000, 30_000, 30_000, 60_000]);
    // The new nodes measured at once.
    expect(of(h, 10, 6).map((e) => e.guid[15])).toEqual([1, 2, 3]);
    await d.reconfigure({ numberofnodes: 1, zone0: 2, interval0: 60, heartbeat_interval_ms: 10_000 }, ['numberofnodes', 'decisionmatrix0']);
    expect(fake.active().map((t) => t.ms).sort((a, b) => a - b)).toEqual([10_000, 60_000]);
    expect(ask(h, d, incoming(30, 5, [0, 1, 2]))).toHaveLength(0);
    fake.fire(10_000);
    expect(of(h, 20, 9).at(-1)!.data[1]).toBe(2);
  });

  it('reads a changed data file on the reload signal and a new path at once', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    writeFileSync(a, '1\n2\n');
    writeFileSync(b, '7\n');
    const { h, d, fake } = setup({ path0: a, interval0: 1 });
    await d.start();
    writeFileSync(a, '3\n4\n');
    await d.reconfigure({ path0: a, interval0: 1 }, []);
    fake.fire(1000);
    await d.reconfigure({ path0: b, interval0: 1 }, ['path0']);
    fake.fire(1000);
    expect(of(h, 10, 6).map((e) => decodeMeasurementEvent(e).value)).toEqual([1, 3, 7]);
  });

  it('the reload signal keeps the place in an unchanged series', async () => {
    const path = join(tempDir(), 'a.txt');
    writeFileSync(path, '1\n2\n3\n');
    const { h, d, fake } = setup({ numberofnodes: 2, path0: path, interval0: 1, interval1: 1 });
    await d.start();
    await d.reconfigure({ numberofnodes: 2, path0: path, interval0: 1, interval1: 1 }, []);
    fake.fire(1000);
    const values = (n: number) => of(h, 10, 6).filter((e) => e.guid[15] === n).map((e) => decodeMeasurementEvent(e).value);
    expect(values(1)).toEqual([1, 2]);
    expect(values(2)).toEqual([20.92, 20.10]);
  });

  it('a configuration error in reconfigure is thrown and changes nothing', async () => {
    const { d } = setup({ numberofnodes: 2 });
    await d.start();
    await expect(d.reconfigure({ numberofnodes: 2, guid1: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01' }, ['guid1'])).rejects.toBeInstanceOf(DriverConfigError);
    expect(d.nodes().map((n) => n.nickname)).toEqual([1, 2]);
  });
});
