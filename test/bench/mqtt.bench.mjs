// MQTT driver throughput against aedes in this process (broker, driver and load generator share
// one Node process, so the figures are a lower bound for the driver alone):
//   publish_qos0 / publish_qos1: events/s from receive() until the broker has every message
//   (target ≥ 20,000/s at QoS 0; the original driver published about 7 messages/s);
//   subscribe_qos0: messages/s from a publishing client until the driver emitted every event.
// Plain ESM against the compiled code: `npm run build && node test/bench/mqtt.bench.mjs`.
// Prints one JSON object. VSCPD_BENCH_MESSAGES sets the count per run (default 200,000).
// per_cpu_second divides by the CPU time of this process, which stays meaningful on a busy
// machine; per_second is wall clock.
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist');
const { createMqttDriverDefinition, EchoGuard } = await import(pathToFileURL(join(dist, 'drivers', 'mqtt', 'index.js')).href);
const p = await import(pathToFileURL(join(dist, 'runtime', 'protocol', 'index.js')).href);

const MESSAGES = Number(process.env.VSCPD_BENCH_MESSAGES ?? 200_000);

function context(onEmit) {
  const timers = new Set();
  return {
    name: 'bench', prefix: 'bench', guid: p.parseGuid('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00'),
    log: { debug() {}, info() {}, warn(m) { process.stderr.write(`warn: ${m}\n`); }, error(m) { process.stderr.write(`error: ${m}\n`); } },
    signal: new AbortController().signal,
    scheduler: {
      setTimeout(fn, ms) { const t = setTimeout(() => { timers.delete(t); fn(); }, ms); timers.add(t); return () => { clearTimeout(t); timers.delete(t); }; },
      setInterval(fn, ms) { const t = setInterval(fn, ms); timers.add(t); return () => clearInterval(t); },
      cron() { throw new Error('unused'); },
    },
    variables: { get() {}, prefixed() {}, set() {} },
    stateDir: '/tmp',
    emit: (e) => { onEmit(e); return true; },
    setHealth(health, reason) { if (health === 'degraded') process.stderr.write(`degraded: ${reason}\n`); },
    fail(e) { throw e instanceof Error ? e : new Error(String(e)); },
    localCredentials() { throw new Error('unused'); },
  };
}

async function broker() {
  const aedes = await Aedes.createBroker();
  let received = 0;
  aedes.on('publish', (_packet, client) => { if (client) received++; });
  const server = createServer(aedes.handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    received: () => received,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => aedes.close(resolve));
    },
  };
}

/** CPU seconds this process used since `from` (the machine may be shared: wall time alone misleads). */
function cpuSeconds(from) {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

async function until(cond) {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

const guid = p.parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:01');
const dateTime = { year: 2026, month: 11, day: 24, hour: 12, minute: 0, second: 0 };
const event = (i) => p.createEvent({
  head: 0x60, vscpClass: 10, vscpType: 6, obid: 7, timestamp: (i + 1) >>> 0, dateTime, guid, data: [0x88, 0x83, 0x5a, 0x55],
});

async function publishRun(qos) {
  const b = await broker();
  const d = createMqttDriverDefinition({ echo: new EchoGuard() })
    .create(context(() => {}), { type: 'publish', qos, topic: 'vscp/{guid}/{class}/{type}', host: `127.0.0.1:${b.port}`, max_inflight: 1000 });
  await d.start();
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) {
    const wait = d.receive(event(i));
    if (wait) await wait;
  }
  await until(() => b.received() >= MESSAGES);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = cpuSeconds(cpu0);
  const rss = process.memoryUsage().rss - rss0;
  await d.stop();
  await b.close();
  return {
    per_second: Math.round(MESSAGES / seconds), per_cpu_second: Math.round(MESSAGES / cpu), seconds: +seconds.toFixed(3),
    rss_growth_mb: +(rss / 1048576).toFixed(1),
  };
}

async function subscribeRun() {
  const b = await broker();
  let emitted = 0;
  const d = createMqttDriverDefinition({ echo: new EchoGuard() })
    .create(context(() => { emitted++; }), { type: 'subscribe', topic: 'vscp/#', host: `127.0.0.1:${b.port}` });
  await d.start();
  const client = await connectAsync({ host: '127.0.0.1', port: b.port, reconnectPeriod: 0 });
  const payloads = Array.from({ length: MESSAGES }, (_, i) => p.formatEvent(event(i)));
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < payloads.length; i++) {
    client.publish('vscp/in', payloads[i]);
    // let the socket drain now and then, as a real publisher would
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await until(() => emitted >= MESSAGES);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = cpuSeconds(cpu0);
  await client.endAsync();
  await d.stop();
  await b.close();
  return { per_second: Math.round(MESSAGES / seconds), per_cpu_second: Math.round(MESSAGES / cpu), seconds: +seconds.toFixed(3) };
}

const result = {
  bench: 'mqtt',
  messages: MESSAGES,
  load_average_1m: +loadavg()[0].toFixed(2),
  publish_qos0: await publishRun(0),
  publish_qos1: await publishRun(1),
  subscribe_qos0: await subscribeRun(),
  target_publish_qos0_per_second: 20_000,
};
result.publish_qos0_meets_target = result.publish_qos0.per_second >= result.target_publish_qos0_per_second;
console.log(JSON.stringify(result));
