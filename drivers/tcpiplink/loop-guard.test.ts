import { describe, expect, it } from 'vitest';
import { createEvent, formatEvent, parseEvent, parseGuid } from '../../runtime/protocol/index.js';
import { LoopGuard, RecentSet, eventFingerprint } from './loop-guard.js';

const base = {
  head: 0x60, vscpClass: 10, vscpType: 6, obid: 3, timestamp: 1_234_567_000,
  dateTime: { year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5 },
  guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01'), data: [0x88, 0x83, 0x5a, 0x55],
};

describe('event fingerprint', () => {
  it('survives a trip through the text form and a new obid, as on every hop', () => {
    const e = createEvent(base);
    const hop = parseEvent(formatEvent(e));
    hop.obid = 77;
    expect(eventFingerprint(hop)).toBe(eventFingerprint(e));
  });

  it('differs when anything a link carries differs', () => {
    const fp = eventFingerprint(createEvent(base));
    const variants = [
      { head: 0x40 }, { vscpClass: 11 }, { vscpType: 7 }, { timestamp: base.timestamp + 1000 },
      { guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:02') }, { data: [0x88, 0x83, 0x5a, 0x56] }, { data: [0x88, 0x83, 0x5a] },
    ];
    const fps = variants.map((v) => eventFingerprint(createEvent({ ...base, ...v })));
    for (const other of fps) expect(other).not.toBe(fp);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('is a whole number below 2^52', () => {
    for (let i = 0; i < 1000; i++) {
      const fp = eventFingerprint(createEvent({ ...base, timestamp: i, data: [i & 0xff, i >> 8] }));
      expect(Number.isSafeInteger(fp) && fp >= 0 && fp < 2 ** 52).toBe(true);
    }
  });
});

describe('recent set', () => {
  it('forgets the oldest fingerprints beyond its capacity and never grows', () => {
    const s = new RecentSet(3);
    for (const fp of [1, 2, 3, 2, 4]) s.add(fp);
    expect([1, 2, 3, 4].map((fp) => s.has(fp))).toEqual([false, true, true, true]);
    for (let i = 10; i < 1000; i++) s.add(i);
    expect(s.size).toBe(3);
    expect([997, 998, 999].every((fp) => s.has(fp))).toBe(true);
  });
});

describe('loop guard', () => {
  it('tells events of this side from events of the remote', () => {
    const g = new LoopGuard(16);
    g.noteLocal(1);
    g.noteRemote(2);
    expect([g.seenLocally(1), g.seenLocally(2), g.cameFromRemote(1), g.cameFromRemote(2)]).toEqual([true, false, false, true]);
  });
});
