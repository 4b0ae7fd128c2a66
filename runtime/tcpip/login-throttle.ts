/*
 * Slows down password guessing per remote address: after n failed logins from an address,
 * its next attempt is answered no sooner than base × 2^(n−1) ms (capped) after the previous
 * one. Attempts from one address are spaced out even when they arrive in parallel on many
 * connections, and only a few may wait at a time; the rest fail at once. A success resets the
 * address; a quiet address is forgotten. Memory is bounded (oldest addresses are dropped).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoginThrottleOptions {
  baseMs: number;
  maxMs: number;
  /** Addresses remembered at most (least recently failed dropped first). Default 10,000. */
  maxTracked?: number;
  /** Attempts from one address that may wait at the same time. Default 8. */
  maxWaiting?: number;
  /** Forget an address this long after its last failure. Default max(15 min, 20 × maxMs). */
  forgetAfterMs?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  /** Earliest time the next attempt may be answered. */
  nextAt: number;
  lastFailureAt: number;
  waiting: number;
}

export class LoginThrottle {
  private baseMs: number;
  private maxMs: number;
  private readonly maxTracked: number;
  private readonly maxWaiting: number;
  private forgetAfterMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions) {
    this.baseMs = options.baseMs;
    this.maxMs = options.maxMs;
    this.maxTracked = options.maxTracked ?? 10_000;
    this.maxWaiting = options.maxWaiting ?? 8;
    this.forgetAfterMs = options.forgetAfterMs ?? Math.max(15 * 60_000, 20 * options.maxMs);
    this.now = options.now ?? Date.now;
  }

  update(baseMs: number, maxMs: number): void {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.forgetAfterMs = Math.max(this.forgetAfterMs, 20 * maxMs);
  }

  /** The wait after `failures` failed attempts. */
  delayAfter(failures: number): number {
    if (failures <= 0 || this.baseMs <= 0) return 0;
    const d = this.baseMs * 2 ** Math.min(failures - 1, 40);
    return Math.min(d, this.maxMs);
  }

  failures(address: string): number {
    return this.entry(address)?.failures ?? 0;
  }

  /**
   * Waits until an attempt from `address` may be checked. Resolves false when too many
   * attempts from that address are already waiting (answer it as failed, without checking).
   * Rejects with an AbortError when `signal` aborts (the connection went away).
   */
  async acquire(address: string, signal?: AbortSignal): Promise<boolean> {
    const e = this.entry(address);
    if (!e || e.failures === 0) return true;
    if (e.waiting >= this.maxWaiting) return false;
    const now = this.now();
    const start = Math.max(now, e.nextAt);
    e.nextAt = start + this.delayAfter(e.failures);
    if (start <= now) return true;
    e.waiting++;
    try {
      await sleep(start - now, undefined, signal ? { signal } : undefined);
    } finally {
      e.waiting--;
    }
    return true;
  }

  failed(address: string): void {
    const now = this.now();
    let e = this.entry(address);
    if (e) {
      this.entries.delete(address); // re-insert: most recent last
    } else {
      e = { failures: 0, nextAt: 0, lastFailureAt: now, waiting: 0 };
      while (this.entries.size >= this.maxTracked) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
      }
    }
    e.failures++;
    e.lastFailureAt = now;
    e.nextAt = Math.max(e.nextAt, now + this.delayAfter(e.failures));
    this.entries.set(address, e);
  }

  succeeded(address: string): void {
    this.entries.delete(address);
  }

  /** When the next attempt from `address` may be answered (0: at once). */
  nextAllowedAt(address: string): number {
    const e = this.entry(address);
    return e && e.failures > 0 ? e.nextAt : 0;
  }

  get tracked(): number {
    return this.entries.size;
  }

  private entry(address: string): Entry | undefined {
    const e = this.entries.get(address);
    if (e && e.waiting === 0 && this.now() - e.lastFailureAt > this.forgetAfterMs) {
      this.entries.delete(address);
      return undefined;
    }
    return e;
  }
}
