import type { Delivery } from '../bus/index.js';
import { type Guid, type VscpDateTime, type VscpEvent, formatDateTime, formatGuid } from '../protocol/index.js';

/*
 * The text line of an event (RETR, RCVLOOP), byte-identical to formatEvent + CRLF, made for
 * the hot path: the line is formatted once however many sessions write it (kept in the bus's
 * delivery record, shared by all receivers of an event), and the texts of recent GUIDs and of the last date/time
 * are reused when the bytes are the same (interface GUIDs repeat, the date changes each second).
 */
const DATA_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => ',0x' + i.toString(16).toUpperCase().padStart(2, '0'));

/** The GUID text of the last few GUIDs, checked byte by byte (a GUID array may be reused). */
const GUID_SLOTS = 8;
const guidBytes: Uint8Array[] = Array.from({ length: GUID_SLOTS }, () => new Uint8Array(16));
const guidTexts: string[] = new Array<string>(GUID_SLOTS).fill('');
let guidUsed = 0;
let guidNext = 0;

function guidText(g: Guid): string {
  outer: for (let i = 0; i < guidUsed; i++) {
    const b = guidBytes[i]!;
    for (let k = 15; k >= 0; k--) if (b[k] !== g[k]) continue outer;
    return guidTexts[i]!;
  }
  const text = formatGuid(g);
  guidBytes[guidNext]!.set(g);
  guidTexts[guidNext] = text;
  guidNext = (guidNext + 1) % GUID_SLOTS;
  if (guidUsed < GUID_SLOTS) guidUsed++;
  return text;
}

/** The date/time text of the last one (one per second while the daemon fills them in). */
let lastDate: VscpDateTime = { year: -1, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
let lastDateText = '';

function dateTimeText(dt: VscpDateTime): string {
  const l = lastDate;
  if (dt.second !== l.second || dt.minute !== l.minute || dt.hour !== l.hour || dt.day !== l.day || dt.month !== l.month || dt.year !== l.year) {
    lastDate = { ...dt };
    lastDateText = formatDateTime(dt);
  }
  return lastDateText;
}

/** `head,class,…` + CRLF, kept in the delivery's text slot for the other receivers. */
export function deliveryLine(delivery: Delivery): string {
  let line = delivery.text;
  if (line === undefined) {
    line = eventLine(delivery.event);
    delivery.text = line;
  }
  return line;
}

/** `head,class,…` + CRLF. */
export function eventLine(event: VscpEvent): string {
  let line = event.head + ',' + event.vscpClass + ',' + event.vscpType + ',' + event.obid + ',' +
    (event.dateTime === null ? '' : dateTimeText(event.dateTime)) + ',' + event.timestamp + ',' + guidText(event.guid);
  const data = event.data;
  for (let i = 0; i < data.length; i++) line += DATA_HEX[data[i]!]!;
  line += '\r\n';
  return line;
}
