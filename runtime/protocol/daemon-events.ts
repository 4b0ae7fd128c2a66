import { CLASS1, CLASS2, INFORMATION2_TYPE, PROTOCOL2_TYPE, PROTOCOL_TYPE, VSCPD_TYPE } from './classes.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, PRIORITY_NORMAL, dateTimeFromDate, timestampFromMs, validateEvent, withPriority } from './event.js';
import { GUID_SIZE, type Guid } from './guid.js';

/*
 * Events the daemon itself sends (vscp-protocol.md §4.3): heartbeats, high-end server
 * probe answers and capabilities, and the CLASS2.VSCPD time events with the v13/2018 numbering.
 * Every builder stamps date/time and timestamp from `now` and uses priority 3 (normal)
 * unless told otherwise. Where v13 sent a placeholder (CRC 0 in the segment heartbeat) the
 * specified value is sent.
 */

export interface DaemonEventOptions {
  /** the daemon's GUID (the event's originator) */
  guid: Guid;
  /** milliseconds since the epoch or a Date; default now */
  now?: number | Date;
  /** 0–7, default 3 */
  priority?: number;
}

function build(vscpClass: number, vscpType: number, data: Uint8Array, o: DaemonEventOptions): VscpEvent {
  if (o.guid.length !== GUID_SIZE) throw new ProtocolError(`daemon GUID must have 16 bytes, got ${o.guid.length}`);
  const ms = o.now === undefined ? Date.now() : typeof o.now === 'number' ? o.now : o.now.getTime();
  const priority = o.priority ?? PRIORITY_NORMAL;
  if (!Number.isInteger(priority) || priority < 0 || priority > 7) throw new ProtocolError(`priority ${priority} is out of range 0..7`);
  const event: VscpEvent = {
    head: withPriority(0, priority),
    vscpClass,
    vscpType,
    obid: 0,
    timestamp: timestampFromMs(ms),
    dateTime: dateTimeFromDate(new Date(ms)),
    guid: Uint8Array.from(o.guid),
    data,
  };
  validateEvent(event);
  return event;
}

/** Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected, initial 0), as 1-wire and VSCP use it. */
export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ b) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

function epochSeconds(o: DaemonEventOptions): number {
  const ms = o.now === undefined ? Date.now() : typeof o.now === 'number' ? o.now : o.now.getTime();
  return Math.floor(ms / 1000) >>> 0;
}

/** CLASS1.PROTOCOL segment-controller heartbeat (0,1): [0] CRC-8 of the GUID, [1..4] u32 seconds since the epoch, MSB first. */
export function segmentControllerHeartbeat(o: DaemonEventOptions): VscpEvent {
  const data = new Uint8Array(5);
  data[0] = crc8(o.guid);
  new DataView(data.buffer).setUint32(1, epochSeconds(o));
  return build(CLASS1.PROTOCOL, PROTOCOL_TYPE.SEGCTRL_HEARTBEAT, data, o);
}

/** UTF-8 text in a fixed NUL-padded field, cut at a character boundary when too long. */
export function nulPaddedText(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const bytes = new TextEncoder().encode(text);
  let n = Math.min(bytes.length, size);
  // do not split a multi-byte character: back up over continuation bytes
  if (n < bytes.length) while (n > 0 && (bytes[n]! & 0xc0) === 0x80) n--;
  out.set(bytes.subarray(0, n), 0);
  return out;
}

export const NODE_NAME_SIZE = 64;

export interface NamedDaemonEventOptions extends DaemonEventOptions {
  /** server/node name, UTF-8, at most 64 bytes are sent */
  name: string;
}

/** CLASS2.INFORMATION Level II node heartbeat (1026,2): [0..63] name, NUL padded. */
export function levelIIHeartbeat(o: NamedDaemonEventOptions): VscpEvent {
  return build(CLASS2.INFORMATION, INFORMATION2_TYPE.HEARTBEAT, nulPaddedText(o.name, NODE_NAME_SIZE), o);
}

/** Capability bit numbers of the 64-bit high-end server capability code. */
export const CAPABILITY = {
  REMOTE_VARIABLES: 63,
  DECISION_MATRIX: 62,
  MULTI_INTERFACE: 61,
  TCPIP: 15,
  UDP: 14,
  MULTICAST_ANNOUNCE: 13,
  RAW_ETHERNET: 12,
  WEB: 11,
  WEBSOCKET: 10,
  REST: 9,
  MULTICAST_CHANNEL: 8,
  IPV6: 6,
  IPV4: 5,
  SSL: 4,
  TWO_OR_MORE_TCP_CONNECTIONS: 3,
  AES256: 2,
  AES192: 1,
  AES128: 0,
} as const;

/** The 64-bit capability code with the given bits set. */
export function capabilityCode(bits: Iterable<number>): bigint {
  let code = 0n;
  for (const b of bits) {
    if (!Number.isInteger(b) || b < 0 || b > 63) throw new ProtocolError(`capability bit ${b} is out of range 0..63`);
    code |= 1n << BigInt(b);
  }
  return code;
}

function capabilityBytes(code: bigint): Uint8Array {
  if (code < 0n || code > 0xffffffffffffffffn) throw new ProtocolError(`capability code ${code} does not fit 64 bits`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, code);
  return out;
}

/** `80-00-00-00-00-00-80-20`: the code's 8 bytes MSB first (the WCYD reply form). */
export function formatCapabilityCode(code: bigint): string {
  return Array.from(capabilityBytes(code), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-');
}

/** `a.b.c.d` → 4 bytes. */
export function parseIPv4(text: string): Uint8Array {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new ProtocolError(`IPv4 address "${text}" is not four numbers 0..255 separated by dots`);
  }
  return Uint8Array.from(parts, Number);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProtocolError(`port ${port} is out of range 0..65535`);
}

export interface HighEndServerResponseOptions extends DaemonEventOptions {
  capabilities: bigint;
  /** one local IPv4 address (`a.b.c.d` or 4 bytes) */
  ipv4: string | Uint8Array;
  /** TCP/IP interface port */
  port: number;
}

/**
 * CLASS1.PROTOCOL high-end server response (0,28), the answer to a probe (0,27), one per local
 * IPv4 address: [0..1] low 16 bits of the capability code, [2..5] IPv4, [6..7] port, MSB first.
 */
export function highEndServerResponse(o: HighEndServerResponseOptions): VscpEvent {
  const ip = typeof o.ipv4 === 'string' ? parseIPv4(o.ipv4) : o.ipv4;
  if (ip.length !== 4) throw new ProtocolError(`IPv4 address must have 4 bytes, got ${ip.length}`);
  checkPort(o.port);
  const caps = capabilityBytes(o.capabilities);
  const data = new Uint8Array(8);
  data[0] = caps[6]!;
  data[1] = caps[7]!;
  data.set(ip, 2);
  new DataView(data.buffer).setUint16(6, o.port);
  return build(CLASS1.PROTOCOL, PROTOCOL_TYPE.HIGH_END_SERVER_RESPONSE, data, o);
}

export interface ServicePort {
  /** capability bit number of the service (e.g. CAPABILITY.TCPIP) */
  service: number;
  port: number;
  encrypted?: boolean;
}

export interface HighEndServerCapsOptions extends NamedDaemonEventOptions {
  capabilities: bigint;
  /** IPv4 (`a.b.c.d` or 4 bytes, sent in the first 4 bytes) or IPv6 (16 bytes) */
  ip: string | Uint8Array;
  /** services on non-standard ports */
  ports?: readonly ServicePort[];
}

/** Ports that fit after the 104 fixed bytes of a caps event. */
export const MAX_CAPS_PORTS = Math.floor((512 - 104) / 3);

/**
 * CLASS2.PROTOCOL high-end server capabilities (1024,20): [0..7] capability code, [8..23] server
 * GUID, [24..39] IP address, [40..103] server name (UTF-8, NUL padded), [104..] 3 bytes per
 * non-standard port: service bit (+0x80 if encrypted), port MSB, port LSB.
 */
export function highEndServerCaps(o: HighEndServerCapsOptions): VscpEvent {
  const ip = typeof o.ip === 'string' ? parseIPv4(o.ip) : o.ip;
  if (ip.length !== 4 && ip.length !== 16) throw new ProtocolError(`IP address must have 4 or 16 bytes, got ${ip.length}`);
  const ports = o.ports ?? [];
  if (ports.length > MAX_CAPS_PORTS) throw new ProtocolError(`${ports.length} service ports do not fit a caps event (at most ${MAX_CAPS_PORTS})`);
  const data = new Uint8Array(104 + 3 * ports.length);
  data.set(capabilityBytes(o.capabilities), 0);
  if (o.guid.length !== GUID_SIZE) throw new ProtocolError(`daemon GUID must have 16 bytes, got ${o.guid.length}`);
  data.set(o.guid, 8);
  data.set(ip, 24);
  data.set(nulPaddedText(o.name, NODE_NAME_SIZE), 40);
  ports.forEach((p, i) => {
    if (!Number.isInteger(p.service) || p.service < 0 || p.service > 63) throw new ProtocolError(`service bit ${p.service} is out of range 0..63`);
    checkPort(p.port);
    data[104 + 3 * i] = p.service | (p.encrypted ? 0x80 : 0);
    data[105 + 3 * i] = p.port >> 8;
    data[106 + 3 * i] = p.port & 0xff;
  });
  return build(CLASS2.PROTOCOL, PROTOCOL2_TYPE.HIGH_END_SERVER_CAPS, data, o);
}

export type VscpdTimeEventKind = 'second' | 'minute' | 'hour' | 'noon' | 'midnight' | 'week' | 'month' | 'quarter' | 'year';

const TIME_TYPES: Readonly<Record<VscpdTimeEventKind, number>> = {
  second: VSCPD_TYPE.SECOND,
  minute: VSCPD_TYPE.MINUTE,
  hour: VSCPD_TYPE.HOUR,
  noon: VSCPD_TYPE.NOON,
  midnight: VSCPD_TYPE.MIDNIGHT,
  week: VSCPD_TYPE.WEEK,
  month: VSCPD_TYPE.MONTH,
  quarter: VSCPD_TYPE.QUARTER,
  year: VSCPD_TYPE.YEAR,
};

/** CLASS2.VSCPD (65535) time event (second 5, minute 6, hour 7, noon 8, midnight 9, week 11, month 12, quarter 13, year 14); no data, the time is in the date/time block. */
export function vscpdTimeEvent(kind: VscpdTimeEventKind, o: DaemonEventOptions): VscpEvent {
  const type = TIME_TYPES[kind];
  if (type === undefined) throw new ProtocolError(`VSCPD time event "${String(kind)}" is unknown; allowed: ${Object.keys(TIME_TYPES).join(', ')}`);
  return build(CLASS2.VSCPD, type, new Uint8Array(0), o);
}

/** CLASS2.VSCPD starting up (65535,23). */
export function daemonStartingUp(o: DaemonEventOptions): VscpEvent {
  return build(CLASS2.VSCPD, VSCPD_TYPE.STARTING_UP, new Uint8Array(0), o);
}

/** CLASS2.VSCPD shutting down (65535,24). */
export function daemonShuttingDown(o: DaemonEventOptions): VscpEvent {
  return build(CLASS2.VSCPD, VSCPD_TYPE.SHUTTING_DOWN, new Uint8Array(0), o);
}
