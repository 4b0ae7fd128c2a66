/*
 * The benchmark's load generator (test/bench/lib/tcpip-load.mjs) against the in-process
 * server: lock-step and pipelined senders, receivers in RCVLOOP, idle clients. Counts only;
 * speed is measured by `npm run bench`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnLoadGenerator, startTcpipHarness } from '../support/tcpip-harness.js';

const LOAD = join(import.meta.dirname, '..', 'bench', 'lib', 'tcpip-load.mjs');

function next<T>(child: ChildProcess, match: (m: Record<string, unknown>) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>): void => {
      if (m.error) reject(new Error(String(m.error)));
      else if (match(m)) { child.off('message', onMessage); resolve(m as T); }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
}

describe('benchmark load generator', () => {
  it('delivers every event from lock-step and pipelined senders to the receivers', async () => {
    const h = await startTcpipHarness();
    const { user, password } = h.users.addLocalUser({ owner: 'bench test' });
    const auth = { port: h.port, user, password };
    for (const sender of [
      { mode: 'lockstep', connections: 2, perConnection: 150 },
      { mode: 'pipeline', total: 300, window: 64 },
    ]) {
      const rx = spawnLoadGenerator(LOAD);
      rx.send({ mode: 'receive', ...auth, connections: 3, expect: 300 });
      await next(rx, (m) => m.ready === true);
      const tx = spawnLoadGenerator(LOAD);
      tx.send({ ...sender, ...auth });
      await next(tx, (m) => m.ready === true);
      const received = next<{ counts: number[] }>(rx, (m) => m.done === true);
      tx.send({ cmd: 'go' });
      const sent = await next<{ sent: number; ok: number; rejected: number }>(tx, (m) => m.done === true);
      expect(sent).toMatchObject({ sent: 300, ok: 300, rejected: 0 });
      expect((await received).counts).toEqual([300, 300, 300]);
      rx.send({ cmd: 'exit' });
      tx.send({ cmd: 'exit' });
    }
  });

  it('holds idle clients and measures latency samples', async () => {
    const h = await startTcpipHarness();
    const { user, password } = h.users.addLocalUser({ owner: 'bench test' });
    const idle = spawnLoadGenerator(LOAD);
    idle.send({ mode: 'idle', port: h.port, user, password, connections: 150 });
    await next(idle, (m) => m.ready === true);
    expect(h.server.sessions()).toHaveLength(150);
    const lat = spawnLoadGenerator(LOAD);
    lat.send({ mode: 'latency', port: h.port, user, password, samples: 20, rate: 100 });
    const { latenciesMs } = await next<{ latenciesMs: number[] }>(lat, (m) => m.done === true);
    expect(latenciesMs).toHaveLength(20);
    expect(latenciesMs.every((ms) => ms > 0)).toBe(true);
  });
});
