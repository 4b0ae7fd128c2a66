// TCP/IP link throughput between two daemons: `vscpd run` A links to `vscpd run` B (driver
// tcpiplink, both directions). A producer SENDs events into one daemon, a consumer in RCVLOOP
// on the other counts them; events/s is measured from the first SEND until the consumer has
// every event. At most WINDOW events are between producer and consumer at a time, so no queue
// overflows and every event must arrive (the run fails otherwise). Target: ≥ 20,000 events/s.
//   npm run build && node test/bench/tcpiplink.bench.mjs      (BENCH_SCALE=0.2 for a short run)
// Producer and consumer are raw sockets in this process; the daemons are two child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { hashPassword } = await import(pathToFileURL(join(root, 'dist', 'runtime', 'protocol', 'password.js')).href);
const { readRuntimeFile } = await import(pathToFileURL(join(root, 'dist', 'runtime', 'daemon', 'runtime-file.js')).href);

const scale = Number(process.env.BENCH_SCALE ?? 1);
const EVENTS = Math.max(1000, Math.round(200_000 * scale));
const WARMUP = Math.max(1000, Math.round(20_000 * scale));
const WINDOW = 4000;
const BATCH = 500;
const USER = 'bench';
const PASSWORD = 'bench-password-1';

const dir = mkdtempSync(join(tmpdir(), 'vscpd-link-bench-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function conf(name, extra = '') {
  return `[general]
name = ${name}
state_dir = ./state-${name}
guid = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:${name === 'a' ? '0A' : '0B'}:00:00:00:00
client_buffer_size = 8192
watch = false
log_level = warn

[tcpip]
listen = 127.0.0.1:0

[admin]
enable = false

[automation]
enable = false

[user.${USER}]
password = ${hash}
privilege = admin
${extra}`;
}

const hash = hashPassword(PASSWORD);

/** Starts `vscpd run` and resolves with its TCP/IP port once it runs (its runtime file says so). */
function daemon(name, text) {
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, text);
  const env = { ...process.env, VSCPD_RUNTIME_DIR: join(dir, `run-${name}`) };
  const child = spawn(process.execPath, [join(root, 'bin', 'vscpd.js'), 'run', '-c', file], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const fail = (why) => { clearInterval(poll); clearTimeout(t); reject(new Error(`daemon ${name} ${why}:\n${err}`)); };
    const t = setTimeout(() => fail('did not start within 30 s'), 30_000);
    child.on('exit', (code) => fail(`exited (${code})`));
    const poll = setInterval(async () => {
      const info = await readRuntimeFile(file, env).catch(() => null);
      if (info?.pid === child.pid && info.tcpip?.[0]?.port) {
        clearInterval(poll);
        clearTimeout(t);
        resolve({ child, port: info.tcpip[0].port, pid: child.pid });
      }
    }, 50);
  });
}

/** A logged-in raw connection; `onLine` gets every further line. */
function session(port, onLine) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => { s.setNoDelay(true); });
    s.once('error', reject);
    let text = '';
    let stage = 0; // 0 banner, 1 USER, 2 PASS, 3 ready
    s.on('data', (d) => {
      text += d.toString('latin1');
      let i;
      while ((i = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, i).replace(/\r$/, '');
        text = text.slice(i + 1);
        if (stage < 3) {
          if (line === '') continue;
          if (line.startsWith('-OK')) return reject(new Error(`login: ${line}`));
          if (!line.startsWith('+OK')) continue;
          stage++;
          if (stage === 1) s.write(`USER ${USER}\r\nPASS ${PASSWORD}\r\n`);
          if (stage === 3) resolve(s);
          continue;
        }
        onLine(line);
      }
    });
  });
}

/** Sends `count` events into `fromPort` and waits until the consumer on `toPort` has them all. */
async function run(fromPort, toPort, count, offset) {
  let consumed = 0;
  let acked = 0;
  let refused = 0;
  let resolveDone;
  const done = new Promise((r) => { resolveDone = r; });
  const consumer = await session(toPort, (line) => {
    if (line.startsWith('+') || line.startsWith('-') || line === '') return;
    if (line.startsWith('0,20,3,')) consumed++;
    if (consumed === count) resolveDone();
    pump();
  });
  await new Promise((resolve) => {
    consumer.write('RCVLOOP\r\n');
    // the reply is a +OK line, consumed by the handler above; give the server a moment to switch
    setTimeout(resolve, 100);
  });
  const producer = await session(fromPort, (line) => {
    if (line.startsWith('+OK - Success')) acked++;
    else if (line.startsWith('-OK')) refused++;
  });
  let sent = 0;
  function pump() {
    while (sent < count && sent - consumed < WINDOW) {
      const n = Math.min(BATCH, count - sent);
      let chunk = '';
      for (let i = 0; i < n; i++) {
        const tag = offset + sent + i;
        chunk += `SEND 0,20,3,,,,-,${(tag >> 16) & 255},${(tag >> 8) & 255},${tag & 255}\r\n`;
      }
      sent += n;
      producer.write(chunk);
    }
  }
  const t0 = process.hrtime.bigint();
  pump();
  const timer = setTimeout(() => resolveDone(new Error(`only ${consumed} of ${count} events arrived (sent ${sent}, acknowledged ${acked}, refused ${refused})`)), 120_000);
  const failure = await done;
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  producer.destroy();
  consumer.destroy();
  if (failure instanceof Error) throw failure;
  if (refused > 0) throw new Error(`${refused} SENDs were refused`);
  return Math.round(count / seconds);
}

function rssMb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

const b = await daemon('b', conf('b'));
const a = await daemon('a', conf('a', `
[driver.link1]
driver = tcpiplink
host_remote = 127.0.0.1
port_remote = ${b.port}
user_remote = ${USER}
password_remote = ${PASSWORD}
queue_size = 8192
`));
// the link logs in with PBKDF2 on both sessions; wait until events pass both ways
await run(a.port, b.port, WARMUP, 0);
await run(b.port, a.port, WARMUP, 0);
const aToB = await run(a.port, b.port, EVENTS, WARMUP);
const bToA = await run(b.port, a.port, EVENTS, WARMUP);

const result = {
  events: EVENTS,
  window: WINDOW,
  a_to_b_events_per_s: aToB,
  b_to_a_events_per_s: bToA,
  target_events_per_s: 20_000,
  meets_target: Math.min(aToB, bToA) >= 20_000,
  daemon_a_peak_rss_mb: rssMb(a.pid),
  daemon_b_peak_rss_mb: rssMb(b.pid),
};
await Promise.all([...children].map((c) => new Promise((resolve) => {
  if (c.exitCode !== null) return resolve();
  c.removeAllListeners('exit');
  c.once('exit', resolve);
  c.kill('SIGTERM');
})));
console.log(JSON.stringify(result));
