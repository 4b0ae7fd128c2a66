/*
 * From validated settings to what the link runs with. The schema has checked types and
 * ranges; here the aliases (`filter`/`mask`, `response_timout`), the XML `setup` and
 * everything that depends on more than one key are resolved, so `vscpd check` reports a wrong
 * setting with the origin of the key at fault.
 */
import { isIP } from 'node:net';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { filterFromSettings } from '../../runtime/drivers/toolkit/index.js';
import { type VscpFilter, parseFilterPart } from '../../runtime/protocol/index.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { type SetupOverrides, parseSetupXml } from './setup-xml.js';

export type Direction = 'both' | 'receive' | 'send';

export interface RemoteAddress {
  host: string;
  port: number;
  /** `host:port`, `[v6]:port` for IPv6; for logs and health reasons. */
  display: string;
}

export interface LinkConfig {
  remote: RemoteAddress;
  user: string;
  password: string;
  direction: Direction;
  /** Applied by the remote (SFLT/SMSK) and again here. */
  rxFilter: VscpFilter;
  txFilter: VscpFilter;
  responseTimeoutMs: number;
  keepaliveTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  sendQueueSize: number;
  tls: { enabled: boolean; ca: string; servername: string; rejectUnauthorized: boolean };
}

/** Keys whose change `reconfigure` applies in place (`x-reload: hot` in schema.json; a test keeps both equal). */
export const HOT_KEYS: ReadonlySet<string> = new Set([
  'rxfilter', 'rxmask', 'filter', 'mask', 'txfilter', 'txmask', 'responsetimeout', 'response_timout',
  'keepalive_timeout_ms', 'connect_timeout_ms', 'reconnect_min_ms', 'reconnect_max_ms', 'send_queue_size',
]);

export const DEFAULT_PORT = 9598;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 2000;

/**
 * A host name or address: `name`, `1.2.3.4`, `::1` or `[::1]`, optionally behind `tcp://` (the
 * original client stripped it). A port written into it is refused with a pointer to
 * `port_remote`, because `host:port` and an IPv6 address cannot be told apart.
 */
export function parseRemoteHost(text: string, key: string): string {
  let t = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(t);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'tcp') {
      throw new DriverConfigError(`${key}: scheme ${scheme[1]!.toLowerCase()}:// is not supported; write the host name (with tls = true for TLS)`, key);
    }
    t = t.slice(scheme[0].length);
  }
  if (t.endsWith('/')) t = t.slice(0, -1);
  if (t === '') throw new DriverConfigError(`${key}: is empty; expected the remote daemon's host name or IP address`, key);
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    const inner = close < 0 ? '' : t.slice(1, close);
    const after = close < 0 ? '' : t.slice(close + 1);
    if (close < 0 || isIP(inner) !== 6) throw new DriverConfigError(`${key}: "${t}" is no [IPv6 address]`, key);
    if (/^:[0-9]+$/.test(after)) throw new DriverConfigError(`${key}: "${t}" includes a port; set port_remote = ${after.slice(1)} instead`, key);
    if (after !== '') throw new DriverConfigError(`${key}: "${t}" has text after the ]`, key);
    return inner;
  }
  if (isIP(t) === 6) return t;
  const withPort = /^([^:]+):([0-9]+)$/.exec(t);
  if (withPort) throw new DriverConfigError(`${key}: "${t}" includes a port; set port_remote = ${withPort[2]} instead`, key);
  if (isIP(t) === 4) return t;
  if (!/^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/.test(t)) {
    throw new DriverConfigError(`${key}: "${t}" is no host name or IP address`, key);
  }
  return t;
}

export function formatRemote(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Empty or all zero: the default, which the other name of the setting may override. */
function isUnsetFilterPart(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const p = parseFilterPart(text);
    return p.priority === 0 && p.vscpClass === 0 && p.vscpType === 0 && p.guid.every((b) => b === 0);
  } catch {
    return false; // reported by filterFromSettings() with its key
  }
}

/** The new name wins when set; the original name is used otherwise; both set differently is an error. */
function alias(current: string, currentKey: string, legacy: string, legacyKey: string): string {
  const a = current.trim();
  const b = legacy.trim();
  const aSet = !isUnsetFilterPart(a);
  const bSet = !isUnsetFilterPart(b);
  if (aSet && bSet && a !== b) {
    throw new DriverConfigError(`${legacyKey}: is the original name of ${currentKey} and both are set to different values; keep ${currentKey}`, legacyKey);
  }
  return aSet || !bSet ? a : b;
}

export function deriveConfig(s: TcpiplinkSettings): LinkConfig {
  let setup: SetupOverrides = {};
  if ((s.setup ?? '').trim() !== '') setup = parseSetupXml(s.setup!);

  // The XML attributes win over keys, as the original read config string → variables → XML.
  const hostKey = setup.host !== undefined ? 'setup' : 'host_remote';
  const hostText = setup.host ?? s.host_remote ?? '';
  if (hostText.trim() === '') {
    throw new DriverConfigError(
      'host_remote: is required: the host name or IP address of the remote daemon (a key, config position 1, the variable <prefix>_host_remote or the host attribute of setup)',
      'host_remote');
  }
  const host = parseRemoteHost(hostText, hostKey);
  const port = setup.port ?? s.port_remote ?? DEFAULT_PORT;

  const user = setup.user ?? s.user_remote ?? '';
  const password = setup.password ?? s.password_remote ?? '';
  if (/[\r\n]/.test(user)) throw new DriverConfigError(`${setup.user !== undefined ? 'setup' : 'user_remote'}: must be one line`, setup.user !== undefined ? 'setup' : 'user_remote');
  if (/[\r\n]/.test(password)) throw new DriverConfigError(`${setup.password !== undefined ? 'setup' : 'password_remote'}: must be one line`, setup.password !== undefined ? 'setup' : 'password_remote');
  if (password !== '' && user === '') {
    throw new DriverConfigError('password_remote: is set but user_remote is empty; the remote takes a password only after a user name', 'password_remote');
  }

  const rxFilterText = setup.rxfilter ?? alias(s.rxfilter ?? '', 'rxfilter', s.filter ?? '', 'filter');
  const rxMaskText = setup.rxmask ?? alias(s.rxmask ?? '', 'rxmask', s.mask ?? '', 'mask');
  const rxFilterKey = setup.rxfilter !== undefined ? 'setup' : rxFilterText === (s.filter ?? '').trim() && rxFilterText !== (s.rxfilter ?? '').trim() ? 'filter' : 'rxfilter';
  const rxMaskKey = setup.rxmask !== undefined ? 'setup' : rxMaskText === (s.mask ?? '').trim() && rxMaskText !== (s.rxmask ?? '').trim() ? 'mask' : 'rxmask';
  const rxFilter = filterFromSettings(rxFilterKey, rxFilterText, rxMaskKey, rxMaskText);
  const txFilter = filterFromSettings(
    setup.txfilter !== undefined ? 'setup' : 'txfilter', setup.txfilter ?? s.txfilter ?? '',
    setup.txmask !== undefined ? 'setup' : 'txmask', setup.txmask ?? s.txmask ?? '');

  const current = s.responsetimeout ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  const legacy = s.response_timout;
  if (legacy !== undefined && current !== DEFAULT_RESPONSE_TIMEOUT_MS && legacy !== current) {
    throw new DriverConfigError('response_timout: is the original name of responsetimeout and both are set to different values; keep responsetimeout', 'response_timout');
  }
  const responseTimeoutMs = setup.responseTimeoutMs ?? (current !== DEFAULT_RESPONSE_TIMEOUT_MS ? current : legacy ?? current);

  const reconnectMinMs = s.reconnect_min_ms ?? 1000;
  const reconnectMaxMs = s.reconnect_max_ms ?? 30_000;
  if (reconnectMaxMs < reconnectMinMs) {
    throw new DriverConfigError(`reconnect_max_ms: ${reconnectMaxMs} is below reconnect_min_ms ${reconnectMinMs}`, 'reconnect_max_ms');
  }

  const tlsEnabled = s.tls ?? false;
  const ca = s.tls_ca ?? '';
  const servername = (s.tls_servername ?? '').trim();
  if (!tlsEnabled && ca !== '') throw new DriverConfigError('tls_ca: is set but tls is off; set tls = true', 'tls_ca');
  if (!tlsEnabled && servername !== '') throw new DriverConfigError('tls_servername: is set but tls is off; set tls = true', 'tls_servername');
  if (!tlsEnabled && s.tls_reject_unauthorized === false) {
    throw new DriverConfigError('tls_reject_unauthorized: is false but tls is off; set tls = true or remove it', 'tls_reject_unauthorized');
  }

  const direction = s.direction ?? 'both';
  return {
    remote: { host, port, display: formatRemote(host, port) },
    user,
    password,
    direction,
    rxFilter,
    txFilter,
    responseTimeoutMs,
    keepaliveTimeoutMs: s.keepalive_timeout_ms ?? 10_000,
    connectTimeoutMs: s.connect_timeout_ms ?? 10_000,
    reconnectMinMs,
    reconnectMaxMs,
    sendQueueSize: s.send_queue_size ?? 10_000,
    tls: { enabled: tlsEnabled, ca, servername, rejectUnauthorized: s.tls_reject_unauthorized ?? true },
  };
}
