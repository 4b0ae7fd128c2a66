import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCorpusCases } from '../../test/config/corpus.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import { type DriverDefinition, DriverConfigError } from '../drivers/contract.js';
import type { DriverResolver, RuntimeVariables } from './drivers.js';
import { agreedSectionsOf, scanIni } from './ini.js';
import { RunMemo, clearConfigMemos, configMemoSizes } from './memo.js';
import { type ReadOptions, readConfiguration } from './read.js';
import { type LoadResult, type ResolveOptions, loadConfiguration, resolveDesiredState, secretValues } from './resolve.js';

/*
 * Loading reuses what earlier loads in the process worked out (scans, checked variables, checked
 * driver sections). These tests hold it to its promise: a warm load gives exactly what a cold
 * load of the same files, environment and variables gives.
 */

const HASH = '23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02';

const json = (r: LoadResult): string => JSON.stringify(r);

/** A load with every memo emptied first. */
async function cold(path: string, options: ReadOptions & ResolveOptions = {}): Promise<LoadResult> {
  clearConfigMemos();
  return loadConfiguration(path, options);
}

/** Loads warm and cold and requires the same result, key order included; returns the warm one. */
async function same(path: string, options: ReadOptions & ResolveOptions = {}): Promise<LoadResult> {
  const warm = await loadConfiguration(path, options);
  const warmSecrets = warm.state ? secretValues(warm.state) : [];
  const reference = await cold(path, options);
  expect(JSON.parse(json(warm))).toEqual(JSON.parse(json(reference)));
  expect(json(warm)).toBe(json(reference));
  expect(warmSecrets).toEqual(reference.state ? secretValues(reference.state) : []);
  return warm;
}

/** A small random generator, seeded so that a failing order can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('warm loads of the corpus', () => {
  it('give every case exactly its cold result, in any order', async () => {
    const cases = listCorpusCases();
    const coldResults = new Map<string, string>();
    for (const c of cases) coldResults.set(c.name, json(await cold(c.configFile, { env: c.env })));

    const seed = Number(process.env.VSCPD_MEMO_SEED ?? Date.now() % 1_000_000);
    const order = shuffled(cases, seed);
    clearConfigMemos();
    for (let i = 0; i < order.length; i++) {
      const c = order[i]!;
      const other = order[(i * 7 + 3) % order.length]!;
      // Loaded before (or not), then after another case, then again right away.
      for (const load of [c, other, c, c]) {
        const r = await loadConfiguration(load.configFile, { env: load.env });
        expect(json(r), `case ${load.name} after ${order.slice(0, i).length} others (VSCPD_MEMO_SEED=${seed})`).toBe(coldResults.get(load.name));
      }
    }
    // A second pass: every case again, now with whatever the pass before left behind.
    for (const c of shuffled(cases, seed + 1)) {
      const r = await loadConfiguration(c.configFile, { env: c.env });
      expect(json(r), `case ${c.name}, second pass (VSCPD_MEMO_SEED=${seed})`).toBe(coldResults.get(c.name));
    }
  });
});

/** A definition whose create() counts its calls and reads the variable MODE, refusing `bad`. */
function countingDriver(calls: { n: number }, queueDefault = 'q'): DriverDefinition {
  return {
    id: 'counting',
    metadata: { level: 2, version: '1', vendor: 'test', description: 'counts create()' },
    schema: {
      type: 'object',
      additionalProperties: false,
      description: 'Counting.',
      properties: {
        topic: { type: 'string', default: queueDefault, description: 'Topic.', 'x-reload': 'hot' },
        level: { type: 'integer', default: 1, minimum: 0, maximum: 9, description: 'Level.', 'x-reload': 'hot' },
      },
    },
    create(ctx) {
      calls.n++;
      if (ctx.variables.get('mode')?.value === 'bad') throw new DriverConfigError('level: refused while MODE is bad', 'level');
      return { start: async () => {}, stop: async () => {} };
    },
  };
}

function resolverOf(defs: Record<string, DriverDefinition>): DriverResolver {
  return {
    load: async (_kind, ref) => {
      const d = defs[ref];
      if (!d) throw new Error(`unknown driver \`${ref}\``);
      return d;
    },
  };
}

describe('what a warm load reuses', () => {
  it('runs create() again only for the section whose inputs changed', async () => {
    const calls = { n: 0 };
    const drivers = resolverOf({ counting: countingDriver(calls) });
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[user.admin]\npassword = ${HASH}\n[driver.a]\ndriver = counting\n[driver.b]\ndriver = counting\nlevel = 2\n`,
    });
    const file = join(dir, 'vscpd.conf');
    await cold(file, { drivers });
    expect(calls.n).toBe(2);
    await same(file, { drivers }); // warm, then cold for the comparison
    expect(calls.n).toBe(2 + 0 + 2);
    await loadConfiguration(file, { drivers });
    expect(calls.n).toBe(4);
    writeFileSync(file, `[user.admin]\npassword = ${HASH}\n[driver.a]\ndriver = counting\n[driver.b]\ndriver = counting\nlevel = 3\n`);
    const r = await loadConfiguration(file, { drivers });
    expect(calls.n).toBe(5);
    expect(r.state!.drivers.map((d) => d.settings.level)).toEqual([1, 3]);
  });

  it('keeps only what the last two runs used', async () => {
    const a = writeFiles(tempDir(), {
      'vscpd.conf': `[general]\nvariables = v.ini\n[user.admin]\npassword = ${HASH}\n${[1, 2, 3, 4].map((i) => `[driver.s${i}]\ndriver = sim\n`).join('')}`,
      'v.ini': '[s1_zone0]\nvalue = 1\n[x]\nvalue = 2\n[y]\nvalue = 3\n',
    });
    const b = writeFiles(tempDir(), { 'vscpd.conf': `[user.admin]\npassword = ${HASH}\n[driver.s1]\ndriver = sim\n` });
    await cold(join(b, 'vscpd.conf'));
    const alone = configMemoSizes();
    clearConfigMemos();
    await loadConfiguration(join(a, 'vscpd.conf'));
    expect(configMemoSizes().reduce((x, y) => x + y)).toBeGreaterThan(alone.reduce((x, y) => x + y));
    for (let i = 0; i < 3; i++) await loadConfiguration(join(b, 'vscpd.conf'));
    expect(configMemoSizes()).toEqual(alone);
  });
});

describe('RunMemo', () => {
  it('keeps what the last two runs used, and everything while an older run is still going', () => {
    const m = new RunMemo<string>();
    const first = m.begin();
    m.set('vscpd.conf', 'scan', 0);
    m.end(first);
    const slow = m.begin(); // a read still waiting for its file
    for (let i = 0; i < 3; i++) m.end(m.begin());
    expect(m.size).toBe(1);
    expect(m.get('vscpd.conf')).toBe('scan'); // the slow run gets to it
    m.end(slow);
    m.end(m.begin());
    expect(m.size).toBe(1);
    m.end(m.begin());
    expect(m.size).toBe(0); // two runs in a row that did not use it
  });
});

describe('a warm load sees every change a cold load sees', () => {
  const simConf = (extra = '', zone = '${env:ZONE:-1}') =>
    `[general]\nvariables = variables.ini\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\nzone0 = ${zone}\n${extra}`;

  it('a declared variable', async () => {
    const dir = writeFiles(tempDir(), { 'vscpd.conf': simConf(), 'variables.ini': '[sim1_subzone0]\nvalue = 3\n' });
    const file = join(dir, 'vscpd.conf');
    const first = await same(file);
    expect(first.state!.drivers[0]!.settings.subzone0).toBe(3);
    writeFileSync(join(dir, 'variables.ini'), '[sim1_subzone0]\nvalue = 4\n');
    expect((await same(file)).state!.drivers[0]!.settings.subzone0).toBe(4);
    writeFileSync(join(dir, 'variables.ini'), '[sim1_subzone0]\nvalue = 400\n');
    expect((await same(file)).problems.map((p) => p.message)).toEqual([expect.stringContaining('[driver.sim1] subzone0 (variable SIM1_SUBZONE0)')]);
    writeFileSync(join(dir, 'variables.ini'), '; moved down a line\n[sim1_subzone0]\nvalue = 4\n');
    expect((await same(file)).state!.drivers[0]!.effective.subzone0!.origin).toMatchObject({ kind: 'variable', line: 2 });
  });

  it('a run-time variable, whether it is a setting or not', async () => {
    const dir = writeFiles(tempDir(), { 'vscpd.conf': simConf(), 'variables.ini': '[sim1_subzone0]\nvalue = 3\n' });
    const { snapshot } = await readConfiguration(join(dir, 'vscpd.conf'), { env: {} });
    const resolveBoth = async (runtimeVariables: RuntimeVariables): Promise<LoadResult> => {
      const warm = await resolveDesiredState(snapshot!, { runtimeVariables });
      clearConfigMemos();
      const reference = await resolveDesiredState(snapshot!, { runtimeVariables });
      expect(json(warm)).toBe(json(reference));
      return warm;
    };
    const v = (value: string, extra: [string, string][] = []): RuntimeVariables =>
      new Map([['SIM1_SUBZONE0', { type: 3, value }], ...extra.map(([n, x]) => [n, { type: 1, value: x }] as const)]);
    expect((await resolveBoth(v('3'))).state!.drivers[0]!.effective.subzone0!.origin).toMatchObject({ kind: 'variable', line: 1 });
    await resolveBoth(v('3'));
    expect((await resolveBoth(v('5'))).state!.drivers[0]!.settings.subzone0).toBe(5);
    expect((await resolveBoth(v('5', [['SIM1_STATUS', 'running']]))).state!.drivers[0]!.settings.subzone0).toBe(5);
    expect((await resolveBoth(v('5', [['SIM1_STATUS', 'stopped']]))).state!.drivers[0]!.settings.subzone0).toBe(5);
    expect((await resolveBoth(v('5', [['SIM1_ZONE0', '7']]))).state!.drivers[0]!.settings.zone0).toBe(7);
    expect((await resolveBoth(v('300'))).state).toBeUndefined();
    expect((await resolveBoth(new Map())).state!.drivers[0]!.settings.subzone0).toBe(3);
  });

  it('a variable that create() reads by name', async () => {
    const calls = { n: 0 };
    const drivers = resolverOf({ counting: countingDriver(calls) });
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[general]\nvariables = v.ini\n[user.admin]\npassword = ${HASH}\n[driver.c1]\ndriver = counting\n`,
      'v.ini': '[mode]\nvalue = good\n',
    });
    const file = join(dir, 'vscpd.conf');
    expect((await same(file, { drivers })).state).toBeDefined();
    writeFileSync(join(dir, 'v.ini'), '[mode]\nvalue = bad\n');
    expect((await same(file, { drivers })).problems.map((p) => p.message)).toEqual(['[driver.c1] level (default): refused while MODE is bad']);
    const { snapshot } = await readConfiguration(file);
    writeFileSync(join(dir, 'v.ini'), '[mode]\nvalue = good\n');
    expect((await same(file, { drivers })).state).toBeDefined();
    // The same snapshot (MODE = bad in the file), with a run-time value that overrides it.
    const runtime = await resolveDesiredState(snapshot!, { drivers, runtimeVariables: new Map([['MODE', { type: 1, value: 'good' }]]) });
    clearConfigMemos();
    expect(json(runtime)).toBe(json(await resolveDesiredState(snapshot!, { drivers, runtimeVariables: new Map([['MODE', { type: 1, value: 'good' }]]) })));
    expect(runtime.state).toBeDefined();
  });

  it('an environment variable', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': simConf('[driver.log1]\ndriver = logger\npath = ${env:LOG:-/var/log/vscpd/a.log}\n', '${env:ZONE}'),
      'variables.ini': '',
    });
    const file = join(dir, 'vscpd.conf');
    // A value from a reference is secret: the changed one is what must not be shown now.
    await same(file, { env: { ZONE: '1', LOG: '/var/log/vscpd/b.log' } });
    const warm = await loadConfiguration(file, { env: { ZONE: '1', LOG: '/var/log/vscpd/c.log' } });
    expect(secretValues(warm.state!)).toContain('/var/log/vscpd/c.log');
    expect(secretValues(warm.state!)).not.toContain('/var/log/vscpd/b.log');
    await same(file, { env: { ZONE: '1', LOG: '/var/log/vscpd/c.log' } });
    expect((await same(file, { env: { ZONE: '1' } })).state!.drivers[0]!.settings.zone0).toBe(1);
    expect((await same(file, { env: { ZONE: '2' } })).state!.drivers[0]!.settings.zone0).toBe(2);
    expect((await same(file, { env: {} })).problems.map((p) => p.message)).toEqual([expect.stringContaining('environment variable ZONE is not set')]);
    expect((await same(file, { env: { ZONE: '2' } })).state!.drivers[0]!.settings.zone0).toBe(2);
  });

  it('the content of a ${file:} reference', async () => {
    const dir = writeFiles(tempDir(), { 'vscpd.conf': simConf('', '${file:zone.txt}'), 'variables.ini': '', 'zone.txt': '1\n' });
    const file = join(dir, 'vscpd.conf');
    expect((await same(file)).state!.drivers[0]!.settings.zone0).toBe(1);
    writeFileSync(join(dir, 'zone.txt'), '2\n');
    const changed = await same(file);
    expect(changed.state!.drivers[0]!.settings.zone0).toBe(2);
    rmSync(join(dir, 'zone.txt'));
    expect((await same(file)).problems.map((p) => p.message)).toEqual([expect.stringContaining('zone.txt does not exist')]);
  });

  it('an included file added, changed and removed', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[general]\ninclude = conf.d/*.conf\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\n`,
      'conf.d/10-a.conf': '[driver.sim2]\ndriver = sim\nzone0 = 1\n',
    });
    const file = join(dir, 'vscpd.conf');
    const names = async (): Promise<string[]> => (await same(file)).state!.drivers.map((d) => `${d.name}:${String(d.settings.zone0 ?? '')}`);
    expect(await names()).toEqual(['sim1:', 'sim2:1']);
    writeFileSync(join(dir, 'conf.d/20-b.conf'), '[driver.sim3]\ndriver = sim\nzone0 = 3\n');
    expect(await names()).toEqual(['sim1:', 'sim2:1', 'sim3:3']);
    writeFileSync(join(dir, 'conf.d/10-a.conf'), '[driver.sim2]\ndriver = sim\nzone0 = 2\n');
    expect(await names()).toEqual(['sim1:', 'sim2:2', 'sim3:3']);
    rmSync(join(dir, 'conf.d/10-a.conf'));
    expect(await names()).toEqual(['sim1:', 'sim3:3']);
    // The same sections moved to another file: their origins name it.
    writeFileSync(join(dir, 'conf.d/30-c.conf'), '[driver.sim3]\ndriver = sim\nzone0 = 3\n');
    rmSync(join(dir, 'conf.d/20-b.conf'));
    expect((await same(file)).state!.drivers[1]!.origin.file).toBe(join(dir, 'conf.d/30-c.conf'));
  });

  it('the file status of a module driver and of an exec program', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[user.admin]\npassword = ${HASH}\n[driver.m1]\ndriver = ./drv.mjs\n[driver.x1]\ndriver = exec:./bin/prog --flag\n`,
      'drv.mjs': "export default { id: 'memo-module', metadata: { level: 2, version: '1', vendor: 't', description: 'm' }, schema: { type: 'object', additionalProperties: false, description: 'M.', properties: {} }, create() { return { start: async () => {}, stop: async () => {} }; } };\n",
      'bin/prog': '#!/bin/sh\n',
    });
    chmodSync(join(dir, 'bin/prog'), 0o755);
    const file = join(dir, 'vscpd.conf');
    const messages = async (): Promise<string[]> => (await same(file)).problems.map((p) => p.message);
    expect(await messages()).toEqual([]);
    chmodSync(join(dir, 'bin/prog'), 0o644);
    expect(await messages()).toEqual([expect.stringContaining('bin/prog is not executable')]);
    chmodSync(join(dir, 'bin/prog'), 0o755);
    expect(await messages()).toEqual([]);
    rmSync(join(dir, 'drv.mjs'));
    expect(await messages()).toEqual([expect.stringContaining('module drv.mjs does not exist')]);
    mkdirSync(join(dir, 'drv.mjs'));
    expect(await messages()).toEqual([expect.stringContaining('module drv.mjs is not a file')]);
    rmSync(join(dir, 'drv.mjs'), { recursive: true });
    writeFileSync(join(dir, 'drv.mjs'), 'export default {};\n');
    // Node keeps a module it has imported: a cold load in this process sees the first version too.
    expect(await messages()).toEqual([]);
  });

  it('another definition for the same driver id', async () => {
    const calls = { n: 0 };
    const dir = writeFiles(tempDir(), { 'vscpd.conf': `[user.admin]\npassword = ${HASH}\n[driver.c1]\ndriver = counting\n` });
    const file = join(dir, 'vscpd.conf');
    const one = resolverOf({ counting: countingDriver(calls, 'one') });
    const two = resolverOf({ counting: countingDriver(calls, 'two') });
    expect((await same(file, { drivers: one })).state!.drivers[0]!.settings.topic).toBe('one');
    expect((await same(file, { drivers: two })).state!.drivers[0]!.settings.topic).toBe('two');
    expect((await same(file, { drivers: resolverOf({}) })).problems.map((p) => p.message)).toEqual(['[driver.c1] driver: unknown driver `counting`']);
  });

  it('the general settings a driver section reads', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[general]\nclient_buffer_size = 100\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\n`,
    });
    const file = join(dir, 'vscpd.conf');
    expect((await same(file)).state!.drivers[0]!.queueSize).toBe(100);
    writeFileSync(file, `[general]\nclient_buffer_size = 200\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\n`);
    expect((await same(file)).state!.drivers[0]!.queueSize).toBe(200);
    // Lines moved: every origin follows.
    writeFileSync(file, `; a comment on top\n[general]\nclient_buffer_size = 200\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\n`);
    expect((await same(file)).state!.drivers[0]!.origin.line).toBe(6);
  });
});

describe('results shared between loads', () => {
  it('cannot be changed through a load result', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': `[general]\nvariables = v.ini\n[user.admin]\npassword = ${HASH}\n[driver.sim1]\ndriver = sim\nzone0 = 1\n`,
      'v.ini': '[greeting]\nvalue = hello\n',
    });
    const file = join(dir, 'vscpd.conf');
    const first = await loadConfiguration(file);
    const d = first.state!.drivers[0]!;
    d.settings.zone0 = 99; // a driver's own copy
    expect(() => {
      (d.effective.zone0 as { value: unknown }).value = 99;
    }).toThrow(TypeError);
    expect(() => {
      (first.state!.variables[0] as { value: string }).value = 'changed';
    }).toThrow(TypeError);
    first.problems.push({ severity: 'error', message: 'added by a caller' });
    const again = await loadConfiguration(file);
    expect(again.state!.drivers[0]!.settings.zone0).toBe(1);
    expect(again.state!.variables[0]!.value).toBe('hello');
    expect(again.problems).toEqual([]);
  });
});

describe('rescanning a changed file', () => {
  const FILE = '/etc/vscpd/vscpd.conf';
  const rescan = (before: string, after: string): string => JSON.stringify(scanIni(after, FILE, agreedSectionsOf(scanIni(before, FILE))));
  const cold = (text: string): string => JSON.stringify(scanIni(text, FILE));

  it('gives what a first scan gives, whatever changed', () => {
    const v1 = [
      '[general]', 'name = a ; comment', 'include = conf.d/*.conf',
      '[driver.mqtt.bridge]', 'driver = mqtt', 'topic = "#"', "password = 'x;y#z'", 'config = a;b;c',
      '[user.admin]', 'password = SALT;HASH', 'filter = 0,10,6,-',
    ].join('\n');
    const edits = [
      v1.replace('topic = "#"', 'topic = "vscp/#"'),
      v1.replace('[user.admin]', '[user.ops]'),
      `${v1}\n[driver.new]\ndriver = sim\n`,
      v1.replace('config = a;b;c\n', ''),
      `; moved\n${v1}`,
      v1.replace('name = a ; comment', 'name = a\nname = b'),
      v1.replace('filter = 0,10,6,-', 'filter = "a\\nb"'),
    ];
    for (const v2 of edits) expect(rescan(v1, v2)).toBe(cold(v2));
  });

  it('reads the whole text again when a value holds a line break', () => {
    // The package sees `[b]` inside the value of [a] and gives [b] another k: both are refused.
    const before = '[b]\nk = good\n[a]\nv = 1\n';
    const after = '[b]\nk = good\n[a]\nv = "x\\n[b]\\nk = evil"\n';
    const reference = scanIni(after, FILE);
    expect(reference.problems.map((p) => `${p.line}: ${p.section}`)).toEqual(['2: b', '4: a']);
    expect(rescan(before, after)).toBe(JSON.stringify(reference));
  });
});
