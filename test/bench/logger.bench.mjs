// Logger driver throughput: events/s from receive() until they are on disk (stop() flushed),
// per format, plus the memory the run needed. Target: ≥ 100,000 events/s in text format.
// Plain ESM against the compiled code: `npm run build && node test/bench/logger.bench.mjs`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist');
const { LoggerDriver } = await import(pathToFileURL(join(dist, 'drivers', 'logger', 'logger.js')).href);
const p = await import(pathToFileURL(join(dist, 'runtime', 'protocol', 'index.js')).href);

const EVENTS = Number(process.env.VSCPD_BENCH_EVENTS ?? 500_000);

/** The part of a driver context the logger uses, with real timers. */
function context() {
  const timers = new Set();
  return {
    name: 'bench', prefix: 'bench', guid: new Uint8Array(16),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
    scheduler: {
      setTimeout(fn, ms) { const t = setTimeout(fn, ms); timers.add(t); return () => clearTimeout(t); },
      setInterval(fn, ms) { const t = setInterval(fn, ms); timers.add(t); return () => clearInterval(t); },
      cron() { throw new Error('unused'); },
    },
    variables: { get() {}, prefixed() {}, set() {} },
    stateDir: tmpdir(),
    emit: () => false,
    setHealth(health, reason) { if (health === 'degraded') throw new Error(`logger degraded: ${reason}`); },
    fail(e) { throw e instanceof Error ? e : new Error(String(e)); },
    localCredentials() { throw new Error('unused'); },
  };
}

// A typical measurement event and a bigger one, as the bus delivers them (stamped).
const guid = p.parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:01');
const events = [
  p.createEvent({ head: 0x60, vscpClass: 10, vscpType: 6, obid: 7, timestamp: 123456789, guid, data: [0x88, 0x83, 0x5a, 0x55],
    dateTime: { year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5 } }),
  p.createEvent({ head: 0x60, vscpClass: 20, vscpType: 3, obid: 7, timestamp: 123456790, guid, data: [0, 1, 2],
    dateTime: { year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5 } }),
];

async function run(format) {
  const dir = mkdtempSync(join(tmpdir(), 'vscpd-logger-bench-'));
  const path = join(dir, `events.${format}`);
  try {
    const d = new LoggerDriver(context(), {
      path, format, rewrite: true, filter: '', mask: '', time: 'local', rotate_size_bytes: 0, rotate_keep: 5,
      buffer_max_bytes: 16 * 1024 * 1024, retry_interval_ms: 5000, rotation_check_ms: 1000,
    });
    await d.start();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let waits = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < EVENTS; i++) {
      const r = d.receive(events[i & 1]);
      if (r) {
        waits++;
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        await r;
      }
    }
    await d.stop();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const stats = d.stats();
    if (stats.written !== EVENTS) throw new Error(`${format}: wrote ${stats.written} of ${EVENTS} events`);
    const bytes = statSync(path).size;
    return {
      [`${format}_events_per_s`]: Math.round(EVENTS / seconds),
      [`${format}_mb_per_s`]: Math.round((bytes / seconds / 1e6) * 10) / 10,
      [`${format}_backpressure_waits`]: waits,
      [`${format}_rss_growth_mb`]: Math.round(((rssPeak - rssBefore) / 1e6) * 10) / 10,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {};
for (const format of ['text', 'xml', 'jsonl']) Object.assign(results, await run(format));
console.log(JSON.stringify({ benchmark: 'logger', node: process.version, events: EVENTS, ...results }));
