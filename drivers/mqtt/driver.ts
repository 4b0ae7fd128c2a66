/*
 * One running MQTT driver instance: a single broker connection (mqtt.js) that publishes the
 * events the daemon delivers and/or turns subscribed messages into events.
 *
 * Outgoing: receive() → publish filter → echo check → topic + payload → a bounded queue →
 * published while the connection can take more (QoS 1/2: at most `max_inflight` unacknowledged;
 * QoS 0: while the socket needs no drain). While connected and busy, receive() returns a promise
 * so that events wait in the daemon's own bounded queue; while disconnected they wait here, the
 * oldest dropped (and counted) when the queue is full.
 *
 * Incoming: topic match → origin/echo checks → payload decode → GUID and time completed (so every
 * daemon fingerprints the same event) → duplicate check → filter → ctx.emit().
 *
 * Reconnecting: mqtt.js never reconnects by itself here (reconnectPeriod 0); the driver schedules
 * each attempt on ctx.scheduler with exponential backoff and jitter, and keeps the client's
 * message stores so unacknowledged QoS 1/2 publications are sent again.
 */
import { readFileSync } from 'node:fs';
import { Socket, connect as netConnect, isIP } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, createSecureContext } from 'node:tls';
import {
  type IClientOptions, type IClientPublishOptions, type IConnackPacket, type IDisconnectPacket, type IPublishPacket,
  MqttClient, ReasonCodes,
} from 'mqtt';
import type {
  DriverContext, DriverInstance, DriverSettings, ReconfigureResult,
} from '../../runtime/drivers/contract.js';
import { Backoff, DropOldestQueue, RateLimitedWarning, Wakeup } from '../../runtime/drivers/toolkit/index.js';
import {
  type VscpEvent, filterAccepts, isZeroGuidExceptNickname, stampEvent,
} from '../../runtime/protocol/index.js';
import { type EchoGuard, ORIGIN_PROPERTY, eventFingerprint, payloadFingerprint } from './echo.js';
import { decodePayload, encodePayload } from './payload.js';
import type { MqttSettings } from './settings.generated.js';
import { HOT_KEYS, type MqttConfig, deriveConfig } from './settings.js';
import { topicMatches } from './topic.js';

/** Counters of one instance, since it started. */
export interface MqttStats {
  /** Connections established (first one included). */
  connects: number;
  /** Established connections that were lost. */
  connectionLosses: number;
  /** Messages that arrived from the broker. */
  messages: number;
  /** Events handed to the daemon. */
  received: number;
  /** Messages whose topic the subscription does not cover (e.g. left over in a persistent session). */
  ignoredTopic: number;
  /** Payloads that could not be turned into an event (malformed, too large, binary). */
  rejected: number;
  /** Received events the `filter`/`mask` did not pass. */
  filtered: number;
  /** This daemon's own publications that came back. */
  ownEchoes: number;
  /** Events that arrived a second time (QoS 1 redelivery, a second path). */
  duplicates: number;
  /** Events the daemon could not take (stopping). */
  emitFailed: number;
  /** Events handed to the broker connection. */
  published: number;
  /** QoS 1/2 publications the broker acknowledged. */
  acknowledged: number;
  /** QoS 1/2 publications that failed (the client sends them again after reconnecting). */
  publishErrors: number;
  /** Delivered events not published: publish filter or, with simplify, not the configured measurement. */
  notPublished: number;
  /** Delivered events not published because this daemon received them from the same bus. */
  echoSuppressed: number;
  /** Messages dropped because the queue was full (`offline_queue_size`), oldest first. */
  droppedQueueFull: number;
  /** Messages that could not be published before stop. */
  droppedOnStop: number;
}

export interface MqttDriverInstance extends DriverInstance {
  /** Counters since start. */
  stats(): MqttStats;
  /** true while the broker connection is up. */
  readonly connected: boolean;
  /** Messages waiting to be published. */
  readonly queued: number;
}

interface Outgoing {
  topic: string;
  payload: Buffer;
  /** Fingerprint of the event when the payload carries its timestamp. */
  eventFp: number | null;
}

/** How long stop() keeps trying to hand over queued and unacknowledged messages. */
const STOP_FLUSH_MS = 3000;
/** start() waits at most this long for the first connection attempt (the host allows 30 s). */
const START_WAIT_MAX_MS = 20_000;
const MAX_REASON_CHARS = 300;
/** Socket errors that mean the broker could not be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
const MAX_TOPIC_SHOWN = 200;

function newStats(): MqttStats {
  return {
    connects: 0, connectionLosses: 0, messages: 0, received: 0, ignoredTopic: 0, rejected: 0, filtered: 0,
    ownEchoes: 0, duplicates: 0, emitFailed: 0, published: 0, acknowledged: 0, publishErrors: 0, notPublished: 0,
    echoSuppressed: 0, droppedQueueFull: 0, droppedOnStop: 0,
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Largest packet the broker may send: the payload limit plus the longest topic and some properties. */
function packetLimit(maxPayloadBytes: number): number {
  return Math.min(268_435_455, maxPayloadBytes + 65_535 + 4096);
}

/**
 * Watches the MQTT fixed headers on the socket and closes a connection whose next packet
 * announces more than `limit` bytes, before the client buffers it.
 */
function guardPacketSizes(socket: Socket, limit: () => number): void {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;
  socket.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const n = Math.min(remaining, chunk.length - i);
        remaining -= n;
        i += n;
        if (remaining === 0) state = 'type';
        continue;
      }
      const b = chunk[i++]!;
      if (state === 'type') {
        state = 'length'; length = 0; multiplier = 1; lengthBytes = 0;
        continue;
      }
      length += (b & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if (b & 0x80) {
        if (lengthBytes === 4) {
          socket.destroy(Object.assign(new Error('broker sent a malformed packet length'), { code: 'EPROTO' }));
          return;
        }
        continue;
      }
      if (length > limit()) {
        socket.destroy(Object.assign(
          new Error(`broker sent a packet of ${length} bytes, more than the ${limit()} allowed by max_payload_bytes`), { code: 'EMSGSIZE' }));
        return;
      }
      remaining = length;
      state = remaining === 0 ? 'type' : 'body';
    }
  });
}

export class MqttDriver implements MqttDriverInstance {
  private config: MqttConfig;
  private client: MqttClient | null = null;
  private readonly queue: DropOldestQueue<Outgoing>;
  private readonly backoff: Backoff;
  private readonly counters = newStats();
  private readonly rejectWarning: RateLimitedWarning;
  private isConnected = false;
  private subscribedFilter: string | null = null;
  private inflight = 0;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private cancelReconnect: (() => void) | null = null;
  private cancelHealthRepeat: (() => void) | null = null;
  private lastError: Error | null = null;
  private lastReason: string | null = null;
  private healthNow: { health: 'running' | 'degraded'; reason?: string } | null = null;
  private everConnected = false;
  private failedAttempts = 0;
  /** Woken when receive() may hand over the next event (queue drained or connection state changed). */
  private readonly drained = new Wakeup();
  /** Woken on any progress (ack, drain, connection change); stop() waits on it. */
  private readonly progress = new Wakeup();
  private waitingForDrain = false;
  private firstOutcome: (() => void) | null = null;
  private tlsFiles: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  private publishOptions: IClientPublishOptions;

  constructor(private readonly ctx: DriverContext, config: MqttConfig, private readonly echo: EchoGuard) {
    this.config = config;
    this.queue = new DropOldestQueue<Outgoing>(config.offlineQueueSize);
    this.backoff = new Backoff(config.reconnectMinMs, config.reconnectMaxMs, 'twenty-percent');
    this.rejectWarning = new RateLimitedWarning((m) => ctx.log.warn(m));
    this.publishOptions = this.makePublishOptions();
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get queued(): number {
    return this.queue.length;
  }

  stats(): MqttStats {
    return { ...this.counters };
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  async start(): Promise<void> {
    if (this.client || this.stopping) return;
    const c = this.config;
    this.tlsFiles = this.readTlsFiles(true);
    if (c.broker.tls) {
      try {
        createSecureContext(this.tlsFiles);
      } catch (e) {
        throw new Error(`tls: ${(e as Error).message}`);
      }
    }
    const options: IClientOptions = {
      clientId: c.clientId,
      protocolVersion: c.protocolVersion,
      protocolId: c.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
      clean: c.cleanSession,
      keepalive: c.keepaliveSeconds,
      connectTimeout: c.connectTimeoutMs,
      reconnectPeriod: 0,
      manualConnect: true,
      queueQoSZero: false,
      resubscribe: false,
      // mqtt.js formats a debug line for every packet unless given a logger; the driver logs itself.
      log: () => {},
    };
    if (c.username !== '') {
      options.username = c.username;
      if (c.password !== '') options.password = c.password;
    }
    if (c.protocolVersion === 5) {
      options.properties = {
        maximumPacketSize: packetLimit(c.maxPayloadBytes),
        // A persistent session must outlive the connection (MQTT 5 ends it at once by default).
        sessionExpiryInterval: c.cleanSession ? 0 : 0xffffffff,
      };
    }
    const client = new MqttClient(() => this.openSocket(), options);
    this.client = client;
    client.on('connect', (connack) => this.onConnect(connack));
    client.on('close', () => this.onClose());
    client.on('error', (err) => this.onError(err));
    client.on('disconnect', (packet) => this.onServerDisconnect(packet));
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    this.ctx.log.info(`Connecting to broker ${c.broker.display} as client ${c.clientId}${c.broker.tls ? ' over TLS' : ''}.`, {
      type: c.direction, subscribe: c.subscribeTopic?.filter, publish: c.publishTopic?.template, protocol: c.protocolVersion,
    });
    const outcome = new Promise<void>((resolve) => { this.firstOutcome = resolve; });
    // start() returns once the first attempt succeeded or failed (or took too long); later
    // attempts run on their own.
    const cancelWait = this.ctx.scheduler.setTimeout(() => this.resolveFirstOutcome(), Math.min(c.connectTimeoutMs + 1000, START_WAIT_MAX_MS));
    client.connect();
    await outcome;
    cancelWait();
    // The host marks the driver running when start() returns and ignores health reports made
    // while starting: repeat a degraded state once the host has settled.
    if (this.healthNow?.health === 'degraded' && !this.stopping) {
      this.cancelHealthRepeat = this.ctx.scheduler.setTimeout(() => {
        this.cancelHealthRepeat = null;
        const h = this.healthNow;
        if (h) this.ctx.setHealth(h.health, h.reason);
      }, 0);
    }
  }

  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.cancelReconnect?.();
    this.cancelReconnect = null;
    this.cancelHealthRepeat?.();
    this.cancelHealthRepeat = null;
    this.resolveFirstOutcome();
    this.wake();
    const client = this.client;
    if (!client) return;
    const deadline = Date.now() + STOP_FLUSH_MS;
    if (this.isConnected) {
      this.pump();
      while ((this.queue.length > 0 || this.inflight > 0) && this.isConnected && Date.now() < deadline) {
        await this.progress.waitAtMost(deadline - Date.now());
        this.pump();
      }
    }
    const unacknowledged = this.inflight;
    await this.endClient(client, !this.isConnected, Math.max(100, deadline - Date.now()));
    const lost = this.queue.clear() + unacknowledged;
    if (lost > 0) {
      this.counters.droppedOnStop += lost;
      this.ctx.log.warn(`Dropped ${lost} messages that could not be published to broker ${this.config.broker.display} before stopping.`);
    }
    this.rejectWarning.flush('rejected messages');
    const s = this.counters;
    this.ctx.log.info('Stopped.', {
      published: s.published, received: s.received, rejected: s.rejected, dropped: s.droppedQueueFull + s.droppedOnStop,
    });
  }

  private endClient(client: MqttClient, force: boolean, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, timeoutMs);
      client.end(force, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Applies changed `hot` settings in place; anything else needs a restart. */
  reconfigure(settings: DriverSettings, changed: readonly string[]): ReconfigureResult {
    if (changed.some((key) => !HOT_KEYS.has(key))) return 'restart';
    this.apply(deriveConfig(settings as MqttSettings, this.ctx));
    return 'applied';
  }

  /** Applies a configuration whose differences are all `hot`. */
  apply(next: MqttConfig): void {
    const prev = this.config;
    this.config = next;
    this.publishOptions = this.makePublishOptions();
    this.backoff.minMs = next.reconnectMinMs;
    this.backoff.maxMs = next.reconnectMaxMs;
    const dropped = this.queue.resize(next.offlineQueueSize);
    if (dropped > 0 && !this.isConnected) this.counters.droppedQueueFull += dropped;
    if (this.isConnected && next.subscribeTopic
      && (prev.subscribeTopic?.filter !== next.subscribeTopic.filter || prev.qos !== next.qos)) {
      this.subscribe();
    }
    this.pump();
  }

  // ------------------------------------------------------------------------------------------
  // connection

  private readTlsFiles(strict: boolean): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    const c = this.config;
    const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    for (const key of ['ca', 'cert', 'key'] as const) {
      const path = c.tls[key];
      if (path === undefined) continue;
      try {
        out[key] = readFileSync(path);
      } catch (e) {
        const message = `read ${key} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
        if (strict) throw new Error(message);
        // A renewed certificate may be written non-atomically: keep using the last good one.
        this.ctx.log.warn(`Cannot ${message}; using the copy read earlier.`);
        const previous = this.tlsFiles[key];
        if (previous) out[key] = previous;
      }
    }
    return out;
  }

  private openSocket(): Socket {
    try {
      return this.connectSocket();
    } catch (e) {
      // mqtt.js calls this from connect(); a throw here would escape a timer callback.
      const socket = new Socket();
      const err = Object.assign(new Error((e as Error).message), { code: (e as NodeJS.ErrnoException).code ?? 'ERR_TLS_CONFIG' });
      process.nextTick(() => socket.destroy(err));
      return socket;
    }
  }

  private connectSocket(): Socket {
    const { broker, tls } = this.config;
    let socket: Socket;
    if (broker.tls) {
      // Re-read on every attempt so a renewed certificate is picked up without a restart.
      this.tlsFiles = this.readTlsFiles(false);
      const options: ConnectionOptions = {
        host: broker.host,
        port: broker.port,
        rejectUnauthorized: tls.rejectUnauthorized,
        ...this.tlsFiles,
      };
      if (isIP(broker.host) === 0) options.servername = broker.host;
      socket = tlsConnect(options);
    } else {
      socket = netConnect({ host: broker.host, port: broker.port });
    }
    guardPacketSizes(socket, () => packetLimit(this.config.maxPayloadBytes));
    return socket;
  }

  private onConnect(connack: IConnackPacket): void {
    this.isConnected = true;
    this.counters.connects++;
    const c = this.config;
    if (!this.everConnected) {
      this.ctx.log.info(`Connected to broker ${c.broker.display}.`, { session_present: connack.sessionPresent });
    } else {
      this.ctx.log.info(`Reconnected to broker ${c.broker.display} after ${this.failedAttempts} failed attempts.`, { queued: this.queue.length });
    }
    this.everConnected = true;
    this.failedAttempts = 0;
    this.backoff.reset();
    this.lastReason = null;
    this.subscribedFilter = null;
    if (c.direction === 'publish') {
      this.setHealth('running');
      this.resolveFirstOutcome();
    } else {
      this.subscribe();
    }
    this.pump();
    this.wake();
  }

  private subscribe(): void {
    const client = this.client;
    if (!client || !this.isConnected) return;
    const c = this.config;
    if (!c.subscribeTopic) return;
    const filter = c.subscribeTopic.filter;
    const previous = this.subscribedFilter;
    client.subscribe(filter, { qos: c.qos, ...(c.protocolVersion === 5 ? { nl: true } : {}) }, (err, granted) => {
      const refused = !err && (!granted || granted.length === 0 || (granted[0]!.qos as number) >= 0x80);
      if (this.stopping) return;
      if (filter !== this.config.subscribeTopic?.filter) {
        // Overtaken by a later reconfiguration while waiting for the broker.
        if (!err && !refused && this.isConnected) client.unsubscribe(filter);
        return;
      }
      if (err || refused) {
        const why = err ? err.message : 'the broker refused it';
        this.setHealth('degraded', `subscription to ${filter} on broker ${c.broker.display} failed: ${why}`);
        this.ctx.log.warn(`Cannot subscribe to ${filter}: ${why}.`);
      } else {
        this.subscribedFilter = filter;
        if (previous !== null && previous !== filter) client.unsubscribe(previous);
        this.setHealth('running');
      }
      this.resolveFirstOutcome();
    });
  }

  private onError(err: Error): void {
    this.lastError = err;
    // A protocol error leaves the connection in an unknown state: close it, the retry follows.
    const stream = this.client?.stream;
    if (stream && !stream.destroyed) stream.destroy();
  }

  private onServerDisconnect(packet: IDisconnectPacket): void {
    const code = packet.reasonCode ?? 0;
    const text = (ReasonCodes as Record<number, string | undefined>)[code] ?? `reason ${code}`;
    this.lastError = new Error(`the broker disconnected: ${text}`);
  }

  private describe(err: Error | null): string {
    const where = `broker ${this.config.broker.display}`;
    if (!err) return `${where} closed the connection`;
    const code = (err as NodeJS.ErrnoException).code;
    const message = clip(err.message, MAX_REASON_CHARS);
    if (/^Connection refused: /.test(message)) return `${where} refused the connection: ${message.slice(20)}`;
    if (message === 'connack timeout') return `${where} did not answer within ${this.config.connectTimeoutMs} ms`;
    if (message.startsWith('the broker disconnected')) return `${where}: ${message.slice(4)}`;
    if (code === 'EMSGSIZE' || code === 'EPROTO') return `${where}: ${message}`;
    if (typeof code === 'string' && /CERT|SSL|TLS|SIGNATURE|HOSTNAME|ALTNAME/.test(code)) return `${where}: TLS: ${message}`;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return `${where} unreachable: ${code}`;
    if (typeof code === 'string') return `${where}: ${code}`;
    return `${where}: ${message}`;
  }

  private onClose(): void {
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.subscribedFilter = null;
    this.wake();
    const dropped = this.queue.trim();
    this.counters.droppedQueueFull += dropped;
    if (this.stopping) return;
    if (wasConnected) this.counters.connectionLosses++;
    else this.failedAttempts++;
    const reason = this.describe(this.lastError);
    this.lastError = null;
    this.setHealth('degraded', reason);
    if (this.cancelReconnect) return;
    const delay = this.backoff.next();
    if (wasConnected) {
      this.ctx.log.warn(`Lost the connection: ${reason}; reconnecting in ${delay} ms.`);
    } else if (reason !== this.lastReason) {
      this.ctx.log.warn(`Cannot connect: ${reason}; retrying in ${delay} ms.`);
    } else {
      this.ctx.log.debug(`Cannot connect: ${reason}; retrying in ${delay} ms.`);
    }
    this.lastReason = reason;
    this.cancelReconnect = this.ctx.scheduler.setTimeout(() => {
      this.cancelReconnect = null;
      const client = this.client;
      if (this.stopping || !client) return;
      // Keep the stores: unacknowledged QoS 1/2 publications go out again after reconnecting.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
    this.resolveFirstOutcome();
  }

  private setHealth(health: 'running' | 'degraded', reason?: string): void {
    const now = this.healthNow;
    if (now && now.health === health && now.reason === reason) return;
    this.healthNow = reason === undefined ? { health } : { health, reason };
    this.ctx.setHealth(health, reason);
  }

  private resolveFirstOutcome(): void {
    const resolve = this.firstOutcome;
    this.firstOutcome = null;
    resolve?.();
  }

  // ------------------------------------------------------------------------------------------
  // incoming

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const s = this.counters;
    s.messages++;
    const c = this.config;
    const sub = c.subscribeTopic;
    if (!sub || !topicMatches(sub.levels, topic)) {
      s.ignoredTopic++;
      return;
    }
    if (payload.length > c.maxPayloadBytes) {
      this.reject(topic, `payload of ${payload.length} bytes is larger than max_payload_bytes ${c.maxPayloadBytes}`);
      return;
    }
    const origin = packet.properties?.userProperties?.[ORIGIN_PROPERTY];
    if (origin !== undefined) {
      if (origin === this.echo.originId || (Array.isArray(origin) && origin.includes(this.echo.originId))) {
        s.ownEchoes++;
        return;
      }
    } else if (this.echo.isOwnPayload(payloadFingerprint(topic, payload))) {
      s.ownEchoes++;
      return;
    }
    let event: VscpEvent;
    let identified: boolean;
    try {
      ({ event, identified } = decodePayload(c, sub, topic, payload));
    } catch (e) {
      this.reject(topic, (e as Error).message);
      return;
    }
    this.complete(event);
    const fp = eventFingerprint(event);
    if (identified) {
      if (this.echo.isOwnEvent(fp)) {
        s.ownEchoes++;
        return;
      }
      if (this.echo.wasReceived(fp)) {
        this.echo.noteReceived(fp, c.busId);
        s.duplicates++;
        return;
      }
    }
    if (!filterAccepts(c.filter, event)) {
      s.filtered++;
      return;
    }
    this.echo.noteReceived(fp, c.busId);
    if (this.ctx.emit(event)) s.received++;
    else s.emitFailed++;
  }

  /** Fills what the daemon would fill on arrival, so the event's fingerprint is final. */
  private complete(event: VscpEvent): void {
    if (isZeroGuidExceptNickname(event.guid)) {
      const g = Uint8Array.from(this.ctx.guid);
      g[14] = event.guid[14]!;
      g[15] = event.guid[15]!;
      event.guid = g;
    }
    stampEvent(event);
  }

  private reject(topic: string, reason: string): void {
    this.counters.rejected++;
    this.rejectWarning.warn(`Rejected a message on topic "${clip(topic, MAX_TOPIC_SHOWN)}": ${clip(reason, MAX_REASON_CHARS)}.`);
  }

  // ------------------------------------------------------------------------------------------
  // outgoing

  receive(event: VscpEvent): void | Promise<void> {
    const c = this.config;
    if (this.stopping || !c.publishTopic) return;
    if (!filterAccepts(c.publishFilter, event)) {
      this.counters.notPublished++;
      return;
    }
    const fp = eventFingerprint(event);
    if (this.echo.wasReceivedFrom(fp, c.busId)) {
      this.counters.echoSuppressed++;
      return;
    }
    const payload = encodePayload(c, event);
    if (payload === null) {
      this.counters.notPublished++;
      return;
    }
    const message: Outgoing = { topic: c.publishTopic.render(event), payload, eventFp: c.simplify ? null : fp };
    if (this.isConnected) {
      // The host waits for the returned promise, so this holds at most one message beyond what
      // was queued while offline; a caller that does not wait still cannot grow it unbounded.
      if (this.queue.length >= Math.max(1, this.queue.capacity)) {
        this.queue.shift();
        this.counters.droppedQueueFull++;
      }
      this.queue.pushUnbounded(message);
      this.pump();
      if (this.queue.length === 0) return;
      return this.drained.wait();
    }
    if (this.queue.push(message)) this.counters.droppedQueueFull++;
  }

  private makePublishOptions(): IClientPublishOptions {
    const c = this.config;
    const options: IClientPublishOptions = { qos: c.qos, retain: c.retain };
    if (c.protocolVersion === 5) options.properties = { userProperties: { [ORIGIN_PROPERTY]: this.echo.originId } };
    return options;
  }

  private canSend(): boolean {
    const client = this.client;
    // Once stop() has begun disconnecting, mqtt.js refuses publications: keep them queued (counted at stop).
    if (!client || !this.isConnected || client.disconnecting) return false;
    if (this.config.qos > 0 && this.inflight >= this.config.maxInflight) return false;
    return !(client.stream as { writableNeedDrain?: boolean } | undefined)?.writableNeedDrain;
  }

  private pump(): void {
    const client = this.client;
    while (this.queue.length > 0 && this.canSend()) {
      this.send(client!, this.queue.shift()!);
    }
    if (this.queue.length === 0) {
      this.drained.wake();
    } else if (this.isConnected && client && !this.waitingForDrain
      && (client.stream as { writableNeedDrain?: boolean }).writableNeedDrain) {
      this.waitingForDrain = true;
      client.stream.once('drain', () => {
        this.waitingForDrain = false;
        this.progress.wake();
        this.pump();
      });
    }
  }

  private send(client: MqttClient, m: Outgoing): void {
    const c = this.config;
    const marked = c.protocolVersion === 5;
    this.echo.notePublished(marked ? null : payloadFingerprint(m.topic, m.payload), m.eventFp);
    this.counters.published++;
    if (c.qos === 0) {
      client.publish(m.topic, m.payload, this.publishOptions);
      return;
    }
    this.inflight++;
    client.publish(m.topic, m.payload, this.publishOptions, (err) => {
      this.inflight--;
      if (err) this.counters.publishErrors++;
      else this.counters.acknowledged++;
      this.progress.wake();
      this.pump();
    });
  }

  /** Lets receive() and stop() re-check: connection state changed or the queue moved. */
  private wake(): void {
    this.drained.wake();
    this.progress.wake();
  }
}
