/*
 * A bounded FIFO on a ring buffer. The ring starts small and doubles up to the limit, so a
 * thousand idle clients with a 1024-event limit cost almost nothing until events back up.
 */

const INITIAL_CAPACITY = 16;

export class BoundedQueue<T> {
  private ring: (T | undefined)[];
  private head = 0;
  private size = 0;
  private max: number;

  constructor(limit: number) {
    this.max = checkLimit(limit);
    this.ring = new Array<T | undefined>(Math.min(INITIAL_CAPACITY, this.max));
  }

  get length(): number {
    return this.size;
  }

  get limit(): number {
    return this.max;
  }

  /** A lower limit keeps what is queued; only new items are refused until it drains. */
  set limit(limit: number) {
    this.max = checkLimit(limit);
  }

  /** Appends `item`; false when the queue is at its limit (nothing changes then). */
  push(item: T): boolean {
    if (this.size >= this.max) return false;
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) % this.ring.length] = item;
    this.size++;
    return true;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    if (this.size === 0) this.head = 0;
    return item;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.ring[this.head];
  }

  /** Empties the queue and returns how many items it held. */
  clear(): number {
    const n = this.size;
    this.ring = new Array<T | undefined>(Math.min(INITIAL_CAPACITY, this.max));
    this.head = 0;
    this.size = 0;
    return n;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.ring.length * 2, Math.max(this.max, this.ring.length + 1)));
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be a whole number ≥ 1, got ${limit}`);
  return limit;
}
