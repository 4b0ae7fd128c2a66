import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tmp.js';
import { capturingLogger, declared } from '../../test/variables/helpers.js';
import { silentLogger } from '../support/log.js';
import { type VariableChange, VariableError } from './contract.js';
import { type VariableStoreOptions, createVariableStore } from './store.js';
import { VariableType } from './types.js';

async function open(options: Partial<VariableStoreOptions> = {}) {
  const stateDir = options.stateDir ?? tempDir();
  const store = await createVariableStore({ stateDir, log: silentLogger, ...options });
  return { store, stateDir };
}

function errorOf(fn: () => unknown): VariableError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VariableError);
    return e as VariableError;
  }
  throw new Error('expected a VariableError');
}

function persisted(stateDir: string): { name: string; fields: { value: string } | null }[] {
  const path = join(stateDir, 'variables.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { variables: { name: string; fields: { value: string } | null }[] }).variables;
}

describe('runtime variables', () => {
  it('creates a string variable with the v13 defaults and finds it case-insensitively', async () => {
    const { store } = await open();
    const v = store.write({ name: 'my var', value: 'hello' }, 'tcpip');
    expect(v).toMatchObject({
      name: 'MY_VAR', type: VariableType.STRING, value: 'hello', note: '', persistent: false, owner: 0, rights: 0x744,
      layer: 'runtime', readOnly: false, overridden: false,
    });
    expect(store.get('My_Var')?.value).toBe('hello');
    expect(store.get('my var')?.value).toBe('hello');
  });

  it('gives a new variable without a value the reset value of its type', async () => {
    const { store } = await open();
    expect(store.write({ name: 'n', type: VariableType.INT }, 'tcpip').value).toBe('0');
    expect(store.write({ name: 'm', type: VariableType.MEASUREMENT }, 'tcpip').value).toBe('0,0,0,255,255');
  });

  it('stores values in canonical form and rejects invalid ones with what is allowed', async () => {
    const { store } = await open();
    store.write({ name: 'n', type: VariableType.INT, value: '1' }, 'tcpip');
    expect(store.writeValue('n', '0x10', 'tcpip').value).toBe('16');
    const e = errorOf(() => store.writeValue('n', 'twelve', 'tcpip'));
    expect(e.code).toBe('invalid-value');
    expect(e.message).toContain('N');
    expect(e.message).toContain('whole number');
    expect(store.get('n')?.value).toBe('16');
  });

  it('refuses to change the type of a variable', async () => {
    const { store } = await open();
    store.write({ name: 'n', type: VariableType.INT, value: '1' }, 'tcpip');
    const e = errorOf(() => store.write({ name: 'n', type: VariableType.STRING, value: 'x' }, 'tcpip'));
    expect(e.code).toBe('type-change');
    expect(e.message).toBe('variable N is of type int; its type cannot change to string');
    expect(errorOf(() => store.write({ name: 'new', type: 77 }, 'tcpip')).code).toBe('invalid-value');
    expect(errorOf(() => store.write({ name: 'new', type: VariableType.UNASSIGNED }, 'tcpip')).code).toBe('invalid-value');
    expect(store.write({ name: 'n', type: VariableType.INT, value: '2' }, 'tcpip').value).toBe('2');
  });

  it('answers not-found for changes to a missing variable', async () => {
    const { store } = await open();
    for (const op of [
      () => store.writeValue('nope', '1', 'tcpip'),
      () => store.writeNote('nope', 'x', 'tcpip'),
      () => store.reset('nope', 'tcpip'),
      () => store.remove('nope', 'tcpip'),
    ]) {
      const e = errorOf(op);
      expect(e.code).toBe('not-found');
      expect(e.message).toBe('variable NOPE is not defined');
    }
  });

  it('writes notes, resets values and removes variables', async () => {
    const { store } = await open();
    store.write({ name: 'b', type: VariableType.BOOL, value: 'yes', note: 'a flag' }, 'tcpip');
    expect(store.get('b')?.value).toBe('true');
    expect(store.writeNote('b', 'the flag', 'tcpip').note).toBe('the flag');
    expect(store.reset('b', 'tcpip').value).toBe('false');
    expect(store.remove('b', 'tcpip').name).toBe('B');
    expect(store.get('b')).toBeUndefined();
  });

  it('keeps owner and rights, and checks their ranges', async () => {
    const { store } = await open();
    expect(store.write({ name: 'x', owner: 7, rights: 0x777 }, 'tcpip')).toMatchObject({ owner: 7, rights: 0x777 });
    expect(store.writeValue('x', 'y', 'tcpip')).toMatchObject({ owner: 7, rights: 0x777 });
    expect(errorOf(() => store.write({ name: 'x', rights: 0x1000 }, 'tcpip')).code).toBe('invalid-value');
    expect(errorOf(() => store.write({ name: 'x', owner: -1 }, 'tcpip')).code).toBe('invalid-value');
  });

  it('rejects bad names', async () => {
    const { store } = await open({ limits: { maxNameLength: 10 } });
    expect(errorOf(() => store.write({ name: '  ', value: 'x' }, 'tcpip')).code).toBe('invalid-name');
    expect(errorOf(() => store.write({ name: 'a\nb', value: 'x' }, 'tcpip')).code).toBe('invalid-name');
    expect(errorOf(() => store.write({ name: 'abcdefghijk', value: 'x' }, 'tcpip')).code).toBe('invalid-name');
    expect(store.get('a\nb')).toBeUndefined();
  });

  it('records the time of the last change', async () => {
    let now = new Date('2026-01-02T03:04:05Z');
    const { store } = await open({ now: () => now });
    store.write({ name: 'x', value: '1' }, 'tcpip');
    now = new Date('2026-01-02T03:04:09Z');
    expect(store.writeValue('x', '2', 'tcpip').lastChange.toISOString()).toBe('2026-01-02T03:04:09.000Z');
  });
});

describe('limits', () => {
  it('bounds the number of variables', async () => {
    const { store } = await open({ limits: { maxVariables: 2 } });
    store.write({ name: 'a' }, 'tcpip');
    store.write({ name: 'b' }, 'tcpip');
    const e = errorOf(() => store.write({ name: 'c' }, 'tcpip'));
    expect(e.message).toContain('maximum of 2 variables');
    store.writeValue('a', 'still writable', 'tcpip');
    store.remove('b', 'tcpip');
    expect(store.write({ name: 'c' }, 'tcpip').name).toBe('C');
  });

  it('bounds value and note sizes', async () => {
    const { store } = await open({ limits: { maxValueBytes: 8, maxNoteBytes: 4 } });
    expect(errorOf(() => store.write({ name: 'a', value: '123456789' }, 'tcpip')).message).toContain('longer than 8 bytes');
    expect(errorOf(() => store.write({ name: 'a', value: 'ok', note: 'long note' }, 'tcpip')).message).toContain('longer than 4 bytes');
    // bytes, not characters
    expect(errorOf(() => store.write({ name: 'a', value: 'ééééé' }, 'tcpip')).code).toBe('invalid-value');
    expect(store.get('a')).toBeUndefined();
  });

  it('bounds the memory of the runtime layer', async () => {
    const { store } = await open({ limits: { maxRuntimeBytes: 10 } });
    store.write({ name: 'a', value: '12345' }, 'tcpip');
    store.write({ name: 'b', value: '12345' }, 'tcpip');
    expect(errorOf(() => store.write({ name: 'c', value: '1' }, 'tcpip')).message).toContain('more than 10 bytes');
    store.writeValue('a', '1', 'tcpip');
    expect(store.write({ name: 'c', value: '1234' }, 'tcpip').value).toBe('1234');
  });
});

describe('stock variables', () => {
  it('are generated on read from the daemon source and cannot be changed', async () => {
    let clients = 3;
    const { store } = await open({
      stock: {
        guid: () => 'FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:01',
        clientCount: () => clients,
        driverCount: () => 2,
        ipv4: () => ['192.168.1.5', '10.0.0.2'],
      },
    });
    expect(store.get('vscp.client.count')?.value).toBe('3');
    clients = 4;
    expect(store.get('VSCP.CLIENT.COUNT')?.value).toBe('4');
    expect(store.get('vscp.host.guid')).toMatchObject({ type: VariableType.GUID, layer: 'stock', readOnly: true });
    expect(store.get('vscp.host.ip')?.value).toBe('192.168.1.5,10.0.0.2');
    expect(store.get('vscp.driver.count')?.value).toBe('2');
    expect(store.get('vscp.version.major')?.value).toMatch(/^\d+$/);
    expect(store.get('vscp.version.str')?.value).toMatch(/^\d+\.\d+\.\d+/);
    expect(store.get('vscp.copyright')?.value).not.toBe('');
    expect(store.get('vscp.no.such.thing')).toBeUndefined();

    for (const op of [
      () => store.writeValue('vscp.client.count', '9', 'tcpip'),
      () => store.write({ name: 'vscp.version.major', value: '1' }, 'tcpip'),
      () => store.remove('vscp.uptime', 'tcpip'),
      () => store.reset('vscp.uptime', 'tcpip'),
      () => store.write({ name: 'vscp.mine', value: '1' }, 'driver'),
    ]) {
      expect(errorOf(op).code).toBe('stock');
    }
  });

  it('counts variables and leaves out what has no source', async () => {
    const { store } = await open();
    store.write({ name: 'a' }, 'tcpip');
    store.applyDeclared([declared('b', '1'), declared('c', '2')]);
    expect(store.get('vscp.variable.count')?.value).toBe('3');
    expect(store.get('vscp.client.count')).toBeUndefined();
    expect(store.get('vscp.uptime')?.value).toMatch(/^\d+$/);
  });

  it('appear in listings in name order but not in the snapshot', async () => {
    const { store } = await open({ stock: { clientCount: () => 1 } });
    store.write({ name: 'zz' }, 'tcpip');
    store.write({ name: 'aa' }, 'tcpip');
    const names = store.list().map((v) => v.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('VSCP.CLIENT.COUNT');
    expect(names[0]).toBe('AA');
    expect(names.at(-1)).toBe('ZZ');
    expect([...store.snapshot().keys()].sort()).toEqual(['AA', 'ZZ']);
  });
});

describe('listing', () => {
  it('filters by pattern on the upper-case name and by type', async () => {
    const { store } = await open();
    store.write({ name: 'mqtt1_host', value: 'h' }, 'tcpip');
    store.write({ name: 'mqtt1_port', type: VariableType.INT, value: '1883' }, 'tcpip');
    store.write({ name: 'sim1_nodes', type: VariableType.INT, value: '3' }, 'tcpip');
    expect(store.list(/^MQTT1_/).map((v) => v.name)).toEqual(['MQTT1_HOST', 'MQTT1_PORT']);
    const ints = store.list(undefined, VariableType.INT).map((v) => v.name);
    expect(ints.filter((n) => !n.startsWith('VSCP.'))).toEqual(['MQTT1_PORT', 'SIM1_NODES']);
    expect(ints).toContain('VSCP.VARIABLE.COUNT');
    expect(store.list(/_PORT$/, VariableType.INT).map((v) => v.name)).toEqual(['MQTT1_PORT']);
    const global = /MQTT/g;
    expect(store.list(global)).toHaveLength(2);
    expect(store.list(global)).toHaveLength(2);
  });

  it('snapshots the values of every variable for the effective driver settings', async () => {
    const { store } = await open();
    store.applyDeclared([declared('sim1_nodes', '3', { type: VariableType.INT }), declared('gone', 'x')]);
    store.write({ name: 'sim1_interval', type: VariableType.INT, value: '5' }, 'tcpip');
    store.remove('gone', 'tcpip');
    expect(Object.fromEntries(store.snapshot())).toEqual({
      SIM1_NODES: { type: VariableType.INT, value: '3' },
      SIM1_INTERVAL: { type: VariableType.INT, value: '5' },
    });
    store.writeValue('sim1_interval', '6', 'driver');
    expect(store.snapshot().get('SIM1_INTERVAL')?.value).toBe('6');
    store.applyDeclared([declared('sim1_nodes', '4', { type: VariableType.INT })]);
    expect(store.snapshot().get('SIM1_NODES')?.value).toBe('4');
    store.remove('sim1_interval', 'tcpip');
    expect(store.snapshot().has('SIM1_INTERVAL')).toBe(false);
  });

  it('warns about a variable declared twice and uses the later declaration', async () => {
    const logger = capturingLogger();
    const { store } = await open({ log: logger.log });
    store.applyDeclared([declared('a', '1')]);
    store.applyDeclared([declared('a', '1'), declared('a', '2')]);
    expect(store.get('a')?.value).toBe('2');
    store.applyDeclared([declared('a', '2'), declared('a', '2')]);
    expect(logger.at('warn').filter((l) => l.includes('declared twice'))).toHaveLength(2);
  });
});

describe('change notifications', () => {
  it('report before, after and source', async () => {
    const { store } = await open();
    const seen: VariableChange[] = [];
    store.onChange((c) => seen.push(c));
    store.write({ name: 'a', value: '1' }, 'tcpip');
    store.writeValue('a', '2', 'driver');
    store.remove('a', 'daemon');
    expect(seen.map((c) => [c.name, c.before?.value, c.after?.value, c.source])).toEqual([
      ['A', undefined, '1', 'tcpip'],
      ['A', '1', '2', 'driver'],
      ['A', '2', undefined, 'daemon'],
    ]);
  });

  it('are not sent for a write that changes nothing', async () => {
    const { store } = await open();
    const seen: VariableChange[] = [];
    store.write({ name: 'a', value: '1' }, 'tcpip');
    store.onChange((c) => seen.push(c));
    store.writeValue('a', '1', 'tcpip');
    expect(seen).toHaveLength(0);
  });

  it('survive a listener that throws: it is logged and the others still hear', async () => {
    const logger = capturingLogger();
    const { store } = await open({ log: logger.log });
    const heard: string[] = [];
    store.onChange(() => { throw new Error('listener broke'); });
    store.onChange((c) => heard.push(c.name));
    expect(store.write({ name: 'a', value: '1' }, 'tcpip').value).toBe('1');
    expect(heard).toEqual(['A']);
    expect(logger.at('error').join('\n')).toContain('listener broke');
  });

  it('stop after unsubscribing', async () => {
    const { store } = await open();
    const heard: string[] = [];
    const off = store.onChange((c) => heard.push(c.name));
    store.write({ name: 'a' }, 'tcpip');
    off();
    store.write({ name: 'b' }, 'tcpip');
    expect(heard).toEqual(['A']);
  });

  it('for file changes have the source file', async () => {
    const { store } = await open();
    const seen: VariableChange[] = [];
    store.onChange((c) => seen.push(c));
    store.applyDeclared([declared('a', '1'), declared('b', '2')]);
    store.applyDeclared([declared('a', '1'), declared('b', '3')]);
    expect(seen.map((c) => [c.name, c.before?.value, c.after?.value, c.source])).toEqual([
      ['A', undefined, '1', 'file'],
      ['B', undefined, '2', 'file'],
      ['B', '2', '3', 'file'],
    ]);
  });

  it('let a listener write to the store', async () => {
    const { store } = await open();
    store.onChange((c) => {
      if (c.name === 'A') store.write({ name: 'copy_of_a', value: c.after?.value ?? '' }, 'daemon');
    });
    store.write({ name: 'a', value: 'x' }, 'tcpip');
    expect(store.get('copy_of_a')?.value).toBe('x');
  });
});

describe('the declared layer and the reload rule', () => {
  it('shows declared variables and marks runtime overrides', async () => {
    const { store } = await open();
    store.applyDeclared([declared('mqtt1_host', 'localhost', { note: 'broker' })]);
    expect(store.get('mqtt1_host')).toMatchObject({ value: 'localhost', note: 'broker', layer: 'declared', overridden: false });
    expect(store.writeValue('mqtt1_host', 'broker.lan', 'tcpip')).toMatchObject({ layer: 'declared', overridden: true, note: 'broker' });
  });

  it('keeps a runtime value through a reload that changes other variables', async () => {
    const { store, stateDir } = await open();
    store.applyDeclared([declared('a', '1', { persistent: true }), declared('b', '1')]);
    store.writeValue('a', 'runtime', 'tcpip');
    const result = store.applyDeclared([declared('a', '1', { persistent: true }), declared('b', '2'), declared('c', 'new')]);
    expect(result).toEqual({ added: ['C'], removed: [], changed: ['B'], conflicts: [] });
    expect(store.get('a')?.value).toBe('runtime');
    await store.flush();
    expect(persisted(stateDir).map((r) => [r.name, r.fields?.value])).toEqual([['A', 'runtime']]);
  });

  it('lets the file win when the user changes the value in the file, and reports the conflict', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1')]);
    store.writeValue('a', 'runtime', 'tcpip');
    const seen: VariableChange[] = [];
    store.onChange((c) => seen.push(c));
    const result = store.applyDeclared([declared('a', '2')]);
    expect(result).toEqual({ added: [], removed: [], changed: ['A'], conflicts: [{ name: 'A', fileValue: '2', runtimeValue: 'runtime' }] });
    expect(store.get('a')).toMatchObject({ value: '2', overridden: false });
    expect(seen.map((c) => [c.before?.value, c.after?.value, c.source])).toEqual([['runtime', '2', 'file']]);
  });

  it('merges field by field: a note changed in the file keeps the runtime value', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1', { note: 'old' })]);
    store.writeValue('a', 'runtime', 'tcpip');
    const result = store.applyDeclared([declared('a', '1', { note: 'new' })]);
    expect(result.changed).toEqual(['A']);
    expect(result.conflicts).toEqual([]);
    expect(store.get('a')).toMatchObject({ value: 'runtime', note: 'new' });
  });

  it('makes a runtime value persistent when the file turns persistent on', async () => {
    const { store, stateDir } = await open();
    store.applyDeclared([declared('a', '1')]);
    store.writeValue('a', 'runtime', 'tcpip');
    await store.flush();
    expect(persisted(stateDir)).toEqual([]);
    store.applyDeclared([declared('a', '1', { persistent: true })]);
    expect(store.get('a')).toMatchObject({ value: 'runtime', persistent: true });
    await store.flush();
    expect(persisted(stateDir).map((r) => r.fields?.value)).toEqual(['runtime']);
  });

  it('reports no conflict when the runtime value equals the old file value', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1', { note: 'n' })]);
    store.writeNote('a', 'runtime note', 'tcpip');
    const result = store.applyDeclared([declared('a', '2', { note: 'n' })]);
    expect(result.conflicts).toEqual([]);
    expect(store.get('a')).toMatchObject({ value: '2', note: 'runtime note' });
  });

  it('replaces the whole variable when the file changes its type', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1', { note: 'n' })]);
    store.write({ name: 'a', value: 'runtime', note: 'mine' }, 'tcpip');
    const result = store.applyDeclared([declared('a', '1', { type: VariableType.INT, note: 'n' })]);
    expect(result.conflicts).toEqual([{ name: 'A', fileValue: '1', runtimeValue: 'runtime' }]);
    expect(store.get('a')).toMatchObject({ type: VariableType.INT, value: '1', note: 'n', overridden: false });
  });

  it('removes a variable whose declaration is removed, also with a runtime value (reported)', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1'), declared('b', '1')]);
    store.writeValue('a', 'runtime', 'tcpip');
    const result = store.applyDeclared([]);
    expect(result).toEqual({ added: [], removed: ['A', 'B'], changed: [], conflicts: [{ name: 'A', fileValue: '', runtimeValue: 'runtime' }] });
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeUndefined();
  });

  it('lets a declaration take over a variable created at run time', async () => {
    const { store } = await open();
    store.write({ name: 'a', value: 'runtime', persistent: true }, 'tcpip');
    const result = store.applyDeclared([declared('a', 'file')]);
    expect(result).toEqual({ added: ['A'], removed: [], changed: [], conflicts: [{ name: 'A', fileValue: 'file', runtimeValue: 'runtime' }] });
    expect(store.get('a')).toMatchObject({ value: 'file', layer: 'declared', persistent: false });
  });

  it('keeps variables created at run time that the file does not mention', async () => {
    const { store } = await open();
    store.write({ name: 'mine', value: 'x' }, 'tcpip');
    store.applyDeclared([declared('a', '1')]);
    store.applyDeclared([]);
    expect(store.get('mine')).toMatchObject({ value: 'x', layer: 'runtime' });
  });

  it('keeps a declared variable removed at run time until the file changes it', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1'), declared('b', '1')]);
    store.remove('a', 'tcpip');
    expect(store.get('a')).toBeUndefined();
    expect(store.applyDeclared([declared('a', '1'), declared('b', '2')]).changed).toEqual(['B']);
    expect(store.get('a')).toBeUndefined();
    const seen: VariableChange[] = [];
    store.onChange((c) => seen.push(c));
    expect(store.applyDeclared([declared('a', '3'), declared('b', '2')]).changed).toEqual(['A']);
    expect(store.get('a')?.value).toBe('3');
    expect(seen.map((c) => [c.name, c.after?.value])).toEqual([['A', '3']]);
  });

  it('recreates a removed declared variable on a write, still under the file rule', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1')]);
    store.remove('a', 'tcpip');
    expect(store.write({ name: 'a', value: 'back' }, 'tcpip')).toMatchObject({ value: 'back', layer: 'declared', overridden: true });
    expect(store.applyDeclared([declared('a', '2')]).conflicts).toEqual([{ name: 'A', fileValue: '2', runtimeValue: 'back' }]);
    expect(store.get('a')?.value).toBe('2');
  });

  it('takes what a recreating write leaves out from the declaration', async () => {
    const { store } = await open();
    store.applyDeclared([declared('n', '5', { type: VariableType.INT, note: 'nodes', persistent: true, rights: 0x700, owner: 2 })]);
    store.remove('n', 'tcpip');
    expect(store.write({ name: 'n', value: '6' }, 'tcpip')).toMatchObject({
      type: VariableType.INT, value: '6', note: 'nodes', persistent: true, rights: 0x700, owner: 2,
    });
  });

  it('plans without changing anything', async () => {
    const { store, stateDir } = await open();
    store.applyDeclared([declared('a', '1', { persistent: true }), declared('b', '1')]);
    store.writeValue('a', 'runtime', 'tcpip');
    await store.flush();
    const before = readFileSync(join(stateDir, 'variables.json'), 'utf8');
    const heard: string[] = [];
    store.onChange((c) => heard.push(c.name));
    const next = [declared('a', '2', { persistent: true }), declared('c', '1')];
    const plan = store.planDeclared(next);
    expect(plan).toEqual({ added: ['C'], removed: ['B'], changed: ['A'], conflicts: [{ name: 'A', fileValue: '2', runtimeValue: 'runtime' }] });
    expect(store.get('a')?.value).toBe('runtime');
    expect(store.get('b')?.value).toBe('1');
    expect(store.get('c')).toBeUndefined();
    expect(heard).toEqual([]);
    await store.flush();
    expect(readFileSync(join(stateDir, 'variables.json'), 'utf8')).toBe(before);
    expect(store.applyDeclared(next)).toEqual(plan);
  });

  it('projects the values a reload will leave, without applying it', async () => {
    const { store } = await open();
    store.applyDeclared([declared('a', '1', { note: 'n' }), declared('b', '1'), declared('gone', 'x'), declared('removed', 'r')]);
    store.writeValue('a', 'runtime a', 'tcpip');
    store.writeValue('b', 'runtime b', 'tcpip');
    store.remove('removed', 'tcpip');
    store.write({ name: 'mine', value: 'm' }, 'tcpip');
    const next = [declared('a', '1', { note: 'new note' }), declared('b', '2'), declared('removed', 'r'), declared('c', '3')];
    const projected = Object.fromEntries([...store.snapshotAfter(next)].map(([n, v]) => [n, v.value]));
    expect(projected).toEqual({ A: 'runtime a', B: '2', C: '3', MINE: 'm' });
    expect(store.get('b')?.value).toBe('runtime b');
    expect(store.get('gone')?.value).toBe('x');
    store.applyDeclared(next);
    expect(Object.fromEntries([...store.snapshot()].map(([n, v]) => [n, v.value]))).toEqual(projected);
  });

  it('skips declarations it cannot hold and says why', async () => {
    const logger = capturingLogger();
    const { store } = await open({ log: logger.log });
    const result = store.applyDeclared([
      declared('good', '1'),
      declared('vscp.version.major', '99'),
      declared('bad_int', 'x', { type: VariableType.INT }),
    ]);
    expect(result.added).toEqual(['GOOD']);
    expect(store.get('vscp.version.major')?.value).not.toBe('99');
    const errors = logger.at('error').join('\n');
    expect(errors).toContain('VSCP.VERSION.MAJOR');
    expect(errors).toContain('BAD_INT');
  });

  it('never logs variable values (they may be passwords)', async () => {
    const logger = capturingLogger();
    const { store } = await open({ log: logger.log });
    store.applyDeclared([declared('mqtt1_password', 'file-secret')]);
    store.writeValue('mqtt1_password', 'runtime-secret', 'tcpip');
    store.applyDeclared([declared('mqtt1_password', 'new-secret')]);
    store.applyDeclared([]);
    const all = logger.lines.join('\n');
    expect(all).toContain('MQTT1_PASSWORD');
    expect(all).not.toMatch(/secret/);
  });
});

describe('persistence', () => {
  it('coalesces a burst of writes into one save and flush resolves when it is on disk', async () => {
    const { store, stateDir } = await open({ saveDelayMs: 10_000 });
    for (let i = 0; i < 1000; i++) store.write({ name: `v${i % 10}`, value: String(i), persistent: true }, 'tcpip');
    expect(store.status().savePending).toBe(true);
    await store.flush();
    expect(store.status()).toMatchObject({ saves: 1, savePending: false, persisted: 10, lastSaveError: null });
    expect(persisted(stateDir).find((r) => r.name === 'V9')?.fields?.value).toBe('999');
  });

  it('saves by itself after the delay', async () => {
    const { store, stateDir } = await open({ saveDelayMs: 1 });
    store.write({ name: 'p', value: 'x', persistent: true }, 'tcpip');
    await waitUntil(() => store.status().saves === 1);
    expect(persisted(stateDir).map((r) => r.name)).toEqual(['P']);
  });

  it('does not save non-persistent changes', async () => {
    const { store, stateDir } = await open();
    store.write({ name: 'volatile', value: 'x' }, 'tcpip');
    await store.flush();
    expect(store.status().saves).toBe(0);
    expect(existsSync(join(stateDir, 'variables.json'))).toBe(false);
  });

  it('writes the state file readable by the owner only', async () => {
    const { store, stateDir } = await open();
    store.write({ name: 'p', value: 'x', persistent: true }, 'tcpip');
    await store.flush();
    expect(statSync(join(stateDir, 'variables.json')).mode & 0o777).toBe(0o600);
  });

  it('rejects flush when the state cannot be saved, keeps the data and saves it once it can', async () => {
    const logger = capturingLogger();
    const { store, stateDir } = await open({ log: logger.log });
    // A non-empty folder where the state file belongs makes the rename fail.
    mkdirSync(join(stateDir, 'variables.json'));
    writeFileSync(join(stateDir, 'variables.json', 'blocker'), '');
    store.write({ name: 'p', value: 'kept', persistent: true }, 'tcpip');
    const error = await store.flush().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(VariableError);
    expect((error as VariableError).code).toBe('save-failed');
    expect((error as VariableError).message).toContain('variables.json');
    expect(store.status().lastSaveError).not.toBeNull();
    expect(logger.at('error').join('\n')).toContain('Could not save the variable state');
    expect(store.get('p')?.value).toBe('kept');
    rmSync(join(stateDir, 'variables.json'), { recursive: true });
    await waitUntil(() => store.status().lastSaveError === null, 20_000);
    expect(persisted(stateDir).map((r) => r.fields?.value)).toEqual(['kept']);
    expect(readdirSync(stateDir).sort()).toEqual(['variables.json']);
  });

  it('closes after saving what is pending; later writes are refused', async () => {
    const { store, stateDir } = await open({ saveDelayMs: 10_000 });
    store.write({ name: 'p', value: 'x', persistent: true }, 'tcpip');
    await store.close();
    expect(persisted(stateDir).map((r) => r.name)).toEqual(['P']);
    expect(errorOf(() => store.write({ name: 'q' }, 'tcpip')).code).toBe('save-failed');
    expect(store.get('p')?.value).toBe('x');
  });

  it('in read-only mode creates and writes nothing', async () => {
    const parent = tempDir();
    const stateDir = join(parent, 'state');
    const store = await createVariableStore({ stateDir, log: silentLogger, readOnly: true });
    store.write({ name: 'p', value: 'x', persistent: true }, 'tcpip');
    await store.flush();
    await store.close();
    expect(existsSync(stateDir)).toBe(false);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
