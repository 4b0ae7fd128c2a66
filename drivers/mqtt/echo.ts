/*
 * Echo and loop prevention for daemons that share a broker as their common bus.
 *
 * One guard per daemon process (shared by every mqtt instance) remembers, for a short time:
 *   - what this daemon published: an event fingerprint (head, class, type, timestamp, date,
 *     GUID, data; not obid, which each daemon rewrites), and for publications without an origin
 *     marker (MQTT 3.1/3.1.1) a fingerprint of topic + payload;
 *   - what this daemon received from each bus (event fingerprint → bus ids).
 * With MQTT 5 every publication also carries the daemon's origin id as a user property.
 *
 * A received message is this daemon's own when it carries our origin id, when it has no marker
 * and its topic + payload match an unmarked publication, or when its event (one that carries its
 * own timestamp) matches an event we published. An event is a duplicate when the same
 * timestamped event already arrived (QoS 1 redelivery, two paths). An instance does not publish
 * an event that this daemon received from the same bus: it is already there.
 */
import { randomBytes } from 'node:crypto';
import type { VscpEvent } from '../../runtime/protocol/index.js';

/** The MQTT 5 user property that names the daemon that published a message. */
export const ORIGIN_PROPERTY = 'vscpd-origin';

export interface EchoGuardOptions {
  /** Fixed origin id (tests); default: 16 random hex digits per guard. */
  originId?: string;
  /** How long a fingerprint is remembered. */
  ttlMs?: number;
  /** Most fingerprints remembered per kind; the oldest go first. */
  capacity?: number;
  now?: () => number;
}

/**
 * A map with a fixed capacity whose entries all live `ttlMs`. Insertion order is kept in a ring
 * of slots, so expiring and evicting only ever look at the oldest slot (no Map iteration, which
 * V8 makes slow after many deletions at the front).
 */
class ExpiringMap<V> {
  /** key → slot of its newest insertion */
  private readonly index = new Map<number, number>();
  private readonly keys: Float64Array;
  private readonly expiries: Float64Array;
  private readonly values: (V | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private readonly ttlMs: number, capacity: number, private readonly now: () => number) {
    const size = Math.max(1, capacity);
    this.keys = new Float64Array(size);
    this.expiries = new Float64Array(size);
    this.values = new Array<V | undefined>(size);
  }

  set(key: number, value: V): void {
    const now = this.now();
    this.expire(now);
    if (this.count === this.keys.length) this.dropOldest();
    const slot = (this.head + this.count) % this.keys.length;
    this.keys[slot] = key;
    this.expiries[slot] = now + this.ttlMs;
    this.values[slot] = value;
    this.count++;
    // A key set again moves to the newest slot; its old slot is skipped when it falls out.
    this.index.set(key, slot);
  }

  get(key: number): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined || this.expiries[slot]! <= this.now()) return undefined;
    return this.values[slot];
  }

  private expire(now: number): void {
    while (this.count > 0 && this.expiries[this.head]! <= now) this.dropOldest();
  }

  private dropOldest(): void {
    const head = this.head;
    const key = this.keys[head]!;
    if (this.index.get(key) === head) this.index.delete(key);
    this.values[head] = undefined;
    this.head = (head + 1) % this.keys.length;
    this.count--;
  }
}

export class EchoGuard {
  readonly originId: string;
  private readonly publishedPayloads: ExpiringMap<true>;
  private readonly publishedEvents: ExpiringMap<true>;
  private readonly receivedEvents: ExpiringMap<string[]>;

  constructor(options: EchoGuardOptions = {}) {
    this.originId = options.originId ?? randomBytes(8).toString('hex');
    const ttl = options.ttlMs ?? 30_000;
    const cap = options.capacity ?? 100_000;
    const now = options.now ?? Date.now;
    this.publishedPayloads = new ExpiringMap(ttl, cap, now);
    this.publishedEvents = new ExpiringMap(ttl, cap, now);
    this.receivedEvents = new ExpiringMap(ttl, cap, now);
  }

  /** Records a publication: `payloadFp` only when it went out without an origin marker; `eventFp` when the payload carries the event's timestamp. */
  notePublished(payloadFp: number | null, eventFp: number | null): void {
    if (payloadFp !== null) this.publishedPayloads.set(payloadFp, true);
    if (eventFp !== null) this.publishedEvents.set(eventFp, true);
  }

  isOwnPayload(payloadFp: number): boolean {
    return this.publishedPayloads.get(payloadFp) !== undefined;
  }

  isOwnEvent(eventFp: number): boolean {
    return this.publishedEvents.get(eventFp) !== undefined;
  }

  /** Records an event this daemon took in from bus `busId`. */
  noteReceived(eventFp: number, busId: string): void {
    const buses = this.receivedEvents.get(eventFp);
    if (!buses) this.receivedEvents.set(eventFp, [busId]);
    else if (!buses.includes(busId)) buses.push(busId);
  }

  /** True when the event already came in (from any bus). */
  wasReceived(eventFp: number): boolean {
    return this.receivedEvents.get(eventFp) !== undefined;
  }

  /** True when the event came in from bus `busId`: publishing it there again would echo. */
  wasReceivedFrom(eventFp: number, busId: string): boolean {
    return this.receivedEvents.get(eventFp)?.includes(busId) ?? false;
  }
}

/** The guard shared by every mqtt instance of this daemon process. */
export const processEchoGuard = new EchoGuard();

// Two 32-bit FNV-1a lanes with different offsets, folded to 53 bits (a safe integer).
const FNV_PRIME = 0x01000193;

class Fingerprint {
  private a = 0x811c9dc5;
  private b = 0x050c5d1f;

  byte(v: number): void {
    this.a = Math.imul(this.a ^ (v & 0xff), FNV_PRIME);
    this.b = Math.imul(this.b ^ (v & 0xff), 0x01000197);
  }

  u32(v: number): void {
    this.byte(v >>> 24); this.byte(v >>> 16); this.byte(v >>> 8); this.byte(v);
  }

  bytes(data: Uint8Array): void {
    let a = this.a, b = this.b;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      a = Math.imul(a ^ v, FNV_PRIME);
      b = Math.imul(b ^ v, 0x01000197);
    }
    this.a = a; this.b = b;
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c >>> 8); this.byte(c);
    }
  }

  value(): number {
    // Final avalanche so that near-identical inputs spread over the whole range.
    let a = this.a ^ (this.a >>> 16);
    a = Math.imul(a, 0x85ebca6b) ^ Math.imul(this.b, 0x27d4eb2d);
    const b = Math.imul(this.b ^ (this.b >>> 13), 0xc2b2ae35) ^ (a >>> 15);
    return (b & 0x1fffff) * 0x100000000 + (a >>> 0);
  }
}

/** Identity of an event across daemons: everything but obid (each daemon sets its own). */
export function eventFingerprint(event: VscpEvent): number {
  const f = new Fingerprint();
  f.u32(event.head);
  f.u32(event.vscpClass << 16 | event.vscpType);
  f.u32(event.timestamp);
  const dt = event.dateTime;
  if (dt) {
    f.u32(dt.year << 16 | dt.month << 8 | dt.day);
    f.u32(dt.hour << 16 | dt.minute << 8 | dt.second);
  } else {
    f.u32(0xffffffff);
  }
  f.bytes(event.guid);
  f.u32(event.data.length);
  f.bytes(event.data);
  return f.value();
}

export function payloadFingerprint(topic: string, payload: Uint8Array): number {
  const f = new Fingerprint();
  f.text(topic);
  f.u32(payload.length);
  f.bytes(payload);
  return f.value();
}
