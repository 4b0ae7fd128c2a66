import { afterEach, describe, expect, it } from 'vitest';
import { createEvent } from '../protocol/index.js';
import { driverDesired } from '../../test/support/desired.js';
import { PROBE, hostHarness, probe, waitFor } from '../../test/support/host-harness.js';

const harnesses: Awaited<ReturnType<typeof hostHarness>>[] = [];
async function setup(o?: Parameters<typeof hostHarness>[0]) {
  const h = await hostHarness(o);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

const probeDriver = (name: string, settings: Record<string, unknown> = {}) =>
  driverDesired({ name, ref: PROBE, settings: { label: '', mode: 'a', ...settings }, reload: { label: 'hot', emit_interval_ms: 'hot' } });

describe('driver host', () => {
  it('starts a driver, delivers events to it and stops it', async () => {
    const h = await setup();
    const d = probeDriver('hp1');
    const def = await h.load(d);
    expect(await h.host.add(d, def)).toEqual({ ok: true });
    expect(h.host.get('HP1')?.state).toBe('running');
    h.observer.send(createEvent({ vscpClass: 20, vscpType: 3 }));
    await waitFor(() => (probe('hp1')?.received.length ?? 0) === 1, 2000, 'delivery');
    await h.host.remove('hp1');
    expect(probe('hp1')?.running).toBe(false);
    expect(h.changes.map((c) => c.to)).toEqual(['starting', 'running', 'stopping', 'stopped']);
  });

  it('puts a driver whose start fails into backoff and retries it', async () => {
    const h = await setup({ backoffMinMs: 10 });
    const d = probeDriver('hp2', { fail_start: true });
    const outcome = await h.host.add(d, await h.load(d));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('fail_start is set');
    const rt = h.host.get('hp2')!;
    await waitFor(() => rt.restarts >= 2, 3000, 'two restarts');
    expect(rt.status().lastError).toContain('fail_start is set');
    expect(['backoff', 'starting']).toContain(rt.state);
  });

  it('does not retry a configuration error', async () => {
    const h = await setup({ backoffMinMs: 10 });
    const d = probeDriver('hp3', { invalid: true });
    const outcome = await h.host.add(d, await h.load(d));
    expect(outcome).toMatchObject({ ok: false, configError: true });
    await new Promise((r) => setTimeout(r, 100));
    const rt = h.host.get('hp3')!;
    expect(rt.state).toBe('config_error');
    expect(rt.restarts).toBe(0);
  });

  it('abandons a stop() that hangs past the deadline and counts it', async () => {
    const h = await setup({ stopTimeoutMs: 100 });
    const d = probeDriver('hp4', { hang_stop: true });
    await h.host.add(d, await h.load(d));
    await h.host.get('hp4')!.stop('test');
    const st = h.host.get('hp4')!.status();
    expect(st.state).toBe('stopped');
    expect(st.stopTimeouts).toBe(1);
    expect(st.lastError).toContain('did not finish within 100 ms');
  });

  it('restarts a driver whose timer throws, without touching the others', async () => {
    const h = await setup({ backoffMinMs: 10 });
    const bad = probeDriver('hp5', { throw_in_timer_ms: 20 });
    const good = probeDriver('hp6');
    await h.host.add(bad, await h.load(bad));
    await h.host.add(good, await h.load(good));
    await waitFor(() => h.host.get('hp5')!.restarts >= 1, 3000, 'restart after the throw');
    expect(h.host.get('hp5')!.status().lastError).toContain('probe timer threw');
    expect(h.host.get('hp6')!.status()).toMatchObject({ state: 'running', starts: 1, restarts: 0 });
  });

  it('keeps events for a driver while it restarts and delivers them afterwards', async () => {
    const h = await setup();
    const d = probeDriver('hp7');
    await h.host.add(d, await h.load(d));
    const rt = h.host.get('hp7')!;
    await rt.stop('maintenance');
    for (let i = 0; i < 50; i++) h.observer.send(createEvent({ vscpClass: 20, vscpType: i }));
    expect(rt.status().queued).toBe(50);
    await rt.start(true);
    await waitFor(() => (probe('hp7')?.received.length ?? 0) === 50, 2000, '50 events');
    expect(probe('hp7')!.received.map((e) => e.vscpType)).toEqual([...Array(50).keys()]);
  });

  it('keeps a degraded health reported during start() instead of calling the driver running', async () => {
    const h = await setup();
    const d = probeDriver('hp9', { degraded_at_start: true });
    await h.host.add(d, await h.load(d));
    expect(h.host.get('hp9')!.status()).toMatchObject({ state: 'degraded', reason: 'degraded_at_start is set' });
  });

  it('throttles a driver that floods the bus and marks it degraded', async () => {
    const h = await setup();
    const d = probeDriver('hp8', { emit_interval_ms: 1, emit_burst: 5000 });
    await h.host.add(d, await h.load(d));
    const rt = h.host.get('hp8')!;
    await waitFor(() => rt.counters.emitDropped.rate_limited > 0, 5000, 'rate limiting');
    expect(rt.state).toBe('degraded');
    expect(rt.reason).toContain('events/s');
  });
});
