/*
 * Which CLASS2.VSCPD time events are due between two ticks of the once-a-second job.
 *
 * Boundaries are those of the local wall clock (the process time zone, `TZ`): a minute event
 * when the local minute changes, midnight when the local date changes, week on the change to a
 * new ISO week (weeks start on Monday), quarter on the first day of January, April, July and
 * October. A boundary that was crossed while the process was late (event loop stalled,
 * suspended, clock stepped) is reported once, never once per skipped unit, and never lost:
 * this compares the two wall-clock readings, not the tick with an expected time. When DST
 * turns the clock back, the repeated hour gets its hour and minute events again.
 */
import type { VscpdTimeEventKind } from '../protocol/index.js';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** UTC offset; tells the two passes of the hour repeated when DST ends apart. */
  offset: number;
  isoWeekYear: number;
  isoWeek: number;
}

function wallClock(d: Date): WallClock {
  const year = d.getFullYear();
  const month = d.getMonth();
  const day = d.getDate();
  // ISO 8601 week: the week with the year's first Thursday is week 1.
  const civil = Date.UTC(year, month, day);
  const weekday = (d.getDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(civil + (3 - weekday) * 86_400_000);
  const isoWeekYear = thursday.getUTCFullYear();
  const isoWeek = 1 + Math.floor((thursday.getTime() - Date.UTC(isoWeekYear, 0, 1)) / (7 * 86_400_000));
  return { year, month, day, hour: d.getHours(), minute: d.getMinutes(), offset: d.getTimezoneOffset(), isoWeekYear, isoWeek };
}

/** Time events due at `now` when the previous tick was at `previous`, in the order they are sent. */
export function timeEventsDue(previous: Date, now: Date): VscpdTimeEventKind[] {
  const due: VscpdTimeEventKind[] = [];
  if (Math.floor(now.getTime() / 1000) === Math.floor(previous.getTime() / 1000)) return due;
  due.push('second');
  const a = wallClock(previous);
  const b = wallClock(now);
  const sameDate = a.year === b.year && a.month === b.month && a.day === b.day;
  const sameHour = sameDate && a.hour === b.hour && a.offset === b.offset;
  if (!sameHour || a.minute !== b.minute) due.push('minute');
  if (!sameHour) due.push('hour');
  if (b.hour >= 12 && (!sameDate || a.hour < 12)) due.push('noon');
  if (!sameDate) due.push('midnight');
  if (a.isoWeekYear !== b.isoWeekYear || a.isoWeek !== b.isoWeek) due.push('week');
  const sameMonth = a.year === b.year && a.month === b.month;
  if (!sameMonth) due.push('month');
  if (a.year !== b.year || Math.floor(a.month / 3) !== Math.floor(b.month / 3)) due.push('quarter');
  if (a.year !== b.year) due.push('year');
  return due;
}
