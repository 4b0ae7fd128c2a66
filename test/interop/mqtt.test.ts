/*
 * The MQTT driver against Debian's mosquitto (2.0), started by this suite on 127.0.0.1 with a
 * free port: both directions (cross-checked with mosquitto_pub/mosquitto_sub), MQTT 5 with
 * origin markers and no-local subscriptions, QoS 1, credentials from a password file, and
 * reconnecting after the broker restarts. Every process, port and file is cleaned up.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type IPublishPacket, type MqttClient, connect } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DriverSettings } from '../../runtime/drivers/contract.js';
import { type VscpEvent, type VscpEventInit, createEvent, formatGuid, parseGuid } from '../../runtime/protocol/index.js';
import { type DriverHarness, driverHarness } from '../support/driver-harness.js';
import { EchoGuard, type MqttDriverInstance, createMqttDriverDefinition } from '../../drivers/mqtt/index.js';
import type { MqttSettings } from '../../drivers/mqtt/settings.generated.js';
import { until as waitUntil } from '../support/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function requireTool(name: string, args: string[]): void {
  const r = spawnSync(name, args, { stdio: 'ignore' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${name} is not installed; this suite needs Debian's mosquitto and mosquitto-clients (apt-get install mosquitto mosquitto-clients)`);
  }
}

beforeAll(() => {
  requireTool('mosquitto', ['-h']);
  requireTool('mosquitto_passwd', ['-h']);
  requireTool('mosquitto_sub', ['--help']);
});

/** Runs a client tool without blocking the event loop (the driver keeps working meanwhile). */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits for a condition (test/support/wait.ts); fails with `what` after a generous timeout. */
const until = (cond: () => boolean, what: string, timeoutMs = 15_000): Promise<boolean> => waitUntil(what, cond, timeoutMs);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

interface Mosquitto {
  port: number;
  dir: string;
  output(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts mosquitto with a private configuration; `users` turns anonymous access off. */
async function mosquitto(options: { users?: Record<string, string>; persistence?: boolean } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'vscpd-mosquitto-'));
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.users ? 'false' : 'true'}`,
    `user ${userInfo().username}`,
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ];
  if (options.persistence) lines.push('persistence true', `persistence_location ${dir}/`, 'autosave_interval 0');
  else lines.push('persistence false');
  if (options.users) {
    const file = join(dir, 'passwd');
    writeFileSync(file, '');
    for (const [user, password] of Object.entries(options.users)) {
      const r = spawnSync('mosquitto_passwd', ['-b', file, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    }
    lines.push(`password_file ${file}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  let proc: ChildProcess | null = null;
  let output = '';
  const broker: Mosquitto = {
    port,
    dir,
    output: () => output,
    async start() {
      const p = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      p.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
      p.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
      const deadline = Date.now() + 10_000;
      while (!(await canConnect(port))) {
        if (p.exitCode !== null) throw new Error(`mosquitto exited with ${p.exitCode}: ${output}`);
        if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${output}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => broker.stop());
  await broker.start();
  return broker;
}

interface TestDriver { h: DriverHarness; d: MqttDriverInstance }

async function startDriver(settings: MqttSettings, options: { echo?: EchoGuard; name?: string } = {}): Promise<TestDriver> {
  const h = driverHarness({ name: options.name ?? 'mqtt1', guid: 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00' });
  const d = createMqttDriverDefinition({ echo: options.echo ?? new EchoGuard() })
    .create(h.ctx, { reconnect_min_ms: 50, reconnect_max_ms: 500, ...settings } as MqttSettings & DriverSettings) as MqttDriverInstance;
  cleanups.push(async () => {
    await d.stop();
    h.dispose();
    expect(h.activeTimers()).toBe(0);
  });
  await d.start();
  return { h, d };
}

interface Observer { client: MqttClient; messages: { topic: string; payload: string; packet: IPublishPacket }[] }

async function observer(port: number, subscribe: string | null, options: { version?: 4 | 5; qos?: 0 | 1; clientId?: string; clean?: boolean } = {}): Promise<Observer> {
  const client = connect({
    host: '127.0.0.1', port, reconnectPeriod: 0, protocolVersion: options.version ?? 4,
    clientId: options.clientId ?? `observer-${Math.random().toString(16).slice(2)}`, clean: options.clean ?? true,
  });
  cleanups.push(() => client.endAsync(true));
  // Listen before the CONNACK: a resumed session delivers its queued messages right after it.
  const messages: Observer['messages'] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), packet }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  if (subscribe) await client.subscribeAsync(subscribe, { qos: options.qos ?? 0 });
  return { client, messages };
}

const busEvent = (n: number, init: Partial<VscpEventInit> = {}): VscpEvent => createEvent({
  head: 0x60, vscpClass: 20, vscpType: 3, timestamp: 2_000_000 + n, obid: 4,
  dateTime: { year: 2026, month: 3, day: 4, hour: 5, minute: 6, second: 7 },
  guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:00:09:00:00'), data: [0, 1, n & 0xff], ...init,
});

describe('mosquitto', () => {
  it('both directions, checked with mosquitto_sub and mosquitto_pub', async () => {
    const broker = await mosquitto();
    const { h, d } = await startDriver({
      type: 'both', subscribe_topic: 'vscp/in', publish_topic: 'vscp/out/{class}/{type}', retain: true, host: `127.0.0.1:${broker.port}`,
    });
    expect(d.connected).toBe(true);
    await d.receive!(busEvent(1));
    await until(() => d.stats().published === 1, 'the publication');
    // Retained, so mosquitto_sub gets it whenever it subscribes.
    const sub = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'vscp/out/#', '-C', '1', '-v', '-W', '10']);
    expect(sub.status).toBe(0);
    expect(sub.stdout.trim()).toBe('vscp/out/20/3 96,20,3,4,2026-03-04T05:06:07Z,2000001,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:00:09:00:00,0x00,0x01,0x01');

    const pub = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'vscp/in', '-m', '0,20,3,,,,-,0,1,35']);
    expect(pub.status).toBe(0);
    const [e] = await h.waitForEvents(1);
    expect(e).toMatchObject({ vscpClass: 20, vscpType: 3 });
    expect(Array.from(e!.data)).toEqual([0, 1, 35]);
    expect(formatGuid(e!.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00');
  });

  it('QoS 1 in both directions', async () => {
    const broker = await mosquitto();
    const obs = await observer(broker.port, 'vscp/out', { qos: 1 });
    const { h, d } = await startDriver({ type: 'both', qos: 1, subscribe_topic: 'vscp/in', publish_topic: 'vscp/out', host: `127.0.0.1:${broker.port}` });
    for (let i = 1; i <= 50; i++) await d.receive!(busEvent(i));
    await until(() => obs.messages.length === 50 && d.stats().acknowledged === 50, '50 acknowledged publications');
    expect(obs.messages.every((m) => m.packet.qos === 1)).toBe(true);
    await obs.client.publishAsync('vscp/in', '0,20,3,,,,-,0,1,35', { qos: 1 });
    await h.waitForEvents(1);
  });

  it('logs in with user name and password, and reports a refused login', async () => {
    const broker = await mosquitto({ users: { vscpd: 's3cret-pw' } });
    const ok = await startDriver({ type: 'publish', username: 'vscpd', password: 's3cret-pw', host: `127.0.0.1:${broker.port}` }, { name: 'ok' });
    expect(ok.d.connected).toBe(true);
    const bad = await startDriver({ type: 'publish', username: 'vscpd', password: 'not-it', host: `127.0.0.1:${broker.port}` }, { name: 'bad' });
    expect(bad.d.connected).toBe(false);
    await until(() => bad.h.health.length > 0, 'a health report');
    expect(bad.h.health[0]!.reason).toBe(`broker 127.0.0.1:${broker.port} refused the connection: Not authorized`);
    const anonymous = await startDriver({ type: 'publish', host: `127.0.0.1:${broker.port}` }, { name: 'anon' });
    expect(anonymous.d.connected).toBe(false);
    expect(JSON.stringify([ok.h.logs, bad.h.logs])).not.toMatch(/s3cret-pw|not-it/);
  });

  it('MQTT 5: two daemons share the broker without loops, marked by origin and no-local', async () => {
    const broker = await mosquitto();
    const wire = await observer(broker.port, 'vscp/#', { version: 5 });
    const settings: MqttSettings = { type: 'both', protocol_version: 5, topic: 'vscp/{guid}/{class}/{type}', host: `127.0.0.1:${broker.port}` };
    const echoA = new EchoGuard();
    const a = await startDriver(settings, { echo: echoA, name: 'a' });
    const b = await startDriver(settings, { echo: new EchoGuard(), name: 'b' });
    await a.d.receive!(busEvent(1));
    await a.d.receive!(busEvent(2));
    await b.h.waitForEvents(2);
    await b.d.receive!(busEvent(3, { vscpClass: 30 }));
    await a.h.waitForEvents(1);
    await until(() => wire.messages.length === 3, 'three messages on the broker');
    expect(b.h.emitted.map((e) => e.data[2])).toEqual([1, 2]);
    expect(a.h.emitted.map((e) => e.vscpClass)).toEqual([30]);
    // no-local: the broker never handed a its own publications
    expect(a.d.stats()).toMatchObject({ messages: 1, ownEchoes: 0, published: 2 });
    expect(wire.messages[0]!.packet.properties?.userProperties).toEqual({ 'vscpd-origin': echoA.originId });
  });

  it('MQTT 5: a second instance of the same daemon recognises the first one\'s publication by its origin', async () => {
    const broker = await mosquitto();
    const echo = new EchoGuard();
    const pub = await startDriver({ type: 'publish', protocol_version: 5, topic: 'home/temp', simplify: '10,6,float,0,1', host: `127.0.0.1:${broker.port}` }, { echo, name: 'pub' });
    const sub = await startDriver({ type: 'subscribe', protocol_version: 5, topic: 'home/temp', simplify: '10,6,float,0,1', host: `127.0.0.1:${broker.port}` }, { echo, name: 'sub' });
    const outsider = await observer(broker.port, null, { version: 5 });
    await pub.d.receive!(busEvent(1, { vscpClass: 10, vscpType: 6, data: [0xa8, 0x41, 0xb4, 0x00, 0x00] }));
    // the same value from a device that is not this daemon must still come in
    await outsider.client.publishAsync('home/temp', '22.5');
    const [e] = await sub.h.waitForEvents(1);
    expect(Array.from(e!.data)).toEqual([0xa8, 0x41, 0xb4, 0x00, 0x00]);
    expect(sub.d.stats()).toMatchObject({ ownEchoes: 1, received: 1 });
  });

  it('reconnects after the broker restarts and delivers what was queued meanwhile', async () => {
    const broker = await mosquitto({ persistence: true });
    // a persistent session that outlives the restart collects what the driver publishes
    const first = await observer(broker.port, 'vscp/out', { qos: 1, clientId: 'persistent-observer', clean: false });
    await first.client.endAsync();
    const pub = await startDriver({ type: 'publish', qos: 1, publish_topic: 'vscp/out', host: `127.0.0.1:${broker.port}` }, { name: 'pub' });
    const sub = await startDriver({ type: 'subscribe', qos: 1, subscribe_topic: 'vscp/in', host: `127.0.0.1:${broker.port}` }, { name: 'sub' });
    await broker.stop();
    await until(() => !pub.d.connected && !sub.d.connected, 'both to notice');
    await until(() => pub.h.health.some((x) => x.health === 'degraded'), 'degraded health');
    expect(pub.h.health.find((x) => x.health === 'degraded')!.reason).toMatch(new RegExp(`^broker 127.0.0.1:${broker.port} `));
    for (let i = 1; i <= 5; i++) expect(pub.d.receive!(busEvent(i))).toBeUndefined();
    expect(pub.d.queued).toBe(5);
    await broker.start();
    await until(() => pub.d.connected && sub.d.connected, 'both to reconnect');
    await until(() => pub.d.stats().acknowledged === 5, 'the queued publications');
    const again = await observer(broker.port, null, { qos: 1, clientId: 'persistent-observer', clean: false });
    await until(() => again.messages.length === 5, 'the persisted messages');
    expect(again.messages.map((m) => m.payload.split(',').pop())).toEqual(['0x01', '0x02', '0x03', '0x04', '0x05']);
    await until(() => sub.h.health[sub.h.health.length - 1]!.health === 'running', 'the subscription');
    await again.client.publishAsync('vscp/in', '0,20,3,,,,-,0,1,35', { qos: 1 });
    await sub.h.waitForEvents(1);
    expect(pub.d.stats()).toMatchObject({ connects: 2, connectionLosses: 1, droppedQueueFull: 0 });
  });
});
