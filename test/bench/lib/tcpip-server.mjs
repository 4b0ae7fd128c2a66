// The daemon side of the TCP/IP benchmark: Bus + variable store + users + TcpipServer from
// dist/, in a process of its own, on 127.0.0.1:0. Talks to the benchmark over IPC:
//   → { ready, port, user, password }   (a local user: logins cost no PBKDF2)
//   ← { cmd: 'stats' }  → { rss, heapUsed, sessions, totals }
//   ← { cmd: 'exit' }
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../../dist/runtime/bus/index.js';
import { parseGuid } from '../../../dist/runtime/protocol/index.js';
import { silentLogger } from '../../../dist/runtime/support/log.js';
import { TcpipServer, UserDirectory } from '../../../dist/runtime/tcpip/index.js';
import { createVariableStore } from '../../../dist/runtime/variables/store.js';

const queueSize = Number(process.env.BENCH_QUEUE_SIZE ?? 1024);
const stateDir = mkdtempSync(join(tmpdir(), 'vscpd-bench-'));
const guid = parseGuid('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00');
const bus = new Bus({ daemonGuid: guid, defaultQueueSize: queueSize, log: silentLogger });
const users = new UserDirectory([], { log: silentLogger });
const local = users.addLocalUser({ owner: 'bench' });
const variables = await createVariableStore({ stateDir, log: silentLogger });
const server = new TcpipServer({
  settings: {
    enable: true, listen: [{ host: '127.0.0.1', port: 0 }], tlsCert: null, tlsKey: null, maxClients: 5000,
    maxLineBytes: 8192, idleTimeoutMs: 43_200_000, keepaliveIntervalMs: 2000, variableEncoding: 'base64',
    loginDelayBaseMs: 500, loginDelayMaxMs: 30_000,
  },
  bus, variables, users, log: silentLogger,
  info: { name: 'bench', version: '0.1.0', guid, startedAt: new Date() },
});
await server.start();

function stats() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, sessions: server.sessions().length, totals: bus.totals() };
}

process.on('message', async (msg) => {
  if (msg.cmd === 'stats') process.send({ stats: stats() });
  if (msg.cmd === 'exit') {
    await server.stop('benchmark finished');
    await variables.close();
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, port: server.addresses()[0].port, user: local.user, password: local.password });
