/*
 * Stock variables: `vscp.*`, generated when read, read-only. The store knows its own figures
 * (variable count, uptime of the store); everything about the rest of the daemon comes from a
 * StockVariableSource the daemon provides. A variable whose source is missing is not listed.
 *
 * Names are canonical upper case like every variable name (`VSCP.VERSION.MAJOR`); look-ups are
 * case-insensitive, so `vscp.version.major` works as in v13.
 */
import { readFileSync } from 'node:fs';
import { arch, endianness, hostname, networkInterfaces, release, type } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../support/package-root.js';
import { VariableType } from './types.js';

/** Every name starting with this is reserved for stock variables. */
export const STOCK_PREFIX = 'VSCP.';

export function isStockName(canonicalName: string): boolean {
  return canonicalName.startsWith(STOCK_PREFIX);
}

/** What the automation reports for `vscp.automation.*` (see runtime/automation). */
export interface StockAutomationInfo {
  enabled: boolean;
  heartbeat: string | null;
  lastHeartbeat: Date | null;
  capabilities: string | null;
  lastCapabilities: Date | null;
  timeEvents: boolean;
  answerProbes: boolean;
}

/** Callbacks the daemon provides; each one is called when its variable is read. All optional. */
export interface StockVariableSource {
  /** `[general] name`. */
  daemonName?(): string;
  /** The daemon GUID in text form. */
  guid?(): string;
  /** Local IPv4 addresses; default: the host's non-internal IPv4 addresses. */
  ipv4?(): string[];
  /** When the daemon started; default: when the store was created. */
  startedAt?(): Date;
  /** TCP/IP interface listen addresses (`host:port`). */
  tcpipAddresses?(): string[];
  clientCount?(): number;
  driverCount?(): number;
  userCount?(): number;
  /** `debug` | `info` | `warn` | `error`. */
  logLevel?(): string;
  /** `[general] client_buffer_size`. */
  clientBufferSize?(): number;
  /** The configuration generation currently running. */
  configGeneration?(): number;
  /** Undefined while the automation is not running. */
  automation?(): StockAutomationInfo | undefined;
}

/** What the store itself contributes. */
export interface StockContext {
  source: StockVariableSource;
  createdAt: Date;
  stateDir: string;
  variableCount(): number;
}

export interface StockValue {
  name: string;
  type: number;
  value: string;
  note: string;
}

interface StockDefinition {
  name: string;
  type: number;
  note: string;
  /** undefined = not available (its source is missing). */
  read(ctx: StockContext): string | undefined;
}

// v13 numbered its log levels; ours map onto the same scale (error 1 … debug 4).
const LOG_LEVELS: Record<string, number> = { error: 1, warn: 2, info: 3, debug: 4 };

const version = readVersion();

function readVersion(): { major: number; minor: number; release: number; build: number; text: string } {
  let text = '0.0.0';
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') text = pkg.version;
  } catch {
    // A missing package.json only leaves the version at 0.0.0.
  }
  const [major = 0, minor = 0, rel = 0, build = 0] = text.split(/[.+-]/).map((p) => Number.parseInt(p, 10)).map((n) => (Number.isFinite(n) ? n : 0));
  return { major, minor, release: rel, build, text };
}

/** The daemon's version as the stock variables report it. */
export const DAEMON_VERSION = Object.freeze({ ...version });

function hostIpv4(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

function isoSeconds(d: Date | null): string {
  return d ? d.toISOString().slice(0, 19) : '';
}

const bool = (b: boolean): string => (b ? 'true' : 'false');
const I = VariableType.INT;
const L = VariableType.LONG;
const S = VariableType.STRING;
const B = VariableType.BOOL;

function automation(name: string, type: number, note: string, read: (a: StockAutomationInfo) => string): StockDefinition {
  return { name, type, note, read: (c) => { const a = c.source.automation?.(); return a ? read(a) : undefined; } };
}

function optional<T>(get: (s: StockVariableSource) => (() => T) | undefined, format: (v: T) => string) {
  return (c: StockContext): string | undefined => {
    const fn = get(c.source);
    return fn ? format(fn.call(c.source)) : undefined;
  };
}

const DEFINITIONS: readonly StockDefinition[] = [
  { name: 'vscp.version.major', type: I, note: 'Major version of the daemon.', read: () => String(version.major) },
  { name: 'vscp.version.minor', type: I, note: 'Minor version of the daemon.', read: () => String(version.minor) },
  { name: 'vscp.version.release', type: I, note: 'Release version of the daemon.', read: () => String(version.release) },
  { name: 'vscp.version.build', type: I, note: 'Build version of the daemon.', read: () => String(version.build) },
  { name: 'vscp.version.str', type: S, note: 'Version of the daemon as text.', read: () => version.text },
  { name: 'vscp.copyright', type: S, note: 'Copyright of the daemon.', read: () => 'Copyright (c) the vscpd authors. MIT License.' },
  { name: 'vscp.version.os', type: S, note: 'Operating system.', read: () => `${type()} ${release()}` },
  { name: 'vscp.os.width', type: I, note: 'Word width of the system (32 or 64).', read: () => (/64/.test(arch()) ? '64' : '32') },
  { name: 'vscp.os.width.str', type: S, note: '"32-bit" or "64-bit".', read: () => (/64/.test(arch()) ? '64-bit' : '32-bit') },
  { name: 'vscp.os.endiness.str', type: S, note: '"Little endian" or "Big endian".', read: () => (endianness() === 'LE' ? 'Little endian' : 'Big endian') },
  { name: 'vscp.os.endiness.islittleendian', type: B, note: 'True on a little endian system.', read: () => bool(endianness() === 'LE') },
  { name: 'vscp.host.name', type: S, note: 'Host name.', read: () => hostname() },
  {
    name: 'vscp.host.ip', type: S, note: 'IPv4 addresses of the host, comma separated.',
    read: (c) => (c.source.ipv4 ? c.source.ipv4() : hostIpv4()).join(','),
  },
  { name: 'vscp.host.guid', type: VariableType.GUID, note: 'GUID of the daemon.', read: optional((s) => s.guid, (g) => g) },
  { name: 'vscp.daemon.name', type: S, note: 'Name of the daemon ([general] name).', read: optional((s) => s.daemonName, (n) => n) },
  { name: 'vscp.host.root.path', type: S, note: 'State folder of the daemon.', read: (c) => c.stateDir },
  {
    name: 'vscp.uptime', type: L, note: 'Seconds since the daemon started.',
    read: (c) => String(Math.max(0, Math.floor((Date.now() - (c.source.startedAt?.() ?? c.createdAt).getTime()) / 1000))),
  },
  {
    name: 'vscp.loglevel', type: I, note: 'Log level (1 error, 2 warn, 3 info, 4 debug).',
    read: optional((s) => s.logLevel, (l) => String(LOG_LEVELS[l] ?? 0)),
  },
  { name: 'vscp.loglevel.str', type: S, note: 'Log level as text.', read: optional((s) => s.logLevel, (l) => l) },
  {
    name: 'vscp.tcpip.address', type: S, note: 'Listen addresses of the TCP/IP interface, comma separated.',
    read: optional((s) => s.tcpipAddresses, (a) => a.join(',')),
  },
  // v13 spelled it this way; kept so clients of that era find it.
  {
    name: 'vscp.tcpip.addess', type: S, note: 'Same as vscp.tcpip.address (v13 spelling).',
    read: optional((s) => s.tcpipAddresses, (a) => a.join(',')),
  },
  { name: 'vscp.client.count', type: I, note: 'Connected clients (TCP/IP sessions, drivers, internal).', read: optional((s) => s.clientCount, String) },
  {
    name: 'vscp.client.receivequeue.max', type: I, note: 'Events a client queue holds.',
    read: optional((s) => s.clientBufferSize, String),
  },
  { name: 'vscp.driver.count', type: I, note: 'Configured drivers.', read: optional((s) => s.driverCount, String) },
  { name: 'vscp.user.count', type: I, note: 'Configured users.', read: optional((s) => s.userCount, String) },
  { name: 'vscp.variable.count', type: I, note: 'Variables (declared and runtime, without stock variables).', read: (c) => String(c.variableCount()) },
  { name: 'vscp.config.generation', type: L, note: 'Configuration generation running.', read: optional((s) => s.configGeneration, String) },
  automation('vscp.automation.enable', B, 'Automation is enabled.', (a) => bool(a.enabled)),
  automation('vscp.automation.heartbeat.enable', B, 'Heartbeats are sent.', (a) => bool(a.enabled && a.heartbeat !== null)),
  automation('vscp.automation.heartbeat.cron', S, 'Schedule of the heartbeats (cron).', (a) => a.heartbeat ?? ''),
  automation('vscp.automation.heartbeat.last', VariableType.DATETIME, 'When the last heartbeat was sent (UTC).', (a) => isoSeconds(a.lastHeartbeat)),
  automation('vscp.automation.capabilities.cron', S, 'Schedule of the capabilities event (cron).', (a) => a.capabilities ?? ''),
  automation('vscp.automation.capabilities.last', VariableType.DATETIME, 'When the capabilities event was last sent (UTC).', (a) => isoSeconds(a.lastCapabilities)),
  automation('vscp.automation.timeevents.enable', B, 'CLASS2.VSCPD time events are sent.', (a) => bool(a.enabled && a.timeEvents)),
  automation('vscp.automation.probes.enable', B, 'High-end server probes are answered.', (a) => bool(a.enabled && a.answerProbes)),
];

const BY_NAME = new Map<string, StockDefinition>(DEFINITIONS.map((d) => [d.name.toUpperCase(), d]));

function toValue(def: StockDefinition, ctx: StockContext): StockValue | undefined {
  let value: string | undefined;
  try {
    value = def.read(ctx);
  } catch {
    // A failing source hides its variable rather than failing the read.
    return undefined;
  }
  if (value === undefined) return undefined;
  return { name: def.name.toUpperCase(), type: def.type, value, note: def.note };
}

/** One stock variable by canonical name, or undefined. */
export function readStockVariable(canonicalName: string, ctx: StockContext): StockValue | undefined {
  const def = BY_NAME.get(canonicalName);
  return def ? toValue(def, ctx) : undefined;
}

/** Every available stock variable, in name order. */
export function readStockVariables(ctx: StockContext): StockValue[] {
  const out: StockValue[] = [];
  for (const def of DEFINITIONS) {
    const v = toValue(def, ctx);
    if (v) out.push(v);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
