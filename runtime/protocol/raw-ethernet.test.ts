import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { createEvent } from './event.js';
import { formatGuid } from './guid.js';
import {
  RAW_ETHERNET_HEADER_SIZE,
  decodeRawEthernetFrame,
  encodeRawEthernetFrame,
  ethernetGuid,
  formatMac,
  parseMac,
} from './raw-ethernet.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.split(' ').filter(Boolean), (b) => parseInt(b, 16));
const hex = (a: Uint8Array): string => Array.from(a, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

const LOCAL = parseMac('00:26:55:CA:1F:DA');
const R2 = 'FF FF FF FF FF FF 00 26 55 CA 1F DA 25 7E 00 60 00 00 00 00 00 12 34 56 78 00 00 00 05 00 14 00 03 00 03 00 01 23';

describe('raw Ethernet frames (vscp-drivers.md §15.8)', () => {
  it('R1: MAC addresses parse and print', () => {
    expect(hex(LOCAL)).toBe('00 26 55 CA 1F DA');
    expect(formatMac(parseMac('0:26:55:ca:1f:da'))).toBe('00:26:55:CA:1F:DA');
    expect(formatMac(parseMac('00-26-55-CA-1F-DA'))).toBe('00:26:55:CA:1F:DA');
    for (const bad of ['00:26:55:CA:1F', '00:26:55:CA:1F:DA:01', 'zz:26:55:CA:1F:DA', '00:26-55:CA:1F:DA', '']) {
      expect(() => parseMac(bad)).toThrow(ProtocolError);
    }
  });

  it('R2: the 38-byte frame of an event', () => {
    const e = createEvent({ head: 0x60, vscpClass: 20, vscpType: 3, timestamp: 0x12345678, obid: 5, data: [0x00, 0x01, 0x23] });
    const frame = encodeRawEthernetFrame(e, { sourceMac: LOCAL, subAddress: 0 });
    expect(frame.length).toBe(38);
    expect(hex(frame)).toBe(R2);
  });

  it('sends only the priority bits of the head and the sub-address in bytes 19–20', () => {
    const e = createEvent({ head: 0xff, vscpClass: 1040, vscpType: 6, data: new Uint8Array(300) });
    const frame = encodeRawEthernetFrame(e, { sourceMac: LOCAL, subAddress: 0x1234 });
    expect(frame.length).toBe(RAW_ETHERNET_HEADER_SIZE + 300);
    expect(hex(frame.subarray(15, 21))).toBe('E0 00 00 00 12 34');
    expect(hex(frame.subarray(29, 35))).toBe('04 10 00 06 01 2C');
    expect(() => encodeRawEthernetFrame(e, { sourceMac: LOCAL, subAddress: 0x10000 })).toThrow(/sub-address 65536/);
    expect(() => encodeRawEthernetFrame(e, { sourceMac: new Uint8Array(5) })).toThrow(/source MAC must have 6 bytes/);
  });

  it('R3: a received frame becomes an event with the Ethernet GUID', () => {
    const frame = bytes(R2);
    frame.set(parseMac('00:11:22:33:44:55'), 6);
    frame[19] = 0x00;
    frame[20] = 0x01;
    const r = decodeRawEthernetFrame(frame, { localMac: LOCAL });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.head).toBe(0x60);
    expect(r.event.vscpClass).toBe(20);
    expect(r.event.vscpType).toBe(3);
    expect(r.event.timestamp).toBe(0x12345678);
    expect(r.event.obid).toBe(5);
    expect(formatGuid(r.event.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:00:11:22:33:44:55:00:01');
    expect(Array.from(r.event.data)).toEqual([0x00, 0x01, 0x23]);
    expect(r.event.dateTime).toBeNull();
    expect(r.subAddress).toBe(1);
    expect(formatMac(r.sourceMac)).toBe('00:11:22:33:44:55');
  });

  it('R4: our own frames are ignored', () => {
    expect(decodeRawEthernetFrame(bytes(R2), { localMac: LOCAL })).toMatchObject({ ok: false, reason: 'own-frame' });
  });

  it('R5: other ethertypes are ignored', () => {
    const frame = bytes(R2);
    frame[12] = 0x08;
    frame[13] = 0x00;
    const r = decodeRawEthernetFrame(frame);
    expect(r).toMatchObject({ ok: false, reason: 'wrong-ethertype' });
    expect(!r.ok && r.message).toContain('0x0800');
  });

  it('R6: a Level I size above 8 is clamped to 8', () => {
    const frame = new Uint8Array(60); // padded to the Ethernet minimum
    frame.set(bytes(R2), 0);
    frame[34] = 10;
    frame.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 35);
    const r = decodeRawEthernetFrame(frame);
    expect(r.ok && Array.from(r.event.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('clamps classes 512–1023 to 24 bytes and Level II classes to 512', () => {
    const frame = new Uint8Array(600);
    frame.set(bytes(R2), 0);
    frame[29] = 0x02; // class 532
    frame[33] = 0x00;
    frame[34] = 40;
    expect(decodeRawEthernetFrame(frame)).toMatchObject({ ok: true, event: { vscpClass: 532 } });
    expect((decodeRawEthernetFrame(frame) as { event: { data: Uint8Array } }).event.data.length).toBe(24);
    frame[29] = 0x04; // class 1044
    frame[33] = 0x02;
    frame[34] = 0x58; // 600
    expect((decodeRawEthernetFrame(frame) as { event: { data: Uint8Array } }).event.data.length).toBe(512);
  });

  it('drops short and truncated frames and other versions, never throwing', () => {
    expect(decodeRawEthernetFrame(new Uint8Array(10))).toMatchObject({ ok: false, reason: 'short-frame' });
    expect(decodeRawEthernetFrame(bytes(R2).subarray(0, 30))).toMatchObject({ ok: false, reason: 'short-frame' });
    expect(decodeRawEthernetFrame(bytes(R2).subarray(0, 37))).toMatchObject({ ok: false, reason: 'truncated-data' });
    const v1 = bytes(R2);
    v1[14] = 1;
    expect(decodeRawEthernetFrame(v1)).toMatchObject({ ok: false, reason: 'unsupported-version' });
    // a subarray of a bigger buffer (as socket reads give) decodes at its own offset
    const big = new Uint8Array(100);
    big.set(bytes(R2), 20);
    expect(decodeRawEthernetFrame(big.subarray(20, 58))).toMatchObject({ ok: true, event: { vscpClass: 20 } });
  });

  it('round-trips through encode and decode', () => {
    const e = createEvent({ head: 0xa0, vscpClass: 10, vscpType: 6, timestamp: 0xffffffff, obid: 0xdeadbeef, data: [0x88, 0x81, 0x00, 0xe1] });
    const remote = parseMac('02:00:00:00:00:01');
    const r = decodeRawEthernetFrame(encodeRawEthernetFrame(e, { sourceMac: remote, subAddress: 7 }), { localMac: LOCAL });
    expect(r.ok && r.event).toEqual({ ...e, guid: ethernetGuid(remote, 7) });
  });
});
