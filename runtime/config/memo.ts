/*
 * A memo for the stages of configuration loading that the daemon re-runs on every reload: a
 * result is kept under a key that holds exactly the inputs deciding it, and only as long as
 * recent runs use it, so memory follows the size of the configuration, not its history.
 */

/** Freezes what the results of several runs share, so that no caller can change a memoised result. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

const memos = new Set<RunMemo<unknown>>();

/** Forgets every memoised result: the next load is a cold one (tests compare the two). */
export function clearConfigMemos(): void {
  for (const m of memos) m.clear();
}

/** Entries held by each memo, for tests of the bound. */
export function configMemoSizes(): number[] {
  return [...memos].map((m) => m.size);
}

export class RunMemo<V> {
  private readonly entries = new Map<string, { value: V; used: number }>();
  private run = 0;

  /** Entries that none of the last `keepRuns` runs used are dropped when a run ends. */
  constructor(private readonly keepRuns = 2) {
    memos.add(this as RunMemo<unknown>);
  }

  /** Starts a run; pair it with {@link end}. */
  begin(): void {
    this.run++;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    e.used = this.run;
    return e.value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, { value, used: this.run });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Ends a run: forgets what the recent runs did not use. */
  end(): void {
    const oldest = this.run - this.keepRuns;
    for (const [k, e] of this.entries) if (e.used <= oldest) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
