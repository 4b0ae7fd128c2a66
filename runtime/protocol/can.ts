import { LEVEL1_OVER_LEVEL2_OFFSET } from './classes.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, HEAD_HARD_CODED, LEVEL1_MAX_DATA } from './event.js';
import { GUID_SIZE, type Guid, zeroGuid } from './guid.js';

/*
 * VSCP over CAN (CAN4VSCP, vscp-protocol.md §6): always 29-bit extended identifiers,
 *   bits 28–26 priority (0 highest), 25 hard-coded nickname, 24–16 class (0–511),
 *   15–8 type, 7–0 originating nickname; 0–8 data bytes.
 * Classes 512–1023 are sent as their Level I class with the 16-byte GUID prefix removed;
 * Level II classes (≥ 1024) cannot travel on CAN and are refused with a reason the driver can
 * count (the original re-sent the previous frame). Received frames keep priority and the
 * hard-coded bit in the head (the original SocketCAN driver dropped them).
 */

/** SocketCAN `can_id` flags. */
export const CAN_EFF_FLAG = 0x80000000;
export const CAN_RTR_FLAG = 0x40000000;
export const CAN_ERR_FLAG = 0x20000000;
export const CAN_EFF_MASK = 0x1fffffff;
export const CAN_SFF_MASK = 0x7ff;
export const CAN_ID_HARD_CODED = 0x02000000;

export interface CanIdFields {
  /** 0–7, 0 highest */
  priority: number;
  hardCoded: boolean;
  /** 0–511 */
  vscpClass: number;
  /** 0–255 */
  vscpType: number;
  nickname: number;
  /** head as an event carries it: priority in bits 7–5, hard-coded bit 4 */
  head: number;
}

/** Splits a 29-bit VSCP CAN id; a SocketCAN `can_id` with the EFF flag set is accepted as well. */
export function eventFieldsFromCanId(id: number): CanIdFields {
  const v = (id >>> 0) & CAN_EFF_MASK;
  const priority = (v >>> 26) & 7;
  const hardCoded = (v & CAN_ID_HARD_CODED) !== 0;
  return {
    priority,
    hardCoded,
    vscpClass: (v >>> 16) & 0x1ff,
    vscpType: (v >>> 8) & 0xff,
    nickname: v & 0xff,
    head: (priority << 5) | (hardCoded ? HEAD_HARD_CODED : 0),
  };
}

function levelOneClass(event: VscpEvent): number {
  const c = event.vscpClass;
  if (c < LEVEL1_OVER_LEVEL2_OFFSET) return c;
  if (c < 1024) return c - LEVEL1_OVER_LEVEL2_OFFSET;
  throw new ProtocolError(`class ${c} is a Level II class and cannot be sent on CAN (Level I classes are 0..1023)`);
}

/**
 * The 29-bit id (without the EFF flag) of an event. Classes 512–1023 map to class − 512.
 * Nickname: the given one, else GUID[15] (the node's nickname on a Level I interface).
 */
export function canIdFromEvent(event: VscpEvent, nickname?: number): number {
  const cls = levelOneClass(event);
  if (event.vscpType > 255) throw new ProtocolError(`type ${event.vscpType} does not fit a CAN id (0..255)`);
  const nick = nickname ?? event.guid[15] ?? 0;
  if (!Number.isInteger(nick) || nick < 0 || nick > 255) throw new ProtocolError(`nickname ${nick} is out of range 0..255`);
  const priority = (event.head >> 5) & 7;
  const hard = event.head & HEAD_HARD_CODED ? 1 : 0;
  return ((priority << 26) | (hard << 25) | (cls << 16) | (event.vscpType << 8) | nick) >>> 0;
}

export interface CanFrame {
  /** 29-bit identifier */
  id: number;
  /** 0–8 bytes */
  data: Uint8Array;
}

export type CanRefusal = 'level2-class' | 'type-range' | 'data-too-long' | 'no-destination' | 'nickname-range';

export type CanEncodeResult =
  | { ok: true; frame: CanFrame }
  | { ok: false; reason: CanRefusal; message: string };

/** The CAN frame for an event, or why it cannot be sent (never throws for event content). */
export function canFrameFromEvent(event: VscpEvent, nickname?: number): CanEncodeResult {
  let data = event.data;
  if (event.vscpClass >= 1024) {
    return { ok: false, reason: 'level2-class', message: `class ${event.vscpClass} is a Level II class; only classes 0..1023 go on CAN` };
  }
  if (event.vscpType > 255) {
    return { ok: false, reason: 'type-range', message: `type ${event.vscpType} does not fit a CAN id (0..255)` };
  }
  if (event.vscpClass >= LEVEL1_OVER_LEVEL2_OFFSET) {
    if (data.length < GUID_SIZE) {
      return { ok: false, reason: 'no-destination', message: `class ${event.vscpClass} needs a 16-byte destination GUID before the data, got ${data.length} bytes` };
    }
    data = data.subarray(GUID_SIZE);
  }
  if (data.length > LEVEL1_MAX_DATA) {
    return { ok: false, reason: 'data-too-long', message: `${data.length} data bytes do not fit a CAN frame (at most 8)` };
  }
  const nick = nickname ?? event.guid[15] ?? 0;
  if (!Number.isInteger(nick) || nick < 0 || nick > 255) {
    return { ok: false, reason: 'nickname-range', message: `nickname ${nick} is out of range 0..255` };
  }
  return { ok: true, frame: { id: canIdFromEvent(event, nick), data: Uint8Array.from(data) } };
}

/** A received frame: `id` as SocketCAN reports it (flags included) or a bare id with `extended`. */
export interface CanFrameInput {
  id: number;
  /** default: taken from the EFF flag in `id` */
  extended?: boolean;
  rtr?: boolean;
  error?: boolean;
  data: Uint8Array;
}

export type CanIgnoreReason = 'standard-frame' | 'remote-frame' | 'error-frame' | 'data-too-long';

export type CanDecodeResult =
  | { ok: true; event: VscpEvent; nickname: number }
  | { ok: false; reason: CanIgnoreReason; message: string };

/**
 * The event for a received frame: head from the id (priority, hard-coded), class/type, GUID =
 * the interface GUID (or zeros, which the daemon fills) with GUID[15] = nickname. Date/time and
 * timestamp are left for the daemon to stamp. Standard (11-bit), remote and error frames are
 * not VSCP and come back as a reason to ignore them.
 */
export function eventFromCanFrame(frame: CanFrameInput, interfaceGuid?: Guid): CanDecodeResult {
  const raw = frame.id >>> 0;
  if (frame.error || (frame.extended === undefined && raw & CAN_ERR_FLAG)) {
    return { ok: false, reason: 'error-frame', message: 'CAN error frame' };
  }
  const extended = frame.extended ?? (raw & CAN_EFF_FLAG) !== 0;
  if (!extended) {
    return { ok: false, reason: 'standard-frame', message: `standard frame id 0x${(raw & CAN_SFF_MASK).toString(16).toUpperCase()} is not VSCP (29-bit ids only)` };
  }
  if (frame.rtr || (frame.extended === undefined && raw & CAN_RTR_FLAG)) {
    return { ok: false, reason: 'remote-frame', message: 'CAN remote frame carries no VSCP event' };
  }
  if (frame.data.length > LEVEL1_MAX_DATA) {
    return { ok: false, reason: 'data-too-long', message: `CAN frame with ${frame.data.length} data bytes (at most 8)` };
  }
  const f = eventFieldsFromCanId(raw);
  const guid = interfaceGuid ? Uint8Array.from(interfaceGuid) : zeroGuid();
  guid[15] = f.nickname;
  return {
    ok: true,
    nickname: f.nickname,
    event: {
      head: f.head,
      vscpClass: f.vscpClass,
      vscpType: f.vscpType,
      obid: 0,
      timestamp: 0,
      dateTime: null,
      guid,
      data: Uint8Array.from(frame.data),
    },
  };
}
