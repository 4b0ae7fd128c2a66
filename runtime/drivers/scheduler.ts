import { CronJob } from 'cron';
import type { DriverScheduler } from './contract.js';

/**
 * The timers of one driver run. Every callback is guarded: an exception becomes a failure of
 * that driver (reported through `onError`), never of the daemon. `cancelAll()` runs on stop.
 */
export class DriverTimers implements DriverScheduler {
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  private guard(fn: () => void): () => void {
    return () => {
      if (this.closed) return;
      try {
        fn();
      } catch (e) {
        this.onError(e);
      }
    };
  }

  private track(cancel: () => void): () => void {
    if (this.closed) {
      cancel();
      return () => {};
    }
    const wrapped = () => {
      if (this.cancels.delete(wrapped)) cancel();
    };
    this.cancels.add(wrapped);
    return wrapped;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const guarded = this.guard(fn);
    let cancel: () => void = () => {};
    const t = setTimeout(() => {
      cancel();
      guarded();
    }, ms);
    cancel = this.track(() => clearTimeout(t));
    return cancel;
  }

  setInterval(fn: () => void, ms: number): () => void {
    const t = setInterval(this.guard(fn), ms);
    return this.track(() => clearInterval(t));
  }

  cron(expression: string, fn: () => void): () => void {
    const job = CronJob.from({ cronTime: expression, onTick: this.guard(fn), start: true });
    return this.track(() => void job.stop());
  }

  get active(): number {
    return this.cancels.size;
  }

  cancelAll(): void {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
  }
}
