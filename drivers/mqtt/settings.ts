/*
 * From validated settings to what the MQTT driver runs with: broker address, client id,
 * direction, topics, payload form, filters and limits. Everything a schema cannot check is
 * checked here, so `vscpd check` reports it with the origin of the offending key.
 */
import { createHash } from 'node:crypto';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { filterFromSettings } from '../../runtime/drivers/toolkit/index.js';
import { type Guid, type VscpFilter, formatGuid } from '../../runtime/protocol/index.js';
import type { MqttSettings } from './settings.generated.js';
import { type SimplifySpec, parseSimplify } from './simplify.js';
import { type PublishTopic, type SubscribeTopic, compilePublishTopic, compileSubscribeTopic } from './topic.js';

export type Direction = 'subscribe' | 'publish' | 'both';
export type PayloadFormat = 'string' | 'json';

export interface BrokerAddress {
  host: string;
  port: number;
  tls: boolean;
  /** `host:port` as shown in logs and health reasons (`[v6]:port` for IPv6). */
  display: string;
}

export interface MqttConfig {
  clientId: string;
  /** true when the client id was derived, not configured */
  clientIdDerived: boolean;
  direction: Direction;
  broker: BrokerAddress;
  username: string;
  password: string;
  keepaliveSeconds: number;
  qos: 0 | 1 | 2;
  retain: boolean;
  cleanSession: boolean;
  protocolVersion: 3 | 4 | 5;
  format: PayloadFormat;
  simplify: SimplifySpec | null;
  /** null for type = publish */
  subscribeTopic: SubscribeTopic | null;
  /** null for type = subscribe */
  publishTopic: PublishTopic | null;
  /** Applied to events received from the broker. */
  filter: VscpFilter;
  /** Applied to events the daemon delivers, before publishing. */
  publishFilter: VscpFilter;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  offlineQueueSize: number;
  maxInflight: number;
  maxPayloadBytes: number;
  /** Instances with the same bus id never publish what another of them received (echo). */
  busId: string;
}

/** What of the driver's context the configuration depends on. */
export interface ConfigContext {
  prefix: string;
  guid: Guid;
}

/** Keys whose change `reconfigure` applies in place (`x-reload: hot` in schema.json; a test keeps both equal). */
export const HOT_KEYS: ReadonlySet<string> = new Set([
  'topic', 'subscribe_topic', 'publish_topic', 'qos', 'retain', 'format', 'simplify', 'filter', 'mask',
  'publish_filter', 'publish_mask', 'reconnect_min_ms', 'reconnect_max_ms', 'offline_queue_size', 'max_inflight',
  'max_payload_bytes', 'broker_id',
]);

export const DEFAULT_PORT = 1883;
export const DEFAULT_TLS_PORT = 8883;

const SCHEMES: Record<string, boolean> = { tcp: false, mqtt: false, mqtts: true, ssl: true, tls: true };

/**
 * `host:port`, `[v6]:port`, `host`, each optionally behind `tcp://`, `mqtt://` (plain) or
 * `mqtts://`, `ssl://`, `tls://` (TLS). `tlsSetting` is the `tls` key; a TLS scheme turns it on.
 */
export function parseBrokerAddress(text: string, tlsSetting: boolean): BrokerAddress {
  let rest = text.trim();
  let tls = tlsSetting;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (!(name in SCHEMES)) {
      const hint = name === 'ws' || name === 'wss' ? '; WebSocket transport is not supported' : '';
      throw new DriverConfigError(`host: scheme ${name}:// is not supported${hint}; use tcp://, mqtt://, mqtts://, ssl:// or tls://`, 'host');
    }
    tls = tls || SCHEMES[name]!;
    rest = rest.slice(scheme[0].length);
  }
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.includes('@')) {
    throw new DriverConfigError('host: credentials do not belong in the address; set username and password instead', 'host');
  }
  if (rest.includes('/')) throw new DriverConfigError(`host: "${text}" has a path; expected host:port`, 'host');
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new DriverConfigError(`host: "${text}" has no closing ]; expected [ipv6]:port`, 'host');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new DriverConfigError(`host: "${text}": expected :port after ]`, 'host');
      portText = after.slice(1);
    }
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) {
      throw new DriverConfigError(`host: "${text}": write an IPv6 address in brackets, e.g. [::1]:1883`, 'host');
    }
    host = parts[0]!;
    portText = parts[1];
  }
  if (host === '' || /\s/.test(host)) throw new DriverConfigError(`host: "${text}" has no valid host name; expected host:port`, 'host');
  let port = tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new DriverConfigError(`host: port "${portText}" must be a number 1..65535`, 'host');
    }
    port = Number(portText);
  }
  const display = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, tls, display };
}

/** `vscpd-<prefix>-<8 hex>`: stable for a driver of a daemon, different between daemons. */
export function defaultClientId(ctx: ConfigContext, protocolVersion: number): string {
  const hash = createHash('sha256').update(`${formatGuid(ctx.guid)}|${ctx.prefix.toLowerCase()}`).digest('hex').slice(0, 8);
  const prefix = ctx.prefix.replace(/[^0-9A-Za-z_-]/g, '');
  const id = `vscpd-${prefix}-${hash}`;
  // MQTT 3.1 allows 23 characters at most.
  return protocolVersion === 3 && id.length > 23 ? `vscpd-${hash}` : id;
}

export function deriveConfig(s: MqttSettings, ctx: ConfigContext): MqttConfig {
  const protocolVersion = s.protocol_version ?? 4;
  const broker = parseBrokerAddress(s.host ?? 'localhost:1883', s.tls ?? false);

  const username = s.username ?? '';
  const user = s.user ?? '';
  if (username !== '' && user !== '' && username !== user) {
    throw new DriverConfigError('user: is the original name of username and both are set to different values; keep one', 'user');
  }
  const effectiveUser = username !== '' ? username : user;
  const password = s.password ?? '';
  if (password !== '' && effectiveUser === '') {
    throw new DriverConfigError('password: is set but username is empty; MQTT sends a password only with a user name', 'password');
  }

  const sessionid = (s.sessionid ?? '').trim();
  const format: PayloadFormat = s.format ?? 'string';
  const simplifyText = (s.simplify ?? '').trim();
  const simplify = simplifyText === '' ? null : parseSimplify(simplifyText);
  if (simplify && format === 'json') {
    throw new DriverConfigError('simplify: payloads are plain numbers with simplify, so format = json cannot apply; remove one of them', 'simplify');
  }

  const direction: Direction = s.type ?? 'subscribe';
  const topic = s.topic ?? 'vscp';
  const subscribeText = s.subscribe_topic ?? '';
  const publishText = s.publish_topic ?? '';
  if (direction !== 'subscribe' && publishText === '' && /[+#]/.test(topic)) {
    throw new DriverConfigError(
      `topic: "${topic}" has MQTT wildcards, which cannot be published to; set publish_topic for type = ${direction}`, 'topic');
  }
  // Each side is compiled only when used: a publish template need not be a valid filter and the other way round.
  const subscribeTopic = direction === 'publish' ? null
    : compileSubscribeTopic(subscribeText !== '' ? subscribeText : topic, subscribeText !== '' ? 'subscribe_topic' : 'topic');
  const publishTopic = direction === 'subscribe' ? null
    : compilePublishTopic(publishText !== '' ? publishText : topic, publishText !== '' ? 'publish_topic' : 'topic', ctx.prefix);

  const reconnectMinMs = s.reconnect_min_ms ?? 1000;
  const reconnectMaxMs = s.reconnect_max_ms ?? 60_000;
  if (reconnectMaxMs < reconnectMinMs) {
    throw new DriverConfigError(`reconnect_max_ms: ${reconnectMaxMs} is below reconnect_min_ms ${reconnectMinMs}`, 'reconnect_max_ms');
  }
  if (s.cert !== undefined && s.key === undefined) throw new DriverConfigError('cert: needs key (the private key of the client certificate)', 'cert');
  if (s.key !== undefined && s.cert === undefined) throw new DriverConfigError('key: needs cert (the client certificate)', 'key');
  const tlsFiles = s.ca !== undefined || s.cert !== undefined;
  if (tlsFiles && !broker.tls) {
    throw new DriverConfigError(`${s.ca !== undefined ? 'ca' : 'cert'}: TLS files are set but TLS is off; set tls = true or use an mqtts:// host`, s.ca !== undefined ? 'ca' : 'cert');
  }
  const tls: MqttConfig['tls'] = { rejectUnauthorized: s.reject_unauthorized ?? true };
  if (s.ca !== undefined) tls.ca = s.ca;
  if (s.cert !== undefined) tls.cert = s.cert;
  if (s.key !== undefined) tls.key = s.key;

  return {
    clientId: sessionid !== '' ? sessionid : defaultClientId(ctx, protocolVersion),
    clientIdDerived: sessionid === '',
    direction,
    broker,
    username: effectiveUser,
    password,
    keepaliveSeconds: s.keepalive ?? 60,
    qos: s.qos ?? 0,
    retain: s.retain ?? false,
    cleanSession: s.clean_session ?? true,
    protocolVersion,
    format,
    simplify,
    subscribeTopic,
    publishTopic,
    filter: filterFromSettings('filter', s.filter ?? '', 'mask', s.mask ?? ''),
    publishFilter: filterFromSettings('publish_filter', s.publish_filter ?? '', 'publish_mask', s.publish_mask ?? ''),
    tls,
    connectTimeoutMs: s.connect_timeout_ms ?? 10_000,
    reconnectMinMs,
    reconnectMaxMs,
    offlineQueueSize: s.offline_queue_size ?? 10_000,
    maxInflight: s.max_inflight ?? 100,
    maxPayloadBytes: s.max_payload_bytes ?? 65_536,
    busId: (s.broker_id ?? '').trim() !== '' ? s.broker_id!.trim() : broker.display.toLowerCase(),
  };
}

const POSITIONS = ['sessionid', 'type', 'topic', 'host', 'username', 'password', 'keepalive', 'filter', 'mask'] as const;
const TYPES = new Set(['subscribe', 'publish', 'both']);

function unquote(text: string): string {
  const t = text.trim();
  // The original documentation writes "sessionid" and “subscribe” with straight or curly quotes.
  const m = /^["“”'](.*)["“”']$/s.exec(t);
  return m ? m[1]!.trim() : t;
}

/**
 * The original `sessionid;subscribe|publish;topic;host:port;user;password;keepalive;filter;mask`
 * string (filter and mask were documented but never read; here they are). The layout from
 * before session ids (`subscribe;topic;host…`) is recognised by its first field. An empty field
 * sets nothing. The type is matched exactly in any case (the original took any text containing
 * "PUBLISH" as publish and everything else as subscribe); other text is handed on so the schema
 * check rejects it with its origin.
 */
export function parseLegacyConfig(config: string): Record<string, string> {
  let tokens = config.split(';').map(unquote);
  if (tokens.length > 1 && TYPES.has(tokens[0]!.toLowerCase()) && !TYPES.has(tokens[1]!.toLowerCase())) {
    tokens = ['', ...tokens];
  }
  if (tokens.length > POSITIONS.length) {
    throw new DriverConfigError(
      `config: has ${tokens.length} fields; expected at most ${POSITIONS.length}: sessionid;type;topic;host;username;password;keepalive;filter;mask`, 'config');
  }
  const out: Record<string, string> = {};
  tokens.forEach((value, i) => {
    if (value === '') return;
    const key = POSITIONS[i]!;
    out[key] = key === 'type' && TYPES.has(value.toLowerCase()) ? value.toLowerCase() : value;
  });
  return out;
}
