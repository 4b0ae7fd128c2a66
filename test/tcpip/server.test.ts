/*
 * The server as the daemon drives it: listen addresses (IPv4, IPv6, port 0), TLS, hot
 * updates, user reloads, SHUTDOWN and VAR LOAD hooks, stop with a last line.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VscpClient } from '../../runtime/tcpip/client.js';
import { TcpipServerError } from '../../runtime/tcpip/server.js';
import { RootLogger } from '../../runtime/support/log.js';
import {
  DEFAULT_USERS, RawConnection, rawLogin, startTcpipHarness, tcpipSettings, userSettings,
} from '../support/tcpip-harness.js';
import { tempDir } from '../support/tmp.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const certA = join(fixtures, 'tls-a.crt');
const keyA = join(fixtures, 'tls-a.key');
const certB = join(fixtures, 'tls-b.crt');
const keyB = join(fixtures, 'tls-b.key');

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('listen addresses', () => {
  it('listens on IPv4 and IPv6 loopback with system-chosen ports', async () => {
    const h = await startTcpipHarness({ settings: { listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] } });
    const addrs = h.server.addresses();
    expect(addrs.map((a) => a.family).sort()).toEqual(['IPv4', 'IPv6']);
    expect(addrs.every((a) => a.port > 0)).toBe(true);
    const v6 = addrs.find((a) => a.family === 'IPv6')!;
    expect(v6.configured).toBe('[::1]:0');
    const c = await VscpClient.connect({ host: '::1', port: v6.port });
    await c.login('admin', 'admin-pw');
    expect(await c.chid()).toBeGreaterThan(0);
    // the capability code tells both families
    expect((await c.wcyd()) & (1n << 6n)).toBe(1n << 6n);
    c.close();
  });

  it('fails to start with the address in the message when it is taken', async () => {
    const h = await startTcpipHarness();
    await expect(startTcpipHarness({ settings: { listen: [{ host: '127.0.0.1', port: h.port }] } })).rejects.toThrow(
      new TcpipServerError(`tcpip: listen 127.0.0.1:${h.port}: EADDRINUSE`),
    );
  });

  it('re-binds only changed addresses on update; sessions on kept ones stay', async () => {
    const h = await startTcpipHarness();
    const kept = { host: '127.0.0.1', port: h.port };
    const staying = await rawLogin(h);
    await h.server.update(tcpipSettings({ listen: [kept, { host: '::1', port: 0 }] }));
    const v6 = h.server.addresses().find((a) => a.family === 'IPv6')!;
    const onV6 = await RawConnection.open('::1', v6.port);
    await onV6.until((l) => l.startsWith('+OK'));
    staying.send('NOOP');
    expect(await staying.line()).toBe('+OK - Success.');
    // drop the IPv6 address: its session gets a last line, the IPv4 one is untouched
    await h.server.update(tcpipSettings({ listen: [kept] }));
    expect(await onV6.line()).toBe('-OK - Connection closed by server: address no longer configured.');
    await onV6.waitClosed();
    await expect(RawConnection.open('::1', v6.port)).rejects.toThrow(/ECONNREFUSED/);
    staying.send('NOOP');
    expect(await staying.line()).toBe('+OK - Success.');
    expect(h.server.addresses()).toHaveLength(1);
  });

  it('keeps the old listeners when a new address cannot be bound', async () => {
    const h = await startTcpipHarness();
    const other = await startTcpipHarness();
    const before = h.server.addresses();
    await expect(h.server.update(tcpipSettings({ listen: [{ host: '127.0.0.1', port: other.port }] }))).rejects.toThrow(/EADDRINUSE/);
    expect(h.server.addresses().map((a) => a.port)).toEqual(before.map((a) => a.port));
    const c = await h.login('admin');
    await c.noop();
  });

  it('applies new limits to new sessions only', async () => {
    const h = await startTcpipHarness({ settings: { maxLineBytes: 8192 } });
    const old = await rawLogin(h);
    await h.server.update(tcpipSettings({ listen: [{ host: '127.0.0.1', port: h.port }], maxLineBytes: 64 }));
    const fresh = await rawLogin(h);
    const long = 'SEND 0,20,3,,,,-' + ',1'.repeat(40);
    old.send(long);
    expect(await old.line()).toBe('+OK - Success.');
    fresh.send(long);
    expect(await fresh.line()).toBe('-OK - Line too long.');
  });
});

describe('TLS', () => {
  it('serves the protocol over TLS and swaps the certificate on update', async () => {
    const h = await startTcpipHarness({ settings: { tlsCert: certA, tlsKey: keyA } });
    const tlsA = { ca: readFileSync(certA), servername: 'localhost' };
    const c = await VscpClient.connect({ host: '127.0.0.1', port: h.port, tls: tlsA });
    expect(c.banner.at(-1)).toBe('+OK - Success.');
    await c.login('admin', 'admin-pw');
    expect((await c.wcyd()) & (1n << 4n)).toBe(1n << 4n);
    // a plain client gets nothing it can read as a banner
    await expect(VscpClient.connect({ host: '127.0.0.1', port: h.port, connectTimeoutMs: 1000 })).rejects.toThrow(/connect 127.0.0.1/);
    await h.server.update(tcpipSettings({ listen: [{ host: '127.0.0.1', port: h.port }], tlsCert: certB, tlsKey: keyB }));
    // the open session keeps going; new ones get certificate B
    await c.noop();
    await expect(VscpClient.connect({ host: '127.0.0.1', port: h.port, tls: tlsA, connectTimeoutMs: 2000 })).rejects.toThrow();
    const c2 = await VscpClient.connect({ host: '127.0.0.1', port: h.port, tls: { ca: readFileSync(certB), servername: 'localhost' } });
    await c2.login('user', 'user-pw');
    c.close();
    c2.close();
  });

  it('picks up a renewed certificate under the same file name', async () => {
    const dir = tempDir();
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    copyFileSync(certA, cert);
    copyFileSync(keyA, key);
    const settings = { tlsCert: cert, tlsKey: key };
    const h = await startTcpipHarness({ settings });
    const before = await VscpClient.connect({ host: '127.0.0.1', port: h.port, tls: { ca: readFileSync(certA), servername: 'localhost' } });
    copyFileSync(certB, cert);
    copyFileSync(keyB, key);
    await h.server.update(tcpipSettings({ ...settings, listen: [{ host: '127.0.0.1', port: h.port }] }));
    const after = await VscpClient.connect({ host: '127.0.0.1', port: h.port, tls: { ca: readFileSync(certB), servername: 'localhost' } });
    await after.login('admin', 'admin-pw');
    await before.login('admin', 'admin-pw');
    before.close();
    after.close();
  });

  it('reports unreadable TLS files and changes nothing', async () => {
    await expect(startTcpipHarness({ settings: { tlsCert: join(fixtures, 'missing.crt'), tlsKey: keyA } })).rejects.toThrow(
      `tcpip: tls_cert ${join(fixtures, 'missing.crt')}: ENOENT`,
    );
    await expect(startTcpipHarness({ settings: { tlsCert: certA, tlsKey: keyB } })).rejects.toThrow(/tls_cert .* \/ tls_key .*:/);
    const h = await startTcpipHarness();
    await expect(h.server.update(tcpipSettings({ listen: [{ host: '127.0.0.1', port: h.port }], tlsCert: certA, tlsKey: null }))).rejects.toThrow(
      'tcpip: tls_cert and tls_key must be given together',
    );
    const c = await h.login('admin');
    await c.noop();
  });
});

describe('users and the daemon', () => {
  it('closes the sessions of a removed user with a last line and applies a changed privilege', async () => {
    const h = await startTcpipHarness();
    const gone = await rawLogin(h, 'viewer');
    const demoted = await rawLogin(h, 'user');
    const remaining = DEFAULT_USERS.filter((u) => u.name !== 'viewer').map((u) => (u.name === 'user' ? { ...u, privilege: 2 } : u));
    const changes = h.users.setUsers(await userSettings(remaining));
    expect(changes).toEqual({ added: [], removed: ['viewer'], changed: ['user'] });
    expect(await gone.line()).toBe('-OK - Connection closed by server: user removed.');
    await gone.waitClosed();
    demoted.send('SEND 0,20,3,,,,-');
    expect(await demoted.line()).toBe('-OK - User need higher privilege level to perform this operation.');
  });

  it('closes the sessions of a removed local (driver) user', async () => {
    const h = await startTcpipHarness();
    const { user, password } = h.users.addLocalUser({ owner: 'drv1' });
    const r = await rawLogin(h, user, password);
    h.users.removeLocalUser(user);
    expect(await r.line()).toBe('-OK - Connection closed by server: user removed.');
  });

  it('says goodbye to every session on stop', async () => {
    const h = await startTcpipHarness();
    const a = await rawLogin(h);
    a.send('RCVLOOP');
    await a.line();
    const b = await h.raw();
    await b.until((l) => l.startsWith('+OK'));
    await h.server.stop('daemon stopping');
    expect(await a.until((l) => l !== '+OK')).toEqual(['-OK - Connection closed by server: daemon stopping.']);
    expect(await b.line()).toBe('-OK - Connection closed by server: daemon stopping.');
    await a.waitClosed();
    await b.waitClosed();
    expect(h.bus.clients).toHaveLength(0);
    await expect(RawConnection.open('127.0.0.1', h.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('passes SHUTDOWN to the daemon after answering it', async () => {
    const requests: { user: string; address: string }[] = [];
    const h = await startTcpipHarness({ onShutdownRequest: (r) => requests.push(r) });
    const r = await rawLogin(h);
    r.send('SHUTDOWN');
    expect(await r.line()).toBe('+OK - Success.');
    await waitUntil('the request', () => requests.length === 1);
    expect(requests[0]).toEqual({ user: 'admin', address: '127.0.0.1' });
  });

  it('reloads the configuration for VAR LOAD and reports a failure', async () => {
    let ok = true;
    let reloads = 0;
    const h = await startTcpipHarness({ onReloadRequest: async () => { reloads++; if (!ok) throw new Error('variables.ini:3: bad'); } });
    const r = await rawLogin(h);
    r.send('VAR LOAD');
    expect(await r.line()).toBe('+OK - Success.');
    ok = false;
    r.send('VAR LOAD');
    expect(await r.line()).toBe('-OK - Variables could not be loaded.');
    expect(reloads).toBe(2);
  });

  it('logs logins and failed logins, never the password', async () => {
    const lines: string[] = [];
    const log = new RootLogger({ level: 'debug', sink: { write: (l) => lines.push(l) } }).logger('tcpip');
    const h = await startTcpipHarness({ log, settings: { loginDelayBaseMs: 1, loginDelayMaxMs: 1 } });
    await rawLogin(h);
    const bad = await h.raw();
    await bad.until((l) => l.startsWith('+OK'));
    bad.send('USER admin');
    bad.send('PASS very-secret-guess');
    await bad.waitClosed();
    const text = lines.join('');
    expect(text).toMatch(/INFO  tcpip session 127\.0\.0\.1:\d+: User logged in\. user=admin client=1/);
    expect(text).toMatch(/WARN  tcpip session 127\.0\.0\.1:\d+: Login failed\. user=admin reason="wrong user or password" failures=1/);
    expect(text).not.toContain('very-secret-guess');
    expect(text).not.toContain('admin-pw');
  });
});
