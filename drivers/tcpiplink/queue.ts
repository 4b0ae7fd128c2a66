/*
 * The send queue (a ring buffer with a capacity that drops its oldest entry when full) and a
 * warning that may repeat at a hostile rate.
 */

export class SendQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    this.items = new Array<T | undefined>(Math.max(16, Math.min(cap, 1024)));
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Appends within the capacity; returns how many of the oldest entries were dropped (0 or 1; 1 for capacity 0). */
  push(item: T): number {
    if (this.cap === 0) return 1;
    let dropped = 0;
    if (this.count >= this.cap) {
      this.shift();
      dropped = 1;
    }
    this.append(item);
    return dropped;
  }

  /** Appends even beyond the capacity (the one event in hand while the link is up but busy). */
  pushUnbounded(item: T): void {
    this.append(item);
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
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
    while (this.count > this.cap) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  /** Empties the queue; returns how many entries it held. */
  clear(): number {
    const n = this.count;
    this.items = new Array<T | undefined>(Math.max(16, Math.min(this.cap, 1024)));
    this.head = 0;
    this.count = 0;
    return n;
  }

  private append(item: T): void {
    if (this.count === this.items.length) {
      const next = new Array<T | undefined>(this.items.length * 2);
      for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
      this.items = next;
      this.head = 0;
    }
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }
}

/**
 * The first warning of a kind is logged; repeats within `windowMs` are counted and the count is
 * added to the next line logged after the window.
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
