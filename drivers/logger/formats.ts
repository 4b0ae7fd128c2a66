/*
 * The three log formats. Each turns one event plus the time it was logged into text; XML also
 * has a header and a footer that the file writer keeps around the events.
 *
 * text  (original, E3): `YYYY-MM-DD HH:MM:SS: head=96 class=10 type=6 GUID=… datasize=4
 *       data=0x88,0x83,0x5A,0x55 Timestamp=123456789` CRLF. Fixed: one space before
 *       `Timestamp` also when there is no data, and the timestamp unsigned as the field is.
 * xml   (VSCP Works receive data): one `<event>` block per event, with `<dir>rx</dir>` (the
 *       original lost the opening tag), inside `<vscprxdata>`.
 * jsonl one JSON object per line: the log time, then the event's JSON form.
 */
import { type VscpEvent, formatData, formatDateTime, formatEventJson, formatGuid } from '../../runtime/protocol/index.js';
import type { LogFormat } from './settings.js';

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<vscprxdata>\n';
export const XML_FOOTER = '</vscprxdata>\n';

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Formats log times; the text for the current second is cached (many events share it). */
export class LogClock {
  private sec = Number.NaN;
  private plain = '';
  private isoPrefix = '';
  private isoSuffix = '';

  constructor(readonly utc: boolean) {}

  private refresh(ms: number): void {
    const sec = Math.floor(ms / 1000);
    if (sec === this.sec) return;
    this.sec = sec;
    const d = new Date(sec * 1000);
    const u = this.utc;
    const Y = u ? d.getUTCFullYear() : d.getFullYear();
    const M = (u ? d.getUTCMonth() : d.getMonth()) + 1;
    const D = u ? d.getUTCDate() : d.getDate();
    const h = u ? d.getUTCHours() : d.getHours();
    const m = u ? d.getUTCMinutes() : d.getMinutes();
    const s = u ? d.getUTCSeconds() : d.getSeconds();
    const date = `${String(Y).padStart(4, '0')}-${pad2(M)}-${pad2(D)}`;
    const time = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
    this.plain = `${date} ${time}`;
    this.isoPrefix = `${date}T${time}.`;
    if (u) {
      this.isoSuffix = 'Z';
    } else {
      const off = -d.getTimezoneOffset();
      const a = Math.abs(off);
      this.isoSuffix = `${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
    }
  }

  /** `YYYY-MM-DD HH:MM:SS`, as the original wrote it. */
  plainTime(ms: number): string {
    this.refresh(ms);
    return this.plain;
  }

  /** ISO 8601 with milliseconds and the zone (`Z` or `+01:00`). */
  isoTime(ms: number): string {
    this.refresh(ms);
    const frac = Math.floor(ms) - this.sec * 1000;
    return this.isoPrefix + (frac < 10 ? '00' : frac < 100 ? '0' : '') + frac + this.isoSuffix;
  }
}

export type EventFormatter = (event: VscpEvent, loggedAtMs: number) => string;

export function textLine(clock: LogClock): EventFormatter {
  return (e, t) => {
    const n = e.data.length;
    return clock.plainTime(t) + ': head=' + e.head + ' class=' + e.vscpClass + ' type=' + e.vscpType +
      ' GUID=' + formatGuid(e.guid) + ' datasize=' + n + (n > 0 ? ' data=' + formatData(e.data) : '') +
      ' Timestamp=' + e.timestamp + '\r\n';
  };
}

export function xmlBlock(clock: LogClock): EventFormatter {
  // Every value is a number, a hex list or a date: nothing needs escaping.
  return (e, t) => {
    const n = e.data.length;
    return '<event>\n<dir>rx</dir>\n<time>' + clock.plainTime(t) + '</time>\n<dt>' + formatDateTime(e.dateTime) +
      '</dt>\n<head>' + e.head + '</head>\n<class>' + e.vscpClass + '</class>\n<type>' + e.vscpType +
      '</type>\n<guid>' + formatGuid(e.guid) + '</guid>\n<sizedata>' + n + '</sizedata>\n' +
      (n > 0 ? '<data>' + formatData(e.data) + '</data>\n' : '') +
      '<timestamp>' + e.timestamp + '</timestamp>\n<note></note>\n</event>\n';
  };
}

export function jsonLine(clock: LogClock): EventFormatter {
  // The event's own JSON form (vscp.h), with the log time put first.
  return (e, t) => '{"time":"' + clock.isoTime(t) + '",' + formatEventJson(e).slice(1) + '\n';
}

export function formatterFor(format: LogFormat, clock: LogClock): EventFormatter {
  switch (format) {
    case 'text': return textLine(clock);
    case 'xml': return xmlBlock(clock);
    case 'jsonl': return jsonLine(clock);
  }
}

/** Rough size of an event once written, for the memory bound (XML is the largest format). */
export function estimatedBytes(e: VscpEvent): number {
  return 200 + 5 * e.data.length;
}
