/*
 * The variable store across restarts: what survives, how the first start after a restart
 * treats a variable file edited while the daemon was stopped, damaged state files, and the
 * promise that the declared file is never written.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeclaredVariable } from '../../runtime/config/types.js';
import { silentLogger, type Logger } from '../../runtime/support/log.js';
import { createVariableStore } from '../../runtime/variables/store.js';
import { VariableType } from '../../runtime/variables/types.js';
import { tempDir, writeFiles } from '../support/tmp.js';
import { capturingLogger, declared } from './helpers.js';

async function session<T>(
  stateDir: string,
  declarations: readonly DeclaredVariable[],
  body: (store: Awaited<ReturnType<typeof createVariableStore>>, first: ReturnType<Awaited<ReturnType<typeof createVariableStore>>['applyDeclared']>) => T,
  log: Logger = silentLogger,
): Promise<T> {
  const store = await createVariableStore({ stateDir, log });
  const first = store.applyDeclared(declarations);
  const out = body(store, first);
  await store.close();
  return out;
}

describe('across a restart', () => {
  it('keeps persistent runtime values and removals, and forgets the rest', async () => {
    const dir = tempDir();
    const file = [
      declared('kept', 'file', { persistent: true }),
      declared('volatile', 'file'),
      declared('removed', 'file'),
    ];
    await session(dir, file, (store) => {
      store.writeValue('kept', 'runtime', 'tcpip');
      store.writeValue('volatile', 'runtime', 'tcpip');
      store.remove('removed', 'tcpip');
      store.write({ name: 'created', type: VariableType.INT, value: '7', persistent: true, note: 'mine', rights: 0x777, owner: 3 }, 'tcpip');
      store.write({ name: 'created_volatile', value: 'x' }, 'tcpip');
    });
    await session(dir, file, (store, first) => {
      expect(first).toEqual({ added: ['VOLATILE'], removed: [], changed: [], conflicts: [] });
      expect(store.get('kept')).toMatchObject({ value: 'runtime', overridden: true });
      expect(store.get('volatile')).toMatchObject({ value: 'file', overridden: false });
      expect(store.get('removed')).toBeUndefined();
      expect(store.get('created')).toMatchObject({ type: VariableType.INT, value: '7', persistent: true, note: 'mine', rights: 0x777, owner: 3, layer: 'runtime' });
      expect(store.get('created_volatile')).toBeUndefined();
    });
  });

  it('keeps the last change time of runtime values', async () => {
    const dir = tempDir();
    let stamp: Date | undefined;
    await session(dir, [], (store) => {
      stamp = store.write({ name: 'p', value: 'x', persistent: true }, 'tcpip').lastChange;
    });
    await session(dir, [], (store) => {
      expect(store.get('p')?.lastChange.toISOString()).toBe(stamp!.toISOString());
    });
  });

  it('at the first start compares with the declarations the runtime values were made against', async () => {
    const dir = tempDir();
    const before = [
      declared('untouched', 'file', { persistent: true }),
      declared('value_edited', 'file', { persistent: true }),
      declared('note_edited', 'file', { persistent: true, note: 'old' }),
      declared('deleted', 'file', { persistent: true }),
      declared('removed_at_runtime', 'file'),
      declared('plain', 'file'),
    ];
    await session(dir, before, (store) => {
      for (const name of ['untouched', 'value_edited', 'note_edited', 'deleted']) store.writeValue(name, `runtime ${name}`, 'tcpip');
      store.remove('removed_at_runtime', 'tcpip');
    });
    // Edited while the daemon was stopped.
    const after = [
      declared('untouched', 'file', { persistent: true }),
      declared('value_edited', 'new file value', { persistent: true }),
      declared('note_edited', 'file', { persistent: true, note: 'new' }),
      declared('removed_at_runtime', 'file'),
      declared('plain', 'file'),
    ];
    await session(dir, after, (store, first) => {
      expect(first).toEqual({
        added: ['PLAIN'],
        removed: ['DELETED'],
        changed: ['NOTE_EDITED', 'VALUE_EDITED'],
        conflicts: [
          { name: 'DELETED', fileValue: '', runtimeValue: 'runtime deleted' },
          { name: 'VALUE_EDITED', fileValue: 'new file value', runtimeValue: 'runtime value_edited' },
        ],
      });
      expect(store.get('untouched')?.value).toBe('runtime untouched');
      expect(store.get('value_edited')?.value).toBe('new file value');
      expect(store.get('note_edited')).toMatchObject({ value: 'runtime note_edited', note: 'new' });
      expect(store.get('deleted')).toBeUndefined();
      expect(store.get('removed_at_runtime')).toBeUndefined();
    });
    // The merge was saved: a third start sees no change at all.
    await session(dir, after, (store, first) => {
      expect(first.conflicts).toEqual([]);
      expect(first.changed).toEqual([]);
      expect(store.get('note_edited')).toMatchObject({ value: 'runtime note_edited', note: 'new' });
    });
  });

  it('brings a declared variable removed at run time back when the file changes it while stopped', async () => {
    const dir = tempDir();
    await session(dir, [declared('a', '1')], (store) => { store.remove('a', 'tcpip'); });
    await session(dir, [declared('a', '1')], (store) => { expect(store.get('a')).toBeUndefined(); });
    await session(dir, [declared('a', '2')], (store, first) => {
      expect(first.changed).toEqual(['A']);
      expect(store.get('a')?.value).toBe('2');
    });
  });

  it('never writes the declared variable file', async () => {
    const confDir = writeFiles(tempDir(), {
      'variables.ini': '[sim1_numberofnodes]\ntype = int\nvalue = 3\npersistent = true\n',
    });
    const path = join(confDir, 'variables.ini');
    const content = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const stateDir = join(confDir, 'state');
    const decl = [declared('sim1_numberofnodes', '3', { type: VariableType.INT, persistent: true, origin: { file: path, line: 1 } })];
    await session(stateDir, decl, (store) => {
      store.writeValue('sim1_numberofnodes', '5', 'tcpip');
      store.applyDeclared(decl);
      store.remove('sim1_numberofnodes', 'tcpip');
      store.write({ name: 'sim1_numberofnodes', type: VariableType.INT, value: '9', persistent: true }, 'tcpip');
    });
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(readdirSync(confDir).sort()).toEqual(['state', 'variables.ini']);
    expect(readdirSync(stateDir)).toEqual(['variables.json']);
  });
});

describe('a damaged state file', () => {
  async function startWith(content: string) {
    const dir = tempDir();
    writeFileSync(join(dir, 'variables.json'), content);
    const logger = capturingLogger();
    const store = await createVariableStore({ stateDir: dir, log: logger.log });
    store.applyDeclared([declared('declared', 'from the file', { persistent: true })]);
    return { dir, store, logger };
  }

  async function validState(): Promise<string> {
    const dir = tempDir();
    await session(dir, [declared('declared', 'from the file', { persistent: true })], (store) => {
      store.writeValue('declared', 'runtime', 'tcpip');
      store.write({ name: 'other', value: 'x'.repeat(500), persistent: true }, 'tcpip');
    });
    return readFileSync(join(dir, 'variables.json'), 'utf8');
  }

  it.each([
    ['truncated', async () => { const t = await validState(); return t.slice(0, Math.floor(t.length / 2)); }],
    ['garbage', async () => '\u0000\u0001binary garbage \u00ff'],
    ['empty', async () => ''],
    ['of another program', async () => '{"some":"json"}'],
    ['from a newer version', async () => '{"format":"vscpd-variables","version":9,"variables":[]}'],
  ])('(%s) is moved aside; the daemon starts with the declared state', async (_what, make) => {
    const content = await make();
    const { dir, store, logger } = await startWith(content);
    expect(store.get('declared')?.value).toBe('from the file');
    expect(store.get('other')).toBeUndefined();
    const files = readdirSync(dir);
    const aside = files.find((n) => n.startsWith('variables.json.broken-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(content);
    expect(logger.at('error').join('\n')).toContain('damaged');
    // and the store works: a new value is saved in a fresh file
    store.writeValue('declared', 'after', 'tcpip');
    await store.close();
    await session(dir, [declared('declared', 'from the file', { persistent: true })], (again) => {
      expect(again.get('declared')?.value).toBe('after');
    });
  });

  it('with one bad record keeps the others and a copy of the original', async () => {
    const content = (await validState()).replace('"name":"OTHER"', '"name":"other"');
    const { dir, store, logger } = await startWith(content);
    expect(store.get('declared')?.value).toBe('runtime');
    expect(store.get('other')).toBeUndefined();
    const aside = readdirSync(dir).find((n) => n.startsWith('variables.json.broken-'));
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(content);
    expect(logger.at('error').join('\n')).toContain('record 2');
    await store.close();
  });
});
