import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('lets a fresh address through at once', async () => {
    const t = new LoginThrottle({ baseMs: 500, maxMs: 30_000 });
    expect(await t.acquire('10.0.0.1')).toBe(true);
    expect(t.failures('10.0.0.1')).toBe(0);
  });

  it('doubles the wait per failure up to the cap', () => {
    const t = new LoginThrottle({ baseMs: 500, maxMs: 30_000 });
    expect([0, 1, 2, 3, 4, 7, 8, 60].map((n) => t.delayAfter(n))).toEqual([0, 500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('spaces out attempts after failures, also parallel ones, using the clock', async () => {
    let now = 1_000_000;
    const t = new LoginThrottle({ baseMs: 1, maxMs: 1000, now: () => now });
    t.failed('a');
    t.failed('a');
    expect(t.failures('a')).toBe(2);
    expect(t.nextAllowedAt('a')).toBe(now + 2);
    // two parallel attempts: the first is answered at now + 2, the second 2 ms later
    const attempts = [t.acquire('a'), t.acquire('a')];
    expect(t.nextAllowedAt('a')).toBe(now + 6);
    expect(await Promise.all(attempts)).toEqual([true, true]);
    // other addresses are not affected
    expect(t.failures('b')).toBe(0);
    now += 10;
    t.succeeded('a');
    expect(t.failures('a')).toBe(0);
  });

  it('answers at once with false when too many attempts from one address wait', async () => {
    const t = new LoginThrottle({ baseMs: 60_000, maxMs: 60_000, maxWaiting: 2 });
    t.failed('x');
    const abort = new AbortController();
    const waiting = [t.acquire('x', abort.signal), t.acquire('x', abort.signal)];
    expect(await t.acquire('x')).toBe(false);
    abort.abort();
    const settled = await Promise.allSettled(waiting);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    // the aborted waits no longer count
    const again = new AbortController();
    const p = t.acquire('x', again.signal);
    again.abort();
    await expect(p).rejects.toThrow(/abort/i);
  });

  it('forgets quiet addresses and keeps memory bounded', () => {
    let now = 0;
    const t = new LoginThrottle({ baseMs: 10, maxMs: 100, maxTracked: 3, forgetAfterMs: 1000, now: () => now });
    for (const a of ['a', 'b', 'c', 'd']) t.failed(a);
    expect(t.tracked).toBe(3);
    expect(t.failures('a')).toBe(0);
    expect(t.failures('d')).toBe(1);
    now = 2000;
    expect(t.failures('d')).toBe(0);
  });
});
