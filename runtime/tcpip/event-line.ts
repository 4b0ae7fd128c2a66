import { type VscpEvent, formatEvent } from '../protocol/index.js';

/*
 * The text line of an event (RETR, RCVLOOP), formatted once however many sessions write it:
 * the bus shares one event object among all receivers.
 */
const lines = new WeakMap<VscpEvent, string>();

/** `head,class,…` + CRLF, byte-identical to v13. */
export function eventLine(event: VscpEvent): string {
  let line = lines.get(event);
  if (line === undefined) {
    line = formatEvent(event) + '\r\n';
    lines.set(event, line);
  }
  return line;
}
