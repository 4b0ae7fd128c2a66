import { backoffDelay as delayBefore } from '../support/backoff.js';

/**
 * How the host spaces a failing driver's restarts: exponential from `minMs` up to `maxMs`, random
 * between half and all of it (runtime/support/backoff.ts 'half'), reset after a stable period.
 */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Running this long without failure resets the failure count. */
  stableMs: number;
}

/** The delay before restart n (1-based, n = consecutive failures). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  return delayBefore(failures - 1, { minMs: policy.minMs, maxMs: policy.maxMs, jitter: 'half' }, random);
}
