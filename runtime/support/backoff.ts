/*
 * Exponential backoff with jitter: the delay before retry n (0 = the first) starts from
 * d = min(max, min × 2^n) and is made random, so that many peers that lost the same server do
 * not all come back in the same instant. Two jitter rules are in use, both documented to users:
 *   'half'           random between d/2 and d (the driver host's restarts, the TCP/IP client,
 *                    the TCP/IP link driver)
 *   'twenty-percent' d ± 20 %, kept within [min, max] (the MQTT driver: the first delay is
 *                    never below reconnect_min_ms)
 */
export type Jitter = 'half' | 'twenty-percent';

export interface BackoffRule {
  minMs: number;
  /** A max below min counts as min. */
  maxMs: number;
  jitter: Jitter;
}

/** The delay in whole milliseconds before retry `attempt` (0-based). */
export function backoffDelay(attempt: number, rule: BackoffRule, random: () => number = Math.random): number {
  const min = rule.minMs;
  const max = Math.max(min, rule.maxMs);
  const d = Math.min(max, min * 2 ** Math.max(0, Math.min(attempt, 30)));
  if (rule.jitter === 'twenty-percent') return Math.round(Math.min(max, Math.max(min, d * (0.8 + 0.4 * random()))));
  return Math.round(d / 2 + (d / 2) * random());
}

/** Counts the attempts itself: next() after each failure, reset() after a success. */
export class Backoff implements BackoffRule {
  private attempt = 0;

  /** minMs and maxMs may change between attempts (hot reconfiguration). */
  constructor(
    public minMs: number,
    public maxMs: number,
    readonly jitter: Jitter,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt. */
  next(): number {
    return backoffDelay(this.attempt++, this, this.random);
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
