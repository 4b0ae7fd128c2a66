import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './drop-oldest-queue.js';

describe('drop-oldest queue', () => {
  it('keeps order, drops the oldest when full and says so', () => {
    const q = new DropOldestQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => q.push(n))).toEqual([false, false, false, true, true]);
    expect(q.length).toBe(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it('with capacity 0 drops everything pushed', () => {
    const q = new DropOldestQueue<string>(0);
    expect(q.push('a')).toBe(true);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('grows past its first allocation up to the capacity', () => {
    const q = new DropOldestQueue<number>(5000);
    for (let i = 0; i < 6000; i++) q.push(i);
    expect(q.length).toBe(5000);
    expect(q.shift()).toBe(1000);
    expect(q.peek()).toBe(1001);
  });

  it('keeps order across the ring wrapping while it grows', () => {
    const q = new DropOldestQueue<number>(100);
    const out: number[] = [];
    for (let i = 0; i < 300; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual([...new Set(out)].sort((a, b) => a - b));
    expect(out.at(-1)).toBe(299);
  });

  it('takes entries beyond the capacity in hand and trims them away when asked', () => {
    const q = new DropOldestQueue<number>(2);
    for (let i = 0; i < 5; i++) q.pushUnbounded(i);
    expect(q.length).toBe(5);
    expect(q.trim()).toBe(3);
    expect(q.peek()).toBe(3);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([3, 4, undefined]);
  });

  it('resizes, dropping the oldest entries that no longer fit', () => {
    const q = new DropOldestQueue<number>(10);
    for (let i = 0; i < 5000; i++) q.pushUnbounded(i);
    expect(q.resize(4)).toBe(4996);
    expect(q.capacity).toBe(4);
    expect(q.shift()).toBe(4996);
    q.resize(6);
    expect([7, 8, 9, 10].map((n) => q.push(n))).toEqual([false, false, false, true]);
    expect(q.peek()).toBe(4998);
    expect(q.clear()).toBe(6);
    expect(q.length).toBe(0);
    expect(q.push(1)).toBe(false);
  });
});
