// A scripted VSCP TCP/IP server for the link's tests: it answers the commands a link uses with
// the v13 reply texts, records every line each connection sent, pushes event lines to
// connections in RCVLOOP, and can stay silent, refuse, or drop connections on request.
import { createServer } from 'node:net';

const BANNER = 'Welcome to the VSCP daemon.\r\nVersion: 13.1.1.0 Aluminium\r\nCopyright (C) 2000-2018, Grodans Paradis AB, https://www.grodansparadis.com\r\n+OK - Success.\r\n';

export async function startFakeRemote(options = {}) {
  const connections = [];
  const waiters = new Set();
  let nextChid = options.firstChid ?? 40;
  const wake = () => { for (const w of [...waiters]) w(); };

  const server = createServer((socket) => {
    const conn = {
      index: connections.length,
      chid: nextChid++,
      lines: [],
      inLoop: false,
      closed: false,
      socket,
      keepalive: null,
      write(text) { if (!conn.closed) socket.write(text); },
    };
    connections.push(conn);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('close', () => { conn.closed = true; if (conn.keepalive) clearInterval(conn.keepalive); wake(); });
    let buffer = '';
    socket.on('data', (text) => {
      buffer += text;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i).replace(/\r$/, '').trim();
        buffer = buffer.slice(i + 1);
        if (line === '') continue;
        conn.lines.push(line);
        answer(conn, line);
      }
      wake();
    });
    if (options.refuseConnections?.(conn)) { socket.destroy(); return; }
    conn.write(BANNER);
  });

  function answer(conn, line) {
    const custom = options.reply?.(conn, line);
    if (custom !== undefined && custom !== null) {
      if (custom !== '') conn.write(custom.endsWith('\r\n') ? custom : custom + '\r\n');
      return;
    }
    const word = line.split(/\s+/)[0].toUpperCase();
    switch (word) {
      case 'USER': return conn.write('+OK - User name accepted, password please\r\n');
      case 'PASS': return conn.write('+OK - Success.\r\n');
      case 'CHID': return conn.write(`${conn.chid}\r\n+OK - Success.\r\n`);
      case 'SFLT':
      case 'SMSK':
      case 'NOOP':
      case 'SEND': return conn.write('+OK - Success.\r\n');
      case 'RCVLOOP':
        conn.inLoop = true;
        conn.write('+OK - Receive loop entered. QUITLOOP to terminate.\r\n');
        if ((options.keepaliveMs ?? 0) > 0) conn.keepalive = setInterval(() => conn.write('+OK\r\n'), options.keepaliveMs);
        return;
      case 'QUITLOOP':
        conn.inLoop = false;
        return conn.write('+OK - Quit receive loop.\r\n');
      case 'QUIT':
        conn.write('+OK - Connection closed by client.\r\n');
        conn.socket.end();
        return;
      default: return conn.write('-OK - Unknown command\r\n');
    }
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = server.address().port;

  const fake = {
    port,
    connections,
    /** Connections that entered RCVLOOP and are open. */
    loops: () => connections.filter((c) => c.inLoop && !c.closed),
    /** Sends an event line to every open RCVLOOP connection. */
    push(line) { for (const c of fake.loops()) c.write(line + '\r\n'); },
    /** Every SEND argument received, over all connections, in order. */
    sent: () => connections.flatMap((c) => c.lines.filter((l) => /^send /i.test(l)).map((l) => l.slice(5))),
    async waitFor(check, what = 'condition', timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = check();
        if (v) return v;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake remote: timed out waiting for ${what}; lines: ${JSON.stringify(connections.map((c) => c.lines))}`);
        await new Promise((resolve) => {
          const t = setTimeout(done, Math.min(left, 100));
          function done() { clearTimeout(t); waiters.delete(done); resolve(); }
          waiters.add(done);
        });
      }
    },
    /** Cuts every open connection (the remote "restarts"). */
    dropAll() { for (const c of connections) if (!c.closed) c.socket.destroy(); },
    async close() {
      fake.dropAll();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
