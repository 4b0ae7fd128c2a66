/*
 * The link against this daemon's own TCP/IP interface (bus, users, sessions in the test
 * process) and, where a remote must misbehave exactly, against the scripted remote.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type VscpEvent, createEvent, formatEvent, parseGuid } from '../../runtime/protocol/index.js';
import type { VscpClient, VscpClientOptions } from '../../runtime/tcpip/client.js';
import { type DriverHarness, driverHarness } from '../../test/support/driver-harness.js';
import { type TcpipHarness, type TcpipHarnessOptions, startTcpipHarness } from '../../test/support/tcpip-harness.js';
import definition, { SEND_WINDOW, type TcpiplinkInstance } from './index.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { type FakeRemote, startFakeRemote } from './testdata/fake-remote.mjs';
import { until } from '../../test/support/wait.js';

const tls = join(import.meta.dirname, 'testdata', 'tls');
const open: { h: DriverHarness; link: TcpiplinkInstance }[] = [];
const remotes: FakeRemote[] = [];

afterEach(async () => {
  for (const { h, link } of open.splice(0)) {
    await link.stop();
    h.dispose();
  }
  for (const r of remotes.splice(0)) await r.close();
});

function startLink(settings: TcpiplinkSettings): { h: DriverHarness; link: TcpiplinkInstance } {
  const h = driverHarness({ name: 'link1' });
  const link = definition.create(h.ctx, {
    reconnect_min_ms: 20, reconnect_max_ms: 200, ...settings,
  } as TcpiplinkSettings & Record<string, unknown>) as TcpiplinkInstance;
  open.push({ h, link });
  return { h, link };
}

function linkTo(server: TcpipHarness | FakeRemote, settings: TcpiplinkSettings = {}): { h: DriverHarness; link: TcpiplinkInstance } {
  const login = 'bus' in server ? { user_remote: 'user', password_remote: 'user-pw' } : {};
  return startLink({ host_remote: '127.0.0.1', port_remote: server.port, ...login, ...settings });
}

async function fake(options: Parameters<typeof startFakeRemote>[0] = {}): Promise<FakeRemote> {
  const r = await startFakeRemote(options);
  remotes.push(r);
  return r;
}

/** A port nothing listens on (for now). */
async function freePort(): Promise<number> {
  const r = await startFakeRemote();
  await r.close();
  return r.port;
}

let seq = 0;
function event(vscpClass: number, vscpType: number, tag: number): VscpEvent {
  return createEvent({
    head: 0x60, vscpClass, vscpType, timestamp: 1_000_000 + ++seq,
    guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:09'), data: [tag >> 8, tag & 0xff],
  });
}

const tagOf = (e: VscpEvent): number => (e.data[0]! << 8) | e.data[1]!;

/** Hands events to the link as the driver host does: one at a time, waiting when it asks to. */
async function deliver(link: TcpiplinkInstance, events: VscpEvent[]): Promise<void> {
  for (const e of events) {
    const r = link.receive!(e);
    if (r) await r;
  }
}

/** A logged-in client in RCVLOOP collecting what reaches the remote's clients. */
async function observe(server: TcpipHarness, options: Partial<VscpClientOptions> = {}): Promise<{ client: VscpClient; events: VscpEvent[] }> {
  const client = await server.login('admin', undefined, options);
  const events: VscpEvent[] = [];
  await client.receiveLoop({ onEvent: (e) => events.push(e) });
  return { client, events };
}


async function server(options: TcpipHarnessOptions = {}): Promise<TcpipHarness> {
  return startTcpipHarness({ settings: { keepaliveIntervalMs: 100, ...options.settings }, ...options });
}

describe('link to a VSCP TCP/IP interface', () => {
  it('carries events both ways and drops its own events coming back', async () => {
    const remote = await server();
    const obs = await observe(remote);
    const { h, link } = linkTo(remote);
    await link.start();
    expect(link.linked).toBe(true);
    expect(h.health.at(-1)?.health).toBe('running');

    // this side → remote: the remote's clients get the events, with the send session's id as obid
    await deliver(link, [event(20, 3, 1), event(20, 3, 2)]);
    await until('two events at the remote', () => obs.events.length === 2);
    expect(obs.events.map(tagOf)).toEqual([1, 2]);
    expect(obs.events.every((e) => e.obid === link.channelId)).toBe(true);

    // remote → this side
    const sender = await remote.login('admin');
    await sender.send(event(30, 5, 3));
    const [got] = await h.waitForEvents(1);
    expect([got!.vscpClass, got!.vscpType, tagOf(got!)]).toEqual([30, 5, 3]);

    // the remote also handed our two events to the receive session: recognised as echoes
    await until('the echoes', () => link.stats().echoes === 2);
    expect(h.emitted.map(tagOf)).toEqual([3]);
    expect(link.stats()).toMatchObject({ sent: 2, received: 1, echoes: 2, refused: 0 });

    // the send session's filter keeps the remote from queueing events for it
    const sendSession = remote.bus.client(link.channelId!)!;
    expect(sendSession.queued).toBe(0);
    expect(sendSession.counters.filtered).toBeGreaterThan(0);
  });

  it('stops safely before, during and after start, and twice', async () => {
    const { h, link } = startLink({ host_remote: '127.0.0.1', port_remote: 1 });
    await link.stop();
    await link.stop();
    expect(h.activeTimers()).toBe(0);

    // a remote that accepts the connection and never greets: start() is still waiting
    const mute = createServer(() => undefined);
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const { h: h2, link: waiting } = startLink({ host_remote: '127.0.0.1', port_remote: (mute.address() as AddressInfo).port });
      const starting = waiting.start();
      await until('a connection attempt', () => h2.logs.some((l) => l.message.startsWith('Linking to')));
      await Promise.all([waiting.stop(), starting, waiting.stop()]);
      expect(h2.activeTimers()).toBe(0);
      expect(waiting.linked).toBe(false);
    } finally {
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('sets the receive filter at the remote, and filters here when the remote user may not set it', async () => {
    const remote = await server();
    const { h, link } = linkTo(remote, { rxfilter: '0,10,0,-', rxmask: '0,0xFFFF,0,-' });
    await link.start();
    const sessionFilter = remote.bus.clients.find((c) => c.kind === 'tcpip' && c.filter?.filterClass === 10 && c.filter.maskClass === 0xffff);
    expect(sessionFilter).toBeDefined();
    const sender = await remote.login('admin');
    await sender.sendAll([event(20, 1, 1), event(10, 6, 2)]);
    await h.waitForEvents(1);
    expect(h.emitted.map(tagOf)).toEqual([2]);
    expect(link.stats().rxFiltered).toBe(0); // the remote kept class 20 away

    // a reader (privilege 2) may RCVLOOP but not SFLT
    const { h: h2, link: reader } = linkTo(remote, { user_remote: 'reader', password_remote: 'reader-pw', direction: 'receive', rxfilter: '0,10,0,-', rxmask: '0,0xFFFF,0,-' });
    await reader.start();
    expect(reader.linked).toBe(true);
    expect(h2.logs.some((l) => l.level === 'warn' && /refused the receive filter \(-OK - User need higher privilege level to perform this operation\.\); events are filtered here instead/.test(l.message))).toBe(true);
    await sender.sendAll([event(20, 1, 3), event(10, 6, 4)]);
    await h2.waitForEvents(1);
    await until('the filtered event', () => reader.stats().rxFiltered === 1);
    expect(h2.emitted.map(tagOf)).toEqual([4]);
  });

  it('counts an event the remote refuses and goes on with the next', async () => {
    const remote = await server({ users: [{ name: 'admin', password: 'admin-pw' }, { name: 'user', password: 'user-pw', privilege: 6, allowEvent: ['10:*'] }] });
    const obs = await observe(remote);
    const { h, link } = linkTo(remote);
    await link.start();
    await deliver(link, [event(20, 3, 1), event(10, 6, 2)]);
    await until('the answers', () => link.stats().sent + link.stats().refused === 2);
    expect(link.stats()).toMatchObject({ sent: 1, refused: 1 });
    await until('the allowed event at the remote', () => obs.events.length === 1);
    expect(obs.events.map(tagOf)).toEqual([2]);
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes('refused an event: -OK - Not allowed to sen'))).toBe(true);
  });

  it('queues while the remote is away, drops the oldest beyond send_queue_size, and sends the rest in order when it is back', async () => {
    const port = await freePort();
    const { h, link } = startLink({ host_remote: '127.0.0.1', port_remote: port, send_queue_size: 3 });
    await link.start();
    expect(link.linked).toBe(false);
    const degraded = h.health.at(-1)!;
    expect(degraded.health).toBe('degraded');
    expect(degraded.reason).toBe(`not linked: connect 127.0.0.1:${port}: ECONNREFUSED`);

    const events = [1, 2, 3, 4, 5].map((n) => event(20, 3, n));
    await deliver(link, events);
    expect(link.queued).toBe(3);
    expect(link.stats().droppedOffline).toBe(2);
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes('The send queue (send_queue_size 3) is full'))).toBe(true);

    const r = await fake({ port, keepaliveMs: 50 });
    await r.waitFor(() => r.sent().length === 3, 'three SENDs');
    expect(r.sent()).toEqual(events.slice(2).map(formatEvent));
    await until('running', () => link.linked && h.health.at(-1)?.health === 'running');
    expect(link.queued).toBe(0);
  });

  it('comes back after the remote restarts, with its filter and the new channel id', async () => {
    const first = await server();
    const port = first.port;
    const { h, link } = linkTo(first, { rxfilter: '0,10,0,-', rxmask: '0,0xFFFF,0,-' });
    await link.start();
    await first.close();
    await until('degraded', () => h.health.at(-1)?.health === 'degraded');
    expect(h.logs.some((l) => l.level === 'warn' && /^Lost the (receive|send) session: .*; reconnecting in \d+ ms\.$/.test(l.message))).toBe(true);

    const second = await server({ settings: { listen: [{ host: '127.0.0.1', port }] } });
    await until('linked again', () => link.linked && h.health.at(-1)?.health === 'running');
    const sessions = second.server.sessions();
    expect(sessions).toHaveLength(2);
    const receiving = sessions.find((s) => s.receiveLoop)!;
    const sending = sessions.find((s) => !s.receiveLoop)!;
    expect(link.channelId).toBe(sending.id);
    expect(second.bus.client(receiving.id!)!.filter).toMatchObject({ filterClass: 10, maskClass: 0xffff });
    expect(h.logs.some((l) => /^Receiving from 127\.0\.0\.1:\d+ again/.test(l.message))).toBe(true);
    expect(link.stats().receiveLosses + link.stats().sendLosses).toBe(2);
  });

  it('stops after sending everything it accepted, and leaves no timer', async () => {
    const remote = await server();
    const obs = await observe(remote);
    const { h, link } = linkTo(remote);
    await link.start();
    const events = Array.from({ length: 3 * SEND_WINDOW }, (_, i) => event(20, 3, i));
    await deliver(link, events);
    await link.stop();
    expect(link.stats()).toMatchObject({ droppedOnStop: 0, sent: events.length });
    expect(h.activeTimers()).toBe(0);
    await until('every event at the remote', () => obs.events.length === events.length);
    expect(obs.events.map(tagOf)).toEqual(events.map(tagOf));
    expect(remote.server.sessions().filter((s) => s.user === 'user')).toHaveLength(0);
    expect(h.logs.at(-1)!.message).toBe('Stopped.');
  });

  it('reports a refused login and keeps trying', async () => {
    const remote = await server({ settings: { loginDelayBaseMs: 1, loginDelayMaxMs: 1 } });
    const { h, link } = linkTo(remote, { password_remote: 'wrong' });
    await link.start();
    expect(h.health.at(-1)).toEqual({ health: 'degraded', reason: `not linked: 127.0.0.1:${remote.port}: login refused: -OK - Invalid username or password.` });
    const failed = link.stats().failedAttempts;
    await until('more attempts', () => link.stats().failedAttempts > failed + 2);
    expect(h.logs.filter((l) => l.level === 'warn' && l.message.startsWith('Cannot open the receive session')).length).toBe(1);
    expect(h.logs.map((l) => l.message).join('\n')).not.toContain('wrong');
  });
});

describe('TLS', () => {
  const tlsServer = () => server({ settings: { tlsCert: join(tls, 'server.pem'), tlsKey: join(tls, 'server.key') } });

  it('links to a TLS interface whose certificate the given CA signed', async () => {
    const remote = await tlsServer();
    const obs = await observe(remote, { tls: { ca: readFileSync(join(tls, 'ca.pem')) } });
    const { link } = linkTo(remote, { tls: true, tls_ca: join(tls, 'ca.pem') });
    await link.start();
    expect(link.linked).toBe(true);
    expect(remote.server.sessions().filter((s) => s.user === 'user').every((s) => s.tls)).toBe(true);
    await deliver(link, [event(20, 3, 7)]);
    await until('the event at the remote', () => obs.events.length === 1);
  });

  it('refuses a certificate it cannot verify or one for another name', async () => {
    const remote = await tlsServer();
    const { h, link } = linkTo(remote, { tls: true });
    await link.start();
    expect(h.health.at(-1)?.reason).toMatch(/^not linked: connect 127\.0\.0\.1:\d+: UNABLE_TO_VERIFY_LEAF_SIGNATURE$/);

    const { h: h2, link: wrongName } = linkTo(remote, { tls: true, tls_ca: join(tls, 'ca.pem'), tls_servername: 'other.example' });
    await wrongName.start();
    expect(h2.health.at(-1)?.reason).toMatch(/^not linked: connect 127\.0\.0\.1:\d+: ERR_TLS_CERT_ALTNAME_INVALID$/);

    const { link: trusting } = linkTo(remote, { tls: true, tls_reject_unauthorized: false });
    await trusting.start();
    expect(trusting.linked).toBe(true);
  });

  it('fails to start when the CA file cannot be read', async () => {
    const { link } = startLink({ host_remote: '127.0.0.1', tls: true, tls_ca: join(tls, 'missing.pem') });
    await expect(link.start()).rejects.toThrow(`tls_ca: read ${join(tls, 'missing.pem')}: ENOENT`);
  });
});

describe('directions', () => {
  it('receive: no send session and nothing for the daemon to queue', async () => {
    const remote = await server();
    const { h, link } = linkTo(remote, { direction: 'receive' });
    expect(link.receive).toBeUndefined();
    await link.start();
    expect(remote.server.sessions().filter((s) => s.user === 'user').map((s) => s.receiveLoop)).toEqual([true]);
    const sender = await remote.login('admin');
    await sender.send(event(20, 3, 1));
    await h.waitForEvents(1);
  });

  it('send: no receive session', async () => {
    const remote = await server();
    const obs = await observe(remote);
    const { h, link } = linkTo(remote, { direction: 'send' });
    await link.start();
    expect(remote.server.sessions().filter((s) => s.user === 'user').map((s) => s.receiveLoop)).toEqual([false]);
    await deliver(link, [event(20, 3, 1)]);
    await until('the event at the remote', () => obs.events.length === 1);
    const sender = await remote.login('admin');
    await sender.send(event(20, 3, 2));
    await sender.noop();
    expect(h.emitted).toHaveLength(0);
  });
});

describe('hot reconfiguration', () => {
  it('applies new filters in place, at the remote too, and asks for a restart for other keys', async () => {
    const remote = await server();
    const obs = await observe(remote);
    const base: TcpiplinkSettings = { host_remote: '127.0.0.1', port_remote: remote.port, user_remote: 'user', password_remote: 'user-pw', reconnect_min_ms: 20, reconnect_max_ms: 200 };
    const { link } = linkTo(remote);
    await link.start();
    const connects = link.stats().receiveConnects + link.stats().sendConnects;

    const next = { ...base, txfilter: '0,10,0,-', txmask: '0,0xFFFF,0,-', rxfilter: '0,30,0,-', rxmask: '0,0xFFFF,0,-' };
    expect(link.reconfigure!(next, ['txfilter', 'txmask', 'rxfilter', 'rxmask'])).toBe('applied');
    await deliver(link, [event(20, 3, 1), event(10, 6, 2)]);
    await until('the class 10 event at the remote', () => obs.events.length === 1);
    expect(obs.events.map(tagOf)).toEqual([2]);
    await until('the new filter at the remote', () => remote.bus.clients.some((c) => c.filter?.filterClass === 30));
    expect(link.stats().receiveConnects + link.stats().sendConnects).toBe(connects);

    expect(link.reconfigure!({ ...next, user_remote: 'admin' }, ['user_remote'])).toBe('restart');
  });

  it('shrinks the send queue, dropping the oldest', async () => {
    const { link } = startLink({ host_remote: '127.0.0.1', port_remote: await freePort(), send_queue_size: 10 });
    await link.start();
    await deliver(link, Array.from({ length: 10 }, (_, i) => event(20, 3, i)));
    expect(link.reconfigure!({ host_remote: '127.0.0.1', send_queue_size: 4 }, ['send_queue_size'])).toBe('applied');
    expect(link.queued).toBe(4);
    expect(link.stats().droppedOffline).toBe(6);
  });
});

describe('loops and hostile remotes', () => {
  it('does not send back what came from the remote, nor take again what this side already carried', async () => {
    const r = await fake({ keepaliveMs: 50 });
    const { h, link } = linkTo(r);
    await link.start();
    await r.waitFor(() => r.loops().length === 1 && link.linked, 'the link');

    // F came from the remote; a second path brings it back to the link's receive()
    const f = event(20, 3, 1);
    r.push(formatEvent({ ...f, obid: 5 }));
    await h.waitForEvents(1);
    await deliver(link, [{ ...f, obid: 99 }]);
    expect(link.stats().txLoops).toBe(1);

    // G was delivered here and sent; the remote hands it back from another client
    const g = event(20, 3, 2);
    await deliver(link, [g]);
    await r.waitFor(() => r.sent().length === 1, 'the SEND of G');
    r.push(formatEvent({ ...g, obid: link.channelId! + 1 }));
    const marker = event(20, 3, 3);
    r.push(formatEvent({ ...marker, obid: 5 }));
    await h.waitForEvents(2);
    expect(h.emitted.map(tagOf)).toEqual([1, 3]);
    expect(link.stats()).toMatchObject({ txLoops: 1, rxLoops: 1, sent: 1 });
    expect(r.sent()).toEqual([formatEvent(g)]);
  });

  it('ignores lines that are no event and reconnects after a line beyond the limit', async () => {
    const r = await fake({ keepaliveMs: 50 });
    const { h, link } = linkTo(r);
    await link.start();
    await r.waitFor(() => r.loops().length === 1, 'the receive loop');
    r.push('this is no event');
    r.push(formatEvent(event(20, 3, 1)));
    await h.waitForEvents(1);
    expect(link.stats().badLines).toBe(1);
    expect(h.logs.some((l) => l.level === 'warn' && l.message.startsWith('Ignored a line from 127.0.0.1:') && l.message.includes('"this is no event"'))).toBe(true);

    r.push('9'.repeat(20_000));
    await r.waitFor(() => r.connections.filter((c) => c.lines.includes('RCVLOOP')).length === 2, 'a new receive session');
    expect(h.logs.some((l) => /^Lost the receive session: server 127\.0\.0\.1:\d+ sent a line longer than 16384 bytes/.test(l.message))).toBe(true);
  });

  it('gives up on a command the remote does not answer in time and tries again', async () => {
    let silent = true;
    const r = await fake({ keepaliveMs: 50, reply: (_c, line) => (line === 'CHID' && silent ? '' : undefined) });
    const { h, link } = linkTo(r, { responsetimeout: 150 });
    await link.start();
    await until('degraded', () => h.health.some((x) => x.health === 'degraded' && /CHID: no reply from 127\.0\.0\.1:\d+ within 150 ms/.test(x.reason ?? '')));
    silent = false;
    await until('linked', () => link.linked);
    expect(link.channelId).not.toBeNull();
  });

  it('probes an idle send session with NOOP and reconnects when the probe goes unanswered', async () => {
    let answerNoop = true;
    const r = await fake({ keepaliveMs: 20, reply: (_c, line) => (line === 'NOOP' && !answerNoop ? '' : undefined) });
    const { link } = linkTo(r, { keepalive_timeout_ms: 100, responsetimeout: 150 });
    await link.start();
    const sendSession = () => r.connections.filter((c) => c.lines.includes('CHID'));
    await r.waitFor(() => sendSession()[0]!.lines.includes('NOOP'), 'a NOOP');
    answerNoop = false;
    await r.waitFor(() => sendSession().length === 2, 'a new send session');
    expect(sendSession()[0]!.closed).toBe(true);
    expect(link.stats().sendLosses).toBeGreaterThanOrEqual(1);
  });
});
