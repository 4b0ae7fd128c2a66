import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tmp.js';
import { capturingLogger } from '../../test/variables/helpers.js';
import type { VariableFields } from './model.js';
import { STATE_FILE_NAME, StateFileError, decodeState, encodeState, loadStateFile, writeStateFile } from './state-file.js';

function f(value: string, extra: Partial<VariableFields> = {}): VariableFields {
  return { type: 1, value, note: '', persistent: true, owner: 0, rights: 0x744, ...extra };
}

const WHEN = new Date('2026-03-04T05:06:07.890Z');

describe('state file format', () => {
  it('round-trips records, sorted, values in plain text', () => {
    const text = encodeState([
      { name: 'B', state: { base: f('file'), fields: null, lastChange: WHEN } },
      { name: 'A', state: { base: null, fields: f('line1\nline2; "quoted"', { type: 1, note: 'n' }), lastChange: WHEN } },
      { name: 'N', state: { base: f('1', { type: 3 }), fields: f('42', { type: 3, rights: 0x777, owner: 5 }), lastChange: WHEN } },
    ], WHEN);
    const { records, problems } = decodeState(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.name)).toEqual(['A', 'B', 'N']);
    expect(records[0]!.state).toEqual({ base: null, fields: f('line1\nline2; "quoted"', { note: 'n' }), lastChange: WHEN });
    expect(records[1]!.state.fields).toBeNull();
    expect(records[2]!.state.fields).toEqual(f('42', { type: 3, rights: 0x777, owner: 5 }));
    expect(JSON.parse(text)).toMatchObject({ format: 'vscpd-variables', version: 1, written: WHEN.toISOString() });
  });

  it('writes one record per line', () => {
    const text = encodeState([
      { name: 'A', state: { base: null, fields: f('1'), lastChange: WHEN } },
      { name: 'B', state: { base: null, fields: f('2'), lastChange: WHEN } },
    ]);
    expect(text.split('\n').filter((l) => l.startsWith('{"name"'))).toHaveLength(2);
    expect(encodeState([])).toMatch(/"variables":\[\]\}\n$/);
  });

  it.each([
    ['truncated', '{"format":"vscpd-variables","version":1,"variables":[{"name":"A"', 'not valid JSON'],
    ['empty', '', 'not valid JSON'],
    ['another file', '{"hello":1}', 'not a vscpd-variables file'],
    ['no version', '{"format":"vscpd-variables","variables":[]}', 'no valid format version'],
    ['newer version', '{"format":"vscpd-variables","version":2,"variables":[]}', 'newer vscpd'],
    ['no list', '{"format":"vscpd-variables","version":1,"variables":{}}', 'not a list'],
  ])('refuses a %s file', (_what, text, message) => {
    expect(() => decodeState(text)).toThrow(StateFileError);
    expect(() => decodeState(text)).toThrow(message);
  });

  it('skips bad records and says which and why', () => {
    const good = { name: 'GOOD', lastChange: WHEN.toISOString(), fields: f('x'), base: null };
    const text = JSON.stringify({
      format: 'vscpd-variables',
      version: 1,
      variables: [
        good,
        { ...good, name: 'lower' },
        { ...good, name: 'BADINT', fields: f('x', { type: 3 }) },
        { ...good, name: 'BADTYPE', fields: f('x', { type: 77 }) },
        { ...good, name: 'BADTIME', lastChange: 'yesterday' },
        { ...good, name: 'NOTHING', fields: null, base: null },
        { ...good, name: 'RIGHTS', fields: f('x', { rights: 0x1000 }) },
        'text',
        good,
      ],
    });
    const { records, problems } = decodeState(text);
    expect(records.map((r) => r.name)).toEqual(['GOOD']);
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/record 2: name "lower" is not canonical/);
    expect(problems.join('\n')).toMatch(/record 3: BADINT: fields: int value "x" is invalid/);
    expect(problems.join('\n')).toMatch(/record 9: GOOD appears more than once/);
  });
});

describe('saving', () => {
  it('replaces the file, readable by the owner only, and leaves no temporary file', async () => {
    const dir = tempDir();
    await writeStateFile(dir, 'one');
    await writeStateFile(dir, 'two');
    expect(readFileSync(join(dir, STATE_FILE_NAME), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual([STATE_FILE_NAME]);
    expect(statSync(join(dir, STATE_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it('fails cleanly when the state file cannot be replaced', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, STATE_FILE_NAME, 'inner'), { recursive: true });
    await expect(writeStateFile(dir, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([STATE_FILE_NAME]);
  });

  it('names its temporary file so that loading recognises one left by a crash', async () => {
    const dir = tempDir();
    // Whatever sits at the temporary name is what a save in this process writes first.
    const temp = join(dir, `${STATE_FILE_NAME}.tmp-${process.pid}`);
    mkdirSync(join(temp, 'blocker'), { recursive: true });
    await expect(writeStateFile(dir, 'data')).rejects.toThrow();
    rmSync(temp, { recursive: true });
    writeFileSync(temp, '{"format":"vscpd-var');
    await loadStateFile(dir, { log: capturingLogger().log, maxBytes: 1024, readOnly: false });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('loading', () => {
  const options = (log = capturingLogger()) => ({ log: log.log, maxBytes: 1024 * 1024, readOnly: false, now: WHEN });

  it('returns nothing when there is no file', async () => {
    expect(await loadStateFile(tempDir(), options())).toEqual([]);
  });

  it('moves a damaged file aside and logs it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, STATE_FILE_NAME), '{"format":"vscpd-variables","version":1,"varia');
    const log = capturingLogger();
    expect(await loadStateFile(dir, options(log))).toEqual([]);
    const aside = `${STATE_FILE_NAME}.broken-2026-03-04T05-06-07-890Z`;
    expect(readdirSync(dir)).toEqual([aside]);
    expect(readFileSync(join(dir, aside), 'utf8')).toContain('"varia');
    expect(log.at('error').join('\n')).toContain('moved it aside');
  });

  it('treats a file over the size limit as damaged', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, STATE_FILE_NAME), encodeState([{ name: 'A', state: { base: null, fields: f('x'.repeat(2000)), lastChange: WHEN } }]));
    const log = capturingLogger();
    expect(await loadStateFile(dir, { ...options(log), maxBytes: 1000 })).toEqual([]);
    expect(log.at('error').join('\n')).toContain('more than the limit of 1000');
  });

  it('keeps a copy of a file with bad records and loads the rest', async () => {
    const dir = tempDir();
    const text = encodeState([
      { name: 'A', state: { base: null, fields: f('ok'), lastChange: WHEN } },
      { name: 'B', state: { base: null, fields: f('ok'), lastChange: WHEN } },
    ]).replace('"name":"B"', '"name":"b"');
    writeFileSync(join(dir, STATE_FILE_NAME), text);
    const log = capturingLogger();
    const records = await loadStateFile(dir, options(log));
    expect(records.map((r) => r.name)).toEqual(['A']);
    expect(readdirSync(dir).sort()).toEqual([STATE_FILE_NAME, `${STATE_FILE_NAME}.broken-2026-03-04T05-06-07-890Z`]);
    expect(log.at('error').join('\n')).toContain('not canonical');
  });

  it('removes temporary files of an interrupted save', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, `${STATE_FILE_NAME}.tmp-12345`), '{"format":"vscpd-var');
    writeFileSync(join(dir, 'unrelated.tmp-1'), 'keep me');
    const log = capturingLogger();
    await loadStateFile(dir, options(log));
    expect(readdirSync(dir)).toEqual(['unrelated.tmp-1']);
    expect(log.at('warn').join('\n')).toContain('interrupted save');
  });

  it('in read-only mode ignores a damaged file without touching it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, STATE_FILE_NAME), 'garbage');
    writeFileSync(join(dir, `${STATE_FILE_NAME}.tmp-1`), 'x');
    expect(await loadStateFile(dir, { ...options(), readOnly: true })).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([STATE_FILE_NAME, `${STATE_FILE_NAME}.tmp-1`]);
    expect(existsSync(join(dir, STATE_FILE_NAME))).toBe(true);
  });
});
