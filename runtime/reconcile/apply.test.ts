import { afterEach, describe, expect, it } from 'vitest';
import { createEvent } from '../protocol/index.js';
import { driverDesired, desiredState } from '../../test/support/desired.js';
import { PROBE, hostHarness, probe, waitFor } from '../../test/support/host-harness.js';
import { applyDrivers } from './apply.js';
import { computePlan, type RunningDriver } from './plan.js';

const harnesses: Awaited<ReturnType<typeof hostHarness>>[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

const noVariables = { added: [], removed: [], changed: [], conflicts: [] };
const probeDriver = (name: string, settings: Record<string, unknown> = {}) =>
  driverDesired({ name, ref: PROBE, settings: { label: '', mode: 'a', ...settings }, reload: { label: 'hot', emit_interval_ms: 'hot' } });

async function setup() {
  const h = await hostHarness();
  harnesses.push(h);
  const running = () => new Map<string, RunningDriver>(h.host.list().map((r) => [r.key, { desired: r.desired, canReconfigure: r.canReconfigure }]));
  let applied: ReturnType<typeof desiredState> | null = null;
  const apply = async (drivers: ReturnType<typeof probeDriver>[], policy: 'per-driver' | 'atomic' = 'per-driver') => {
    const desired = desiredState(drivers);
    const plan = computePlan(running(), applied, desired, noVariables);
    const results = await applyDrivers({ host: h.host, plan: plan.drivers, desired, policy, loadDefinition: h.load });
    applied = desired;
    return { plan, results };
  };
  return { ...h, apply };
}

describe('applying a plan', () => {
  it('reconfigures a hot change in place without a restart', async () => {
    const h = await setup();
    await h.apply([probeDriver('ap1')]);
    const { results } = await h.apply([probeDriver('ap1', { label: 'new' })]);
    expect(results).toMatchObject([{ prefix: 'ap1', action: 'reconfigure', outcome: 'ok', state: 'running' }]);
    expect(probe('ap1')).toMatchObject({ starts: 1, settings: { label: 'new' } });
  });

  it('rolls a driver back to its previous definition when the new one fails to start (per-driver)', async () => {
    const h = await setup();
    await h.apply([probeDriver('ap2', { mode: 'old' }), probeDriver('ap3')]);
    const { results } = await h.apply([probeDriver('ap2', { mode: 'new', fail_start: true }), probeDriver('ap3', { mode: 'b' })]);
    expect(results).toMatchObject([
      { prefix: 'ap2', action: 'restart', outcome: 'rolled_back', state: 'running' },
      { prefix: 'ap3', action: 'restart', outcome: 'ok', state: 'running' },
    ]);
    expect(results[0]!.error).toContain('fail_start is set');
    expect(probe('ap2')!.settings).toMatchObject({ mode: 'old' });
    expect(probe('ap3')!.settings).toMatchObject({ mode: 'b' });
  });

  it('undoes every change when one fails under reload = atomic', async () => {
    const h = await setup();
    await h.apply([probeDriver('ap4', { mode: 'old' }), probeDriver('ap5', { mode: 'old' }), probeDriver('ap6')]);
    const { results } = await h.apply([probeDriver('ap4', { mode: 'new' }), probeDriver('ap5', { mode: 'new', fail_start: true }), probeDriver('ap7')], 'atomic');
    expect(results.every((r) => r.outcome !== 'ok')).toBe(true);
    expect(probe('ap4')!.settings).toMatchObject({ mode: 'old' });
    expect(probe('ap5')!.settings).toMatchObject({ mode: 'old' });
    expect(h.host.get('ap6')?.state).toBe('running');
    expect(h.host.get('ap7')).toBeUndefined();
  });

  it('stops removed drivers and keeps disabled ones stopped with the reason', async () => {
    const h = await setup();
    await h.apply([probeDriver('ap8'), probeDriver('ap9')]);
    const off = driverDesired({ name: 'ap9', ref: PROBE, enable: false, settings: { label: '', mode: 'a' }, reload: { label: 'hot' } });
    const { results } = await h.apply([off]);
    expect(results.map((r) => [r.prefix, r.action, r.state])).toEqual([['ap8', 'stop', 'removed'], ['ap9', 'stop', 'stopped']]);
    expect(h.host.get('ap9')!.reason).toContain('disabled');
  });

  it('with 200 drivers, editing one restarts only that one and loses no event for the others', async () => {
    const h = await setup();
    const names = Array.from({ length: 200 }, (_, i) => `many${i}`);
    await h.apply(names.map((n) => probeDriver(n)));
    let sent = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++, sent++) h.observer.send(createEvent({ vscpClass: 20, vscpType: 3, data: [sent & 0xff] }));
    }, 1);
    await new Promise((r) => setTimeout(r, 50));
    const { results } = await h.apply(names.map((n) => probeDriver(n, n === 'many7' ? { mode: 'changed' } : {})));
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(pump);
    expect(results).toMatchObject([{ prefix: 'many7', action: 'restart', outcome: 'ok' }]);
    const others = names.filter((n) => n !== 'many7');
    expect(others.filter((n) => probe(n)!.starts !== 1)).toEqual([]);
    await waitFor(() => others.every((n) => h.host.get(n)!.status().queued === 0), 5000, 'queues drained');
    const lost = others.filter((n) => h.host.get(n)!.counters.received !== sent);
    expect(lost).toEqual([]);
    // the restarted one kept its queue across the restart too
    await waitFor(() => h.host.get('many7')!.counters.received === sent, 5000, 'restarted driver caught up');
  });
});
