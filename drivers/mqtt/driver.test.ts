/*
 * The MQTT driver against a real broker: aedes in this process (MQTT 3.1.1), on 127.0.0.1 with
 * a free port. Every broker, client, driver and timer made here is closed after each test.
 */
import { readFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AedesPublishPacket } from 'aedes';
import { type IPublishPacket, type MqttClient, connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriverSettings } from '../../runtime/drivers/contract.js';
import {
  type VscpEvent, type VscpEventInit, createEvent, formatGuid, parseEvent, parseGuid,
} from '../../runtime/protocol/index.js';
import { encodeMeasurement } from '../../runtime/protocol/measurement.js';
import { type DriverHarness, driverHarness } from '../../test/support/driver-harness.js';
import { EchoGuard, type MqttDriverInstance, createMqttDriverDefinition } from './index.js';
import { parseLegacyConfig } from './settings.js';
import type { MqttSettings } from './settings.generated.js';
import { until as waitUntil } from '../../test/support/wait.js';

const TLS_DIR = join(import.meta.dirname, 'testdata', 'tls');
const H10 = '96,20,3,0,2019-01-02T03:04:05Z,1000,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01,0x00,0x01,0x23';
const HARNESS_GUID = 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Waits for a condition (test/support/wait.ts); fails with `what` after a generous timeout. */
const until = (cond: () => boolean, what: string, timeoutMs = 10_000): Promise<boolean> => waitUntil(what, cond, timeoutMs);

interface TestBroker {
  port: number;
  aedes: Aedes;
  /** CONNECT packets seen. */
  connects: { clientId: string; keepalive: number; username?: string; password?: Buffer; clean: boolean; protocolVersion: number }[];
  /** Publications of clients (not $SYS), in arrival order. */
  published: AedesPublishPacket[];
  close(): Promise<void>;
}

type BrokerOptions = AedesOptions & { tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean } };

async function startBroker(options: BrokerOptions = {}, port = 0): Promise<TestBroker> {
  const { tls, ...aedesOptions } = options;
  const aedes = await Aedes.createBroker(aedesOptions);
  const connects: TestBroker['connects'] = [];
  const published: AedesPublishPacket[] = [];
  const userPreConnect = aedesOptions.preConnect;
  aedes.preConnect = (client, packet, done) => {
    connects.push({
      clientId: packet.clientId, keepalive: packet.keepalive!, clean: packet.clean!, protocolVersion: packet.protocolVersion!,
      ...(packet.username !== undefined ? { username: packet.username } : {}),
      ...(packet.password !== undefined ? { password: packet.password } : {}),
    });
    if (userPreConnect) userPreConnect(client, packet, done);
    else done(null, true);
  };
  aedes.on('publish', (packet, client) => {
    if (client) published.push(packet);
  });
  const sockets = new Set<Socket>();
  const server: Server = tls
    ? createTlsServer({ ...tls, rejectUnauthorized: tls.requestCert === true }, (s: TLSSocket) => aedes.handle(s))
    : createServer((s) => aedes.handle(s));
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => { /* the refused client sees the failure */ });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as { port: number }).port;
  let closed = false;
  const broker: TestBroker = {
    port: actualPort,
    aedes,
    connects,
    published,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
  cleanups.push(() => broker.close());
  return broker;
}

interface Observer {
  client: MqttClient;
  messages: { topic: string; payload: string; packet: IPublishPacket }[];
  publish(topic: string, payload: string | Buffer, qos?: 0 | 1): Promise<void>;
}

/** A plain MQTT client (not the driver) that watches and injects traffic. */
async function observer(port: number, subscribe?: string, qos: 0 | 1 = 0): Promise<Observer> {
  const client = await connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0, clientId: `observer-${Math.random().toString(16).slice(2)}` });
  cleanups.push(() => client.endAsync(true));
  const messages: Observer['messages'] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), packet }));
  if (subscribe) await client.subscribeAsync(subscribe, { qos });
  return {
    client,
    messages,
    async publish(topic, payload, q = 0) {
      await client.publishAsync(topic, payload, { qos: q });
    },
  };
}

interface TestDriver {
  h: DriverHarness;
  d: MqttDriverInstance;
}

function makeDriver(settings: MqttSettings, options: { echo?: EchoGuard; name?: string } = {}): TestDriver {
  const h = driverHarness({ name: options.name ?? 'mqtt1', guid: HARNESS_GUID });
  const definition = createMqttDriverDefinition({ echo: options.echo ?? new EchoGuard() });
  const d = definition.create(h.ctx, { reconnect_min_ms: 20, reconnect_max_ms: 200, ...settings } as MqttSettings & DriverSettings) as MqttDriverInstance;
  cleanups.push(async () => {
    await d.stop();
    h.dispose();
  });
  return { h, d };
}

async function startDriver(settings: MqttSettings, options: { echo?: EchoGuard; name?: string } = {}): Promise<TestDriver> {
  const t = makeDriver(settings, options);
  await t.d.start();
  return t;
}

const lastHealth = (h: DriverHarness) => h.health[h.health.length - 1];
/** An event as the bus hands it over: time, date and GUID filled in. */
const busEvent = (init: Partial<VscpEventInit> = {}, n = 1): VscpEvent => createEvent({
  head: 0x60, vscpClass: 20, vscpType: 3, timestamp: 1_000_000 + n, obid: 5,
  dateTime: { year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5 },
  guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:00:09:00:00'), data: [0, 1, n & 0xff], ...init,
});

describe('vscp-drivers.md §15.6 against a broker', () => {
  it('M1: the legacy config string connects with its session id, keepalive 60 and no credentials', async () => {
    const broker = await startBroker();
    const settings = { ...parseLegacyConfig('mysession1;publish;vscp;localhost:1883'), host: `127.0.0.1:${broker.port}` } as MqttSettings;
    const { d, h } = await startDriver(settings);
    expect(d.connected).toBe(true);
    expect(broker.connects).toEqual([{ clientId: 'mysession1', keepalive: 60, clean: true, protocolVersion: 4 }]);
    expect(typeof d.receive).toBe('function');
    expect(lastHealth(h)).toEqual({ health: 'running', reason: undefined });
  });

  it('M2: publish mode sends the event text on the topic with QoS 0', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, '#');
    const { d } = await startDriver({ type: 'publish', topic: 'vscp', host: `127.0.0.1:${broker.port}` });
    await d.receive!(parseEvent(H10));
    await until(() => obs.messages.length === 1, 'the publication');
    expect(obs.messages[0]).toMatchObject({ topic: 'vscp', payload: H10 });
    expect(obs.messages[0]!.packet.qos).toBe(0);
    expect(obs.messages[0]!.packet.retain).toBe(false);
  });

  it('M3/M4: simplified numbers become measurement events (fixed float coding)', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const f = await startDriver({ topic: 'temp/float', simplify: '10,6,float,3,1', host: `127.0.0.1:${broker.port}` }, { name: 'f' });
    const s = await startDriver({ topic: 'temp/string', simplify: '10,6,string,3,1', host: `127.0.0.1:${broker.port}` }, { name: 's' });
    await obs.publish('temp/float', '23.78');
    await obs.publish('temp/string', '23.78');
    const [a] = await f.h.waitForEvents(1);
    const [b] = await s.h.waitForEvents(1);
    expect(a).toMatchObject({ head: 0x60, vscpClass: 10, vscpType: 6 });
    expect(Array.from(a!.data)).toEqual([0xab, 0x41, 0xbe, 0x3d, 0x71]);
    expect(formatGuid(a!.guid)).toBe(HARNESS_GUID);
    expect(Buffer.from(b!.data).toString('hex')).toBe('4b32332e3738');
  });

  it('M5: a subscribed event text becomes the event, with the interface GUID for "-"', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h } = await startDriver({ type: 'subscribe', topic: 'vscp', host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp', '0,20,3,,,,-,0,1,35');
    const [e] = await h.waitForEvents(1);
    expect(e).toMatchObject({ head: 0, vscpClass: 20, vscpType: 3 });
    expect(Array.from(e!.data)).toEqual([0, 1, 0x23]);
    expect(formatGuid(e!.guid)).toBe(HARNESS_GUID);
    expect(e!.timestamp).not.toBe(0);
    expect(e!.dateTime).not.toBeNull();
  });

  it('M6 (fixed): topic `vscp` takes no message of `vscp/a`; `vscp/#` does', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const exact = await startDriver({ topic: 'vscp', host: `127.0.0.1:${broker.port}` }, { name: 'exact' });
    const wild = await startDriver({ topic: 'vscp/#', host: `127.0.0.1:${broker.port}` }, { name: 'wild' });
    await obs.publish('vscp/a', '0,20,3,,,,-,0,1,1');
    await obs.publish('vscp', '0,20,3,,,,-,0,1,2');
    // One publisher's messages arrive in order: once the second is in, the first was decided.
    await exact.h.waitForEvents(1);
    await wild.h.waitForEvents(2);
    expect(exact.h.emitted.map((e) => e.data[2])).toEqual([2]);
    expect(wild.h.emitted.map((e) => e.data[2])).toEqual([1, 2]);
  });
});

describe('subscribing', () => {
  it('reads JSON payloads', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h } = await startDriver({ topic: 'vscp/json', format: 'json', host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp/json', JSON.stringify({ class: 10, type: 6, head: 96, data: [0x89, 0x82, 0x08, 0x2c] }));
    const [e] = await h.waitForEvents(1);
    expect(e).toMatchObject({ vscpClass: 10, vscpType: 6, head: 96 });
    expect(Array.from(e!.data)).toEqual([0x89, 0x82, 0x08, 0x2c]);
  });

  it('takes the GUID of a simplified value from a {guid} topic level', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h } = await startDriver({ topic: 'sensors/{guid}/temperature', simplify: '10,6,float,0,1', host: `127.0.0.1:${broker.port}` });
    await obs.publish('sensors/FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07/temperature', '-3.5');
    const [e] = await h.waitForEvents(1);
    expect(formatGuid(e!.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07');
    expect(Array.from(e!.data)).toEqual(Array.from(encodeMeasurement(-3.5, { coding: 'float', unit: 1 })));
  });

  it('passes only what filter and mask accept', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h, d } = await startDriver({ topic: 'vscp', filter: '0,10,6,-', mask: '0,0xFFFF,0xFFFF,-', host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp', '0,20,3,,,,-,0,1,1');
    await obs.publish('vscp', '0,10,6,,,,-,0x89,0x82,0x08,0x2C');
    await h.waitForEvents(1);
    expect(h.emitted.map((e) => e.vscpClass)).toEqual([10]);
    expect(d.stats().filtered).toBe(1);
  });

  it('counts and logs malformed payloads with their topic, rate-limited, and keeps running', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h, d } = await startDriver({ topic: 'vscp/#', host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp/bad', 'not an event');
    await obs.publish('vscp/bad', Buffer.from([0, 1, 2, 3]));
    await obs.publish('vscp/bad', '0,70000,1,,,,-');
    await obs.publish('vscp/good', '0,20,3,,,,-,0,1,35');
    await h.waitForEvents(1);
    expect(d.stats().rejected).toBe(3);
    const warnings = h.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/^Rejected a message on topic "vscp\/bad": event "not an event" has 1 fields/);
    expect(h.health.every((x) => x.health === 'running')).toBe(true);
  });

  it('rejects a payload above max_payload_bytes and keeps the connection', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h, d } = await startDriver({ topic: 'vscp', max_payload_bytes: 64, host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp', `0,20,3,,,,-${',0'.repeat(40)}`);
    await obs.publish('vscp', '0,20,3,,,,-,0,1,35');
    await h.waitForEvents(1);
    expect(d.stats()).toMatchObject({ rejected: 1, connects: 1 });
    expect(h.logs.some((l) => /larger than max_payload_bytes 64/.test(l.message))).toBe(true);
  });

  it('closes a connection that announces a packet far above the limit, then reconnects', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port);
    const { h, d } = await startDriver({ topic: 'vscp', max_payload_bytes: 64, host: `127.0.0.1:${broker.port}` });
    await obs.publish('vscp', Buffer.alloc(200_000, 0x41));
    await until(() => h.health.some((x) => x.health === 'degraded'), 'the connection to close');
    expect(h.health.find((x) => x.health === 'degraded')!.reason).toMatch(/packet of \d+ bytes, more than the \d+ allowed by max_payload_bytes/);
    await until(() => d.stats().connects === 2 && lastHealth(h)!.health === 'running', 'the reconnect');
    await obs.publish('vscp', '0,20,3,,,,-,0,1,35');
    await h.waitForEvents(1);
  });

  it('consumes nothing when it only subscribes', () => {
    const { d } = makeDriver({ type: 'subscribe' });
    expect(d.receive).toBeUndefined();
  });
});

describe('publishing', () => {
  it('fills the topic template from each event', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, 'vscp/#');
    const { d } = await startDriver({ type: 'publish', topic: 'vscp/{guid}/{class}/{type}', host: `127.0.0.1:${broker.port}` });
    await d.receive!(parseEvent(H10));
    await until(() => obs.messages.length === 1, 'the publication');
    expect(obs.messages[0]!.topic).toBe('vscp/FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01/20/3');
  });

  it('publishes JSON', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, 'vscp');
    const { d } = await startDriver({ type: 'publish', format: 'json', host: `127.0.0.1:${broker.port}` });
    await d.receive!(parseEvent(H10));
    await until(() => obs.messages.length === 1, 'the publication');
    expect(JSON.parse(obs.messages[0]!.payload)).toMatchObject({ class: 20, type: 3, guid: 'FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01', data: [0, 1, 35] });
  });

  it('publishes only what publish_filter and publish_mask accept', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, 'vscp');
    const { d } = await startDriver({ type: 'publish', publish_filter: '0,10,0,-', publish_mask: '0,0xFFFF,0,-', host: `127.0.0.1:${broker.port}` });
    await d.receive!(busEvent({ vscpClass: 20 }, 1));
    await d.receive!(busEvent({ vscpClass: 10, data: encodeMeasurement(1, { coding: 'integer' }) }, 2));
    await until(() => obs.messages.length === 1, 'the publication');
    expect(obs.messages[0]!.payload).toMatch(/^96,10,3,/);
    expect(d.stats().notPublished).toBe(1);
  });

  it('publishes a measurement as a plain number with simplify', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, 'home/temp');
    const { d } = await startDriver({ type: 'publish', topic: 'home/temp', simplify: '10,6,float,3,1', host: `127.0.0.1:${broker.port}` });
    await d.receive!(busEvent({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(23.78, { coding: 'float', unit: 1, index: 3 }) }));
    await until(() => obs.messages.length === 1, 'the publication');
    expect(obs.messages[0]!.payload).toBe('23.78');
  });

  it('sets the retain flag so a later subscriber gets the last value', async () => {
    const broker = await startBroker();
    const { d } = await startDriver({ type: 'publish', retain: true, host: `127.0.0.1:${broker.port}` });
    await d.receive!(parseEvent(H10));
    await until(() => broker.published.length === 1, 'the publication');
    const late = await observer(broker.port, 'vscp');
    await until(() => late.messages.length === 1, 'the retained message');
    expect(late.messages[0]!.packet.retain).toBe(true);
  });

  it('QoS 1: waits for acknowledgements beyond max_inflight and delivers in order', async () => {
    const broker = await startBroker();
    const obs = await observer(broker.port, 'vscp', 1);
    const { d } = await startDriver({ type: 'publish', qos: 1, max_inflight: 1, host: `127.0.0.1:${broker.port}` });
    const first = d.receive!(busEvent({}, 1));
    const second = d.receive!(busEvent({}, 2));
    expect(first).toBeUndefined();
    expect(second).toBeInstanceOf(Promise);
    await second;
    await d.receive!(busEvent({}, 3));
    await until(() => obs.messages.length === 3 && d.stats().acknowledged === 3, 'three acknowledged publications');
    expect(obs.messages.map((m) => m.packet.qos)).toEqual([1, 1, 1]);
    expect(obs.messages.map((m) => m.payload.split(',').pop())).toEqual(['0x01', '0x02', '0x03']);
  });
  it('QoS 2 in both directions', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port, 'out');
    await wire.client.subscribeAsync('out', { qos: 2 });
    const { h, d } = await startDriver({ type: 'both', qos: 2, subscribe_topic: 'in', publish_topic: 'out', host: `127.0.0.1:${broker.port}` });
    await d.receive!(busEvent({}, 1));
    await until(() => wire.messages.length === 1 && d.stats().acknowledged === 1, 'the exactly-once publication');
    expect(wire.messages[0]!.packet.qos).toBe(2);
    await wire.client.publishAsync('in', '0,20,3,,,,-,0,1,35', { qos: 2 });
    await h.waitForEvents(1);
  });

  it('keeps its queue bounded while connected when the caller does not wait', async () => {
    // The broker holds back its acknowledgements until released.
    const held: (() => void)[] = [];
    const broker = await startBroker({ authorizePublish: (_client, _packet, done) => { held.push(() => done(null)); } });
    const { d } = await startDriver({ type: 'publish', qos: 1, max_inflight: 1, offline_queue_size: 2, host: `127.0.0.1:${broker.port}` });
    for (let i = 1; i <= 6; i++) void d.receive!(busEvent({}, i));
    expect(d.queued).toBe(2);
    expect(d.stats().droppedQueueFull).toBe(3);
    for (let released = 0; released < 3; released++) {
      await until(() => held.length > 0, `held publication ${released + 1}`);
      held.shift()!();
    }
    await until(() => broker.published.length === 3 && d.stats().acknowledged === 3, 'three acknowledged publications');
    expect(broker.published.map((p) => p.payload.toString().split(',').pop())).toEqual(['0x01', '0x05', '0x06']);
  });
});

describe('connection loss', () => {
  it('starts against an unreachable broker as degraded and stops without leaving timers', async () => {
    const broker = await startBroker();
    const port = broker.port;
    await broker.close();
    const { h, d } = await startDriver({ type: 'publish', host: `127.0.0.1:${port}` });
    expect(d.connected).toBe(false);
    await until(() => h.health.length > 0, 'a health report');
    expect(h.health[0]).toEqual({ health: 'degraded', reason: `broker 127.0.0.1:${port} unreachable: ECONNREFUSED` });
    await until(() => d.stats().connects === 0 && h.logs.some((l) => /retrying in \d+ ms/.test(l.message)), 'a retry');
    await d.stop();
    expect(h.activeTimers()).toBe(0);
    expect(h.logs.filter((l) => l.level === 'warn' && /Cannot connect/.test(l.message))).toHaveLength(1);
  });

  it('queues while the broker is away, reconnects with backoff and publishes the queue in order', async () => {
    const broker = await startBroker();
    const port = broker.port;
    const { h, d } = await startDriver({ type: 'publish', host: `127.0.0.1:${port}` });
    await broker.close();
    await until(() => !d.connected, 'the loss');
    await until(() => lastHealth(h)!.health === 'degraded', 'degraded health');
    for (let i = 1; i <= 5; i++) expect(d.receive!(busEvent({}, i))).toBeUndefined();
    expect(d.queued).toBe(5);
    const again = await startBroker({}, port);
    await until(() => again.published.length === 5, 'the queued publications');
    expect(again.published.map((p) => p.payload.toString().split(',').pop())).toEqual(['0x01', '0x02', '0x03', '0x04', '0x05']);
    await until(() => lastHealth(h)!.health === 'running', 'running health');
    expect(d.stats()).toMatchObject({ connects: 2, connectionLosses: 1, droppedQueueFull: 0 });
    expect(h.logs.some((l) => /^Reconnected to broker/.test(l.message))).toBe(true);
  });

  it('drops the oldest queued messages beyond offline_queue_size and counts them', async () => {
    const broker = await startBroker();
    const port = broker.port;
    const { d } = await startDriver({ type: 'publish', offline_queue_size: 2, host: `127.0.0.1:${port}` });
    await broker.close();
    await until(() => !d.connected, 'the loss');
    for (let i = 1; i <= 4; i++) d.receive!(busEvent({}, i));
    expect(d.stats().droppedQueueFull).toBe(2);
    const again = await startBroker({}, port);
    await until(() => again.published.length === 2, 'the queued publications');
    expect(again.published.map((p) => p.payload.toString().split(',').pop())).toEqual(['0x03', '0x04']);
  });

  it('subscribes again after reconnecting', async () => {
    const broker = await startBroker();
    const port = broker.port;
    const { h, d } = await startDriver({ topic: 'vscp', host: `127.0.0.1:${port}` });
    await broker.close();
    await until(() => !d.connected, 'the loss');
    const again = await startBroker({}, port);
    await until(() => d.connected && lastHealth(h)!.health === 'running', 'the reconnect and subscription');
    const obs = await observer(again.port);
    await obs.publish('vscp', '0,20,3,,,,-,0,1,35');
    await h.waitForEvents(1);
  });

  it('counts what it could not publish before stopping', async () => {
    const broker = await startBroker();
    const { h, d } = await startDriver({ type: 'publish', host: `127.0.0.1:${broker.port}` });
    await broker.close();
    await until(() => !d.connected, 'the loss');
    d.receive!(busEvent({}, 1));
    d.receive!(busEvent({}, 2));
    await d.stop();
    expect(d.stats().droppedOnStop).toBe(2);
    expect(h.logs.some((l) => l.level === 'warn' && /Dropped 2 messages/.test(l.message))).toBe(true);
    expect(h.activeTimers()).toBe(0);
  });
});

describe('stopping', () => {
  it('publishes what it accepted before closing (QoS 1)', async () => {
    const broker = await startBroker();
    const { d } = await startDriver({ type: 'publish', qos: 1, max_inflight: 2, host: `127.0.0.1:${broker.port}` });
    for (let i = 1; i <= 20; i++) void d.receive!(busEvent({}, i));
    await d.stop();
    expect(broker.published).toHaveLength(20);
    expect(d.stats()).toMatchObject({ acknowledged: 20, droppedOnStop: 0 });
  });

  it('is idempotent and safe before start', async () => {
    const { d, h } = makeDriver({ type: 'both' });
    const a = d.stop();
    expect(d.stop()).toBe(a);
    await a;
    await d.start();
    expect(d.connected).toBe(false);
    expect(h.activeTimers()).toBe(0);
  });

  it('stops while the first attempt still waits for an answer', async () => {
    // A listener that accepts TCP but never answers CONNECT.
    const silent = createServer(() => {});
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); silent.close(() => resolve()); }));
    const { d, h } = makeDriver({ type: 'publish', host: `127.0.0.1:${(silent.address() as { port: number }).port}` });
    const started = d.start();
    await until(() => sockets.length === 1, 'the TCP connection');
    await d.stop();
    await started;
    expect(h.activeTimers()).toBe(0);
  });
});

describe('credentials', () => {
  const authenticate: AedesOptions['authenticate'] = (_client, username, password, done) => {
    const ok = username === 'vscp' && password?.toString() === 'pa55-word';
    done(ok ? null : Object.assign(new Error('bad'), { returnCode: 4 as const }), ok);
  };

  it('sends user name and password', async () => {
    const broker = await startBroker({ authenticate });
    const { d } = await startDriver({ type: 'publish', username: 'vscp', password: 'pa55-word', host: `127.0.0.1:${broker.port}` });
    expect(d.connected).toBe(true);
    expect(broker.connects[0]).toMatchObject({ username: 'vscp' });
  });

  it('accepts the documented `user` key', async () => {
    const broker = await startBroker({ authenticate });
    const { d } = await startDriver({ type: 'publish', user: 'vscp', password: 'pa55-word', host: `127.0.0.1:${broker.port}` });
    expect(d.connected).toBe(true);
  });

  it('reports a refused login as degraded and never logs the password', async () => {
    const broker = await startBroker({ authenticate });
    const { h, d } = await startDriver({ type: 'publish', username: 'vscp', password: 'wrong-secret', host: `127.0.0.1:${broker.port}` });
    expect(d.connected).toBe(false);
    await until(() => h.health.length > 0, 'a health report');
    expect(h.health[0]!.reason).toBe(`broker 127.0.0.1:${broker.port} refused the connection: Bad username or password`);
    await until(() => broker.connects.length >= 2, 'a second attempt');
    expect(JSON.stringify(h.logs)).not.toMatch(/wrong-secret/);
    expect(JSON.stringify(h.health)).not.toMatch(/wrong-secret/);
  });
});

describe('TLS', () => {
  const key = readFileSync(join(TLS_DIR, 'server.key'));
  const cert = readFileSync(join(TLS_DIR, 'server.pem'));
  const ca = readFileSync(join(TLS_DIR, 'ca.pem'));

  it('connects to a broker whose certificate the configured CA signed', async () => {
    const broker = await startBroker({ tls: { key, cert } });
    const { d } = await startDriver({ type: 'publish', host: `mqtts://127.0.0.1:${broker.port}`, ca: join(TLS_DIR, 'ca.pem') });
    expect(d.connected).toBe(true);
    await d.receive!(parseEvent(H10));
    await until(() => broker.published.length === 1, 'the publication');
  });

  it('refuses a certificate it cannot verify', async () => {
    const broker = await startBroker({ tls: { key, cert } });
    const { d, h } = await startDriver({ type: 'publish', tls: true, host: `127.0.0.1:${broker.port}` });
    expect(d.connected).toBe(false);
    await until(() => h.health.length > 0, 'a health report');
    expect(h.health[0]!.reason).toBe(`broker 127.0.0.1:${broker.port}: TLS: unable to verify the first certificate`);
  });

  it('connects without verification when reject_unauthorized is false', async () => {
    const broker = await startBroker({ tls: { key, cert } });
    const { d } = await startDriver({ type: 'publish', tls: true, reject_unauthorized: false, host: `127.0.0.1:${broker.port}` });
    expect(d.connected).toBe(true);
  });

  it('presents a client certificate', async () => {
    const broker = await startBroker({ tls: { key, cert, ca, requestCert: true } });
    const { d } = await startDriver({
      type: 'publish', tls: true, host: `127.0.0.1:${broker.port}`,
      ca: join(TLS_DIR, 'ca.pem'), cert: join(TLS_DIR, 'client.pem'), key: join(TLS_DIR, 'client.key'),
    });
    expect(d.connected).toBe(true);
    const without = await startDriver({ type: 'publish', tls: true, host: `127.0.0.1:${broker.port}`, ca: join(TLS_DIR, 'ca.pem') }, { name: 'nocert' });
    expect(without.d.connected).toBe(false);
  });

  it('fails to start when a TLS file is missing', async () => {
    const { d } = makeDriver({ type: 'publish', tls: true, ca: join(TLS_DIR, 'missing.pem') });
    await expect(d.start()).rejects.toThrow(/read ca .*missing\.pem: ENOENT/);
  });
});

describe('several daemons on one broker', () => {
  it('two daemons publishing and subscribing the same topics: no loop, no duplicate', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port, 'vscp/#');
    const settings: MqttSettings = { type: 'both', topic: 'vscp/{guid}/{class}/{type}', host: `127.0.0.1:${broker.port}` };
    const a = await startDriver(settings, { echo: new EchoGuard(), name: 'a' });
    const b = await startDriver(settings, { echo: new EchoGuard(), name: 'b' });
    await a.d.receive!(busEvent({}, 1));
    await a.d.receive!(busEvent({}, 2));
    await b.h.waitForEvents(2);
    // b publishes a marker after taking both events: once a has seen it, anything b might have
    // published back has reached a too.
    await b.d.receive!(busEvent({ vscpClass: 30 }, 3));
    await a.h.waitForEvents(1);
    expect(b.h.emitted.map((e) => e.data[2])).toEqual([1, 2]);
    expect(a.h.emitted.map((e) => e.vscpClass)).toEqual([30]);
    await until(() => b.d.stats().ownEchoes === 1, 'b to see its marker come back');
    expect(a.d.stats()).toMatchObject({ ownEchoes: 2, published: 2, received: 1 });
    expect(b.d.stats()).toMatchObject({ ownEchoes: 1, published: 1, received: 2 });
    await until(() => wire.messages.length === 3, 'three messages on the broker');
    expect(wire.messages.map((m) => m.topic.split('/')[2])).toEqual(['20', '20', '30']);
  });

  it('an instance does not publish back what another instance of the same daemon received from that broker', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port);
    const echo = new EchoGuard();
    const sub = await startDriver({ type: 'subscribe', topic: 'in', host: `127.0.0.1:${broker.port}` }, { echo, name: 'sub' });
    const pub = await startDriver({ type: 'publish', topic: 'out', host: `127.0.0.1:${broker.port}` }, { echo, name: 'pub' });
    const bridge = await startDriver({ type: 'publish', topic: 'out', broker_id: 'other-bus', host: `127.0.0.1:${broker.port}` }, { echo, name: 'bridge' });
    await wire.client.subscribeAsync('out');
    await wire.publish('in', '0,20,3,,,,-,0,1,35');
    const [e] = await sub.h.waitForEvents(1);
    // The bus hands the event to the other drivers of the daemon.
    await pub.d.receive!(e!);
    await bridge.d.receive!(e!);
    await until(() => wire.messages.length === 1, 'the bridged publication');
    expect(pub.d.stats()).toMatchObject({ echoSuppressed: 1, published: 0 });
    expect(bridge.d.stats()).toMatchObject({ echoSuppressed: 0, published: 1 });
  });

  it('recognises its own publication with one instance that publishes and subscribes', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port, 'vscp');
    const { h, d } = await startDriver({ type: 'both', host: `127.0.0.1:${broker.port}` });
    await d.receive!(busEvent({}, 1));
    await wire.publish('vscp', '0,20,3,,,,-,0,1,2');
    await h.waitForEvents(1);
    expect(h.emitted.map((e) => e.data[2])).toEqual([2]);
    expect(d.stats().ownEchoes).toBe(1);
  });

  it('recognises its own simplified value by topic and payload', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port);
    const { h, d } = await startDriver({ type: 'both', topic: 'home/temp', simplify: '10,6,float,0,1', host: `127.0.0.1:${broker.port}` });
    await d.receive!(busEvent({ vscpClass: 10, vscpType: 6, data: encodeMeasurement(21.5, { coding: 'float', unit: 1 }) }));
    await wire.publish('home/temp', '22');
    const [e] = await h.waitForEvents(1);
    expect(Array.from(e!.data)).toEqual(Array.from(encodeMeasurement(22, { coding: 'float', unit: 1 })));
    expect(d.stats().ownEchoes).toBe(1);
  });

  it('takes an event once when it arrives twice (QoS 1 redelivery, two brokers)', async () => {
    const x = await startBroker();
    const y = await startBroker();
    const sender = new EchoGuard();
    const receiver = new EchoGuard();
    const ax = await startDriver({ type: 'publish', host: `127.0.0.1:${x.port}` }, { echo: sender, name: 'ax' });
    const ay = await startDriver({ type: 'publish', host: `127.0.0.1:${y.port}` }, { echo: sender, name: 'ay' });
    const bx = await startDriver({ type: 'subscribe', host: `127.0.0.1:${x.port}` }, { echo: receiver, name: 'bx' });
    const by = await startDriver({ type: 'subscribe', host: `127.0.0.1:${y.port}` }, { echo: receiver, name: 'by' });
    const e = busEvent({}, 7);
    await ax.d.receive!(e);
    await ay.d.receive!(e);
    await until(() => bx.d.stats().messages + by.d.stats().messages === 2, 'both copies');
    expect(bx.h.emitted.length + by.h.emitted.length).toBe(1);
    expect(bx.d.stats().duplicates + by.d.stats().duplicates).toBe(1);
  });
});

describe('hot reconfiguration', () => {
  it('moves publications to a new topic without reconnecting', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port, '#');
    const base: MqttSettings = { type: 'publish', topic: 'old', host: `127.0.0.1:${broker.port}`, reconnect_min_ms: 20, reconnect_max_ms: 200 };
    const { d } = await startDriver(base);
    await d.receive!(busEvent({}, 1));
    expect(await d.reconfigure!({ ...base, publish_topic: 'new/{class}' } as DriverSettings, ['publish_topic'])).toBe('applied');
    await d.receive!(busEvent({}, 2));
    await until(() => wire.messages.length === 2, 'two publications');
    expect(wire.messages.map((m) => m.topic)).toEqual(['old', 'new/20']);
    expect(d.stats().connects).toBe(1);
  });

  it('moves the subscription to a new topic', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port);
    const base: MqttSettings = { topic: 'old', host: `127.0.0.1:${broker.port}`, reconnect_min_ms: 20, reconnect_max_ms: 200 };
    const unsubscribed: string[] = [];
    broker.aedes.on('unsubscribe', (topics) => unsubscribed.push(...topics));
    const { h, d } = await startDriver(base);
    expect(await d.reconfigure!({ ...base, subscribe_topic: 'new' } as DriverSettings, ['subscribe_topic'])).toBe('applied');
    // The new subscription is in place once a message on `new` arrives; the old one goes after it.
    await wire.publish('new', '0,20,3,,,,-,0,1,1');
    await h.waitForEvents(1);
    await until(() => unsubscribed.includes('old'), 'the old subscription to go');
    await wire.publish('old', '0,20,3,,,,-,0,1,2');
    await wire.publish('new', '0,20,3,,,,-,0,1,3');
    await h.waitForEvents(2);
    expect(h.emitted.map((e) => e.data[2])).toEqual([1, 3]);
  });

  it('asks for a restart when a connection setting changes', async () => {
    const { d } = makeDriver({ type: 'publish' });
    expect(await d.reconfigure!({ type: 'publish', host: 'other:1883' } as DriverSettings, ['host'])).toBe('restart');
    expect(await d.reconfigure!({ type: 'publish', qos: 1 } as DriverSettings, ['qos', 'sessionid'])).toBe('restart');
  });

  it('applies a new filter at once', async () => {
    const broker = await startBroker();
    const wire = await observer(broker.port);
    const base: MqttSettings = { topic: 'vscp', host: `127.0.0.1:${broker.port}`, reconnect_min_ms: 20, reconnect_max_ms: 200 };
    const { h, d } = await startDriver(base);
    await d.reconfigure!({ ...base, filter: '0,10,0,-', mask: '0,0xFFFF,0,-' } as DriverSettings, ['filter', 'mask']);
    await wire.publish('vscp', '0,20,3,,,,-,0,1,1');
    await wire.publish('vscp', '0,10,6,,,,-,0x60,0x01');
    await h.waitForEvents(1);
    expect(h.emitted.map((e) => e.vscpClass)).toEqual([10]);
  });
});

describe('MQTT 5 against a 3.1.1-only broker', () => {
  it('reports the refusal', async () => {
    const broker = await startBroker();
    const { h } = await startDriver({ type: 'publish', protocol_version: 5, host: `127.0.0.1:${broker.port}` });
    await until(() => h.health.length > 0, 'a health report');
    expect(h.health[0]!.reason).toBe(`broker 127.0.0.1:${broker.port} refused the connection: Unacceptable protocol version`);
  });
});
