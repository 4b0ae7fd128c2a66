/*
 * MQTT payloads: the event text form (as the original driver), the VSCP JSON object, or a plain
 * number ("simplify"). Decoding treats every payload as hostile: any problem is a ProtocolError
 * whose message says what is wrong, never an exception of another kind.
 */
import {
  type VscpEvent, ProtocolError, createEvent, formatEvent, parseEventDetailed,
} from '../../runtime/protocol/index.js';
import { formatEventJson, parseEventJson } from '../../runtime/protocol/event-json.js';
import type { PayloadFormat } from './settings.js';
import { type SimplifySpec, simplifiedEvent, simplifiedPayload } from './simplify.js';
import { type SubscribeTopic, capturedGuid } from './topic.js';

export interface PayloadCodec {
  format: PayloadFormat;
  simplify: SimplifySpec | null;
}

/** The payload for a delivered event, or null when it has none (simplify: not the configured measurement). */
export function encodePayload(codec: PayloadCodec, event: VscpEvent): Buffer | null {
  if (codec.simplify) {
    const text = simplifiedPayload(codec.simplify, event);
    return text === null ? null : Buffer.from(text, 'latin1');
  }
  return Buffer.from(codec.format === 'json' ? formatEventJson(event) : formatEvent(event), 'utf8');
}

export interface DecodedPayload {
  event: VscpEvent;
  /** The payload carried the event's own timestamp, so the event can be recognised again (echo, duplicate). */
  identified: boolean;
}

const MAX_SHOWN = 80;

function shown(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function isText(payload: Uint8Array): boolean {
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

export function decodePayload(codec: PayloadCodec, sub: SubscribeTopic, topic: string, payload: Buffer): DecodedPayload {
  if (payload.length === 0) throw new ProtocolError('payload is empty');
  if (!isText(payload)) throw new ProtocolError('payload is binary; expected text');
  const text = payload.toString('utf8');
  if (codec.simplify) {
    const init = simplifiedEvent(codec.simplify, text);
    const guid = capturedGuid(sub, topic);
    if (guid) init.guid = guid;
    return { event: createEvent(init), identified: false };
  }
  let event: VscpEvent;
  if (codec.format === 'json') {
    event = parseEventJson(text).event;
  } else {
    const t = text.trim();
    try {
      event = parseEventDetailed(t).event;
    } catch (e) {
      // The parser quotes the whole line; keep log lines short.
      const message = (e as Error).message.replace(/"[^"]{80,}"/, () => `"${shown(t)}"`);
      throw new ProtocolError(message);
    }
  }
  return { event, identified: event.timestamp !== 0 };
}
