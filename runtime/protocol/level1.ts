import { LEVEL1_OVER_LEVEL2_OFFSET } from './classes.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, LEVEL1_MAX_DATA, cloneEvent } from './event.js';
import { GUID_SIZE, type Guid } from './guid.js';

/*
 * Level I events over Level II (classes 512–1023, vscp-protocol.md §1.4): the Level I class
 * + 512, data = 16-byte destination GUID (a node, or an interface on a daemon) followed by the
 * Level I data (at most 8 bytes). The daemon delivers such an event only to the interface whose
 * GUID equals the destination with bytes 14–15 zeroed (the documented intent; v13 zeroed bytes
 * 0–1 instead, which never matched); the node's nickname stays in the destination's byte 15.
 */

export const LEVEL1_OVER_LEVEL2_FIRST = LEVEL1_OVER_LEVEL2_OFFSET;
export const LEVEL1_OVER_LEVEL2_LAST = 1023;

export function isLevel1OverLevel2(eventOrClass: Pick<VscpEvent, 'vscpClass'> | number): boolean {
  const c = typeof eventOrClass === 'number' ? eventOrClass : eventOrClass.vscpClass;
  return c >= LEVEL1_OVER_LEVEL2_FIRST && c <= LEVEL1_OVER_LEVEL2_LAST;
}

/** Wraps a Level I event (class < 512, type < 256, ≤ 8 data bytes) for a destination GUID. */
export function toLevel1OverLevel2(event: VscpEvent, destGuid: Guid): VscpEvent {
  if (event.vscpClass >= LEVEL1_OVER_LEVEL2_FIRST) {
    throw new ProtocolError(`class ${event.vscpClass} is not a Level I class (0..511)`);
  }
  if (event.vscpType > 255) throw new ProtocolError(`type ${event.vscpType} is not a Level I type (0..255)`);
  if (event.data.length > LEVEL1_MAX_DATA) {
    throw new ProtocolError(`Level I events carry at most ${LEVEL1_MAX_DATA} data bytes, got ${event.data.length}`);
  }
  if (destGuid.length !== GUID_SIZE) throw new ProtocolError(`destination GUID must have 16 bytes, got ${destGuid.length}`);
  const out = cloneEvent(event);
  out.vscpClass = event.vscpClass + LEVEL1_OVER_LEVEL2_OFFSET;
  const data = new Uint8Array(GUID_SIZE + event.data.length);
  data.set(destGuid, 0);
  data.set(event.data, GUID_SIZE);
  out.data = data;
  return out;
}

function checkWrapped(event: VscpEvent): void {
  if (!isLevel1OverLevel2(event)) {
    throw new ProtocolError(`class ${event.vscpClass} is not a Level I over Level II class (512..1023)`);
  }
  if (event.data.length < GUID_SIZE) {
    throw new ProtocolError(`class ${event.vscpClass} needs a 16-byte destination GUID before the data, got ${event.data.length} data bytes`);
  }
}

/** The destination GUID (data[0..15]) of a Level I over Level II event. */
export function level1Destination(event: VscpEvent): Guid {
  checkWrapped(event);
  return event.data.slice(0, GUID_SIZE);
}

/** Strips the destination GUID and 512 from the class: the Level I event inside. */
export function fromLevel1OverLevel2(event: VscpEvent): VscpEvent {
  checkWrapped(event);
  if (event.data.length - GUID_SIZE > LEVEL1_MAX_DATA) {
    throw new ProtocolError(
      `class ${event.vscpClass} carries ${event.data.length - GUID_SIZE} Level I data bytes after the GUID, at most ${LEVEL1_MAX_DATA} are allowed`,
    );
  }
  if (event.vscpType > 255) throw new ProtocolError(`type ${event.vscpType} is not a Level I type (0..255)`);
  const out = cloneEvent(event);
  out.vscpClass = event.vscpClass - LEVEL1_OVER_LEVEL2_OFFSET;
  out.data = event.data.slice(GUID_SIZE);
  return out;
}

/**
 * Where the bus routes an event: for a Level I over Level II event with a destination, the
 * destination interface GUID (bytes 14–15 zeroed) that must equal the receiving client's
 * interface GUID; `null` for every other event (broadcast to all clients).
 */
export function level1RouteGuid(event: VscpEvent): Guid | null {
  if (!isLevel1OverLevel2(event) || event.data.length < GUID_SIZE) return null;
  const g = event.data.slice(0, GUID_SIZE);
  g[14] = 0;
  g[15] = 0;
  return g;
}

/**
 * True when a Level I over Level II event is addressed to the interface with this GUID: bytes
 * 0–13 equal (bytes 14–15 are the node's sub-address / nickname on either side).
 */
export function isRoutedTo(event: VscpEvent, interfaceGuid: Guid): boolean {
  if (!isLevel1OverLevel2(event) || event.data.length < GUID_SIZE) return false;
  const d = event.data;
  for (let i = 0; i < 14; i++) if (d[i] !== interfaceGuid[i]) return false;
  return true;
}
