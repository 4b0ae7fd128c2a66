/*
 * Global sections apply live, and every reload and driver state change is announced on the
 * bus as a VSCP event.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../runtime/protocol/password.js';
import type { VscpEvent } from '../../runtime/protocol/index.js';
import { VscpClient } from '../../runtime/tcpip/client.js';
import { TEST_PASSWORD, TEST_USER, baseConf, eventually, startDaemon } from '../support/daemon-harness.js';
import { PROBE } from '../support/host-harness.js';

describe('global sections and reload events', () => {
  it('announces reloads (65535,100) and driver state changes (65535,101) on the bus', async () => {
    const conf = (mode: string) => baseConf(`[driver.ev1]\ndriver = ${PROBE}\nmode = ${mode}\n`, { watch: false });
    const d = await startDaemon({ 'vscpd.conf': conf('one') });
    const client = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
    await client.login(TEST_USER, TEST_PASSWORD);
    const events: VscpEvent[] = [];
    await client.receiveLoop({ onEvent: (e) => events.push(e) });
    d.write('vscpd.conf', conf('two'));
    const outcome = await d.daemon.reload('cli');
    await eventually(() => events.some((e) => e.vscpClass === 65535 && e.vscpType === 100), 5000, 'the reload event');
    const reload = events.find((e) => e.vscpType === 100)!;
    const gen = (reload.data[0]! << 24) | (reload.data[1]! << 16) | (reload.data[2]! << 8) | reload.data[3]!;
    expect(gen).toBe(outcome.generation);
    expect(reload.data[4]).toBe(0); // applied
    expect(reload.data[5]).toBe(4); // cli
    expect([reload.data[10], reload.data[11]]).toEqual([0, 1]); // one restart
    const states = events.filter((e) => e.vscpType === 101).map((e) => {
      const name = Buffer.from(e.data.subarray(2, e.data.indexOf(0, 2))).toString();
      return `${name}:${e.data[1]}->${e.data[0]}`;
    });
    // running(2) → stopping(6) → stopped(7) → starting(1) → running(2)
    expect(states).toEqual(['ev1:2->6', 'ev1:6->7', 'ev1:7->1', 'ev1:1->2']);
    client.close();
  });

  it('applies user changes live: a new user can log in, a removed user is logged out', async () => {
    const second = hashPassword('second-password');
    const users = (withSecond: boolean) => baseConf(withSecond ? `[user.second]\npassword = ${second}\nprivilege = user\n` : '', { watch: false });
    const d = await startDaemon({ 'vscpd.conf': users(false) });
    const refused = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
    await expect(refused.login('second', 'second-password')).rejects.toThrow();
    refused.close();

    d.write('vscpd.conf', users(true));
    expect((await d.daemon.reload('cli')).outcome).toBe('applied');
    const client = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
    await client.login('second', 'second-password');
    let closed = false;
    client.onClose(() => { closed = true; });

    d.write('vscpd.conf', users(false));
    expect((await d.daemon.reload('cli')).outcome).toBe('applied');
    await eventually(() => closed, 5000, 'the removed user to be logged out');
  });

  it('re-binds [tcpip] listen addresses without dropping sessions on addresses that stay', async () => {
    const d = await startDaemon({ 'vscpd.conf': baseConf('', { watch: false }) });
    const port = d.tcpipPort();
    const conf = (listen: string) => baseConf('', { watch: false }).replace('listen = 127.0.0.1:0', `listen = ${listen}`).replace('[admin]\nlisten = 127.0.0.1:0', '[admin]\nlisten = 127.0.0.1:0');
    d.write('vscpd.conf', conf(`127.0.0.1:${port}`));
    await d.daemon.reload('cli');
    const client = await VscpClient.connect({ host: '127.0.0.1', port });
    await client.login(TEST_USER, TEST_PASSWORD);
    d.write('vscpd.conf', conf(`127.0.0.1:${port}, 127.0.0.2:0`));
    expect((await d.daemon.reload('cli')).outcome).toBe('applied');
    expect(d.daemon.tcpipAddresses().map((a) => a.host).sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    await client.noop(); // the session on the kept address is still there
    const extra = d.daemon.tcpipAddresses().find((a) => a.host === '127.0.0.2')!;
    const other = await VscpClient.connect({ host: '127.0.0.2', port: extra.port });
    await other.login(TEST_USER, TEST_PASSWORD);
    other.close();
    client.close();
  });

  it('reconfigures only the driver whose <prefix>_<key> variable a client writes at run time', async () => {
    const d = await startDaemon({ 'vscpd.conf': baseConf(`[driver.rv1]\ndriver = ${PROBE}\n\n[driver.rv2]\ndriver = ${PROBE}\n`, { watch: false }) });
    const client = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
    await client.login(TEST_USER, TEST_PASSWORD);
    const gen = d.daemon.generation;
    await client.writeVariable({ name: 'rv1_label', type: 'string', value: 'set over TCP/IP' });
    // the generation is committed after the driver changed: wait for it, then look
    await eventually(() => d.daemon.generation === gen + 1, 5000, 'the hot change');
    expect(d.daemon.host.get('rv1')!.desired.settings.label).toBe('set over TCP/IP');
    expect(d.daemon.host.get('rv1')!.starts).toBe(1); // label is hot: reconfigured in place
    await client.writeVariable({ name: 'rv1_mode', type: 'string', value: 'b' });
    await eventually(() => d.daemon.generation === gen + 2, 5000, 'the restart');
    expect(d.daemon.host.get('rv1')!.desired.settings.mode).toBe('b');
    expect(d.daemon.host.get('rv1')!.starts).toBe(2); // mode needs a restart
    expect(d.daemon.host.get('rv2')!.starts).toBe(1);
    // a variable that is no setting of any driver changes nothing
    await client.writeVariable({ name: 'rv1_scratch', type: 'string', value: 'x' });
    await new Promise((r) => setTimeout(r, 200));
    expect(d.daemon.generation).toBe(gen + 2);
    client.close();
  });
});
