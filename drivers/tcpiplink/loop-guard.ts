/*
 * Loop prevention beyond the channel id. With one link the daemon never hands the link its own
 * events and the send session's echoes carry its channel id. With more paths between daemons
 * (A links to B and B links to A, or a ring of links) an event can come back another way; the
 * link therefore remembers the fingerprints of recent events:
 *
 * - every event the daemon delivered to it (what this side's bus has seen), and
 * - every event that came from the remote (what the remote has).
 *
 * An event from the remote that this side has already seen is not handed to the daemon again;
 * an event the remote sent is not sent back to it. The fingerprint covers everything a link
 * carries unchanged (head, class, type, timestamp, GUID, data) but not obid, which every hop
 * rewrites. Memory is bounded: the oldest fingerprints are forgotten first.
 */
import type { VscpEvent } from '../../runtime/protocol/index.js';

/**
 * A 52-bit fingerprint from two independent 32-bit FNV-1a hashes (a false match among 32k
 * remembered events is about 1 in 10^11).
 */
export function eventFingerprint(e: VscpEvent): number {
  let a = 0x811c9dc5 | 0;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (byte: number): void => {
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995);
    b ^= b >>> 15;
  };
  mix(e.head & 0xff); mix(e.head >>> 8);
  mix(e.vscpClass & 0xff); mix(e.vscpClass >>> 8);
  mix(e.vscpType & 0xff); mix(e.vscpType >>> 8);
  const t = e.timestamp >>> 0;
  mix(t & 0xff); mix((t >>> 8) & 0xff); mix((t >>> 16) & 0xff); mix(t >>> 24);
  const g = e.guid;
  for (let i = 0; i < g.length; i++) mix(g[i]!);
  const d = e.data;
  mix(d.length & 0xff); mix(d.length >>> 8);
  for (let i = 0; i < d.length; i++) mix(d[i]!);
  return (a >>> 0) * 0x100000 + ((b >>> 0) >>> 12);
}

/** A set of the last `capacity` fingerprints added. */
export class RecentSet {
  private readonly ring: Float64Array;
  private readonly members = new Set<number>();
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(Math.max(1, capacity));
  }

  add(fp: number): void {
    if (this.members.has(fp)) return;
    if (this.filled === this.ring.length) this.members.delete(this.ring[this.next]!);
    else this.filled++;
    this.ring[this.next] = fp;
    this.next = (this.next + 1) % this.ring.length;
    this.members.add(fp);
  }

  has(fp: number): boolean {
    return this.members.has(fp);
  }

  get size(): number {
    return this.members.size;
  }

  clear(): void {
    this.members.clear();
    this.next = 0;
    this.filled = 0;
  }
}

/** How many fingerprints each side remembers (about a second of traffic at 30,000 events/s). */
export const LOOP_MEMORY = 32_768;

export class LoopGuard {
  private readonly seenHere: RecentSet;
  private readonly fromRemote: RecentSet;

  constructor(capacity = LOOP_MEMORY) {
    this.seenHere = new RecentSet(capacity);
    this.fromRemote = new RecentSet(capacity);
  }

  /** The daemon delivered this event to the link (it is on this side's bus). */
  noteLocal(fp: number): void {
    this.seenHere.add(fp);
  }

  /** The remote sent this event (the remote has it). */
  noteRemote(fp: number): void {
    this.fromRemote.add(fp);
  }

  /** An event from the remote that this side's bus already carried: a loop or a second path. */
  seenLocally(fp: number): boolean {
    return this.seenHere.has(fp);
  }

  /** An event the remote sent us: sending it back would make a loop. */
  cameFromRemote(fp: number): boolean {
    return this.fromRemote.has(fp);
  }
}
