/**
 * Polls `probe` (sync or async) every 10 ms until it returns something truthy, and returns it.
 * A probe that throws is tried again; after `timeoutMs` the wait fails naming `what` (and the
 * probe's last error). The one waiting loop of the test suites: no timed assertions, only
 * generous deadlines.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
