/*
 * The installed command (bin/vscpd.js → dist/): exit codes, and that `check` and `show` write
 * nothing at all. `npm test` builds dist/ first.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vscpd.js');

function run(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** Every file and folder under `dir`: type, size, mtime and content hash. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = p.slice(dir.length + 1);
      if (st.isDirectory()) {
        out[rel] = `dir ${st.mtimeMs}`;
        walk(p);
      } else {
        out[rel] = `file ${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(dir);
  return out;
}

describe('bin/vscpd.js', () => {
  it('is built (npm test runs tsc first)', () => {
    expect(existsSync(join(root, 'dist', 'runtime', 'cli', 'main.js'))).toBe(true);
  });

  it('check and show write nothing: the configuration tree is byte- and time-identical afterwards', async () => {
    const dir = tempDir();
    cpSync(join(root, 'configs'), dir, { recursive: true });
    const before = tree(dir);
    const check = await run(['check', '-c', join(dir, 'vscpd.conf')]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/valid \(2 drivers, 0 users, 2 variables, 2 files read\), 1 warning\n$/);
    const show = await run(['show', '-c', join(dir, 'vscpd.conf'), '--effective', '--origin']);
    expect(show.code).toBe(0);
    expect(tree(dir)).toEqual(before);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('exit codes: 0 valid, 1 invalid, 2 usage', async () => {
    const dir = tempDir();
    cpSync(join(root, 'configs'), dir, { recursive: true });
    expect((await run(['check', '-c', 'vscpd.conf'], { cwd: dir })).code).toBe(0);
    const invalid = await run(['check', '-c', 'nope.conf'], { cwd: dir });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('nope.conf: cannot read the configuration: does not exist\nnope.conf: invalid: 1 error\n');
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['check', '--nope'])).code).toBe(2);
    const version = await run(['--version']);
    expect(version.stdout).toBe(`vscpd ${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('takes $VSCPD_CONFIG and reads passwd input from a pipe', async () => {
    const dir = tempDir();
    cpSync(join(root, 'configs'), dir, { recursive: true });
    expect((await run(['check'], { env: { VSCPD_CONFIG: join(dir, 'vscpd.conf') } })).code).toBe(0);
    const pw = await run(['passwd'], { input: 'correct horse\n' });
    expect(pw.code).toBe(0);
    expect(pw.stdout).toMatch(/^[0-9A-F]{32};[0-9A-F]{64}\n$/);
  });
});
