/*
 * A FIFO on a ring buffer with a capacity: pushing onto a full queue drops the oldest entry.
 * What a driver keeps while its peer is away, where the newest data matters most.
 */

/** Slots allocated up front at most; the ring doubles from there as entries arrive. */
const MAX_INITIAL_SLOTS = 1024;

export class DropOldestQueue<T> {
  private ring: (T | undefined)[];
  private head = 0;
  private count = 0;
  private cap: number;

  constructor(capacity: number) {
    this.cap = capacity;
    this.ring = initialRing<T>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /**
   * Appends within the capacity. True when an entry was dropped to make room: the oldest, or
   * with capacity 0 the item itself.
   */
  push(item: T): boolean {
    if (this.cap === 0) return true;
    let dropped = false;
    if (this.count >= this.cap) {
      this.shift();
      dropped = true;
    }
    this.append(item);
    return dropped;
  }

  /** Appends even beyond the capacity (an entry in hand while the peer is up but busy); trim() cuts back. */
  pushUnbounded(item: T): void {
    this.append(item);
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.ring[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    return item;
  }

  /** Changes the capacity; returns how many of the oldest entries were dropped to fit. */
  resize(capacity: number): number {
    this.cap = capacity;
    return this.trim();
  }

  /** Drops the oldest entries above the capacity; returns how many. */
  trim(): number {
    let dropped = 0;
    while (this.count > this.cap) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  /** Empties the queue (and gives back its memory); returns how many entries it held. */
  clear(): number {
    const n = this.count;
    this.ring = initialRing<T>(this.cap);
    this.head = 0;
    this.count = 0;
    return n;
  }

  private append(item: T): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = item;
    this.count++;
  }

  /** Doubles the ring, but not past the capacity while the entries still fit in it. */
  private grow(): void {
    let size = this.ring.length * 2;
    if (size > this.cap && this.cap > this.count) size = this.cap;
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }
}

function initialRing<T>(capacity: number): (T | undefined)[] {
  return new Array<T | undefined>(Math.max(1, Math.min(capacity, MAX_INITIAL_SLOTS)));
}
