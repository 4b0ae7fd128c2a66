import { afterEach, describe, expect, it } from 'vitest';
import { timeEventsDue } from './time-events.js';

// Local wall-clock times, so the cases hold in any time zone.
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): Date => new Date(y, mo - 1, d, h, mi, s, ms);

describe('timeEventsDue', () => {
  it.each([
    ['the same second', at(2026, 5, 6, 10, 0, 0, 100), at(2026, 5, 6, 10, 0, 0, 900), []],
    ['a new second', at(2026, 5, 6, 10, 0, 0, 500), at(2026, 5, 6, 10, 0, 1, 2), ['second']],
    ['a new minute', at(2026, 5, 6, 10, 0, 59), at(2026, 5, 6, 10, 1, 0), ['second', 'minute']],
    ['a new hour', at(2026, 5, 6, 10, 59, 59), at(2026, 5, 6, 11, 0, 0), ['second', 'minute', 'hour']],
    ['noon', at(2026, 5, 6, 11, 59, 59), at(2026, 5, 6, 12, 0, 0), ['second', 'minute', 'hour', 'noon']],
    ['the second after noon', at(2026, 5, 6, 12, 0, 0), at(2026, 5, 6, 12, 0, 1), ['second']],
    ['midnight on a Tuesday', at(2026, 5, 4, 23, 59, 59), at(2026, 5, 5, 0, 0, 0), ['second', 'minute', 'hour', 'midnight']],
    ['midnight starting a week (Monday)', at(2026, 1, 4, 23, 59, 59), at(2026, 1, 5, 0, 0, 0), ['second', 'minute', 'hour', 'midnight', 'week']],
    ['a new month', at(2026, 2, 28, 23, 59, 59), at(2026, 3, 1, 0, 0, 0), ['second', 'minute', 'hour', 'midnight', 'month']],
    ['a new quarter', at(2026, 3, 31, 23, 59, 59), at(2026, 4, 1, 0, 0, 0), ['second', 'minute', 'hour', 'midnight', 'month', 'quarter']],
    // 2025-12-31 and 2026-01-01 are both in ISO week 2026-W01: no week event.
    ['a new year inside an ISO week', at(2025, 12, 31, 23, 59, 59), at(2026, 1, 1, 0, 0, 0), ['second', 'minute', 'hour', 'midnight', 'month', 'quarter', 'year']],
    ['a late tick crossing minutes and an hour, reported once', at(2026, 5, 6, 10, 58, 30), at(2026, 5, 6, 11, 2, 10), ['second', 'minute', 'hour']],
    ['a tick that skipped noon', at(2026, 5, 6, 11, 59, 58), at(2026, 5, 6, 12, 0, 3), ['second', 'minute', 'hour', 'noon']],
  ])('%s', (_what, previous, now, expected) => {
    expect(timeEventsDue(previous, now)).toEqual(expected);
  });
});

describe('timeEventsDue across daylight saving time (Europe/Stockholm)', () => {
  const zone = process.env['TZ'];
  afterEach(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });

  it('gives the repeated hour its hour event when the clock turns back', () => {
    process.env['TZ'] = 'Europe/Stockholm';
    // 2026-10-25 03:00 CEST becomes 02:00 CET.
    const before = new Date('2026-10-25T00:59:59Z');
    const after = new Date('2026-10-25T01:00:00Z');
    expect([before.getHours(), after.getHours()]).toEqual([2, 2]);
    expect(timeEventsDue(before, after)).toEqual(['second', 'minute', 'hour']);
  });

  it('gives the hour after the gap its hour event when the clock springs forward', () => {
    process.env['TZ'] = 'Europe/Stockholm';
    // 2026-03-29 02:00 CET becomes 03:00 CEST.
    const before = new Date('2026-03-29T00:59:59Z');
    const after = new Date('2026-03-29T01:00:00Z');
    expect([before.getHours(), after.getHours()]).toEqual([1, 3]);
    expect(timeEventsDue(before, after)).toEqual(['second', 'minute', 'hour']);
  });
});
