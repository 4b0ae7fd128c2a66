/*
 * The TCP/IP link test vectors of the reference (vscp-drivers.md §15.9), in their "fixed" form,
 * against a scripted remote that records every line the link sends.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../runtime/config/index.js';
import { type VscpEvent, createEvent, formatEvent, parseEvent, parseGuid } from '../../runtime/protocol/index.js';
import { type DriverHarness, driverHarness } from '../../test/support/driver-harness.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import definition, { type TcpiplinkInstance, deriveConfig } from './index.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { type FakeRemote, startFakeRemote } from './testdata/fake-remote.mjs';

const open: { h: DriverHarness; link: TcpiplinkInstance }[] = [];
const remotes: FakeRemote[] = [];

afterEach(async () => {
  for (const { h, link } of open.splice(0)) {
    await link.stop();
    h.dispose();
  }
  for (const r of remotes.splice(0)) await r.close();
});

/** The driver's settings as the configuration loader makes them from a section body. */
async function settingsOf(body: string, variables = ''): Promise<TcpiplinkSettings> {
  const dir = tempDir();
  writeFiles(dir, {
    'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\n${variables ? 'variables = variables.ini\n' : ''}\n[driver.link1]\ndriver = tcpiplink\n${body}\n`,
    ...(variables ? { 'variables.ini': variables } : {}),
  });
  const result = await loadConfiguration(join(dir, 'vscpd.conf'));
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new Error(errors.map((p) => p.message).join('\n'));
  return result.state!.drivers.find((d) => d.name === 'link1')!.settings as TcpiplinkSettings;
}

async function remote(options: Parameters<typeof startFakeRemote>[0] = {}): Promise<FakeRemote> {
  const r = await startFakeRemote(options);
  remotes.push(r);
  return r;
}

function startLink(settings: TcpiplinkSettings): { h: DriverHarness; link: TcpiplinkInstance } {
  const h = driverHarness({ name: 'link1' });
  const link = definition.create(h.ctx, { reconnect_min_ms: 20, reconnect_max_ms: 100, ...settings } as TcpiplinkSettings & Record<string, unknown>) as TcpiplinkInstance;
  open.push({ h, link });
  return { h, link };
}

function event(vscpClass: number, vscpType: number, data: number[] = [], obid = 0): VscpEvent {
  return createEvent({
    head: 0x60, vscpClass, vscpType, obid, timestamp: 123456 + vscpClass * 1000 + vscpType,
    dateTime: { year: 2024, month: 5, day: 6, hour: 7, minute: 8, second: 9 },
    guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:07'), data,
  });
}

/** The lines of the receive session (the one that entered RCVLOOP) and of the send session. */
function sessions(r: FakeRemote): { receive: string[][]; send: string[][] } {
  const receive = r.connections.filter((c) => c.lines.some((l) => l === 'RCVLOOP')).map((c) => c.lines);
  const send = r.connections.filter((c) => c.lines.includes('CHID')).map((c) => c.lines);
  return { receive, send };
}

describe('T1 config string host;port;user;password', () => {
  it('sets the remote address, the credentials and open filters', async () => {
    const s = await settingsOf('config = 192.168.1.20;9598;admin;secret');
    const c = deriveConfig(s);
    expect(c.remote).toEqual({ host: '192.168.1.20', port: 9598, display: '192.168.1.20:9598' });
    expect(c.user).toBe('admin');
    expect(c.password).toBe('secret');
    expect(c.rxFilter.maskClass + c.rxFilter.maskType + c.rxFilter.maskPriority).toBe(0);
    expect(c.txFilter.maskClass + c.txFilter.maskType + c.txFilter.maskPriority).toBe(0);
  });

  it('logs in with them and opens the remote filter before RCVLOOP', async () => {
    const r = await remote();
    const { link } = startLink(await settingsOf(`config = 127.0.0.1;${r.port};admin;secret`));
    await link.start();
    await r.waitFor(() => sessions(r).receive.length === 1 && sessions(r).send.length === 1, 'both sessions');
    expect(sessions(r).receive[0]).toEqual([
      'USER admin', 'PASS secret',
      'SFLT 0,0,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00',
      'SMSK 0,0,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00',
      'RCVLOOP',
    ]);
    expect(sessions(r).send[0]!.slice(0, 3)).toEqual(['USER admin', 'PASS secret', 'CHID']);
    expect(link.linked).toBe(true);
  });
});

describe('T2 receive filter from the config string', () => {
  it('sends SFLT with the GUID in its real order, then SMSK, then RCVLOOP', async () => {
    const r = await remote();
    const { link } = startLink(await settingsOf(
      `config = 127.0.0.1;${r.port};u;p;0,20,3,01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10;0,0xFFFF,0xFFFF,FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF`));
    await link.start();
    await r.waitFor(() => sessions(r).receive.length === 1, 'the receive session');
    expect(sessions(r).receive[0]).toEqual([
      'USER u', 'PASS p',
      'SFLT 0,20,3,01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10',
      'SMSK 0,65535,65535,FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF',
      'RCVLOOP',
    ]);
  });
});

describe('T3 setup XML over the config string', () => {
  it('takes host, port, user and password from the XML', async () => {
    const s = await settingsOf('config = 192.168.1.20;9598;admin;secret', '[link1_setup]\nvalue = "<setup host=\\"10.0.0.2\\" port=\\"9599\\" user=\\"a\\" password=\\"b\\"/>"\n');
    const c = deriveConfig(s);
    expect(c.remote.display).toBe('10.0.0.2:9599');
    expect([c.user, c.password]).toEqual(['a', 'b']);
  });

  it('connects where the XML says', async () => {
    const r = await remote();
    const s = await settingsOf('config = 192.0.2.1;9598;admin;secret');
    const { link } = startLink({ ...s, setup: `<setup host="127.0.0.1" port="${r.port}" user="a" password="b"/>` });
    await link.start();
    await r.waitFor(() => sessions(r).receive.length === 1, 'the receive session');
    expect(sessions(r).receive[0]!.slice(0, 2)).toEqual(['USER a', 'PASS b']);
  });
});

describe('T4 own events coming back', () => {
  it('drops an event whose obid is the send session channel id, and refreshes the id after a reconnect', async () => {
    const r = await remote({ firstChid: 40, keepaliveMs: 50 });
    const { h, link } = startLink({ host_remote: '127.0.0.1', port_remote: r.port });
    await link.start();
    await r.waitFor(() => r.loops().length === 1 && link.linked, 'the link');
    const chid = link.channelId!;
    expect(r.connections.find((c) => c.lines.includes('CHID'))!.chid).toBe(chid);

    r.push(formatEvent(event(20, 3, [1], chid)));
    r.push(formatEvent(event(20, 3, [2], chid + 100)));
    const [got] = await h.waitForEvents(1);
    expect(Array.from(got!.data)).toEqual([2]);

    // the remote restarts: both sessions come back, the send session with a new channel id
    r.dropAll();
    await r.waitFor(() => r.loops().length === 1 && link.linked && link.channelId !== chid, 'the link again');
    const fresh = link.channelId!;
    r.push(formatEvent(event(20, 3, [3], fresh)));
    r.push(formatEvent(event(20, 3, [4], chid)));
    await h.waitForEvents(2);
    expect(h.emitted.map((e) => e.data[0])).toEqual([2, 4]);
    expect(link.stats().echoes).toBe(2);
  });
});

describe('T5 TX filter', () => {
  it('drops a rejected event and sends the next one', async () => {
    const r = await remote();
    const { link } = startLink({ host_remote: '127.0.0.1', port_remote: r.port, txfilter: '0,10,0,-', txmask: '0,0xFFFF,0,-' });
    await link.start();
    const e20 = event(20, 3, [1]);
    const e10 = event(10, 6, [0x88, 0x83, 0x5a, 0x55]);
    await link.receive!(e20);
    await link.receive!(e10);
    const sent = await r.waitFor(() => (r.sent().length >= 1 ? r.sent() : null), 'a SEND');
    expect(sent).toEqual([formatEvent(e10)]);
    expect(sent[0]!.startsWith('96,10,6,')).toBe(true);
    await r.waitFor(() => link.stats().sent === 1, 'the answer');
    expect(link.stats().txFiltered).toBe(1);
  });
});

describe('T6 silent receive loop', () => {
  it('closes the session, reconnects with backoff, sends the filter again and re-enters RCVLOOP', async () => {
    const r = await remote({ keepaliveMs: 0 });
    const { h, link } = startLink({
      host_remote: '127.0.0.1', port_remote: r.port, rxfilter: '0,10,6,-', rxmask: '0,0xFFFF,0xFFFF,-', keepalive_timeout_ms: 200,
    });
    await link.start();
    await r.waitFor(() => sessions(r).receive.length >= 2, 'a second receive session');
    const [first, second] = sessions(r).receive;
    const expected = ['SFLT 0,10,6,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00', 'SMSK 0,65535,65535,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00', 'RCVLOOP'];
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(r.connections.filter((c) => c.lines.includes('RCVLOOP'))[0]!.closed).toBe(true);
    expect(h.health.some((x) => x.health === 'degraded' && /no keep-alive or event from 127\.0\.0\.1:\d+ for \d+ ms/.test(x.reason ?? ''))).toBe(true);
    expect(link.stats().receiveLosses).toBeGreaterThanOrEqual(1);
  });

  it('keeps a session whose remote sends keep-alives', async () => {
    const r = await remote({ keepaliveMs: 20 });
    const { link } = startLink({ host_remote: '127.0.0.1', port_remote: r.port, keepalive_timeout_ms: 2000 });
    await link.start();
    await r.waitFor(() => r.loops().length === 1 && link.linked, 'the link');
    const before = r.connections.length;
    // 50 keep-alive periods take about a second; the session outlives them all
    await new Promise<void>((resolve) => {
      let n = 0;
      const t = setInterval(() => { if (++n >= 50) { clearInterval(t); resolve(); } }, 20);
    });
    expect(r.connections.length).toBe(before);
    expect(link.stats().receiveLosses).toBe(0);
  });
});

describe('event text on the wire', () => {
  it('forwards a remote event unchanged', async () => {
    const r = await remote({ keepaliveMs: 50 });
    const { h, link } = startLink({ host_remote: '127.0.0.1', port_remote: r.port });
    await link.start();
    await r.waitFor(() => r.loops().length === 1, 'the receive loop');
    const line = '96,20,3,5,2019-01-02T03:04:05Z,1000,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01,0x00,0x01,0x23';
    r.push(line);
    const [got] = await h.waitForEvents(1);
    expect(formatEvent({ ...got!, obid: 5 })).toBe(line);
    expect(parseEvent(line).timestamp).toBe(got!.timestamp);
  });
});
