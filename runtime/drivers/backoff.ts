/**
 * Exponential backoff with full jitter and a cap, reset after a stable period: the delay before
 * restart n (1-based) is random in [d/2, d] with d = min(max, min × 2^(n-1)).
 */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Running this long without failure resets the failure count. */
  stableMs: number;
}

export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
