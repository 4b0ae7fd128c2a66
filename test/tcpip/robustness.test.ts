/*
 * Hostile and careless clients: huge lines, garbage, clients that never read, idle and
 * vanished connections, a thousand connections, password guessing. Whatever one connection
 * does, the others keep working.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RawConnection, type TcpipHarness, rawLogin, startTcpipHarness, tcpipSettings } from '../support/tcpip-harness.js';

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A second, well-behaved session still works. */
async function stillServes(h: TcpipHarness): Promise<void> {
  const c = await h.login('user');
  expect((await c.command('CHID')).ok).toBe(true);
  c.close();
}

describe('over-long lines', () => {
  it('answers a 1 MB line with an error and closes; others are unaffected', async () => {
    const h = await startTcpipHarness();
    const bystander = await rawLogin(h, 'user');
    const r = await h.raw();
    await r.until((l) => l.startsWith('+OK'));
    r.write('NOOP\r\n' + 'A'.repeat(1024 * 1024) + '\r\nNOOP\r\n');
    expect(await r.line()).toBe('+OK - Success.');
    expect(await r.line()).toBe('-OK - Line too long.');
    expect(await r.waitClosed()).toBe('');
    bystander.send('NOOP');
    expect(await bystander.line()).toBe('+OK - Success.');
    await stillServes(h);
  });

  it('closes a connection that sends an endless line without a line end', async () => {
    const h = await startTcpipHarness({ settings: { maxLineBytes: 1024 } });
    const r = await h.raw();
    await r.until((l) => l.startsWith('+OK'));
    for (let i = 0; i < 10 && r.isOpen; i++) r.write('x'.repeat(200));
    expect(await r.line()).toBe('-OK - Line too long.');
    await r.waitClosed();
    await stillServes(h);
  });

  it('accepts a line of exactly max_line_bytes, also when CRLF is split across packets', async () => {
    const h = await startTcpipHarness({ settings: { maxLineBytes: 100 } });
    const r = await rawLogin(h);
    const line = 'SEND 0,20,3,,,,-' + ',1'.repeat(42);
    expect(line.length).toBe(100);
    r.write(line + '\r');
    r.write('\n');
    expect(await r.line()).toBe('+OK - Success.');
  });
});

describe('binary garbage', () => {
  it('answers garbage lines with errors and closes a connection that sends only garbage', async () => {
    const h = await startTcpipHarness();
    const r = await h.raw();
    await r.until((l) => l.startsWith('+OK'));
    const junk: Buffer[] = [];
    for (let i = 0; i < 40; i++) junk.push(Buffer.from(randomBytes(100).map((b) => (b === 10 || b === 13 ? 0 : b))), Buffer.from('\n'));
    r.write(Buffer.concat(junk));
    const rest = await r.waitClosed();
    const lines = rest.split('\r\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.slice(0, -1).every((l) => l === '-OK - Unknown command')).toBe(true);
    expect(lines.at(-1)).toBe('-OK - Too many errors.');
    await stillServes(h);
  });

  it('survives NUL bytes and invalid UTF-8 inside commands after login', async () => {
    const h = await startTcpipHarness({ settings: { variableEncoding: 'plain' } });
    const r = await rawLogin(h);
    r.write(Buffer.concat([Buffer.from('SEND 0,20,3,,,,-,\0\xff\r\n', 'latin1'), Buffer.from('VAR WRITE x;string;;;;'), Buffer.from([0xc3, 0x28]), Buffer.from('\r\n')]));
    expect(await r.line()).toBe('-OK - Invalid parameter or format');
    expect(await r.line()).toBe('+OK - Success.');
    r.send('VAR READVALUE x');
    // invalid UTF-8 becomes U+FFFD
    expect(await r.lines(2)).toEqual(['\uFFFD(', '+OK - Success.']);
    // garbage after login does not close the session
    for (let i = 0; i < 30; i++) r.send('\u0001\u0002garbage');
    r.send('NOOP');
    const lines = await r.until((l) => l === '+OK - Success.');
    expect(lines).toHaveLength(31);
  });
});

describe('hostile patterns', () => {
  it('stops a catastrophic VAR LIST regular expression and keeps serving', async () => {
    const h = await startTcpipHarness({ variables: [{ name: 'A'.repeat(40) + '!', type: 1, value: 'x' }] });
    const r = await rawLogin(h);
    const other = await h.login('user');
    const pending = other.command('NOOP');
    r.send('VAR LIST ^(A+)+$');
    expect(await r.line()).toBe('-OK - Invalid parameter or format');
    expect((await pending).ok).toBe(true);
    r.send('VAR LIST ^A+!$');
    expect(await r.lines(3)).toEqual(['1 rows.', expect.stringMatching(/^0;A{40}!;1;0;1860;false;/), '+OK - Success.']);
  });
});

describe('faults of the daemon', () => {
  it('answers a command whose handler fails with an internal error and keeps the session', async () => {
    const h = await startTcpipHarness();
    const r = await rawLogin(h);
    h.variables.get = () => { throw new Error('disk on fire'); };
    r.send('VAR READVALUE x');
    r.send('NOOP');
    expect(await r.lines(2)).toEqual(['-OK - Server Internal error.', '+OK - Success.']);
  });
});

describe('slow readers', () => {
  it('a client that never reads does not hold up the others; its drops are counted', async () => {
    const h = await startTcpipHarness({ queueSize: 256 });
    const slow = await rawLogin(h, 'reader');
    slow.send('RCVLOOP');
    expect(await slow.line()).toBe('+OK - Receive loop entered. QUITLOOP to terminate.');
    slow.socket.pause(); // never read again: the kernel buffers fill, then the server's
    const fast = await h.login('reader');
    let got = 0;
    await fast.receiveLoop({ onEvent: () => { got++; } });
    const sender = await h.login('user');
    const data = Array.from({ length: 200 }, (_, i) => i & 0xff).join(',');
    const total = 6000;
    for (let i = 0; i < total; i += 50) {
      await sender.sendAll(Array.from({ length: 50 }, () => `0,20,3,,,,-,${data}`));
    }
    await waitUntil('the fast reader to get every event', () => got === total, 30_000);
    const slowSession = h.server.sessions().find((s) => s.user === 'reader' && s.remotePort === slow.socket.localPort)!;
    expect(slowSession.outputBlocked).toBe(true);
    expect(slowSession.pendingOutputBytes).toBeLessThan(4 * 1024 * 1024);
    const slowClient = h.bus.client(slowSession.id!)!;
    expect(slowClient.counters.dropped.queue_full).toBeGreaterThan(0);
    expect(slowClient.counters.sent + slowClient.queued + slowClient.counters.dropped.queue_full).toBe(total);
    // the slow one recovers once it reads: what was written arrives, then keep-alives / events resume
    slow.socket.resume();
    await waitUntil('the slow reader to catch up', () => h.server.sessions().find((s) => s.id === slowSession.id)?.outputBlocked === false);
  });

  it('stops reading commands from a client that does not read its replies, and answers all later', async () => {
    const h = await startTcpipHarness();
    const r = await rawLogin(h);
    r.socket.pause();
    const n = 20_000;
    r.write('HELP\r\n'.repeat(n));
    await waitUntil('the server to stop reading', () => h.server.sessions()[0]!.outputBlocked);
    const info = h.server.sessions()[0]!;
    // HELP answers ~3 KB: all of them would be ~60 MB; the server holds a bounded part
    expect(info.pendingOutputBytes).toBeLessThan(4 * 1024 * 1024);
    expect(info.commands).toBeLessThan(n);
    await stillServes(h);
    r.socket.resume();
    let answered = 0;
    let other = 0;
    while (answered < n) {
      const l = await r.line(60_000);
      if (l === '+OK - Success.') answered++;
      else if (l.startsWith('-OK')) other++;
    }
    expect(other).toBe(0);
  });
});

describe('idle and vanished clients', () => {
  it('closes an idle connection with a last line, but not one in a receive loop', async () => {
    const h = await startTcpipHarness({ settings: { idleTimeoutMs: 300, keepaliveIntervalMs: 100 } });
    const idle = await rawLogin(h);
    const looping = await rawLogin(h, 'user');
    looping.send('RCVLOOP');
    expect(await looping.line()).toBe('+OK - Receive loop entered. QUITLOOP to terminate.');
    expect(await idle.line()).toBe('-OK - Connection closed by server: idle timeout.');
    await idle.waitClosed();
    // the loop outlived several idle periods (it got keep-alives) and still answers
    expect(await looping.lines(6)).toEqual(new Array(6).fill('+OK'));
    looping.send('QUITLOOP');
    expect(await looping.until((l) => l !== '+OK')).toContain('+OK - Quit receive loop.');
    // after the loop the idle timer runs again
    expect(await looping.line()).toBe('-OK - Connection closed by server: idle timeout.');
  });

  it('cleans up a connection that vanishes abruptly, also in a receive loop or during login', async () => {
    const h = await startTcpipHarness();
    const base = h.bus.clients.length;
    const a = await rawLogin(h);
    a.send('RCVLOOP');
    await a.line();
    const b = await h.raw();
    await b.until((l) => l.startsWith('+OK'));
    b.send('USER admin');
    b.send('PASS admin-pw');
    expect(h.bus.clients.length).toBe(base + 1);
    a.socket.resetAndDestroy();
    b.destroy();
    await waitUntil('the sessions to be gone', () => h.server.sessions().length === 0);
    expect(h.bus.clients.length).toBe(base);
    // events for nobody are fine
    const c = await h.login('user');
    await c.send('0,20,3,,,,-');
    await stillServes(h);
  });

  it('answers everything a client sent before it shut down its side (half-close)', async () => {
    const h = await startTcpipHarness();
    const r = await h.raw();
    r.write('USER admin\r\nPASS admin-pw\r\nCHID\r\nNOOP\r\n');
    r.socket.end();
    const text = await r.waitClosed();
    expect(text.split('\r\n').slice(4)).toEqual(['+OK - User name accepted, password please', '+OK - Success.', '1', '+OK - Success.', '+OK - Success.', '']);
  });
});

describe('many connections', () => {
  it('serves 1,000 connections at once and delivers an event to all of them', async () => {
    const h = await startTcpipHarness({ settings: { maxClients: 1100 } });
    const { user, password } = h.users.addLocalUser({ owner: 'test' });
    const conns: RawConnection[] = [];
    for (let i = 0; i < 1000; i += 100) {
      conns.push(...await Promise.all(Array.from({ length: 100 }, () => rawLogin(h, user, password))));
    }
    expect(h.server.sessions().length).toBe(1000);
    const sender = await h.login('admin');
    await sender.send('0,20,3,,,,-,1,2,3');
    for (const c of conns) c.send('RETR');
    for (const c of conns) expect(await c.line()).toMatch(/^0,20,3,\d+,.*,0x01,0x02,0x03$/);
    for (const c of conns) c.destroy();
    await waitUntil('all sessions to close', () => h.server.sessions().length === 1);
    expect(h.bus.clients.length).toBe(1);
  });

  it('refuses connections over max_clients with the v13 line', async () => {
    const h = await startTcpipHarness({ settings: { maxClients: 2 } });
    const a = await h.raw();
    const b = await h.raw();
    await a.until((l) => l.startsWith('+OK'));
    await b.until((l) => l.startsWith('+OK'));
    const c = await h.raw();
    expect(await c.line()).toBe('-OK - Max number of clients connected.');
    await c.waitClosed();
    expect(h.server.stats().connectionsRefused).toBe(1);
    a.destroy();
    await waitUntil('a slot to free up', () => h.server.sessions().length === 1);
    const d = await h.raw();
    expect(await d.line()).toBe('Welcome to the VSCP daemon.');
  });
});

describe('password guessing', () => {
  async function attempt(h: TcpipHarness, password: string): Promise<string> {
    const r = await h.raw();
    await r.until((l) => l.startsWith('+OK'));
    r.send('USER admin');
    r.send(`PASS ${password}`);
    const lines = await r.lines(2);
    return lines[1]!;
  }

  it('spaces out attempts from an address after failures, and lets only a few wait', async () => {
    const h = await startTcpipHarness({ settings: { loginDelayBaseMs: 40, loginDelayMaxMs: 80 } });
    expect(await attempt(h, 'guess1')).toBe('-OK - Invalid username or password.');
    // twelve parallel attempts with the right password: eight may wait their turn, the rest
    // are refused at once without a password check
    const results = await Promise.all(Array.from({ length: 12 }, () => attempt(h, 'admin-pw')));
    expect(results.filter((r) => r === '+OK - Success.')).toHaveLength(8);
    expect(results.filter((r) => r === '-OK - Invalid username or password.')).toHaveLength(4);
  });

  it('does not slow down other addresses', async () => {
    const slow = { loginDelayBaseMs: 60_000, loginDelayMaxMs: 60_000 };
    const h = await startTcpipHarness({ settings: slow });
    expect(await attempt(h, 'wrong')).toBe('-OK - Invalid username or password.');
    // ::1 is another address: not delayed by 127.0.0.1's failure
    await h.server.update(tcpipSettings({ ...slow, listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] }));
    const v6 = h.server.addresses().find((a) => a.family === 'IPv6')!;
    const r = await RawConnection.open('::1', v6.port);
    await r.until((l) => l.startsWith('+OK'));
    r.send('USER admin');
    r.send('PASS admin-pw');
    expect(await r.lines(2)).toEqual(['+OK - User name accepted, password please', '+OK - Success.']);
    r.destroy();
  });
});
