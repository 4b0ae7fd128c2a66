/*
 * Settings as a user writes them (keys, the legacy config string, `<prefix>_<key>` variables,
 * the setup XML) through the real configuration loader, and the errors it reports with file:line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadConfiguration } from '../../runtime/config/index.js';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { type LinkConfig, deriveConfig, parseRemoteHost } from './settings.js';

async function load(body: string, variables = ''): Promise<{ config?: LinkConfig; errors: string[] }> {
  const dir = tempDir();
  writeFiles(dir, {
    'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\n${variables ? 'variables = variables.ini\n' : ''}\n[driver.link1]\ndriver = tcpiplink\n${body}\n`,
    ...(variables ? { 'variables.ini': variables } : {}),
  });
  const result = await loadConfiguration(join(dir, 'vscpd.conf'));
  const errors = result.problems.filter((p) => p.severity === 'error').map((p) => formatProblem(p).replace(dir + '/', ''));
  if (errors.length) return { errors };
  return { config: deriveConfig(result.state!.drivers.find((d) => d.name === 'link1')!.settings as TcpiplinkSettings), errors };
}

function configError(settings: TcpiplinkSettings): DriverConfigError {
  try {
    deriveConfig(settings);
  } catch (e) {
    expect(e).toBeInstanceOf(DriverConfigError);
    return e as DriverConfigError;
  }
  throw new Error('no error');
}

describe('remote host', () => {
  it('takes names, IPv4, IPv6 with or without brackets, and the tcp:// prefix', () => {
    expect(parseRemoteHost('vscp.example.org', 'host_remote')).toBe('vscp.example.org');
    expect(parseRemoteHost(' 192.168.1.20 ', 'host_remote')).toBe('192.168.1.20');
    expect(parseRemoteHost('::1', 'host_remote')).toBe('::1');
    expect(parseRemoteHost('[fe80::1]', 'host_remote')).toBe('fe80::1');
    expect(parseRemoteHost('tcp://gateway/', 'host_remote')).toBe('gateway');
  });

  it('refuses a port in the host, other schemes and what is no host', () => {
    const message = (t: string) => { try { parseRemoteHost(t, 'host_remote'); return 'no error'; } catch (e) { return (e as Error).message; } };
    expect(message('10.0.0.2:9598')).toBe('host_remote: "10.0.0.2:9598" includes a port; set port_remote = 9598 instead');
    expect(message('[::1]:9599')).toBe('host_remote: "[::1]:9599" includes a port; set port_remote = 9599 instead');
    expect(message('tls://gateway')).toBe('host_remote: scheme tls:// is not supported; write the host name (with tls = true for TLS)');
    expect(message('bad host')).toBe('host_remote: "bad host" is no host name or IP address');
    expect(message('[nonsense]')).toBe('host_remote: "[nonsense]" is no [IPv6 address]');
    expect(message('tcp://')).toBe("host_remote: is empty; expected the remote daemon's host name or IP address");
  });
});

describe('settings through the configuration loader', () => {
  it('gives the documented defaults', async () => {
    const { config } = await load('host_remote = 10.0.0.2');
    expect(config).toMatchObject({
      remote: { host: '10.0.0.2', port: 9598 }, user: '', password: '', direction: 'both', responseTimeoutMs: 2000,
      keepaliveTimeoutMs: 10_000, connectTimeoutMs: 10_000, reconnectMinMs: 1000, reconnectMaxMs: 30_000, sendQueueSize: 10_000,
      tls: { enabled: false, ca: '', servername: '', rejectUnauthorized: true },
    });
  });

  it('reads all nine positions of the config string, numbers also in hex; an empty position sets nothing', async () => {
    const { config } = await load('config = gw;0x2586;link;pw;0,10,0,-;0,0xFFFF,0,-;0,20,0,-;0,0xFFFF,0,-;0x1388');
    expect(config!.remote.display).toBe('gw:9606');
    expect([config!.user, config!.password, config!.responseTimeoutMs]).toEqual(['link', 'pw', 5000]);
    expect([config!.rxFilter.filterClass, config!.rxFilter.maskClass, config!.txFilter.filterClass]).toEqual([10, 0xffff, 20]);
    const sparse = await load('config = gw;;link');
    expect(sparse.config!.remote.port).toBe(9598);
    expect(sparse.config!.user).toBe('link');
  });

  it('lets keys override the config string and <prefix>_<key> variables override keys', async () => {
    const { config } = await load('config = gw;9598;link;pw\nuser_remote = keyuser',
      '[link1_user_remote]\nvalue = varuser\n[LINK1_PORT_REMOTE]\ntype = int\nvalue = 9700\n');
    expect(config!.user).toBe('varuser');
    expect(config!.remote.port).toBe(9700);
  });

  it('uses the original filter/mask names when rxfilter/rxmask are empty or all zero', async () => {
    const { config } = await load('host_remote = gw', '[link1_filter]\nvalue = "0,10,6,-"\n[link1_mask]\nvalue = "0,0xFFFF,0xFFFF,-"\n');
    expect([config!.rxFilter.filterClass, config!.rxFilter.filterType, config!.rxFilter.maskType]).toEqual([10, 6, 0xffff]);
    const zero = await load('host_remote = gw\nrxfilter = 0,0,0,-\nrxmask = 0,0,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00', '[link1_mask]\nvalue = "0,0xFFFF,0,-"\n');
    expect(zero.errors).toEqual([]);
    expect(zero.config!.rxFilter.maskClass).toBe(0xffff);
  });

  it('uses the original response_timout variable when responsetimeout is at its default', async () => {
    const { config } = await load('host_remote = gw', '[link1_response_timout]\ntype = int\nvalue = 7000\n');
    expect(config!.responseTimeoutMs).toBe(7000);
  });

  it('reports what is wrong with file:line', async () => {
    expect((await load('port_remote = 9598')).errors).toEqual([
      "vscpd.conf:4: [driver.link1] host_remote: is required: the host name or IP address of the remote daemon (a key, config position 1, the variable <prefix>_host_remote or the host attribute of setup)",
    ]);
    expect((await load('host_remote = gw:9598')).errors).toEqual([
      'vscpd.conf:6: [driver.link1] host_remote: "gw:9598" includes a port; set port_remote = 9598 instead',
    ]);
    expect((await load('host_remote = gw\nrxfilter = 0,10,0,-\nfilter = 0,20,0,-')).errors).toEqual([
      'vscpd.conf:8: [driver.link1] filter: is the original name of rxfilter and both are set to different values; keep rxfilter',
    ]);
    expect((await load('host_remote = gw\nresponsetimeout = 3000\nresponse_timout = 4000')).errors).toEqual([
      'vscpd.conf:8: [driver.link1] response_timout: is the original name of responsetimeout and both are set to different values; keep responsetimeout',
    ]);
    expect((await load('host_remote = gw\nreconnect_min_ms = 5000\nreconnect_max_ms = 1000')).errors).toEqual([
      'vscpd.conf:8: [driver.link1] reconnect_max_ms: 1000 is below reconnect_min_ms 5000',
    ]);
    expect((await load('host_remote = gw\ntls_ca = ca.pem')).errors).toEqual([
      'vscpd.conf:7: [driver.link1] tls_ca: is set but tls is off; set tls = true',
    ]);
    expect((await load('host_remote = gw\npassword_remote = pw')).errors).toEqual([
      'vscpd.conf:7: [driver.link1] password_remote: is set but user_remote is empty; the remote takes a password only after a user name',
    ]);
    expect((await load('config = gw;9598;u;p;0,10,0,-;0,0xFFFF,0,-;;;2000;extra')).errors).toEqual([
      'vscpd.conf:6: [driver.link1] config: has 10 positions; driver `tcpiplink` takes 9: host_remote;port_remote;user_remote;password_remote;rxfilter;rxmask;txfilter;txmask;responsetimeout',
    ]);
    expect((await load('host_remote = gw\nrxfilter = 0,0x10000,0,-')).errors[0]).toMatch(/^vscpd\.conf:7: \[driver\.link1\] rxfilter: must be priority,class,type,GUID/);
    expect((await load('host_remote = gw\ndirection = sideways')).errors).toEqual([
      'vscpd.conf:7: [driver.link1] direction: must be both, receive or send, got sideways',
    ]);
  });

  it('reports a bad setup at the variable that holds it, without showing its value', async () => {
    const { errors } = await load('host_remote = gw', '[link1_setup]\nvalue = "<setup pasword=\\"hunter2\\"/>"\n');
    expect(errors).toEqual([
      'variables.ini:1: [driver.link1] setup (variable LINK1_SETUP): unknown attribute pasword; allowed: host, port, user, password, rxfilter, rxmask, txfilter, txmask, responsetimeout',
    ]);
    expect(errors.join('')).not.toContain('hunter2');
  });
});

describe('setup XML over keys', () => {
  it('overrides each key it sets and leaves the others', () => {
    const c = deriveConfig({
      host_remote: 'gw', port_remote: 9600, user_remote: 'u', password_remote: 'p', txfilter: '0,20,0,-', txmask: '0,0xFFFF,0,-',
      setup: '<setup host="10.0.0.2" rxfilter="0,10,6,-" rxmask="0,0xFFFF,0xFFFF,-" responsetimeout="9000"/>',
    });
    expect(c.remote.display).toBe('10.0.0.2:9600');
    expect([c.user, c.password, c.responseTimeoutMs]).toEqual(['u', 'p', 9000]);
    expect([c.rxFilter.filterClass, c.rxFilter.filterType, c.txFilter.filterClass]).toEqual([10, 6, 20]);
  });

  it('blames setup for a bad value it brought', () => {
    const e = configError({ host_remote: 'gw', setup: '<setup rxfilter="0,10,0,zz"/>' });
    expect(e.key).toBe('setup');
    expect(e.message).toMatch(/^setup: /);
  });
});
