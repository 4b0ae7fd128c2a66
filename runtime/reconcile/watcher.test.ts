import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../support/log.js';
import { tempDir } from '../../test/support/tmp.js';
import { ConfigWatcher } from './watcher.js';

const watchers: ConfigWatcher[] = [];
afterEach(async () => {
  while (watchers.length) await watchers.pop()!.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watched folder with vscpd.conf and conf.d/; records each reload with the content it saw. */
async function setup() {
  const dir = tempDir();
  const conf = join(dir, 'vscpd.conf');
  const confd = join(dir, 'conf.d');
  mkdirSync(confd);
  writeFileSync(conf, 'v = 0\n');
  const content = (): string | null => {
    if (!existsSync(conf)) return null;
    const parts = [readFileSync(conf, 'utf8')];
    for (const f of readdirSync(confd).filter((n) => n.endsWith('.conf')).sort()) parts.push(f, readFileSync(join(confd, f), 'utf8'));
    return parts.join('\0');
  };
  const fingerprint = async () => {
    const c = content();
    return c === null ? null : createHash('sha256').update(c).digest('hex');
  };
  const reloads: (string | null)[] = [];
  const watcher = new ConfigWatcher({
    inputs: () => ({ files: [conf], folders: [confd] }),
    fingerprint,
    onChange: async () => { reloads.push(content()); },
    log: silentLogger,
    debounceMs: 100,
    missingGraceMs: 1000,
  });
  watchers.push(watcher);
  await watcher.start(await fingerprint());
  return { dir, conf, confd, reloads, content };
}

/** Waits long enough for the debounce and any follow-up check to have happened. */
const settle = () => sleep(600);

describe('configuration file watcher', () => {
  it('reloads once for an in-place write', async () => {
    const w = await setup();
    writeFileSync(w.conf, 'v = 1\n');
    await settle();
    expect(w.reloads).toEqual(['v = 1\n']);
  });

  it('does not reload for a save that changes nothing (same content, touch)', async () => {
    const w = await setup();
    writeFileSync(w.conf, 'v = 0\n');
    const t = new Date(Date.now() + 5000);
    utimesSync(w.conf, t, t);
    await settle();
    expect(w.reloads).toEqual([]);
  });

  it("handles an editor's atomic save (write temp, rename over) with one reload", async () => {
    const w = await setup();
    const tmp = join(w.dir, '.vscpd.conf.swp');
    writeFileSync(tmp, 'v = 2\n');
    renameSync(tmp, w.conf);
    await settle();
    expect(w.reloads).toEqual(['v = 2\n']);
  });

  it('handles sed -i', async () => {
    const w = await setup();
    execFileSync('sed', ['-i', 's/v = 0/v = 3/', w.conf]);
    await settle();
    expect(w.reloads).toEqual(['v = 3\n']);
  });

  it("handles Ansible's temp file in the same folder, renamed over the target", async () => {
    const w = await setup();
    const tmp = join(w.dir, '.ansible_tmpXYZ');
    writeFileSync(tmp, 'v = 4\n');
    renameSync(tmp, w.conf);
    rmSync(join(w.dir, '.ansible_tmpXYZ'), { force: true });
    await settle();
    expect(w.reloads).toEqual(['v = 4\n']);
  });

  it('waits through delete-then-recreate and reloads once with the new content', async () => {
    const w = await setup();
    rmSync(w.conf);
    await sleep(300);
    writeFileSync(w.conf, 'v = 5\n');
    await sleep(1500);
    expect(w.reloads).toEqual(['v = 5\n']);
  });

  it('reports a file that stays deleted after the grace period once', async () => {
    const w = await setup();
    rmSync(w.conf);
    await sleep(2000);
    expect(w.reloads).toEqual([null]);
  });

  it('sees a new include file and a git checkout that changes several files', async () => {
    const w = await setup();
    execFileSync('git', ['init', '-q'], { cwd: w.dir });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A'], { cwd: w.dir });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'one'], { cwd: w.dir });
    writeFileSync(join(w.confd, 'a.conf'), 'a = 1\n');
    await settle();
    expect(w.reloads).toHaveLength(1);
    writeFileSync(w.conf, 'v = 6\n');
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A'], { cwd: w.dir });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'two'], { cwd: w.dir });
    await settle();
    expect(w.reloads).toHaveLength(2);
    execFileSync('git', ['checkout', '-q', 'HEAD~1', '--', '.'], { cwd: w.dir });
    rmSync(join(w.confd, 'a.conf'), { force: true });
    await settle();
    expect(w.reloads).toHaveLength(3);
    expect(w.reloads[2]).toBe('v = 0\n');
  });

  it('ends a burst of 100 edits in one second in at most two reloads, the last with the final content', async () => {
    const w = await setup();
    for (let i = 1; i <= 100; i++) {
      writeFileSync(w.conf, `v = ${i}\n`);
      await sleep(10);
    }
    await settle();
    expect(w.reloads.length).toBeGreaterThanOrEqual(1);
    expect(w.reloads.length).toBeLessThanOrEqual(2);
    expect(w.reloads.at(-1)).toBe('v = 100\n');
  });
});
