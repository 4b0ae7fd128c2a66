import { describe, expect, it } from 'vitest';
import { ProtocolError, formatGuid, isZeroGuid, parseEvent } from '../../runtime/protocol/index.js';
import { decodePayload, encodePayload } from './payload.js';
import { parseSimplify } from './simplify.js';
import { compileSubscribeTopic } from './topic.js';

const H10 = '96,20,3,0,2019-01-02T03:04:05Z,1000,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01,0x00,0x01,0x23';
const text = { format: 'string' as const, simplify: null };
const json = { format: 'json' as const, simplify: null };
const sub = compileSubscribeTopic('vscp/#', 'topic');

describe('event text payloads', () => {
  it('M2: publishes the event text form byte for byte', () => {
    expect(encodePayload(text, parseEvent(H10))!.toString()).toBe(H10);
  });

  it('M5: parses the short form with defaults (H12)', () => {
    const { event, identified } = decodePayload(text, sub, 'vscp', Buffer.from('0,20,3,,,,-,0,1,35'));
    expect(event).toMatchObject({ head: 0, vscpClass: 20, vscpType: 3, obid: 0, timestamp: 0, dateTime: null });
    expect(isZeroGuid(event.guid)).toBe(true);
    expect(Array.from(event.data)).toEqual([0, 1, 35]);
    expect(identified).toBe(false);
  });

  it('reads the whole event back, trailing newline included', () => {
    const { event, identified } = decodePayload(text, sub, 'vscp', Buffer.from(H10 + '\r\n'));
    expect(formatGuid(event.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01');
    expect(event.timestamp).toBe(1000);
    expect(identified).toBe(true);
  });

  it('understands the layout without datetime of old daemons (H13), keeping every data byte', () => {
    const { event } = decodePayload(text, sub, 'vscp', Buffer.from('0,20,3,0,0,-,0,1,35'));
    expect(Array.from(event.data)).toEqual([0, 1, 35]);
  });

  it.each([
    ['', /empty/],
    ['\u0000\u0001binary', /binary/],
    ['hello', /fields/],
    ['0,70000,3,,,,-', /class/],
    ['0,20,3,,,,-,256', /data byte 0/],
  ])('rejects %j with a reason', (payload, reason) => {
    expect(() => decodePayload(text, sub, 'vscp', Buffer.from(payload))).toThrow(reason);
  });

  it('keeps the reason short for a long payload', () => {
    let err: unknown;
    try { decodePayload(text, sub, 'vscp', Buffer.from('x'.repeat(10_000))); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message.length).toBeLessThan(300);
  });
});

describe('JSON payloads', () => {
  it('round-trips an event', () => {
    const payload = encodePayload(json, parseEvent(H10))!;
    expect(JSON.parse(payload.toString())).toMatchObject({ head: 96, class: 20, type: 3, timestamp: 1000, data: [0, 1, 35] });
    const { event, identified } = decodePayload(json, sub, 'vscp', payload);
    expect(event).toEqual(parseEvent(H10));
    expect(identified).toBe(true);
  });

  it('rejects what is not an event', () => {
    expect(() => decodePayload(json, sub, 'vscp', Buffer.from('{"class":10}'))).toThrow(/type/);
    expect(() => decodePayload(json, sub, 'vscp', Buffer.from('[1,2]'))).toThrow(/object/);
    expect(() => decodePayload(json, sub, 'vscp', Buffer.from('{'))).toThrow(/not valid JSON/);
  });
});

describe('simplified payloads', () => {
  const codec = { format: 'string' as const, simplify: parseSimplify('10,6,float,3,1') };

  it('take the GUID from a {guid} topic level', () => {
    const s = compileSubscribeTopic('sensors/{guid}/temperature', 't');
    const { event, identified } = decodePayload(codec, s, 'sensors/FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07/temperature', Buffer.from('21.5'));
    expect(formatGuid(event.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07');
    expect(identified).toBe(false);
  });

  it('leave the GUID zero (the interface GUID) without one', () => {
    expect(isZeroGuid(decodePayload(codec, sub, 'vscp/x', Buffer.from('21.5')).event.guid)).toBe(true);
  });

  it('publish nothing for an event that is not the configured measurement', () => {
    expect(encodePayload(codec, parseEvent(H10))).toBeNull();
  });
});
