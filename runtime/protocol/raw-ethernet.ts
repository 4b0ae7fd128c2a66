import { LEVEL1_OVER_LEVEL2_OFFSET } from './classes.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, HEAD_PRIORITY_MASK, LEVEL1_MAX_DATA, MAX_DATA, validateEvent } from './event.js';
import { GUID_SIZE, type Guid } from './guid.js';

/*
 * VSCP over raw Ethernet, Ethertype 0x257E, frame version 0 (vscp-protocol.md §5), as the v13
 * raweth driver sent it. Offsets from the start of the Ethernet header:
 *   0 dst MAC (broadcast) | 6 src MAC | 12 ethertype 25 7E | 14 version 0 |
 *   15 head u32 (byte 15 bits 7–5 priority, rest 0) | 19 sub-address u16 (GUID bytes 14–15) |
 *   21 timestamp u32 | 25 obid u32 | 29 class u16 | 31 type u16 | 33 size u16 | 35 data
 * all MSB first. No GUID is transmitted: it is FF:FF:FF:FF:FF:FF:FF:FE + source MAC + sub-address.
 * Frames are not padded here; the network stack pads short frames to 60 bytes, which is why
 * the size field exists.
 */

export const VSCP_ETHERTYPE = 0x257e;
export const RAW_ETHERNET_VERSION = 0;
export const RAW_ETHERNET_HEADER_SIZE = 35;
export const BROADCAST_MAC: Uint8Array = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** GUID prefix of Ethernet nodes: the MAC follows in bytes 8–13. */
export const ETHERNET_GUID_PREFIX: Uint8Array = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);

const MAC_RE = /^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(?:\1[0-9a-f]{1,2}){4}$/i;

/** `00:26:55:CA:1F:DA` (or with `-`) → 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const t = text.trim();
  if (!MAC_RE.test(t)) throw new ProtocolError(`MAC address "${text}" is not six hex bytes separated by : (e.g. 00:26:55:CA:1F:DA)`);
  return Uint8Array.from(t.split(/[:-]/), (b) => parseInt(b, 16));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

function macEquals(a: Uint8Array, aOffset: number, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[aOffset + i] !== b[i]) return false;
  return true;
}

/** The GUID of an Ethernet node: FF:FF:FF:FF:FF:FF:FF:FE + MAC + sub-address. */
export function ethernetGuid(mac: Uint8Array, subAddress = 0): Guid {
  if (mac.length !== 6) throw new ProtocolError(`MAC address must have 6 bytes, got ${mac.length}`);
  if (!Number.isInteger(subAddress) || subAddress < 0 || subAddress > 0xffff) throw new ProtocolError(`sub-address ${subAddress} is out of range 0..65535`);
  const g = new Uint8Array(GUID_SIZE);
  g.set(ETHERNET_GUID_PREFIX, 0);
  g.set(mac, 8);
  g[14] = subAddress >> 8;
  g[15] = subAddress & 0xff;
  return g;
}

export interface RawEthernetEncodeOptions {
  /** our interface's MAC (6 bytes) */
  sourceMac: Uint8Array;
  /** sent in bytes 19–20; default 0 (the Ethernet node itself) */
  subAddress?: number;
  /** default broadcast */
  destinationMac?: Uint8Array;
}

/** A version-0 frame for an event (35 header bytes + data, unpadded). */
export function encodeRawEthernetFrame(event: VscpEvent, options: RawEthernetEncodeOptions): Uint8Array {
  validateEvent(event);
  const src = options.sourceMac;
  const dst = options.destinationMac ?? BROADCAST_MAC;
  if (src.length !== 6) throw new ProtocolError(`source MAC must have 6 bytes, got ${src.length}`);
  if (dst.length !== 6) throw new ProtocolError(`destination MAC must have 6 bytes, got ${dst.length}`);
  const sub = options.subAddress ?? 0;
  if (!Number.isInteger(sub) || sub < 0 || sub > 0xffff) throw new ProtocolError(`sub-address ${sub} is out of range 0..65535`);
  const frame = new Uint8Array(RAW_ETHERNET_HEADER_SIZE + event.data.length);
  const view = new DataView(frame.buffer);
  frame.set(dst, 0);
  frame.set(src, 6);
  view.setUint16(12, VSCP_ETHERTYPE);
  frame[14] = RAW_ETHERNET_VERSION;
  frame[15] = event.head & HEAD_PRIORITY_MASK; // bytes 16–18 stay 0
  view.setUint16(19, sub);
  view.setUint32(21, event.timestamp >>> 0);
  view.setUint32(25, event.obid >>> 0);
  view.setUint16(29, event.vscpClass);
  view.setUint16(31, event.vscpType);
  view.setUint16(33, event.data.length);
  frame.set(event.data, RAW_ETHERNET_HEADER_SIZE);
  return frame;
}

export type RawEthernetIgnoreReason = 'short-frame' | 'wrong-ethertype' | 'own-frame' | 'unsupported-version' | 'truncated-data';

export type RawEthernetDecodeResult =
  | { ok: true; event: VscpEvent; sourceMac: Uint8Array; subAddress: number }
  | { ok: false; reason: RawEthernetIgnoreReason; message: string };

export interface RawEthernetDecodeOptions {
  /** frames from this MAC are our own and are ignored */
  localMac?: Uint8Array;
}

/** Largest data size for a class: 8 for Level I, 24 for Level I over Level II, else 512. */
function maxDataFor(vscpClass: number): number {
  if (vscpClass < LEVEL1_OVER_LEVEL2_OFFSET) return LEVEL1_MAX_DATA;
  if (vscpClass < 1024) return GUID_SIZE + LEVEL1_MAX_DATA;
  return MAX_DATA;
}

/**
 * Reads a received frame. Never throws for frame content: a frame that is not for us comes back
 * with the reason (wrong ethertype, our own MAC, too short, other version). A size field larger
 * than the class allows is clamped (8 for Level I classes, 24 for 512–1023, 512 otherwise) as
 * the original receiver did; a frame shorter than its (clamped) size is dropped. The event has
 * no date/time; the daemon stamps it.
 */
export function decodeRawEthernetFrame(frame: Uint8Array, options: RawEthernetDecodeOptions = {}): RawEthernetDecodeResult {
  if (frame.length < 14) return { ok: false, reason: 'short-frame', message: `frame of ${frame.length} bytes has no Ethernet header` };
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const ethertype = view.getUint16(12);
  if (ethertype !== VSCP_ETHERTYPE) {
    return { ok: false, reason: 'wrong-ethertype', message: `ethertype 0x${ethertype.toString(16).toUpperCase().padStart(4, '0')} is not VSCP (0x257E)` };
  }
  if (options.localMac && macEquals(frame, 6, options.localMac)) {
    return { ok: false, reason: 'own-frame', message: 'frame was sent from the local MAC address' };
  }
  if (frame.length < RAW_ETHERNET_HEADER_SIZE) {
    return { ok: false, reason: 'short-frame', message: `VSCP frame of ${frame.length} bytes is shorter than the 35-byte header` };
  }
  if (frame[14] !== RAW_ETHERNET_VERSION) {
    return { ok: false, reason: 'unsupported-version', message: `VSCP raw Ethernet frame version ${frame[14]} is not supported (only version 0)` };
  }
  const vscpClass = view.getUint16(29);
  const size = Math.min(view.getUint16(33), maxDataFor(vscpClass));
  if (frame.length < RAW_ETHERNET_HEADER_SIZE + size) {
    return { ok: false, reason: 'truncated-data', message: `frame announces ${size} data bytes but carries ${frame.length - RAW_ETHERNET_HEADER_SIZE}` };
  }
  const sourceMac = frame.slice(6, 12);
  const subAddress = view.getUint16(19);
  return {
    ok: true,
    sourceMac,
    subAddress,
    event: {
      head: frame[15]! & HEAD_PRIORITY_MASK,
      vscpClass,
      vscpType: view.getUint16(31),
      obid: view.getUint32(25),
      timestamp: view.getUint32(21),
      dateTime: null,
      guid: ethernetGuid(sourceMac, subAddress),
      data: frame.slice(RAW_ETHERNET_HEADER_SIZE, RAW_ETHERNET_HEADER_SIZE + size),
    },
  };
}
