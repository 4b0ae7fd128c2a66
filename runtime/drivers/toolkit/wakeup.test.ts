import { describe, expect, it } from 'vitest';
import { Wakeup } from './wakeup.js';

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('wakeup', () => {
  it('resolves every waiter on wake, and only those waiting at that moment', async () => {
    const w = new Wakeup();
    const woken: string[] = [];
    void w.wait().then(() => woken.push('a'));
    void w.waitAtMost(60_000).then(() => woken.push('b'));
    expect(w.waiting).toBe(2);
    await settle();
    expect(woken).toEqual([]);
    w.wake();
    void w.wait().then(() => woken.push('late'));
    await settle();
    expect(woken).toEqual(['a', 'b']);
    expect(w.waiting).toBe(1);
    w.wake();
    await settle();
    expect(woken).toEqual(['a', 'b', 'late']);
  });

  it('gives up waiting after the time allowed, even with no time left', async () => {
    const w = new Wakeup();
    await w.waitAtMost(5);
    await w.waitAtMost(-100);
    w.wake(); // the timed-out waiters are gone quietly
    expect(w.waiting).toBe(0);
  });

  it('does nothing when woken with nobody waiting', () => {
    const w = new Wakeup();
    w.wake();
    expect(w.waiting).toBe(0);
  });
});
