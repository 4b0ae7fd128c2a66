/*
 * A real `vscpd run` process driven the way users and Ansible drive it: edit the files, run
 * `vscpd status|plan|reload`, send signals; exit codes and HTTP statuses tell the truth.
 */
import { describe, expect, it } from 'vitest';
import { baseConf, eventually, spawnDaemon } from '../support/daemon-harness.js';
import { PROBE } from '../support/host-harness.js';
import { writeFileSync } from 'node:fs';

interface Status {
  generation: number;
  lastReload: { outcome: string; trigger: string } | null;
  drift: { drifted: boolean };
  drivers: { name: string; state: string; restarts: number; starts: number; lastError: string | null }[];
}

const conf = (drivers: string, general: Record<string, string | number | boolean> = {}) => baseConf(drivers, { watch: false, ...general });
const probeSection = (name: string, keys: Record<string, string | number | boolean> = {}) =>
  [`[driver.${name}]`, `driver = ${PROBE}`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)].join('\n');

describe('vscpd run with the CLI', () => {
  it('reports reload outcomes with exit codes and HTTP statuses; status and plan work while the file is broken', async () => {
    const d = await spawnDaemon({ 'vscpd.conf': conf(probeSection('dc1', { mode: 'one' })) });
    expect((await d.cli('plan')).code).toBe(0);

    writeFileSync(d.configFile, conf(probeSection('dc1', { mode: 'two' })));
    const plan = await d.cli('plan');
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/restart\s+dc1\s+mode changed \(driver-restart\)/);
    const applied = await d.cli('reload');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('dc1: restart ok');

    writeFileSync(d.configFile, conf(probeSection('dc1', { mode: 'three', fail_start: true })));
    const partial = await d.cli('reload');
    expect(partial.code).toBe(4);
    expect(partial.stdout).toContain('dc1: restart rolled back');
    expect((await d.post('/reload')).status).toBe(409);

    writeFileSync(d.configFile, conf(probeSection('dc1', { mode: 'three' })) + '\n[driver.dc2\n');
    const rejected = await d.cli('reload');
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/vscpd\.conf:\d+: malformed section header/);
    expect((await d.post('/reload')).status).toBe(422);
    expect((await d.cli('plan')).code).toBe(2);
    const status = await d.cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/drift\s+yes/);
    expect(status.stdout).toMatch(/dc1\s+\S+\s+running/);

    const json = (await d.get('/status')).body as Status;
    expect(json.lastReload?.outcome).toBe('rejected');
    expect(json.drivers[0]).toMatchObject({ name: 'dc1', state: 'running' });

    const metrics = (await d.get('/metrics')).text;
    expect(metrics).toMatch(/^vscpd_reload_total\{outcome="rejected"\} 2$/m);
    expect(metrics).toMatch(/^vscpd_config_drift 1$/m);
    expect(metrics).toMatch(/^vscpd_driver_state\{driver="dc1",state="running"\} 1$/m);
    expect((await d.post('/reload').then(() => d.get('/metrics'))).text).toMatch(/^vscpd_config_generation \d+$/m);

    expect(await d.stop()).toBe(0);
    expect((await d.cli('status')).code).toBe(3);
  });

  it('restarts only the driver whose code throws later, and keeps the daemon running', async () => {
    const d = await spawnDaemon({
      'vscpd.conf': conf(`${probeSection('bad', { throw_after_ms: 100 })}\n\n${probeSection('good')}`, { restart_backoff_min_ms: 50, restart_backoff_max_ms: 200 }),
    });
    const st = await eventually(async () => {
      const s = (await d.get('/status')).body as Status;
      const bad = s.drivers.find((x) => x.name === 'bad')!;
      return bad.restarts >= 2 ? s : undefined;
    }, 30_000, 'two restarts of the failing driver').catch((e: Error) => {
      throw new Error(`${e.message}\n--- daemon output ---\n${d.output().slice(-4000)}`);
    });
    const bad = st.drivers.find((x) => x.name === 'bad')!;
    expect(bad.lastError).toContain('probe threw later');
    expect(st.drivers.find((x) => x.name === 'good')).toMatchObject({ state: 'running', starts: 1, restarts: 0 });
    expect(d.proc.exitCode).toBeNull();
  });

  it('reloads on SIGHUP and when the file is saved (watch = true)', async () => {
    const d = await spawnDaemon({ 'vscpd.conf': conf(probeSection('dw1', { mode: 'one' }), { watch: true }) });
    const gen = ((await d.get('/status')).body as Status).generation;
    writeFileSync(d.configFile, conf(probeSection('dw1', { mode: 'two' }), { watch: true }));
    await eventually(async () => ((await d.get('/status')).body as Status).generation === gen + 1, 10_000, 'the watcher reload');
    const s1 = (await d.get('/status')).body as Status;
    expect(s1.lastReload).toMatchObject({ outcome: 'applied', trigger: 'watcher' });
    d.proc.kill('SIGHUP');
    await eventually(async () => ((await d.get('/status')).body as Status).lastReload?.trigger === 'signal', 10_000, 'the SIGHUP reload');
    expect(((await d.get('/status')).body as Status).lastReload?.outcome).toBe('unchanged');
  });
});
