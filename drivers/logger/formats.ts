/*
 * The three log formats. Each writes one event plus the time it was logged as bytes; XML also
 * has a header and a footer that the file writer keeps around the events.
 *
 * text  (original, E3): `YYYY-MM-DD HH:MM:SS: head=96 class=10 type=6 GUID=… datasize=4
 *       data=0x88,0x83,0x5A,0x55 Timestamp=123456789` CRLF. Fixed: one space before
 *       `Timestamp` also when there is no data, and the timestamp unsigned as the field is.
 * xml   (VSCP Works receive data): one `<event>` block per event, with `<dir>rx</dir>` (the
 *       original lost the opening tag), inside `<vscprxdata>`.
 * jsonl one JSON object per line: the log time, then the event's JSON form (vscp.h, as
 *       `formatEventJson` writes it; a test pins the two together).
 *
 * Everything is ASCII and written straight into a byte buffer: building strings and joining
 * them costs several times more than the file write itself.
 */
import { type VscpEvent, formatDateTime } from '../../runtime/protocol/index.js';
import type { LogFormat } from './settings.js';

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<vscprxdata>\n';
export const XML_FOOTER = '</vscprxdata>\n';

const HEX = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A growing byte buffer for one batch of lines. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far (a view: valid until the next reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  put(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** ASCII text (short strings; longer ones are better as `put` of prepared bytes). */
  text(s: string): void {
    this.reserve(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A whole number ≥ 0 in decimal. */
  uint(n: number): void {
    this.reserve(16);
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let x = n; p > this.pos - digits; x = Math.floor(x / 10)) buf[--p] = 48 + (x % 10);
  }

  /** `FF:FF:…` (47 characters). */
  guid(g: Uint8Array): void {
    this.reserve(48);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < 16; i++) {
      if (i) buf[p++] = 58; // ':'
      const b = g[i]!;
      buf[p++] = HEX[b >> 4]!;
      buf[p++] = HEX[b & 15]!;
    }
    this.pos = p;
  }

  /** `0x88,0x83,…` */
  hexList(d: Uint8Array): void {
    this.reserve(d.length * 5);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < d.length; i++) {
      if (i) buf[p++] = 44; // ','
      const b = d[i]!;
      buf[p++] = 48; // '0'
      buf[p++] = 120; // 'x'
      buf[p++] = HEX[b >> 4]!;
      buf[p++] = HEX[b & 15]!;
    }
    this.pos = p;
  }

  /** `136,131,…` */
  decList(d: Uint8Array): void {
    for (let i = 0; i < d.length; i++) {
      if (i) this.text(',');
      this.uint(d[i]!);
    }
  }
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Formats log times; the bytes for the current second are cached (many events share it). */
export class LogClock {
  private sec = Number.NaN;
  private plain: Uint8Array = new Uint8Array(0);
  private isoPrefix: Uint8Array = new Uint8Array(0);
  private isoSuffix: Uint8Array = new Uint8Array(0);

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
    this.plain = bytes(`${date} ${time}`);
    this.isoPrefix = bytes(`${date}T${time}.`);
    if (u) {
      this.isoSuffix = bytes('Z');
    } else {
      const off = -d.getTimezoneOffset();
      const a = Math.abs(off);
      this.isoSuffix = bytes(`${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`);
    }
  }

  /** `YYYY-MM-DD HH:MM:SS`, as the original wrote it. */
  plainTime(w: ByteWriter, ms: number): void {
    this.refresh(ms);
    w.put(this.plain);
  }

  /** ISO 8601 with milliseconds and the zone (`Z` or `+01:00`). */
  isoTime(w: ByteWriter, ms: number): void {
    this.refresh(ms);
    w.put(this.isoPrefix);
    const frac = Math.floor(ms) - this.sec * 1000;
    if (frac < 100) w.text(frac < 10 ? '00' : '0');
    w.uint(frac);
    w.put(this.isoSuffix);
  }
}

/** The event date (`2018-12-01T09:20:30Z`); consecutive events mostly share it. */
class EventDate {
  private key = -1;
  private text: Uint8Array = new Uint8Array(0);

  write(w: ByteWriter, e: VscpEvent): void {
    const dt = e.dateTime;
    if (!dt) return;
    const key = ((((dt.year * 13 + dt.month) * 32 + dt.day) * 24 + dt.hour) * 60 + dt.minute) * 61 + dt.second;
    if (key !== this.key) {
      this.key = key;
      this.text = bytes(formatDateTime(dt));
    }
    w.put(this.text);
  }
}

/** Writes one event, logged at `loggedAtMs`. */
export type EventFormatter = (w: ByteWriter, event: VscpEvent, loggedAtMs: number) => void;

const T = {
  head: bytes(': head='), cls: bytes(' class='), type: bytes(' type='), guid: bytes(' GUID='), size: bytes(' datasize='),
  data: bytes(' data='), ts: bytes(' Timestamp='), crlf: bytes('\r\n'),
};

export function textLine(clock: LogClock): EventFormatter {
  return (w, e, t) => {
    clock.plainTime(w, t);
    w.put(T.head); w.uint(e.head);
    w.put(T.cls); w.uint(e.vscpClass);
    w.put(T.type); w.uint(e.vscpType);
    w.put(T.guid); w.guid(e.guid);
    w.put(T.size); w.uint(e.data.length);
    if (e.data.length > 0) {
      w.put(T.data);
      w.hexList(e.data);
    }
    w.put(T.ts); w.uint(e.timestamp);
    w.put(T.crlf);
  };
}

const X = {
  start: bytes('<event>\n<dir>rx</dir>\n<time>'), dt: bytes('</time>\n<dt>'), head: bytes('</dt>\n<head>'),
  cls: bytes('</head>\n<class>'), type: bytes('</class>\n<type>'), guid: bytes('</type>\n<guid>'),
  size: bytes('</guid>\n<sizedata>'), sizeEnd: bytes('</sizedata>\n'), data: bytes('<data>'), dataEnd: bytes('</data>\n'),
  ts: bytes('<timestamp>'), end: bytes('</timestamp>\n<note></note>\n</event>\n'),
};

export function xmlBlock(clock: LogClock): EventFormatter {
  // Every value is a number, a hex list or a date: nothing needs escaping.
  const date = new EventDate();
  return (w, e, t) => {
    w.put(X.start); clock.plainTime(w, t);
    w.put(X.dt); date.write(w, e);
    w.put(X.head); w.uint(e.head);
    w.put(X.cls); w.uint(e.vscpClass);
    w.put(X.type); w.uint(e.vscpType);
    w.put(X.guid); w.guid(e.guid);
    w.put(X.size); w.uint(e.data.length);
    w.put(X.sizeEnd);
    if (e.data.length > 0) {
      w.put(X.data);
      w.hexList(e.data);
      w.put(X.dataEnd);
    }
    w.put(X.ts); w.uint(e.timestamp);
    w.put(X.end);
  };
}

const J = {
  time: bytes('{"time":"'), head: bytes('","head":'), obid: bytes(',"obid":'), dt: bytes(',"datetime":"'),
  ts: bytes('","timestamp":'), cls: bytes(',"class":'), type: bytes(',"type":'), guid: bytes(',"guid":"'),
  data: bytes('","data":['), end: bytes('],"note":""}\n'),
};

export function jsonLine(clock: LogClock): EventFormatter {
  const date = new EventDate();
  return (w, e, t) => {
    w.put(J.time); clock.isoTime(w, t);
    w.put(J.head); w.uint(e.head);
    w.put(J.obid); w.uint(e.obid);
    w.put(J.dt); date.write(w, e);
    w.put(J.ts); w.uint(e.timestamp);
    w.put(J.cls); w.uint(e.vscpClass);
    w.put(J.type); w.uint(e.vscpType);
    w.put(J.guid); w.guid(e.guid);
    w.put(J.data); w.decList(e.data);
    w.put(J.end);
  };
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
