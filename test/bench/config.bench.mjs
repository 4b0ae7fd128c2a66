#!/usr/bin/env node
// Configuration loading (compiled dist/): readConfiguration and resolveDesiredState for 50, 200
// and 500 drivers (half `sim`, half `logger`, with `<prefix>_…` variables in a variable file).
//   first_ms                the first load in the process (module loading, schema compilation)
//   cold                    every section and the variable file changed since the previous load
//   warm                    the same files loaded again (a no-op reload)
//   one_changed             one driver section changed (the usual edit)
//   variable_write_resolve  resolveDesiredState alone after a run-time variable changed (VAR WRITE)
// read, resolve and total are p50/p95 in ms. Prints one JSON object.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { readConfiguration, resolveDesiredState } = await import(join(root, 'dist', 'runtime', 'config', 'index.js'));

const HASH = '23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50_ms: r(percentile(s, 50)), p95_ms: r(percentile(s, 95)) };
}

/** `gen` changes every section; `touched` (a driver index) changes that driver only. */
function files(n, gen, touched = -1) {
  const conf = [
    '[general]', `name = bench ${gen}`, 'state_dir = ./state', 'variables = variables.ini', 'watch = false',
    'guid = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00',
    '[tcpip]', 'listen = 127.0.0.1:9598',
    '[admin]', 'enable = false',
    '[user.admin]', `password = ${HASH}`, 'privilege = admin',
  ];
  const vars = ['[greeting]', `value = hello ${gen}`];
  for (let i = 0; i < n; i++) {
    const g = i === touched ? gen + 1000 : gen;
    if (i % 2 === 0) {
      conf.push(`[driver.sim${i}]`, 'driver = sim', 'numberofnodes = 2', `heartbeat_interval_ms = ${30000 + g}`,
        `zone0 = ${i % 250}`, 'subzone0 = 2', 'unit0 = 1', 'coding0 = 0', 'interval0 = 30',
        'measurementclass0 = 10', 'measurementtype0 = 6', 'decisionmatrix0 = 0,0x90,0xff,30,0xff,5,1,40',
        'zone1 = 1', 'coding1 = 2', 'interval1 = 60', 'guid1 = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:01:02');
      vars.push(`[sim${i}_subzone1]`, 'type = int', `value = ${(i + g) % 200}`);
    } else {
      conf.push(`[driver.log${i}]`, 'driver = logger', `path = logs/events-${i}.log`, 'format = text',
        'filter = 0,0,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00', `rotate_keep = ${1 + (g % 9)}`);
      vars.push(`[log${i}_rotate_size_bytes]`, 'type = long', `value = ${1048576 + g}`);
    }
  }
  return { conf: conf.join('\n') + '\n', vars: vars.join('\n') + '\n' };
}

async function load(file, runtimeVariables) {
  const t0 = performance.now();
  const read = await readConfiguration(file, { env: {} });
  const t1 = performance.now();
  const r = await resolveDesiredState(read.snapshot, runtimeVariables ? { runtimeVariables } : {});
  const t2 = performance.now();
  if (!r.state) throw new Error(`invalid: ${r.problems.map((p) => p.message).slice(0, 3).join('; ')}`);
  return { read: t1 - t0, resolve: t2 - t1, total: t2 - t0 };
}

async function scenario(dir, n, rounds) {
  const file = join(dir, 'vscpd.conf');
  const write = (f) => {
    writeFileSync(file, f.conf);
    writeFileSync(join(dir, 'variables.ini'), f.vars);
  };
  const series = () => ({ read: [], resolve: [], total: [] });
  const out = { cold: series(), warm: series(), one: series(), variable: [] };
  const add = (s, t) => { s.read.push(t.read); s.resolve.push(t.resolve); s.total.push(t.total); };
  let gen = 0;
  write(files(n, gen));
  const first = await load(file);
  for (let i = 0; i < rounds; i++) {
    gen++;
    write(files(n, gen));
    add(out.cold, await load(file));
    add(out.warm, await load(file));
    write(files(n, gen, i % n));
    add(out.one, await load(file));
    // A run-time variable write: resolve only, with a value that differs from the file.
    const read = await readConfiguration(file, { env: {} });
    const runtime = new Map([['SIM0_INTERVAL0', { type: 3, value: String(40 + i) }]]);
    const t0 = performance.now();
    const r = await resolveDesiredState(read.snapshot, { runtimeVariables: runtime });
    out.variable.push(performance.now() - t0);
    if (!r.state) throw new Error('invalid after a variable write');
  }
  const r1 = (x) => Math.round(x * 10) / 10;
  const pack = (s) => ({ read: stats(s.read), resolve: stats(s.resolve), total: stats(s.total) });
  return {
    first_ms: { read: r1(first.read), resolve: r1(first.resolve), total: r1(first.total) },
    cold: pack(out.cold), warm: pack(out.warm), one_changed: pack(out.one), variable_write_resolve: stats(out.variable),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vscpd-config-bench-'));
const results = {};
try {
  for (const [n, rounds] of [[50, 40], [200, 30], [500, 30]]) {
    global.gc?.();
    results[`drivers_${n}`] = await scenario(dir, n, rounds);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({
  benchmark: 'config',
  results,
  targets: { warm_load_500_p95_ms: { target: 50, value: results.drivers_500.warm.total.p95_ms } },
}) + '\n'); // one line: test/bench/run.mjs reads the last JSON line
