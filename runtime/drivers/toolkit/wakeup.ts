/*
 * "Something moved, look again": promises that all resolve on the next wake(). A driver's
 * receive() waits on one for its queue to drain; stop() waits on one for acknowledgements
 * while it flushes, bounded by its deadline.
 */
export class Wakeup {
  private waiters: (() => void)[] = [];

  /** How many are waiting. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves on the next wake(). */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves on the next wake(), or after `timeoutMs` (at least 1 ms) without one. */
  waitAtMost(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, timeoutMs));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Resolves everything waiting now; later waits wait for the next wake(). */
  wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
