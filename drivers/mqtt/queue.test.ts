import { describe, expect, it } from 'vitest';
import { Backoff, BoundedQueue, RateLimitedWarning } from './queue.js';

describe('bounded queue', () => {
  it('keeps order and drops the oldest when full', () => {
    const q = new BoundedQueue<number>(3);
    expect([1, 2, 3].map((i) => q.push(i))).toEqual([undefined, undefined, undefined]);
    expect(q.push(4)).toBe(1);
    expect(q.push(5)).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it('with capacity 0 drops everything pushed', () => {
    const q = new BoundedQueue<string>(0);
    expect(q.push('a')).toBe('a');
    expect(q.length).toBe(0);
  });

  it('grows past its first allocation up to the capacity', () => {
    const q = new BoundedQueue<number>(5000);
    for (let i = 0; i < 6000; i++) q.push(i);
    expect(q.length).toBe(5000);
    expect(q.shift()).toBe(1000);
  });

  it('takes messages beyond the capacity while connected and trims them when the connection drops', () => {
    const q = new BoundedQueue<number>(2);
    for (let i = 0; i < 5; i++) q.pushUnbounded(i);
    expect(q.length).toBe(5);
    expect(q.trim()).toBe(3);
    expect([q.shift(), q.shift()]).toEqual([3, 4]);
  });

  it('resizes, dropping the oldest entries that no longer fit', () => {
    const q = new BoundedQueue<number>(10);
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.resize(4)).toBe(6);
    expect(q.shift()).toBe(6);
    expect(q.clear()).toBe(3);
    expect(q.length).toBe(0);
  });
});

describe('backoff', () => {
  it('doubles from min to max', () => {
    const b = new Backoff(100, 1000, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('adds ±20 % jitter within min and max', () => {
    expect(new Backoff(100, 10_000, () => 0).next()).toBe(100);
    const low = new Backoff(100, 10_000, () => 0);
    low.next();
    expect(low.next()).toBe(160);
    const high = new Backoff(100, 10_000, () => 0.999999);
    high.next();
    expect(high.next()).toBe(240);
    const capped = new Backoff(100, 1000, () => 0.999999);
    for (let i = 0; i < 10; i++) expect(capped.next()).toBeLessThanOrEqual(1000);
  });
});

describe('rate-limited warning', () => {
  it('logs the first line, counts the rest of the window and reports them with the next line', () => {
    let now = 0;
    const lines: string[] = [];
    const w = new RateLimitedWarning((m) => lines.push(m), 1000, () => now);
    w.warn('a');
    w.warn('b');
    w.warn('c');
    now = 1000;
    w.warn('d');
    w.warn('e');
    w.flush('rejected messages');
    expect(lines).toEqual(['a', 'd (2 more like this were not logged)', '1 more rejected messages were not logged.']);
  });
});
