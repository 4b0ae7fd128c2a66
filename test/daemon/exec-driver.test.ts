/*
 * exec: drivers: an external program started and supervised by the daemon, talking to it over
 * the TCP/IP interface with generated credentials, as the original Level II drivers did.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VscpClient } from '../../runtime/tcpip/client.js';
import type { VscpEvent } from '../../runtime/protocol/index.js';
import { TEST_PASSWORD, TEST_USER, baseConf, eventually, startDaemon } from '../support/daemon-harness.js';

const PROGRAM = fileURLToPath(new URL('../drivers/exec-probe.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('exec drivers', () => {
  it('runs the program with credentials, restarts it when it dies, and stops it with the daemon', async () => {
    const d = await startDaemon({
      'vscpd.conf': baseConf(`[driver.ext]\ndriver = exec:${process.execPath} ${PROGRAM}\nzone = 7\n`, {
        variables: 'variables.ini', watch: false, restart_backoff_min_ms: 50, restart_backoff_max_ms: 100,
      }),
      'variables.ini': '[ext_greeting]\ntype = string\nvalue = hello\n',
    });
    const client = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
    await client.login(TEST_USER, TEST_PASSWORD);
    const events: VscpEvent[] = [];
    await client.receiveLoop({ onEvent: (e) => events.push(e) });

    const pidOf = () => [...d.logs.join('').matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    await eventually(() => events.some((e) => e.vscpClass === 20 && e.vscpType === 3), 10_000, 'the program to send its event');
    const first = events.find((e) => e.vscpClass === 20)!;
    expect([...first.data]).toEqual([5, 7, 0]); // greeting "hello" read with VAR READVALUE, zone from its settings
    const [pid] = await eventually(() => (pidOf().length ? pidOf() : undefined), 5000, 'the pid line in the log');
    expect(d.logs.join('')).toContain('greeting hello');

    // the program dies: the daemon restarts it
    process.kill(pid!, 'SIGKILL');
    await eventually(() => pidOf().length >= 2, 10_000, 'a second program');
    const status = d.daemon.host.get('ext')!.status();
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    expect(status.lastError).toMatch(/exited \(signal SIGKILL\)/);
    await eventually(() => events.filter((e) => e.vscpClass === 20 && e.vscpType === 3).length >= 2, 10_000, 'the new program to send its event');

    client.close();
    const second = pidOf().at(-1)!;
    expect(alive(second)).toBe(true);
    await d.stop();
    expect(alive(second)).toBe(false);
    expect(d.logs.join('')).toContain('stopping');
  });
});
