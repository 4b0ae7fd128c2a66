import { type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent, formatGuid, makeFilter, parseFilterPart, parseGuid, type VscpEvent } from '../protocol/index.js';
import { startTcpipHarness } from '../../test/support/tcpip-harness.js';
import {
  ReconnectingClient, VscpClient, VscpClientError, VscpCommandError, backoffDelay, connectWithRetry,
} from './client.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A scripted server on 127.0.0.1:0: `onLine` answers each line the client sends. */
async function fakeServer(onConnect: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnect(s);
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => { for (const s of sockets) s.destroy(); return close(cb); }) as typeof server.close;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const BANNER = 'Welcome to the VSCP daemon.\r\nVersion: 13.1.1.0 Aluminium\r\n+OK - Success.\r\n';

function lineServer(answer: (line: string, socket: Socket) => string | undefined): Promise<number> {
  return fakeServer((s) => {
    s.write(BANNER);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const reply = answer(line, s);
        if (reply !== undefined) s.write(reply);
      }
    });
  });
}

describe('connecting and logging in', () => {
  it('reads the banner and logs in', async () => {
    const h = await startTcpipHarness();
    const c = await VscpClient.connect({ host: h.host, port: h.port });
    expect(c.banner[0]).toBe('Welcome to the VSCP daemon.');
    expect(c.banner.at(-1)).toBe('+OK - Success.');
    await c.login('user', 'user-pw');
    expect(await c.version()).toEqual({ major: 0, minor: 1, release: 0, build: 0 });
    await c.quit();
    expect(c.connected).toBe(false);
  });

  it('says why a connect fails', async () => {
    const h = await startTcpipHarness();
    const port = h.port;
    await h.close();
    const err = await VscpClient.connect({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VscpClientError);
    expect((err as VscpClientError).code).toBe('connect');
    expect((err as Error).message).toBe(`connect 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('reports a refused login with the server’s line', async () => {
    const h = await startTcpipHarness();
    const c = await h.connect();
    const err = await c.login('admin', 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VscpCommandError);
    expect((err as VscpCommandError).reply.status).toBe('-OK - Invalid username or password.');
    expect((err as Error).message).toBe('PASS ***: -OK - Invalid username or password.');
  });

  it('refuses a server that sends a -OK greeting (max clients)', async () => {
    const port = await fakeServer((s) => s.end('-OK - Max number of clients connected.\r\n'));
    await expect(VscpClient.connect({ host: '127.0.0.1', port })).rejects.toThrow(`connect 127.0.0.1:${port}: -OK - Max number of clients connected.`);
  });
});

describe('commands', () => {
  it('pipelines many commands and matches the replies in order', async () => {
    const h = await startTcpipHarness();
    const c = await h.login('admin');
    const lines = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 'CHID' : i % 3 === 1 ? 'NOOP' : 'BOGUS'));
    const replies = await Promise.all(lines.map((l) => c.command(l)));
    replies.forEach((r, i) => {
      if (i % 3 === 0) expect(r).toEqual({ ok: true, lines: ['1'], status: '+OK - Success.' });
      if (i % 3 === 1) expect(r).toEqual({ ok: true, lines: [], status: '+OK - Success.' });
      if (i % 3 === 2) expect(r).toEqual({ ok: false, lines: [], status: '-OK - Unknown command' });
    });
    expect(c.outstanding).toBe(0);
  });

  it('sends, retrieves and filters events; GUID and statistics helpers', async () => {
    const h = await startTcpipHarness();
    const tx = await h.login('admin');
    const rx = await h.login('user');
    expect(await rx.chid()).toBe(2);
    expect(formatGuid(await rx.ggid())).toBe('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:02:00:00');
    await tx.sgid(parseGuid('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:00:00'));
    await tx.send(createEvent({ vscpClass: 20, vscpType: 3, data: [0, 1, 35] }));
    await tx.sendAll(['0,10,6,,,,-,1', '0,10,6,,,,-,2']);
    expect(await rx.cdta()).toBe(3);
    const events = await rx.retr(10);
    expect(events.map((e) => [e.vscpClass, e.vscpType, e.obid])).toEqual([[20, 3, 1], [10, 6, 1], [10, 6, 1]]);
    expect(formatGuid(events[0]!.guid)).toBe('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:00:00');
    expect(await rx.retr()).toEqual([]);
    await rx.setFilter(makeFilter(parseFilterPart('0,10,0,-'), parseFilterPart('0,0xFFFF,0,-')));
    await tx.sendAll(['0,20,3,,,,-', '0,10,1,,,,-']);
    expect((await rx.retr(5)).map((e) => e.vscpClass)).toEqual([10]);
    expect(await rx.stat()).toEqual({ busoff: 0, buswarnings: 0, overruns: 0, rxdata: 0, rxframes: 0, txdata: 5, txframes: 4 });
    await tx.send('0,10,1,,,,-');
    await rx.clra();
    expect(await rx.cdta()).toBe(0);
    expect((await tx.wcyd()) >> 63n).toBe(1n);
    const list = await tx.interfaceList();
    expect(list.map((i) => [i.id, i.type])).toEqual([[1, 5], [2, 5]]);
    await expect(tx.send('0,20')).rejects.toThrow('SEND 0,20: -OK - Invalid parameter or format');
  });

  it('closes the connection when a reply does not come in time', async () => {
    const port = await lineServer((line) => (line === 'SLOW' ? undefined : '+OK - Success.\r\n'));
    const c = await VscpClient.connect({ host: '127.0.0.1', port, responseTimeoutMs: 100 });
    await c.noop();
    const err = await c.command('SLOW').catch((e: unknown) => e);
    expect((err as VscpClientError).code).toBe('timeout');
    expect((err as Error).message).toBe(`SLOW: no reply from 127.0.0.1:${port} within 100 ms`);
    expect(c.connected).toBe(false);
    await expect(c.noop()).rejects.toThrow(VscpClientError);
  });

  it('rejects what is outstanding when the server goes away, with its last words', async () => {
    const port = await lineServer((line, s) => {
      if (line === 'BYE') s.end('-OK - Connection closed by server: idle timeout.\r\n');
      return line === 'NOOP' ? '+OK - Success.\r\n' : undefined;
    });
    const c = await VscpClient.connect({ host: '127.0.0.1', port });
    const closed = new Promise<VscpClientError>((r) => c.onClose(r));
    const pending = c.command('BYE');
    await expect(pending).rejects.toThrow(VscpClientError);
    expect((await closed).message).toBe(`connection to 127.0.0.1:${port} closed: -OK - Connection closed by server: idle timeout.`);
  });

  it('treats a huge line and an endless greeting as hostile', async () => {
    const big = await fakeServer((s) => s.write(BANNER + 'x'.repeat(300_000) + '\r\n'));
    const c = await VscpClient.connect({ host: '127.0.0.1', port: big, maxLineBytes: 100_000 });
    const closed = new Promise<VscpClientError>((r) => c.onClose(r));
    expect((await closed).message).toBe(`server 127.0.0.1:${big} sent a line longer than 100000 bytes`);
    const chatty = await fakeServer((s) => s.write('hello\r\n'.repeat(100)));
    await expect(VscpClient.connect({ host: '127.0.0.1', port: chatty })).rejects.toThrow(/no \+OK in the first 50 lines/);
  });

  it('skips the blank lines v13.1.x printed after some replies', async () => {
    const port = await lineServer((line) => (line === 'CHID' ? '5\r\n+OK - Success.\r\n\r\n' : line === 'NOOP' ? '+OK - Success.\r\n' : undefined));
    const c = await VscpClient.connect({ host: '127.0.0.1', port });
    const [a, b] = await Promise.all([c.chid(), c.command('NOOP')]);
    expect(a).toBe(5);
    expect(b).toEqual({ ok: true, lines: [], status: '+OK - Success.' });
    c.close();
  });
});

describe('variables', () => {
  for (const encoding of ['base64', 'plain'] as const) {
    it(`reads and writes plain text through a ${encoding} server`, async () => {
      const h = await startTcpipHarness({
        settings: { variableEncoding: encoding },
        variables: [{ name: 'mqtt1_host', type: 1, value: 'broker.local', note: 'the broker' }, { name: 'n', type: 3, value: '7' }],
      });
      const c = await h.login('admin', undefined, { variableEncoding: encoding });
      expect(await c.readValue('mqtt1_host')).toBe('broker.local');
      const row = await c.readVariable('MQTT1_HOST');
      expect(row).toMatchObject({ name: 'MQTT1_HOST', type: 1, owner: 0, rights: 0x744, persistent: false, value: 'broker.local', note: 'the broker' });
      expect(await c.readValueRaw('mqtt1_host')).toBe(encoding === 'base64' ? 'YnJva2VyLmxvY2Fs' : 'broker.local');
      await c.writeValue('mqtt1_host', 'Zürich büro 1');
      expect(await c.readValue('mqtt1_host')).toBe('Zürich büro 1');
      expect(h.variables.get('MQTT1_HOST')!.value).toBe('Zürich büro 1');
      await c.writeValue('n', '0x10');
      expect(await c.readValue('n')).toBe('16');
      await c.writeVariable({ name: 'created', type: 'string', value: 'a;b', note: 'my note', persistent: true });
      expect(await c.readVariable('created')).toMatchObject({ value: 'a;b', note: 'my note', persistent: true, type: 1, owner: 0 });
      const rows = await c.listVariables('^(N|CREATED)$');
      expect(rows.map((r) => [r.name, r.type])).toEqual([['CREATED', 1], ['N', 3]]);
      await c.removeVariable('created');
      await expect(c.readValue('created')).rejects.toThrow('VAR READ created: -OK - Variable is not defined.');
    });
  }
});

describe('receive loop', () => {
  it('streams events to a callback and an iterator, and returns to command mode', async () => {
    const h = await startTcpipHarness({ settings: { keepaliveIntervalMs: 50 } });
    const rx = await h.login('user');
    const tx = await h.login('admin');
    const seen: VscpEvent[] = [];
    const loop = await rx.receiveLoop({ onEvent: (e) => seen.push(e) });
    const iterated: number[] = [];
    const consumer = (async () => { for await (const e of loop) iterated.push(e.data[0]!); })();
    for (let i = 0; i < 20; i++) await tx.send(`0,20,3,,,,-,${i}`);
    // commands work inside the loop on the same connection
    expect(await rx.chid()).toBe(1);
    await rx.send('0,30,5,,,,-');
    while (iterated.length < 20) await new Promise((r) => setTimeout(r, 5));
    while (loop.keepalives < 2) await new Promise((r) => setTimeout(r, 20));
    await loop.stop();
    await consumer;
    expect(iterated).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seen).toHaveLength(20);
    expect(loop.badLines).toBe(0);
    await tx.send('0,20,3,,,,-,99');
    expect((await rx.retr()).map((e) => e.data[0])).toEqual([99]);
  });

  it('pauses reading while the iterator is behind and loses nothing', async () => {
    const h = await startTcpipHarness();
    const rx = await h.login('user');
    const tx = await h.login('admin');
    const loop = await rx.receiveLoop({ maxBuffered: 10 });
    const total = 1000;
    const sending = (async () => {
      for (let i = 0; i < total; i += 100) await tx.sendAll(Array.from({ length: 100 }, (_, k) => `0,20,3,,,,-,${(i + k) >> 8},${(i + k) & 0xff}`));
    })();
    const seen: number[] = [];
    for await (const e of loop) {
      seen.push((e.data[0]! << 8) | e.data[1]!);
      if (seen.length % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      if (seen.length === total) break;
    }
    await sending;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    const rxId = h.server.sessions().find((x) => x.user === 'user')!.id!;
    expect(h.bus.client(rxId)!.counters.dropped.queue_full).toBe(0);
    expect(h.bus.client(rxId)!.counters.sent).toBe(total);
  });

  it('declares a silent loop stalled and closes the connection', async () => {
    const port = await lineServer((line) => {
      if (line === 'RCVLOOP') return '+OK - Receive loop entered. QUITLOOP to terminate.\r\n0,20,3,1,,5,-\r\n';
      return '+OK - Success.\r\n';
    });
    const c = await VscpClient.connect({ host: '127.0.0.1', port });
    const loop = await c.receiveLoop({ keepaliveTimeoutMs: 150 });
    const got: number[] = [];
    const err = await (async () => { for await (const e of loop) got.push(e.vscpClass); })().catch((e: unknown) => e);
    expect(got).toEqual([20]);
    expect((err as VscpClientError).code).toBe('stalled');
    expect(c.connected).toBe(false);
  });

  it('hands lines that are no events to onBadLine instead of failing', async () => {
    const port = await lineServer((line) => (line === 'RCVLOOP' ? '+OK - Receive loop entered. QUITLOOP to terminate.\r\nnot an event\r\n0,1,2,3,,4,-\r\n' : '+OK - Quit receive loop.\r\n'));
    const c = await VscpClient.connect({ host: '127.0.0.1', port });
    const bad: string[] = [];
    const events: number[] = [];
    const loop = await c.receiveLoop({ onBadLine: (l) => bad.push(l), onEvent: (e) => events.push(e.vscpType) });
    while (events.length < 1) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    expect(bad).toEqual(['not an event']);
    expect(events).toEqual([2]);
  });
});

describe('reconnecting', () => {
  it('computes growing delays with jitter between half and all of the step', () => {
    expect(backoffDelay(0, { minDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(50);
    expect(backoffDelay(0, { minDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(100);
    expect(backoffDelay(3, { minDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(800);
    expect(backoffDelay(10, { minDelayMs: 100, maxDelayMs: 1000 }, () => 0.5)).toBe(750);
  });

  it('retries until the server is there, then logs in and runs setup', async () => {
    const first = await startTcpipHarness();
    const port = first.port;
    await first.close();
    const retries: number[] = [];
    const pending = connectWithRetry({
      host: '127.0.0.1', port, user: 'admin', password: 'admin-pw', minDelayMs: 20, maxDelayMs: 50,
      onRetry: (_e, attempt) => { retries.push(attempt); },
      setup: async (c) => { await c.expectOk('SFLT 0,20,0,-'); },
    });
    while (retries.length < 2) await new Promise((r) => setTimeout(r, 10));
    const h = await startTcpipHarness({ settings: { listen: [{ host: '127.0.0.1', port }] } });
    const c = await pending;
    expect(await c.chid()).toBeGreaterThan(0);
    expect(h.server.sessions()[0]!.user).toBe('admin');
    c.close();
  });

  it('gives up after maxAttempts and stops when aborted', async () => {
    const h = await startTcpipHarness();
    const port = h.port;
    await h.close();
    await expect(connectWithRetry({ host: '127.0.0.1', port, maxAttempts: 2, minDelayMs: 1 })).rejects.toThrow(/ECONNREFUSED/);
    const abort = new AbortController();
    const p = connectWithRetry({ host: '127.0.0.1', port, minDelayMs: 10_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(p).rejects.toThrow(/abort/);
  });

  it('keeps a session up across a server restart and runs setup each time', async () => {
    const h1 = await startTcpipHarness();
    const port = h1.port;
    const connected: VscpClient[] = [];
    const disconnects: string[] = [];
    let setups = 0;
    const rc = new ReconnectingClient({
      host: '127.0.0.1', port, user: 'user', password: 'user-pw', minDelayMs: 20, maxDelayMs: 50,
      setup: async (c) => { setups++; await c.receiveLoop(); },
      onConnected: (c) => connected.push(c),
      onDisconnected: (e) => disconnects.push(e.message),
    });
    rc.start();
    while (connected.length < 1) await new Promise((r) => setTimeout(r, 10));
    await h1.close();
    while (disconnects.length < 1) await new Promise((r) => setTimeout(r, 10));
    expect(rc.client).toBeNull();
    const h2 = await startTcpipHarness({ settings: { listen: [{ host: '127.0.0.1', port }] } });
    while (connected.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(setups).toBe(2);
    expect(h2.server.sessions()[0]!.receiveLoop).toBe(true);
    expect(disconnects[0]).toContain('closed');
    await rc.stop();
    while (h2.server.sessions().length > 0) await new Promise((r) => setTimeout(r, 10));
  });
});
