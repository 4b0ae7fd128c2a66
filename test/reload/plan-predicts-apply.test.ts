/*
 * The plan predicts the apply, set for set: for random edit sequences, what `vscpd plan` says
 * before a reload is exactly what the reload then does.
 */
import { describe, expect, it } from 'vitest';
import { baseConf, startDaemon } from '../support/daemon-harness.js';
import { PROBE } from '../support/host-harness.js';

/** Small deterministic generator (mulberry32), so a failure can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Spec { mode: string; label: string; enable: boolean; fail: boolean }

function render(drivers: Map<string, Spec>): string {
  const sections = [...drivers].map(([name, s]) => [
    `[driver.${name}]`, `driver = ${PROBE}`, `mode = ${s.mode}`, `label = ${s.label}`,
    `enable = ${s.enable}`, `fail_start = ${s.fail}`,
  ].join('\n'));
  return baseConf(sections.join('\n\n'), { watch: false, restart_backoff_min_ms: 60000, restart_backoff_max_ms: 60000 });
}

describe('plan predicts apply', () => {
  for (const seed of [1, 2, 3]) {
    it(`random edit sequence, seed ${seed}`, async () => {
      const random = rng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
      const drivers = new Map<string, Spec>();
      for (let i = 0; i < 6; i++) drivers.set(`pp${seed}x${i}`, { mode: 'm0', label: 'l0', enable: true, fail: false });
      const d = await startDaemon({ 'vscpd.conf': render(drivers) });
      let next = 6;
      for (let step = 0; step < 12; step++) {
        const edits = 1 + Math.floor(random() * 3);
        for (let e = 0; e < edits; e++) {
          const names = [...drivers.keys()];
          const kind = pick(['hot', 'restart', 'toggle', 'add', 'remove', 'fail', 'heal']);
          const name = pick(names);
          const s = drivers.get(name)!;
          if (kind === 'hot') s.label = `l${step}${e}`;
          else if (kind === 'restart') s.mode = `m${step}${e}`;
          else if (kind === 'toggle') s.enable = !s.enable;
          else if (kind === 'add') drivers.set(`pp${seed}x${next++}`, { mode: 'm0', label: 'l0', enable: true, fail: random() < 0.2 });
          else if (kind === 'remove' && drivers.size > 2) drivers.delete(name);
          else if (kind === 'fail') { s.fail = true; s.mode = `f${step}${e}`; }
          else if (kind === 'heal') s.fail = false;
        }
        d.write('vscpd.conf', render(drivers));
        const { plan } = await d.daemon.reconciler.plan();
        const outcome = await d.daemon.reload('cli');
        expect(plan).not.toBeNull();
        const predicted = plan!.drivers.map((x) => `${x.prefix}:${x.action}`).sort();
        const done = outcome.drivers.map((x) => `${x.prefix}:${x.action}`).sort();
        expect(done, `seed ${seed} step ${step}`).toEqual(predicted);
        expect(outcome.plan?.drivers).toEqual(plan!.drivers);
      }
    });
  }
});
