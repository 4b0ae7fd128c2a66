/*
 * Fault injection: after each broken edit or failing driver, what runs is exactly the previous
 * or the new definition per driver, never a mix, and the outcome says which.
 */
import { describe, expect, it } from 'vitest';
import { baseConf, startDaemon } from '../support/daemon-harness.js';
import { PROBE, probe } from '../support/host-harness.js';

function probes(specs: Record<string, Record<string, string | number | boolean>>, general: Record<string, string | number> = {}): string {
  const sections = Object.entries(specs).map(([name, keys]) =>
    [`[driver.${name}]`, `driver = ${PROBE}`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)].join('\n'));
  // explicit reloads only: the watcher has its own suite
  return baseConf(sections.join('\n\n'), { watch: false, ...general });
}

const settingsOf = (prefix: string) => probe(prefix)!.settings as { mode: string; label: string };

describe('reload fault injection (in-process daemon)', () => {
  it('rejects a syntax error, a schema error and a semantic error and keeps the previous generation', async () => {
    const base = { fa1: { mode: 'one', label: 'x' }, fa2: { mode: 'one' } };
    const d = await startDaemon({ 'vscpd.conf': probes(base) });
    const gen = d.daemon.generation;
    const broken = [
      { conf: probes({ ...base, fa1: { mode: 'two' } }) + '\n[driver.unclosed\n', where: /vscpd\.conf:\d+/ },
      { conf: probes({ ...base, fa1: { mode: 'two', emit_interval_ms: 'often' } }), where: /emit_interval_ms/ },
      { conf: probes({ ...base, fa1: { mode: 'two' } }) + `\n[driver.FA2]\ndriver = ${PROBE}\n`, where: /fa2/i },
    ];
    for (const b of broken) {
      d.write('vscpd.conf', b.conf);
      const outcome = await d.daemon.reload('cli');
      expect(outcome.outcome).toBe('rejected');
      expect(outcome.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line} ${p.message}`).join('\n')).toMatch(b.where);
      expect(outcome.generation).toBe(gen);
      expect(settingsOf('fa1')).toMatchObject({ mode: 'one', label: 'x' });
      expect(probe('fa1')!.starts).toBe(1);
      const status = (await d.daemon.status()) as { drift: { drifted: boolean }; lastReload: { outcome: string } };
      expect(status.drift.drifted).toBe(true);
      expect(status.lastReload.outcome).toBe('rejected');
    }
    // fixing the file applies the new definition and clears the drift
    d.write('vscpd.conf', probes({ ...base, fa1: { mode: 'two', label: 'x' } }));
    const fixed = await d.daemon.reload('cli');
    expect(fixed.outcome).toBe('applied');
    expect(fixed.generation).toBe(gen + 1);
    expect(settingsOf('fa1').mode).toBe('two');
    expect(((await d.daemon.status()) as { drift: { drifted: boolean } }).drift.drifted).toBe(false);
  });

  it('rolls back a driver whose new definition fails to start and applies the rest (per-driver)', async () => {
    const d = await startDaemon({ 'vscpd.conf': probes({ fb1: { mode: 'one' }, fb2: { mode: 'one' } }) });
    d.write('vscpd.conf', probes({ fb1: { mode: 'two' }, fb2: { mode: 'two', fail_start: true } }));
    const outcome = await d.daemon.reload('cli');
    expect(outcome.outcome).toBe('partial');
    expect(outcome.drivers).toMatchObject([
      { prefix: 'fb1', outcome: 'ok', state: 'running' },
      { prefix: 'fb2', outcome: 'rolled_back', state: 'running', error: expect.stringContaining('fail_start is set') },
    ]);
    expect(settingsOf('fb1').mode).toBe('two');
    expect(settingsOf('fb2').mode).toBe('one');
  });

  it('undoes the whole reload under reload = atomic', async () => {
    const atomic = { reload: 'atomic' };
    const d = await startDaemon({ 'vscpd.conf': probes({ fc1: { mode: 'one' }, fc2: { mode: 'one' }, fc3: {} }, atomic) });
    const gen = d.daemon.generation;
    d.write('vscpd.conf', probes({ fc1: { mode: 'two' }, fc2: { mode: 'two', fail_start: true }, fc4: {} }, atomic));
    const outcome = await d.daemon.reload('cli');
    expect(outcome.outcome).toBe('failed');
    expect(outcome.generation).toBe(gen);
    expect(settingsOf('fc1').mode).toBe('one');
    expect(settingsOf('fc2').mode).toBe('one');
    expect(d.daemon.host.get('fc3')?.state).toBe('running');
    expect(d.daemon.host.get('fc4')).toBeUndefined();
  });

  it('abandons a driver that hangs in stop() after the deadline and starts the new definition', async () => {
    const conf = (mode: string) => probes({ fd1: { mode, hang_stop: true }, fd2: { mode: 'steady' } }, { stop_timeout_ms: 200 });
    const d = await startDaemon({ 'vscpd.conf': conf('one') });
    d.write('vscpd.conf', conf('two'));
    const outcome = await d.daemon.reload('cli');
    expect(outcome.outcome).toBe('applied');
    expect(settingsOf('fd1').mode).toBe('two');
    const st = d.daemon.host.get('fd1')!.status();
    expect(st.stopTimeouts).toBe(1);
    expect(st.state).toBe('running');
    expect(probe('fd2')!.starts).toBe(1);
  });
});
