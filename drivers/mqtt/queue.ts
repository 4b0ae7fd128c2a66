/*
 * Small bounded structures for the driver: a ring-buffer queue that drops its oldest entry when
 * full, reconnect backoff with jitter, and a rate-limited warning for hostile input.
 */

/** FIFO with a fixed capacity; pushing onto a full queue drops (and returns) the oldest entry. */
export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    this.items = new Array<T | undefined>(Math.max(1, Math.min(cap, 1024)));
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Appends; returns the dropped oldest entry when the queue was full. With capacity 0 the item itself is returned. */
  push(item: T): T | undefined {
    if (this.cap === 0) return item;
    let dropped: T | undefined;
    if (this.count === this.cap) dropped = this.shift();
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
    return dropped;
  }

  /** Appends even beyond the capacity (one in-hand message while connected). */
  pushUnbounded(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Changes the capacity; returns how many of the oldest entries were dropped to fit. */
  resize(cap: number): number {
    this.cap = cap;
    return this.trim();
  }

  /** Drops the oldest entries above the capacity; returns how many. */
  trim(): number {
    let dropped = 0;
    while (this.count > this.cap) { this.shift(); dropped++; }
    return dropped;
  }

  clear(): number {
    const n = this.count;
    this.items = new Array<T | undefined>(Math.max(1, Math.min(this.cap, 1024)));
    this.head = 0;
    this.count = 0;
    return n;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.max(1, Math.min(this.items.length * 2, Math.max(this.cap, this.count + 1))));
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}

/** Exponential backoff: min, 2·min, 4·min … up to max, each with ±20 % jitter. */
export class Backoff {
  private attempt = 0;

  constructor(public minMs: number, public maxMs: number, private readonly random: () => number = Math.random) {}

  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.round(Math.min(this.maxMs, Math.max(this.minMs, jittered)));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * A warning that may repeat at a hostile rate: the first one is logged, later ones within
 * `windowMs` are counted and reported with the next line after the window.
 */
export class RateLimitedWarning {
  private windowStart = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly write: (message: string) => void,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const now = this.now();
    if (now - this.windowStart < this.windowMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more like this were not logged)` : '';
    this.suppressed = 0;
    this.windowStart = now;
    this.write(message + more);
  }

  /** Reports what was held back (on stop). */
  flush(what: string): void {
    if (this.suppressed > 0) this.write(`${this.suppressed} more ${what} were not logged.`);
    this.suppressed = 0;
  }
}
