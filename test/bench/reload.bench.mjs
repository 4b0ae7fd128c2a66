#!/usr/bin/env node
// Reload benchmarks (compiled dist/): file save → change applied (hot reconfigure and
// restart), no-op reload and start of a 500-driver configuration, RSS with 500 drivers.
// Each scenario runs in its own process; prints one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PROBE = join(root, 'test', 'drivers', 'probe.mjs');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50_ms: r(percentile(s, 50)), p95_ms: r(percentile(s, 95)), max_ms: r(s[s.length - 1]) };
}

function conf(n, label = 'a', mode = 'a', watch = true) {
  const out = [
    '[general]', 'name = bench', 'state_dir = ./state', `watch = ${watch}`, 'guid = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00',
    '[tcpip]', 'enable = false', '[admin]', 'enable = false', '[automation]', 'enable = false',
  ];
  for (let i = 0; i < n; i++) {
    out.push(`[driver.b${i}]`, `driver = ${PROBE}`, `label = ${i === 0 ? label : 'a'}`, `mode = ${i === 0 ? mode : 'a'}`);
  }
  return out.join('\n') + '\n';
}

async function scenario(name) {
  const { Daemon } = await import(join(root, 'dist', 'runtime', 'daemon', 'daemon.js'));
  const dir = mkdtempSync(join(tmpdir(), 'vscpd-bench-'));
  const file = join(dir, 'vscpd.conf');
  const waiters = [];
  const logSink = {
    write(line) {
      if (line.includes('Configuration applied.')) while (waiters.length) waiters.shift()();
    },
  };
  const env = { ...process.env, VSCPD_RUNTIME_DIR: join(dir, 'run') };
  try {
    if (name === 'save-to-applied') {
      writeFileSync(file, conf(20));
      const daemon = await Daemon.start({ configFile: file, env, logSink });
      const hot = [], restart = [];
      for (let i = 0; i < 40; i++) {
        const kind = i % 2 === 0 ? 'hot' : 'restart';
        const applied = new Promise((r) => waiters.push(r));
        const t0 = performance.now();
        writeFileSync(file, kind === 'hot' ? conf(20, `l${i}`, `m${i - 1}`) : conf(20, `l${i - 1}`, `m${i}`));
        await applied;
        (kind === 'hot' ? hot : restart).push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      await daemon.stop();
      return { hot_reconfigure: stats(hot), restart: stats(restart) };
    }
    if (name === 'drivers-500') {
      writeFileSync(file, conf(500, 'a', 'a', false));
      const rssBefore = process.memoryUsage().rss;
      const t0 = performance.now();
      const daemon = await Daemon.start({ configFile: file, env, logSink });
      const startMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 500));
      global.gc?.();
      const rss = process.memoryUsage().rss;
      const noop = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        const o = await daemon.reload('cli');
        if (o.outcome !== 'unchanged') throw new Error(`expected unchanged, got ${o.outcome}`);
        noop.push(performance.now() - t);
      }
      await daemon.stop();
      return { start_500_drivers_ms: Math.round(startMs), noop_reload_500: stats(noop), rss_mb_500_drivers: Math.round(rss / 1048576), rss_mb_before: Math.round(rssBefore / 1048576) };
    }
    throw new Error(`unknown scenario ${name}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--scenario') {
  const result = await scenario(process.argv[3]);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

const results = {};
for (const name of ['save-to-applied', 'drivers-500']) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--scenario', name], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    results[name] = { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-5).join(' | ') };
    continue;
  }
  results[name] = JSON.parse(r.stdout.trim().split('\n').pop());
}
const s = results['save-to-applied'], m = results['drivers-500'];
const out = {
  benchmark: 'reload',
  results,
  targets: {
    save_to_applied_hot_p95_ms: { target: 250, value: s?.hot_reconfigure?.p95_ms ?? null },
    save_to_applied_restart_p95_ms: { target: 250, value: s?.restart?.p95_ms ?? null },
    noop_reload_500_drivers_ms: { target: 50, value: m?.noop_reload_500?.p95_ms ?? null },
    start_500_drivers_ms: { target: 3000, value: m?.start_500_drivers_ms ?? null },
  },
};
process.stdout.write(JSON.stringify(out) + '\n'); // one line: test/bench/run.mjs reads the last JSON line
