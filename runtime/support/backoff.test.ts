import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.js';

const fixed = (r: number) => () => r;

describe('backoff, jitter between half and all of the delay', () => {
  const policy = { minMs: 100, maxMs: 1000, jitter: 'half' as const };

  it('doubles from min up to max', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy, fixed(1)))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('waits between half and all of the delay, the first one too', () => {
    expect(backoffDelay(0, policy, fixed(0))).toBe(50);
    expect(backoffDelay(0, policy, fixed(1))).toBe(100);
    expect(backoffDelay(3, policy, fixed(0))).toBe(400);
    expect(backoffDelay(10, policy, fixed(0.5))).toBe(750);
  });

  it('takes a max below min as min and survives huge attempt counts', () => {
    expect(backoffDelay(5, { minMs: 500, maxMs: 100, jitter: 'half' }, fixed(1))).toBe(500);
    expect(backoffDelay(1e9, { minMs: 1000, maxMs: 3_600_000, jitter: 'half' }, fixed(1))).toBe(3_600_000);
  });
});

describe('backoff, ±20 % jitter', () => {
  it('doubles from min to max and starts over after reset', () => {
    const b = new Backoff(100, 1000, 'twenty-percent', fixed(0.5));
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('adds ±20 % jitter, never below min nor above max', () => {
    expect(new Backoff(100, 10_000, 'twenty-percent', fixed(0)).next()).toBe(100);
    const low = new Backoff(100, 10_000, 'twenty-percent', fixed(0));
    low.next();
    expect(low.next()).toBe(160);
    const high = new Backoff(100, 10_000, 'twenty-percent', fixed(0.999999));
    high.next();
    expect(high.next()).toBe(240);
    const capped = new Backoff(100, 1000, 'twenty-percent', fixed(0.999999));
    for (let i = 0; i < 10; i++) expect(capped.next()).toBeLessThanOrEqual(1000);
  });

  it('follows a changed min and max from the next attempt on', () => {
    const b = new Backoff(100, 1000, 'twenty-percent', fixed(0.5));
    b.next();
    b.minMs = 1000;
    b.maxMs = 5000;
    expect([b.next(), b.next(), b.next()]).toEqual([2000, 4000, 5000]);
  });
});
