import { describe, expect, it } from 'vitest';
import { CAN_EFF_FLAG, CAN_RTR_FLAG, canFrameFromEvent, canIdFromEvent, eventFieldsFromCanId, eventFromCanFrame } from './can.js';
import { ProtocolError } from './errors.js';
import { createEvent } from './event.js';
import { formatGuid, parseGuid } from './guid.js';

const DEST = parseGuid('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10');

describe('VSCP over CAN (vscp-drivers.md §15.7)', () => {
  it('S1: an event becomes id 0x0C140300 (raw can_id with EFF 0x8C140300)', () => {
    const e = createEvent({ head: 0x60, vscpClass: 20, vscpType: 3, data: [0x00, 0x01, 0x23] });
    expect(canIdFromEvent(e)).toBe(0x0c140300);
    const r = canFrameFromEvent(e);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.frame.id).toBe(0x0c140300);
    expect((r.frame.id | CAN_EFF_FLAG) >>> 0).toBe(0x8c140300);
    expect(Array.from(r.frame.data)).toEqual([0x00, 0x01, 0x23]);
  });

  it('S2: class 532 with the 16-byte GUID prefix gives the same frame as S1', () => {
    const e = createEvent({ head: 0x60, vscpClass: 532, vscpType: 3, data: [...DEST, 0x00, 0x01, 0x23] });
    const r = canFrameFromEvent(e);
    expect(r).toEqual({ ok: true, frame: { id: 0x0c140300, data: Uint8Array.from([0x00, 0x01, 0x23]) } });
  });

  it('S3: a Level II class is refused with a reason, not sent', () => {
    const e = createEvent({ head: 0x60, vscpClass: 1040, vscpType: 6, data: [0, 255, 255, 1, 0x32] });
    const r = canFrameFromEvent(e);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('level2-class');
    expect(r.message).toContain('class 1040');
    expect(() => canIdFromEvent(e)).toThrow(ProtocolError);
  });

  it('refuses what does not fit a frame, with a reason for each', () => {
    const reason = (init: Parameters<typeof createEvent>[0], nickname?: number): string | undefined => {
      const r = canFrameFromEvent(createEvent(init), nickname);
      return r.ok ? undefined : r.reason;
    };
    expect(reason({ vscpClass: 20, vscpType: 256 })).toBe('type-range');
    expect(reason({ vscpClass: 20, vscpType: 3, data: new Uint8Array(9) })).toBe('data-too-long');
    expect(reason({ vscpClass: 532, vscpType: 3, data: new Uint8Array(10) })).toBe('no-destination');
    expect(reason({ vscpClass: 532, vscpType: 3, data: new Uint8Array(25) })).toBe('data-too-long');
    expect(reason({ vscpClass: 20, vscpType: 3 }, 256)).toBe('nickname-range');
    expect(reason({ vscpClass: 511, vscpType: 255, data: new Uint8Array(8) })).toBeUndefined();
  });

  it('maps priority, hard-coded bit and nickname (GUID[15] unless given)', () => {
    const guid = parseGuid('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:2A');
    const e = createEvent({ head: 0xf0, vscpClass: 0x1ff, vscpType: 0xff, guid });
    expect(canIdFromEvent(e).toString(16)).toBe('1fffff2a');
    expect(canIdFromEvent(e, 0)).toBe(0x1fffff00);
  });

  it('S4: received EFF id 0x0C14030A → class 20, type 3, head 0x60, GUID[15] = 0x0A', () => {
    const r = eventFromCanFrame({ id: (0x0c14030a | CAN_EFF_FLAG) >>> 0, data: Uint8Array.from([0x00, 0x01, 0x23]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.vscpClass).toBe(20);
    expect(r.event.vscpType).toBe(3);
    expect(r.event.head).toBe(0x60);
    expect(r.nickname).toBe(0x0a);
    expect(formatGuid(r.event.guid)).toBe('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:0A');
    expect(Array.from(r.event.data)).toEqual([0x00, 0x01, 0x23]);
    expect(r.event.dateTime).toBeNull();
    expect(r.event.timestamp).toBe(0);
  });

  it('S4 with an interface GUID: bytes 0–14 from the interface, 15 the nickname', () => {
    const iface = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00');
    const r = eventFromCanFrame({ id: 0x0c14030a, extended: true, data: new Uint8Array(0) }, iface);
    expect(r.ok && formatGuid(r.event.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:0A');
    expect(formatGuid(iface)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00');
  });

  it('S5: standard, remote and error frames are ignored with a reason', () => {
    const std = eventFromCanFrame({ id: 0x123, data: new Uint8Array(1) });
    expect(std).toMatchObject({ ok: false, reason: 'standard-frame' });
    expect(eventFromCanFrame({ id: 0x0c14030a, extended: false, data: new Uint8Array(0) })).toMatchObject({ ok: false, reason: 'standard-frame' });
    expect(eventFromCanFrame({ id: (0x0c14030a | CAN_EFF_FLAG | CAN_RTR_FLAG) >>> 0, data: new Uint8Array(0) })).toMatchObject({ ok: false, reason: 'remote-frame' });
    expect(eventFromCanFrame({ id: 0x20000004, data: new Uint8Array(8) })).toMatchObject({ ok: false, reason: 'error-frame' });
    expect(eventFromCanFrame({ id: 0x8c14030a, data: new Uint8Array(9) })).toMatchObject({ ok: false, reason: 'data-too-long' });
  });

  it('S6: EFF id 0x1E2A0105 → priority 7, hard-coded, class 42, type 1, nickname 5, head 0xF0', () => {
    expect(eventFieldsFromCanId(0x1e2a0105)).toEqual({ priority: 7, hardCoded: true, vscpClass: 42, vscpType: 1, nickname: 5, head: 0xf0 });
    expect(eventFieldsFromCanId(0x9e2a0105)).toEqual(eventFieldsFromCanId(0x1e2a0105));
    const r = eventFromCanFrame({ id: 0x9e2a0105, data: new Uint8Array(0) });
    expect(r.ok && [r.event.head, r.event.vscpClass, r.event.vscpType, r.event.guid[15]]).toEqual([0xf0, 42, 1, 5]);
  });

  it('every Level I id round-trips', () => {
    for (const [head, cls, type, nick] of [[0, 0, 0, 0], [0xe0, 511, 255, 255], [0x70, 256, 128, 1], [0x10, 10, 6, 0xfe]] as const) {
      const e = createEvent({ head, vscpClass: cls, vscpType: type });
      const r = eventFromCanFrame({ id: canIdFromEvent(e, nick), extended: true, data: new Uint8Array(0) });
      expect(r.ok && [r.event.head, r.event.vscpClass, r.event.vscpType, r.nickname]).toEqual([head, cls, type, nick]);
    }
  });
});
