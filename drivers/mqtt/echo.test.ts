import { describe, expect, it } from 'vitest';
import { cloneEvent, createEvent, parseEvent } from '../../runtime/protocol/index.js';
import { EchoGuard, eventFingerprint, payloadFingerprint } from './echo.js';

const H10 = '96,20,3,0,2019-01-02T03:04:05Z,1000,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01,0x00,0x01,0x23';

describe('fingerprints', () => {
  it('identify an event across daemons: obid does not count, every other field does', () => {
    const e = parseEvent(H10);
    const other = cloneEvent(e);
    other.obid = 99;
    expect(eventFingerprint(other)).toBe(eventFingerprint(e));
    const variants = [
      { ...cloneEvent(e), head: 0 },
      { ...cloneEvent(e), vscpClass: 21 },
      { ...cloneEvent(e), vscpType: 4 },
      { ...cloneEvent(e), timestamp: 1001 },
      { ...cloneEvent(e), dateTime: null },
      { ...cloneEvent(e), dateTime: { ...e.dateTime!, second: 6 } },
      { ...cloneEvent(e), data: Uint8Array.from([0, 1, 0x24]) },
      { ...cloneEvent(e), data: Uint8Array.from([0, 1]) },
    ];
    const g = cloneEvent(e);
    g.guid[15] = 2;
    variants.push(g);
    const prints = new Set([eventFingerprint(e), ...variants.map(eventFingerprint)]);
    expect(prints.size).toBe(variants.length + 1);
  });

  it('are safe integers', () => {
    for (let i = 0; i < 1000; i++) {
      const fp = eventFingerprint(createEvent({ vscpClass: 10, vscpType: 6, timestamp: i }));
      expect(Number.isSafeInteger(fp)).toBe(true);
      expect(fp).toBeGreaterThanOrEqual(0);
    }
  });

  it('do not collide over many similar events', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(eventFingerprint(createEvent({ vscpClass: 10, vscpType: 6, timestamp: i, data: [i & 0xff] })));
    expect(seen.size).toBe(100_000);
  });

  it('cover topic and payload', () => {
    const p = Buffer.from('23.78');
    expect(payloadFingerprint('a/b', p)).toBe(payloadFingerprint('a/b', Buffer.from('23.78')));
    expect(payloadFingerprint('a/c', p)).not.toBe(payloadFingerprint('a/b', p));
    expect(payloadFingerprint('a/b', Buffer.from('23.79'))).not.toBe(payloadFingerprint('a/b', p));
    expect(payloadFingerprint('a/b2', Buffer.from('3.78'))).not.toBe(payloadFingerprint('a/b', p));
  });
});

describe('echo guard', () => {
  it('recognises its own publications for the remembered time only', () => {
    let now = 1000;
    const guard = new EchoGuard({ ttlMs: 100, now: () => now });
    guard.notePublished(11, 22);
    expect(guard.isOwnPayload(11)).toBe(true);
    expect(guard.isOwnEvent(22)).toBe(true);
    expect(guard.isOwnPayload(22)).toBe(false);
    now += 100;
    expect(guard.isOwnPayload(11)).toBe(false);
    expect(guard.isOwnEvent(22)).toBe(false);
  });

  it('remembers which bus an event came from', () => {
    const guard = new EchoGuard();
    guard.noteReceived(5, 'broker-a:1883');
    expect(guard.wasReceived(5)).toBe(true);
    expect(guard.wasReceivedFrom(5, 'broker-a:1883')).toBe(true);
    expect(guard.wasReceivedFrom(5, 'broker-b:1883')).toBe(false);
    guard.noteReceived(5, 'broker-b:1883');
    expect(guard.wasReceivedFrom(5, 'broker-b:1883')).toBe(true);
    expect(guard.wasReceived(6)).toBe(false);
  });

  it('stays within its capacity, forgetting the oldest first', () => {
    const guard = new EchoGuard({ capacity: 3 });
    for (let i = 1; i <= 5; i++) guard.notePublished(i, null);
    expect([1, 2, 3, 4, 5].map((i) => guard.isOwnPayload(i))).toEqual([false, false, true, true, true]);
  });

  it('gives each guard its own origin id', () => {
    expect(new EchoGuard().originId).not.toBe(new EchoGuard().originId);
    expect(new EchoGuard().originId).toMatch(/^[0-9a-f]{16}$/);
  });
});
