// TCP/IP interface benchmark: the daemon side (Bus + TcpipServer from dist/) in one process,
// load generators in others (test/bench/lib). 3-byte events `SEND 0,20,3,,,,-,0,1,35`.
//   npm run build && node --expose-gc test/bench/tcpip.bench.mjs
// BENCH_SCALE=0.2 makes every run shorter. Prints one JSON object.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, 'lib', 'tcpip-server.mjs');
const FLOOR = join(here, 'lib', 'tcpip-floor.mjs');
const LOAD = join(here, 'lib', 'tcpip-load.mjs');
const scale = Number(process.env.BENCH_SCALE ?? 1);
const n = (x) => Math.max(100, Math.round(x * scale));

function next(child, match, timeoutMs = 120_000, what = 'a message') {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { cleanup(); reject(new Error(`no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
    const onMessage = (m) => {
      if (m.error) { cleanup(); reject(new Error(m.error)); return; }
      if (match(m)) { cleanup(); resolve(m); }
    };
    const onExit = (code) => { cleanup(); reject(new Error(`process exited (${code}) while waiting for ${what}`)); };
    const cleanup = () => { clearTimeout(t); child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

const children = new Set();
function spawn(script, execArgv = []) {
  const child = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ cmd: 'exit' });
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

async function withServer(fn, script = SERVER) {
  const server = spawn(script, ['--expose-gc']);
  const info = await next(server, (m) => m.ready, 30_000, 'the server');
  try {
    return await fn(server, info);
  } finally {
    for (const c of [...children]) if (c !== server) await stop(c);
    await stop(server);
  }
}

async function serverStats(server) {
  server.send({ cmd: 'stats' });
  return (await next(server, (m) => m.stats, 10_000, 'server stats')).stats;
}

const round = (x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Senders (lock-step or pipelined) → receivers in RCVLOOP. Delivered events per second are
 * counted from "go" until every receiver has all events (or nothing more arrives).
 */
async function flow({ senderMode, senders = 1, perSender, receivers = 1, window = 1000, script = SERVER }) {
  return withServer(async (server, info) => {
    const auth = { port: info.port, user: info.user, password: info.password };
    const total = senders * perSender;
    const rx = spawn(LOAD);
    rx.send({ mode: 'receive', ...auth, connections: receivers, expect: total });
    await next(rx, (m) => m.ready, 60_000, 'receivers');
    const tx = spawn(LOAD);
    tx.send(senderMode === 'lockstep'
      ? { mode: 'lockstep', ...auth, connections: senders, perConnection: perSender }
      : { mode: 'pipeline', ...auth, total, window });
    await next(tx, (m) => m.ready, 60_000, 'senders');
    const received = next(rx, (m) => m.done, 600_000, 'all events');
    const started = process.hrtime.bigint();
    tx.send({ cmd: 'go' });
    const sent = await next(tx, (m) => m.done, 600_000, 'the senders');
    // after the senders are done, wait until the receivers have everything or go quiet
    let counts;
    let lastTotal = -1;
    for (;;) {
      const done = await Promise.race([received, new Promise((r) => setTimeout(() => r(null), 2000))]);
      if (done) { counts = done.counts; break; }
      rx.send({ cmd: 'report' });
      const r = await next(rx, (m) => m.counts, 10_000, 'counts');
      const sum = r.counts.reduce((a, b) => a + b, 0);
      if (sum === lastTotal) { counts = r.counts; break; }
      lastTotal = sum;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const delivered = counts.reduce((a, b) => a + b, 0);
    const stats = await serverStats(server);
    return {
      events: total, accepted: sent.ok, rejected: sent.rejected, receivers, delivered,
      lost: sent.ok * receivers - delivered, dropped_queue_full: stats.totals.dropped.queue_full,
      seconds: round(seconds, 2), sender_seconds: round(sent.seconds, 2),
      events_per_s: Math.round(delivered / receivers / seconds),
      deliveries_per_s: Math.round(delivered / seconds),
    };
  }, script);
}

async function latency(samples, rate, script = SERVER, warmup = 5000) {
  return withServer(async (_server, info) => {
    const lg = spawn(LOAD);
    lg.send({ mode: 'latency', port: info.port, user: info.user, password: info.password, samples, rate, warmup });
    const { latenciesMs } = await next(lg, (m) => m.done, samples * (1000 / rate) + 60_000, 'latency samples');
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    return {
      samples: sorted.length, rate_per_s: rate, warmup_events: warmup, p50_ms: round(pct(50), 3), p90_ms: round(pct(90), 3), p99_ms: round(pct(99), 3),
      max_ms: round(sorted[sorted.length - 1], 3), lost: samples - sorted.length,
    };
  }, script);
}

async function memory(clients) {
  return withServer(async (server, info) => {
    const idle = await serverStats(server);
    const lg = spawn(LOAD);
    lg.send({ mode: 'idle', port: info.port, user: info.user, password: info.password, connections: clients });
    await next(lg, (m) => m.ready, 120_000, 'idle clients');
    const loaded = await serverStats(server);
    if (loaded.sessions !== clients) throw new Error(`expected ${clients} sessions, the server has ${loaded.sessions}`);
    return {
      idle_rss_mb: round(idle.rss / 1e6, 1), idle_heap_mb: round(idle.heapUsed / 1e6, 1), clients,
      rss_mb: round(loaded.rss / 1e6, 1), heap_mb: round(loaded.heapUsed / 1e6, 1),
      per_client_kb: round((loaded.rss - idle.rss) / clients / 1e3, 1),
      per_client_heap_kb: round((loaded.heapUsed - idle.heapUsed) / clients / 1e3, 1),
    };
  });
}

function verdict(result, value, target, higherIsBetter = true) {
  return { ...result, target, met: higherIsBetter ? value >= target : value <= target };
}

const results = {};
const r1 = await flow({ senderMode: 'lockstep', senders: 1, perSender: n(60_000) });
results.lockstep_1_sender_1_receiver = verdict(r1, r1.events_per_s, 20_000);
const r4 = await flow({ senderMode: 'lockstep', senders: 4, perSender: n(40_000) });
results.lockstep_4_senders_1_receiver = {
  ...verdict(r4, r4.events_per_s, 40_000),
  met: r4.events_per_s >= 40_000 && r4.rejected === 0 && r4.lost === 0,
};
const rp = await flow({ senderMode: 'pipeline', perSender: n(600_000), window: 2000 });
results.pipelined_1_sender_1_receiver = verdict(rp, rp.events_per_s, 150_000);
const rf = await flow({ senderMode: 'pipeline', perSender: n(20_000), receivers: 50, window: 1000 });
results.fanout_1_sender_50_receivers = verdict(rf, rf.deliveries_per_s, 200_000);
const lat = await latency(Math.max(50, Math.round(150 * Math.min(1, scale * 2))), 10);
results.latency_10_per_s = { ...lat, target_p50_ms: 0.3, target_p99_ms: 2, met: lat.p50_ms <= 0.3 && lat.p99_ms <= 2 && lat.lost === 0 };
results.memory = await memory(1000);

// The same lock-step and latency runs against a minimal forwarder (lib/tcpip-floor.mjs): what
// this machine allows with three Node processes and loopback TCP, whatever the server does.
const f1 = await flow({ senderMode: 'lockstep', senders: 1, perSender: n(60_000), script: FLOOR });
const f4 = await flow({ senderMode: 'lockstep', senders: 4, perSender: n(40_000), script: FLOOR });
const fl = await latency(Math.max(50, Math.round(150 * Math.min(1, scale * 2))), 10, FLOOR);
results.floor = {
  lockstep_1_sender_1_receiver_events_per_s: f1.events_per_s,
  lockstep_4_senders_1_receiver_events_per_s: f4.events_per_s,
  latency_p50_ms: fl.p50_ms, latency_p99_ms: fl.p99_ms,
};

console.log(JSON.stringify({ benchmark: 'tcpip', node: process.version, scale, results }));
