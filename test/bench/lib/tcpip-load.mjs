// Load generator for the TCP/IP benchmark, run as a separate process and driven over IPC.
// Raw sockets and byte counting, so the generator costs as little CPU as possible.
//   { mode: 'receive', port, user, password, connections, expect }  → { ready } … { done, counts }
//   { mode: 'lockstep', port, user, password, connections, perConnection } → { ready }; { cmd: 'go' } → { done, … }
//   { mode: 'pipeline', port, user, password, total, window } → { ready }; { cmd: 'go' } → { done, … }
//   { mode: 'latency', port, user, password, samples, rate, warmup } → { done, latenciesMs }
//   { mode: 'idle', port, user, password, connections } → { ready }
//   { cmd: 'report' } → { counts } (receivers), { cmd: 'exit' }
import { connect } from 'node:net';

const LF = 10;
const PLUS = 43;
const MINUS = 45;
const SEND_LINE = Buffer.from('SEND 0,20,3,,,,-,0,1,35\r\n');

function open(port) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => { s.off('error', reject); s.setNoDelay(true); resolve(s); });
    s.once('error', reject);
  });
}

/** Reads until `n` lines (after `skip`) have arrived; resolves with them. */
function lines(socket, n) {
  return new Promise((resolve, reject) => {
    let text = '';
    const got = [];
    const onData = (d) => {
      text += d.toString('latin1');
      let i;
      while ((i = text.indexOf('\n')) >= 0 && got.length < n) {
        got.push(text.slice(0, i).replace(/\r$/, ''));
        text = text.slice(i + 1);
      }
      if (got.length >= n) {
        socket.off('data', onData);
        socket.off('close', onClose);
        if (text.length) socket.unshift(Buffer.from(text, 'latin1'));
        resolve(got);
      }
    };
    const onClose = () => reject(new Error(`connection closed after ${got.join(' | ')}`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

async function session(port, user, password) {
  const s = await open(port);
  s.on('error', () => undefined);
  const banner = await lines(s, 4);
  if (banner[3] !== '+OK - Success.') throw new Error(`banner: ${banner.join(' | ')}`);
  s.write(`USER ${user}\r\nPASS ${password}\r\n`);
  const replies = await lines(s, 2);
  if (replies[1] !== '+OK - Success.') throw new Error(`login: ${replies.join(' | ')}`);
  return s;
}

async function sessions(n, port, user, password) {
  const out = [];
  for (let i = 0; i < n; i += 100) {
    out.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => session(port, user, password))));
  }
  return out;
}

/** Counts event lines (lines not starting with + or -) on a socket in RCVLOOP. */
function countEvents(socket, onEvents) {
  let lineStart = true;
  let isEvent = false;
  socket.on('data', (buf) => {
    let i = 0;
    let n = 0;
    while (i < buf.length) {
      if (lineStart) {
        isEvent = buf[i] !== PLUS && buf[i] !== MINUS;
        lineStart = false;
      }
      const nl = buf.indexOf(LF, i);
      if (nl < 0) break;
      if (isEvent) n++;
      i = nl + 1;
      lineStart = true;
    }
    if (n) onEvents(n);
  });
}

async function enterLoop(s) {
  s.write('RCVLOOP\r\n');
  const [reply] = await lines(s, 1);
  if (!reply.startsWith('+OK - Receive loop')) throw new Error(`RCVLOOP: ${reply}`);
}

const state = { counts: [], sockets: [] };

async function receive(m) {
  const socks = await sessions(m.connections, m.port, m.user, m.password);
  state.sockets.push(...socks);
  state.counts = new Array(socks.length).fill(0);
  let complete = 0;
  await Promise.all(socks.map(enterLoop));
  socks.forEach((s, k) => countEvents(s, (n) => {
    const before = state.counts[k];
    state.counts[k] += n;
    if (before < m.expect && state.counts[k] >= m.expect && ++complete === socks.length) process.send({ done: true, counts: state.counts });
  }));
  process.send({ ready: true });
}

/** Lock-step SEND on each connection: the next SEND only after the reply to the previous. */
async function lockstep(m) {
  const socks = await sessions(m.connections, m.port, m.user, m.password);
  state.sockets.push(...socks);
  process.send({ ready: true });
  await new Promise((resolve) => { state.go = resolve; });
  const started = process.hrtime.bigint();
  let ok = 0;
  let rejected = 0;
  await Promise.all(socks.map((s) => new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let lineStart = true;
    s.on('data', (buf) => {
      let i = 0;
      while (i < buf.length) {
        if (lineStart) {
          if (buf[i] === MINUS) rejected++;
          else ok++;
          lineStart = false;
        }
        const nl = buf.indexOf(LF, i);
        if (nl < 0) break;
        answered++;
        i = nl + 1;
        lineStart = true;
      }
      if (answered === sent) {
        if (sent === m.perConnection) return resolve();
        sent++;
        s.write(SEND_LINE);
      }
    });
    sent++;
    s.write(SEND_LINE);
  })));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.send({ done: true, sent: m.connections * m.perConnection, ok, rejected, seconds });
}

/** Pipelined SEND on one connection, at most `window` unanswered. */
async function pipeline(m) {
  const s = await session(m.port, m.user, m.password);
  state.sockets.push(s);
  const block = Buffer.concat(new Array(m.window).fill(SEND_LINE));
  process.send({ ready: true });
  await new Promise((resolve) => { state.go = resolve; });
  const started = process.hrtime.bigint();
  let sent = 0;
  let answered = 0;
  let rejected = 0;
  let lineStart = true;
  const more = () => {
    const n = Math.min(m.window - (sent - answered), m.total - sent);
    if (n <= 0) return;
    s.write(block.subarray(0, n * SEND_LINE.length));
    sent += n;
  };
  await new Promise((resolve) => {
    s.on('data', (buf) => {
      let i = 0;
      while (i < buf.length) {
        if (lineStart) {
          if (buf[i] === MINUS) rejected++;
          lineStart = false;
        }
        const nl = buf.indexOf(LF, i);
        if (nl < 0) break;
        answered++;
        i = nl + 1;
        lineStart = true;
      }
      if (answered === m.total) resolve();
      // refill once half the window is answered: fewer, larger writes
      else if (sent - answered <= m.window / 2) more();
    });
    more();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.send({ done: true, sent: m.total, ok: m.total - rejected, rejected, seconds });
}

/** SEND → RCVLOOP latency at a fixed rate: both ends in this process, one clock. */
async function latency(m) {
  const rx = await session(m.port, m.user, m.password);
  const tx = await session(m.port, m.user, m.password);
  state.sockets.push(rx, tx);
  await enterLoop(rx);
  const sentAt = new Map();
  const latencies = [];
  let text = '';
  let warmed = 0;
  let onWarm = null;
  rx.on('data', (d) => {
    const now = process.hrtime.bigint();
    text += d.toString('latin1');
    let i;
    while ((i = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, i);
      text = text.slice(i + 1);
      if (line.startsWith('+')) continue;
      const parts = line.trim().split(',');
      const mark = parts[parts.length - 3];
      if (mark === '0xFF' || mark === '255') {
        if (++warmed === m.warmup) onWarm?.();
        continue;
      }
      const seq = (Number(parts[parts.length - 2]) << 8) | Number(parts[parts.length - 1]);
      const t0 = sentAt.get(seq);
      if (t0 !== undefined) latencies.push(Number(now - t0) / 1e6);
    }
  });
  tx.on('data', () => undefined);
  // warm-up: the daemon's hot path is compiled, as in a daemon that has been running a while
  if (m.warmup) {
    const warm = new Promise((resolve) => { onWarm = resolve; });
    for (let k = 0; k < m.warmup; k += 500) {
      tx.write('SEND 0,20,3,,,,-,255,0,0\r\n'.repeat(Math.min(500, m.warmup - k)));
      await new Promise((r) => setTimeout(r, 5));
    }
    await warm;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (let seq = 0; seq < m.samples; seq++) {
    const line = `SEND 0,20,3,,,,-,0,${seq >> 8},${seq & 0xff}\r\n`;
    sentAt.set(seq, process.hrtime.bigint());
    tx.write(line);
    await new Promise((r) => setTimeout(r, 1000 / m.rate));
  }
  await new Promise((r) => setTimeout(r, 200));
  process.send({ done: true, latenciesMs: latencies });
}

async function idle(m) {
  state.sockets.push(...await sessions(m.connections, m.port, m.user, m.password));
  process.send({ ready: true });
}

const MODES = { receive, lockstep, pipeline, latency, idle };

process.on('message', (m) => {
  if (m.cmd === 'go') return state.go?.();
  if (m.cmd === 'report') return process.send({ counts: state.counts });
  if (m.cmd === 'exit') {
    for (const s of state.sockets) s.destroy();
    return process.exit(0);
  }
  MODES[m.mode](m).catch((e) => {
    process.send({ error: e.message });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
