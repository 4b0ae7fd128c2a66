/*
 * The watcher through a running daemon: files and folders that appear after the start.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConf, eventually, startDaemon } from '../support/daemon-harness.js';
import { PROBE } from '../support/host-harness.js';

describe('watching the configuration through the daemon', () => {
  it('picks up an include folder created after the start', async () => {
    const d = await startDaemon({ 'vscpd.conf': baseConf('', { include: 'conf.d/*.conf' }) });
    const gen = d.daemon.generation;
    mkdirSync(join(d.dir, 'conf.d'));
    writeFileSync(join(d.dir, 'conf.d', 'probe.conf'), `[driver.late1]\ndriver = ${PROBE}\n`);
    await eventually(() => d.daemon.generation === gen + 1, 10_000, 'the reload of the new include');
    expect(d.daemon.host.get('late1')?.state).toBe('running');
  });

  it('waits for a variable file named before it exists, then reconfigures only its driver', async () => {
    const conf = (vars: string) => baseConf(`[driver.v1]\ndriver = ${PROBE}\n\n[driver.v2]\ndriver = ${PROBE}\n`, { variables: vars });
    const d = await startDaemon({ 'vscpd.conf': conf('variables.ini'), 'variables.ini': '' });
    writeFileSync(d.configFile, conf('vars/variables.ini'));
    await eventually(async () => ((await d.daemon.status()) as { lastReload: { outcome: string } }).lastReload.outcome === 'rejected', 10_000, 'the rejected edit');
    mkdirSync(join(d.dir, 'vars'));
    writeFileSync(join(d.dir, 'vars', 'variables.ini'), '[v1_label]\nvalue = from the file\n');
    await eventually(() => d.daemon.host.get('v1')?.desired.settings.label === 'from the file', 10_000, 'the variable to reach the driver');
    expect(d.daemon.host.get('v1')!.starts).toBe(1); // label is hot: reconfigured in place
    expect(d.daemon.host.get('v2')!.starts).toBe(1);
  });

  it('rides out a delete-then-recreate of vscpd.conf with one reload of the new content', async () => {
    const conf = (mode: string) => baseConf(`[driver.dr1]\ndriver = ${PROBE}\nmode = ${mode}\n`);
    const d = await startDaemon({ 'vscpd.conf': conf('one') });
    const gen = d.daemon.generation;
    rmSync(d.configFile);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(d.configFile, conf('two'));
    await eventually(() => d.daemon.host.get('dr1')?.desired.settings.mode === 'two', 10_000, 'the new definition');
    await new Promise((r) => setTimeout(r, 500));
    expect(d.daemon.generation).toBe(gen + 1);
    const status = (await d.daemon.status()) as { lastReload: { outcome: string } };
    expect(status.lastReload.outcome).toBe('applied');
  });
});
