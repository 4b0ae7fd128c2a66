/*
 * The TCP/IP link between two daemons in this process: events flow both ways, the remote
 * daemon restarts and the link comes back with its filter, hot and restart changes are applied
 * while events flow, and two daemons linked both ways by two links do not loop. Each event
 * carries a unique tag in its data, so loss and duplication are visible at the observers.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriverStatus } from '../../runtime/drivers/runtime.js';
import { type VscpEvent, createEvent } from '../../runtime/protocol/index.js';
import { hashPassword } from '../../runtime/protocol/password.js';
import { VscpClient } from '../../runtime/tcpip/client.js';
import { type InProcessDaemon, TEST_PASSWORD, TEST_USER, eventually, startDaemon, testPasswordHash } from '../support/daemon-harness.js';
import { tempDir } from '../support/tmp.js';

const LINK_PASSWORD = 'link-password-1';
let linkHash: string | null = null;
const linkPasswordHash = (): string => (linkHash ??= hashPassword(LINK_PASSWORD));

const clients: VscpClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function conf(o: { guid: string; listen?: string; extra?: string }): string {
  return [
    '[general]',
    'state_dir = ./state',
    `guid = ${o.guid}`,
    'watch = false',
    '',
    '[tcpip]',
    `listen = ${o.listen ?? '127.0.0.1:0'}`,
    'keepalive_interval_ms = 200',
    '',
    '[admin]',
    'enable = false',
    '',
    '[automation]',
    'enable = false',
    '',
    `[user.${TEST_USER}]`,
    `password = ${testPasswordHash()}`,
    'privilege = admin',
    '',
    '[user.link]',
    `password = ${linkPasswordHash()}`,
    'privilege = user',
    '',
    '[user.link2]',
    `password = ${linkPasswordHash()}`,
    'privilege = user',
    '',
    o.extra ?? '',
  ].join('\n');
}

const GUID_A = 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:0A:00:00:00:00';
const GUID_B = 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:0B:00:00:00:00';

function linkSection(port: number, extra = ''): string {
  return [
    '[driver.link1]',
    'driver = tcpiplink',
    'host_remote = 127.0.0.1',
    `port_remote = ${port}`,
    'user_remote = link',
    `password_remote = ${LINK_PASSWORD}`,
    'reconnect_min_ms = 50',
    'reconnect_max_ms = 400',
    'keepalive_timeout_ms = 3000',
    extra,
  ].join('\n');
}

function driver(d: InProcessDaemon, name = 'link1'): DriverStatus {
  const s = d.daemon.host.statuses().find((x) => x.name === name);
  if (!s) throw new Error(`no driver ${name}`);
  return s;
}

async function client(port: number): Promise<VscpClient> {
  const c = await VscpClient.connect({ host: '127.0.0.1', port });
  clients.push(c);
  await c.login(TEST_USER, TEST_PASSWORD);
  return c;
}

interface Observer {
  events: VscpEvent[];
  tags(vscpClass: number): number[];
}

/** A client in RCVLOOP on a daemon that records the test's events (classes 20, 21, 30). */
async function observer(port: number): Promise<Observer> {
  const c = await client(port);
  const events: VscpEvent[] = [];
  await c.receiveLoop({ onEvent: (e) => { if (e.vscpClass === 20 || e.vscpClass === 21 || e.vscpClass === 30) events.push(e); } });
  return { events, tags: (cls) => events.filter((e) => e.vscpClass === cls).map(tagOf) };
}

function tagged(vscpClass: number, tag: number): VscpEvent {
  return createEvent({ head: 0x60, vscpClass, vscpType: 1, data: [tag >> 16 & 0xff, tag >> 8 & 0xff, tag & 0xff] });
}

const tagOf = (e: VscpEvent): number => (e.data[0]! << 16) | (e.data[1]! << 8) | e.data[2]!;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

/** Tags of events sent on daemon A (below 1000) and on daemon B (1000 to 99999) in the first test. */
const fromA = (tags: number[]): number[] => tags.filter((t) => t < 1000);
const fromB = (tags: number[]): number[] => tags.filter((t) => t >= 1000);

function unique(tags: number[]): boolean {
  return new Set(tags).size === tags.length;
}

describe('tcpiplink between two daemons', () => {
  it('carries events both ways, survives a restart of the remote with its filter, and duplicates nothing', async () => {
    const b = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_B }) });
    const bPort = b.tcpipPort();
    const a = await startDaemon({
      'vscpd.conf': conf({ guid: GUID_A, extra: linkSection(bPort, 'rxfilter = 0,20,0,-\nrxmask = 0,0xFFFF,0,-\ntxfilter = 0,20,0,-\ntxmask = 0,0xFFFF,0,-') }),
    });
    await eventually(() => driver(a).state === 'running', 10_000, 'the link running');

    const obsA = await observer(a.tcpipPort());
    const obsB = await observer(bPort);
    const sendA = await client(a.tcpipPort());
    const sendB = await client(bPort);

    // both ways; class 30 from B is kept away by the RX filter, which B applies
    await sendA.sendAll(range(1, 50).map((t) => tagged(20, t)));
    await sendB.sendAll([...range(1001, 1050).map((t) => tagged(20, t)), ...range(2001, 2005).map((t) => tagged(30, t))]);
    await eventually(() => fromA(obsB.tags(20)).length >= 50 && fromB(obsA.tags(20)).length >= 50, 10_000, 'events both ways');
    expect(fromA(obsB.tags(20))).toEqual(range(1, 50));
    expect(fromB(obsA.tags(20))).toEqual(range(1001, 1050));
    const linkFilterOn = (d: InProcessDaemon) => d.daemon.bus.clients.some((c) =>
      c.name.startsWith('TCP/IP client link@') && c.filter?.filterClass === 20 && c.filter.maskClass === 0xffff);
    expect(linkFilterOn(b)).toBe(true);

    // the remote goes away: the link is degraded and queues what A delivers meanwhile
    await b.stop();
    await eventually(() => driver(a).state === 'degraded', 10_000, 'the link degraded');
    expect(driver(a).reason).toMatch(/^not linked: /);
    await sendA.sendAll(range(101, 120).map((t) => tagged(20, t)));

    // the remote comes back on the same address; its observer attaches (on another port) before
    // it listens there, so nothing the link sends can pass unseen
    const b2 = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_B }) }, { dir: tempDir() });
    const obsB2 = await observer(b2.tcpipPort());
    b2.write('vscpd.conf', conf({ guid: GUID_B, listen: `127.0.0.1:0, 127.0.0.1:${bPort}` }));
    expect((await b2.daemon.reload('cli')).outcome).toBe('applied');
    await eventually(() => driver(a).state === 'running', 10_000, 'the link running again');
    await eventually(() => fromA(obsB2.tags(20)).length >= 20, 10_000, 'the queued events at the new remote');
    expect(fromA(obsB2.tags(20))).toEqual(range(101, 120));
    expect(linkFilterOn(b2)).toBe(true);

    const sendB2 = await client(bPort);
    await sendA.sendAll(range(201, 210).map((t) => tagged(20, t)));
    await sendB2.sendAll([...range(2101, 2103).map((t) => tagged(30, t)), ...range(1101, 1110).map((t) => tagged(20, t))]);
    await eventually(() => fromA(obsB2.tags(20)).length >= 30 && fromB(obsA.tags(20)).length >= 60, 10_000, 'events both ways again');

    // every event once on each side: none lost, none twice, none sent back to where it came from
    expect(fromA(obsB2.tags(20))).toEqual([...range(101, 120), ...range(201, 210)]);
    expect(fromB(obsA.tags(20))).toEqual([...range(1001, 1050), ...range(1101, 1110)]);
    expect(fromA(obsA.tags(20))).toEqual([...range(1, 50), ...range(101, 120), ...range(201, 210)]);
    expect(fromB(obsB2.tags(20))).toEqual(range(1101, 1110));
    expect(obsA.tags(30)).toEqual([]);
    expect(fromA(obsB.tags(20))).toEqual(range(1, 50));
    expect(driver(a).restarts).toBe(0);
  });

  it('applies a hot change in place and a restart change by restarting, while events flow', async () => {
    const b = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_B }) });
    const bPort = b.tcpipPort();
    const a = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_A, extra: linkSection(bPort) }) });
    await eventually(() => driver(a).state === 'running', 10_000, 'the link running');
    const obsA = await observer(a.tcpipPort());
    const obsB = await observer(bPort);
    const sendA = await client(a.tcpipPort());
    const sendB = await client(bPort);

    // A sends classes 20 and 21, B sends class 20, in steady small batches
    let tag = 0;
    let flowing = true;
    const sentA: number[] = [];
    const pump = (async () => {
      while (flowing) {
        const t = ++tag;
        sentA.push(t);
        await sendA.sendAll([tagged(20, t), tagged(21, t)]);
        await sendB.send(tagged(20, 100_000 + t));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await eventually(() => fromA(obsB.tags(20)).length > 20, 10_000, 'events flowing');

    // hot: from now on only class 20 goes to B
    const startsBefore = driver(a).starts;
    a.write('vscpd.conf', conf({ guid: GUID_A, extra: linkSection(bPort, 'txfilter = 0,20,0,-\ntxmask = 0,0xFFFF,0,-') }));
    const hot = await a.daemon.reload('cli');
    const afterHot = tag + 1;
    expect(hot.outcome).toBe('applied');
    expect(hot.drivers.find((d) => d.name === 'link1')).toMatchObject({ action: 'reconfigure', outcome: 'ok' });
    expect(driver(a).starts).toBe(startsBefore);
    await eventually(() => fromA(obsB.tags(20)).some((t) => t > afterHot + 20), 10_000, 'events after the hot change');

    // restart: another remote user
    a.write('vscpd.conf', conf({
      guid: GUID_A, extra: linkSection(bPort, 'txfilter = 0,20,0,-\ntxmask = 0,0xFFFF,0,-').replace('user_remote = link', 'user_remote = link2'),
    }));
    const restart = await a.daemon.reload('cli');
    const afterRestart = tag + 1;
    expect(restart.outcome).toBe('applied');
    expect(restart.drivers.find((d) => d.name === 'link1')).toMatchObject({ action: 'restart', outcome: 'ok' });
    expect(driver(a).starts).toBe(startsBefore + 1);
    await eventually(() => fromA(obsB.tags(20)).some((t) => t > afterRestart + 20) && obsA.tags(20).some((t) => t > 100_000 + afterRestart + 20), 10_000, 'events after the restart');
    expect(b.daemon.bus.clients.filter((c) => c.name.startsWith('TCP/IP client link2@'))).toHaveLength(2);
    expect(b.daemon.bus.clients.filter((c) => c.name.startsWith('TCP/IP client link@'))).toHaveLength(0);

    flowing = false;
    await pump;
    const last = tag;
    await eventually(() => obsB.tags(20).includes(last), 10_000, 'the last event at B');

    // A → B: every class 20 event exactly once, in order, across both changes
    expect(fromA(obsB.tags(20))).toEqual(sentA);
    // class 21 stopped with the hot change
    const c21 = obsB.tags(21);
    expect(c21.length).toBeGreaterThan(0);
    expect(Math.max(...c21)).toBeLessThan(afterHot);
    // B → A: nothing twice (events B sent while the receive session restarted are not replayed)
    const bToA = obsA.tags(20).filter((t) => t > 100_000);
    expect(unique(bToA)).toBe(true);
    expect(sorted(bToA)).toEqual(bToA);
    // and nothing came back to where it started
    expect(obsA.tags(20).filter((t) => t < 100_000)).toEqual(sentA);
    expect(obsB.tags(20).filter((t) => t > 100_000)).toEqual(range(100_001, 100_000 + last));
  });

  it('does not loop when two daemons link to each other both ways', async () => {
    const a = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_A }) });
    const b = await startDaemon({ 'vscpd.conf': conf({ guid: GUID_B, extra: linkSection(a.tcpipPort()).replace('[driver.link1]', '[driver.tob]') }) });
    await eventually(() => driver(b, 'tob').state === 'running', 10_000, 'B → A running');
    a.write('vscpd.conf', conf({ guid: GUID_A, extra: linkSection(b.tcpipPort()) }));
    expect((await a.daemon.reload('cli')).outcome).toBe('applied');
    await eventually(() => driver(a).state === 'running', 10_000, 'A → B running');

    const obsA = await observer(a.tcpipPort());
    const obsB = await observer(b.tcpipPort());
    const sendA = await client(a.tcpipPort());
    const sendB = await client(b.tcpipPort());
    await sendA.send(tagged(20, 1));
    await sendB.send(tagged(20, 2));

    // rounds of markers: a loop would keep adding copies of 1 and 2 from round to round
    const counts: number[][] = [];
    for (let round = 0; round < 4; round++) {
      const m = 1000 + round;
      await sendA.send(tagged(21, m));
      await sendB.send(tagged(21, m + 100));
      await eventually(() => obsA.tags(21).includes(m + 100) && obsB.tags(21).includes(m), 10_000, `markers of round ${round}`);
      counts.push([1, 2].flatMap((t) => [obsA.tags(20).filter((x) => x === t).length, obsB.tags(20).filter((x) => x === t).length]));
    }
    expect(counts.at(-1)).toEqual(counts[0]);
    for (const n of counts[0]!) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of counts[0]!) expect(n).toBeLessThanOrEqual(2);
  });
});
