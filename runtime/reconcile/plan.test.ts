import { describe, expect, it } from 'vitest';
import { driverDesired, desiredState } from '../../test/support/desired.js';
import { computePlan, planDriver, type RunningDriver } from './plan.js';

const noVariables = { added: [], removed: [], changed: [], conflicts: [] };
const run = (d: ReturnType<typeof driverDesired>, canReconfigure = true): RunningDriver => ({ desired: d, canReconfigure });

describe('planDriver', () => {
  const base = driverDesired({ name: 'p1', settings: { label: 'x', mode: 'a' }, reload: { label: 'hot', mode: 'driver-restart' } });

  it('leaves an unchanged driver alone', () => {
    expect(planDriver(run(base), driverDesired({ name: 'p1', settings: { label: 'x', mode: 'a' }, reload: { label: 'hot', mode: 'driver-restart' } }))).toBeNull();
  });

  it('reconfigures in place when every changed key is hot and the driver can', () => {
    const next = driverDesired({ name: 'p1', settings: { label: 'y', mode: 'a' }, reload: { label: 'hot', mode: 'driver-restart' } });
    expect(planDriver(run(base), next)).toMatchObject({ action: 'reconfigure', changed: ['label'] });
  });

  it('restarts when a hot change meets a driver without reconfigure', () => {
    const next = driverDesired({ name: 'p1', settings: { label: 'y', mode: 'a' }, reload: { label: 'hot', mode: 'driver-restart' } });
    expect(planDriver(run(base, false), next)).toMatchObject({ action: 'restart', changed: ['label'] });
  });

  it('restarts for a driver-restart key and names it', () => {
    const next = driverDesired({ name: 'p1', settings: { label: 'y', mode: 'b' }, reload: { label: 'hot', mode: 'driver-restart' } });
    const item = planDriver(run(base), next)!;
    expect(item.action).toBe('restart');
    expect(item.changed).toEqual(['label', 'mode']);
    expect(item.reason).toContain('mode changed (driver-restart)');
  });

  it('restarts when the driver, GUID or queue size changes', () => {
    expect(planDriver(run(base), driverDesired({ name: 'p1', ref: '/other.mjs', settings: { label: 'x', mode: 'a' } }))).toMatchObject({ action: 'restart', changed: expect.arrayContaining(['driver']) });
    expect(planDriver(run(base), driverDesired({ name: 'p1', guid: 'FF:FF:FF:FF:FF:FF:FF:FC:00:00:00:00:00:00:00:01', settings: { label: 'x', mode: 'a' } }))?.changed).toContain('guid');
    expect(planDriver(run(base), driverDesired({ name: 'p1', queueSize: 10, settings: { label: 'x', mode: 'a' } }))?.changed).toContain('queue_size');
  });

  it('starts new and enabled drivers, stops removed and disabled ones', () => {
    expect(planDriver(undefined, base)).toMatchObject({ action: 'start' });
    expect(planDriver(run(base), undefined)).toMatchObject({ action: 'stop' });
    const off = driverDesired({ name: 'p1', enable: false, settings: { label: 'x', mode: 'a' } });
    expect(planDriver(run(base), off)).toMatchObject({ action: 'stop', changed: ['enable'] });
    expect(planDriver(run(off), base)).toMatchObject({ action: 'start', changed: ['enable'] });
    expect(planDriver(undefined, off)).toBeNull();
  });
});

describe('computePlan', () => {
  it('counts changes and lists unchanged drivers', () => {
    const a = driverDesired({ name: 'a', settings: { mode: 'a' } });
    const b = driverDesired({ name: 'b', settings: { mode: 'a' } });
    const c = driverDesired({ name: 'c', settings: { mode: 'a' } });
    const running = new Map([['a', run(a)], ['b', run(b)]]);
    const next = desiredState([a, driverDesired({ name: 'b', settings: { mode: 'z' } }), c]);
    const plan = computePlan(running, desiredState([a, b]), next, noVariables);
    expect(plan.drivers.map((d) => [d.prefix, d.action])).toEqual([['b', 'restart'], ['c', 'start']]);
    expect(plan.unchanged).toEqual(['a']);
    expect(plan.changes).toBe(2);
  });

  it('reports daemon-restart keys as restart required and hot global keys as live', () => {
    const before = desiredState([], { globalEffective: {
      'general.state_dir': { value: '/a', origin: { kind: 'default' }, secret: false, reload: 'daemon-restart' },
      'general.log_level': { value: 'info', origin: { kind: 'default' }, secret: false, reload: 'hot' },
    } });
    const after = desiredState([], { globalEffective: {
      'general.state_dir': { value: '/b', origin: { kind: 'default' }, secret: false, reload: 'daemon-restart' },
      'general.log_level': { value: 'debug', origin: { kind: 'default' }, secret: false, reload: 'hot' },
    } });
    const plan = computePlan(new Map(), before, after, noVariables);
    expect(plan.restartRequired).toEqual(['general.state_dir']);
    expect(plan.globals).toEqual([{ section: 'general', hot: ['general.log_level'], restartRequired: ['general.state_dir'] }]);
  });

  it('restarts exec drivers when the TCP/IP endpoint they were given changes', () => {
    const ex = driverDesired({ name: 'ext', kind: 'exec', ref: '/bin/true' });
    const g = (listen: string) => ({ 'tcpip.listen': { value: listen, origin: { kind: 'default' as const }, secret: false, reload: 'hot' as const } });
    const plan = computePlan(new Map([['ext', run(ex)]]), desiredState([ex], { globalEffective: g('127.0.0.1:9598') }), desiredState([ex], { globalEffective: g('127.0.0.1:9000') }), noVariables);
    expect(plan.drivers).toMatchObject([{ prefix: 'ext', action: 'restart' }]);
  });
});
