import { describe, expect, it } from 'vitest';
import { CLASS1, CLASS2, INFORMATION2_TYPE, PROTOCOL2_TYPE, PROTOCOL_TYPE, VSCPD_TYPE } from './classes.js';
import {
  CAPABILITY,
  capabilityCode,
  crc8,
  daemonShuttingDown,
  daemonStartingUp,
  formatCapabilityCode,
  highEndServerCaps,
  highEndServerResponse,
  levelIIHeartbeat,
  nulPaddedText,
  parseIPv4,
  segmentControllerHeartbeat,
  vscpdTimeEvent,
  type VscpdTimeEventKind,
} from './daemon-events.js';
import { ProtocolError } from './errors.js';
import { formatEvent } from './event-text.js';
import { formatGuid, parseGuid } from './guid.js';

const GUID = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:01:00:00');
const NOW = Date.UTC(2018, 7, 30, 10, 11, 12);
const hex = (a: Uint8Array): string => Array.from(a, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

describe('CRC-8 (Dallas/Maxim)', () => {
  it('matches the standard check value and the 1-wire ROM example', () => {
    expect(crc8(new TextEncoder().encode('123456789'))).toBe(0xa1);
    expect(crc8(Uint8Array.from([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00]))).toBe(0xa2);
    expect(crc8(new Uint8Array(0))).toBe(0);
    // a ROM id followed by its own CRC gives 0
    expect(crc8(Uint8Array.from([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xa2]))).toBe(0);
  });
});

describe('daemon events', () => {
  it('segment-controller heartbeat: CRC-8 of the GUID and u32 epoch seconds MSB first', () => {
    const e = segmentControllerHeartbeat({ guid: GUID, now: NOW });
    expect([e.vscpClass, e.vscpType, e.head]).toEqual([CLASS1.PROTOCOL, PROTOCOL_TYPE.SEGCTRL_HEARTBEAT, 0x60]);
    expect(e.data[0]).toBe(crc8(GUID));
    expect(hex(e.data.subarray(1))).toBe('5B 87 C2 C0'); // 1535623872
    expect(formatGuid(e.guid)).toBe(formatGuid(GUID));
    expect(e.dateTime).toEqual({ year: 2018, month: 8, day: 30, hour: 10, minute: 11, second: 12 });
    expect(formatEvent(e)).toMatch(/^96,0,1,0,2018-08-30T10:11:12Z,\d+,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:01:00:00,0x[0-9A-F]{2},0x5B,0x87,0xC2,0xC0$/);
  });

  it('Level II heartbeat: 64-byte NUL-padded name', () => {
    const e = levelIIHeartbeat({ guid: GUID, name: 'Home daemon', now: NOW });
    expect([e.vscpClass, e.vscpType]).toEqual([CLASS2.INFORMATION, INFORMATION2_TYPE.HEARTBEAT]);
    expect(e.data.length).toBe(64);
    expect(Buffer.from(e.data.subarray(0, 11)).toString()).toBe('Home daemon');
    expect(e.data.subarray(11).every((b) => b === 0)).toBe(true);
  });

  it('cuts long UTF-8 names at a character boundary', () => {
    const t = nulPaddedText('å'.repeat(40), 64); // 80 bytes of 2-byte characters
    expect(Buffer.from(t).toString()).toBe('å'.repeat(32));
    const odd = nulPaddedText('a' + 'å'.repeat(40), 64); // the 64th byte would split a character
    expect(Buffer.from(odd).toString('utf8').replace(/\0+$/, '')).toBe('a' + 'å'.repeat(31));
    expect(odd[63]).toBe(0);
  });

  it('high-end server response: low 16 capability bits, IPv4, port', () => {
    const caps = capabilityCode([CAPABILITY.REMOTE_VARIABLES, CAPABILITY.MULTI_INTERFACE, CAPABILITY.TCPIP, CAPABILITY.IPV4]);
    const e = highEndServerResponse({ guid: GUID, capabilities: caps, ipv4: '192.168.1.20', port: 9598, now: NOW });
    expect([e.vscpClass, e.vscpType]).toEqual([0, 28]);
    expect(hex(e.data)).toBe('80 20 C0 A8 01 14 25 7E');
    expect(() => highEndServerResponse({ guid: GUID, capabilities: caps, ipv4: '192.168.1', port: 9598 })).toThrow(/IPv4 address "192.168.1"/);
    expect(() => highEndServerResponse({ guid: GUID, capabilities: caps, ipv4: '10.0.0.1', port: 70000 })).toThrow(/port 70000/);
  });

  it('capability code: bits, WCYD text form, range checks', () => {
    const caps = capabilityCode([63, 61, 15, 5]);
    expect(caps).toBe(0xa000000000008020n);
    expect(formatCapabilityCode(caps)).toBe('A0-00-00-00-00-00-80-20');
    expect(formatCapabilityCode(0n)).toBe('00-00-00-00-00-00-00-00');
    expect(() => capabilityCode([64])).toThrow(ProtocolError);
    expect(() => formatCapabilityCode(1n << 64n)).toThrow(/does not fit 64 bits/);
  });

  it('high-end server caps: code, GUID, IP, name, extra ports', () => {
    const caps = capabilityCode([CAPABILITY.TCPIP]);
    const e = highEndServerCaps({
      guid: GUID,
      capabilities: caps,
      ip: '10.1.2.3',
      name: 'vscpd',
      ports: [{ service: CAPABILITY.TCPIP, port: 9598 }, { service: CAPABILITY.WEB, port: 8443, encrypted: true }],
      now: NOW,
    });
    expect([e.vscpClass, e.vscpType]).toEqual([CLASS2.PROTOCOL, PROTOCOL2_TYPE.HIGH_END_SERVER_CAPS]);
    expect(e.data.length).toBe(110);
    expect(hex(e.data.subarray(0, 8))).toBe('00 00 00 00 00 00 80 00');
    expect(formatGuid(e.data.subarray(8, 24))).toBe(formatGuid(GUID));
    expect(hex(e.data.subarray(24, 40))).toBe('0A 01 02 03 00 00 00 00 00 00 00 00 00 00 00 00');
    expect(Buffer.from(e.data.subarray(40, 45)).toString()).toBe('vscpd');
    expect(e.data[45]).toBe(0);
    expect(hex(e.data.subarray(104))).toBe('0F 25 7E 8B 20 FB');
    const v6 = highEndServerCaps({ guid: GUID, capabilities: caps, ip: new Uint8Array(16).fill(0xfe), name: 'x' });
    expect(hex(v6.data.subarray(24, 40))).toBe(Array(16).fill('FE').join(' '));
    expect(() => highEndServerCaps({ guid: GUID, capabilities: caps, ip: new Uint8Array(5), name: 'x' })).toThrow(/4 or 16 bytes/);
    const many = Array.from({ length: 137 }, () => ({ service: 15, port: 1 }));
    expect(() => highEndServerCaps({ guid: GUID, capabilities: caps, ip: '1.2.3.4', name: 'x', ports: many })).toThrow(/at most 136/);
  });

  it('CLASS2.VSCPD time events use the v13/2018 numbering', () => {
    const expected: Record<VscpdTimeEventKind, number> = {
      second: 5, minute: 6, hour: 7, noon: 8, midnight: 9, week: 11, month: 12, quarter: 13, year: 14,
    };
    for (const [kind, type] of Object.entries(expected)) {
      const e = vscpdTimeEvent(kind as VscpdTimeEventKind, { guid: GUID, now: NOW });
      expect([e.vscpClass, e.vscpType, e.data.length]).toEqual([65535, type, 0]);
    }
    expect(daemonStartingUp({ guid: GUID }).vscpType).toBe(VSCPD_TYPE.STARTING_UP);
    expect(daemonStartingUp({ guid: GUID }).vscpType).toBe(23);
    expect(daemonShuttingDown({ guid: GUID, now: new Date(NOW) }).vscpType).toBe(24);
    expect(() => vscpdTimeEvent('fortnight' as VscpdTimeEventKind, { guid: GUID })).toThrow(/"fortnight" is unknown/);
  });

  it('takes the priority and checks the GUID', () => {
    expect(segmentControllerHeartbeat({ guid: GUID, priority: 0 }).head).toBe(0);
    expect(segmentControllerHeartbeat({ guid: GUID, priority: 7 }).head).toBe(0xe0);
    expect(() => segmentControllerHeartbeat({ guid: GUID, priority: 8 })).toThrow(/priority 8/);
    expect(() => levelIIHeartbeat({ guid: new Uint8Array(8), name: 'x' })).toThrow(/16 bytes/);
    expect(hex(parseIPv4(' 127.0.0.1 '))).toBe('7F 00 00 01');
    expect(() => parseIPv4('256.0.0.1')).toThrow(ProtocolError);
  });
});
