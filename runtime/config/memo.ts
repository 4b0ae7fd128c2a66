/*
 * Memos for the stages of configuration loading that the daemon re-runs on every reload. A
 * result is kept under the position of its section (file and line) with the inputs that decided
 * it, reused only while those are equal, and dropped when recent runs no longer use it, so
 * memory follows the size of the configuration, not its history. Results shared by several
 * runs are frozen.
 */
import type { ConfEntry, ConfSection } from './read.js';

/** Freezes what the results of several runs share, so that no caller can change a memoised result. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) for (const v of value) deepFreeze(v);
  else for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}

/** The `files` of an entry without references, shared. */
export const NO_FILES = Object.freeze([]) as unknown as string[];

/**
 * Freezes sections read from a file, with their entries: an unchanged file's sections are then
 * shared by the reads that follow, and being the same object means having the same content.
 */
export function freezeSections(sections: ConfSection[]): readonly ConfSection[] {
  for (const s of sections) {
    for (const e of s.entries) {
      Object.freeze(e.files);
      Object.freeze(e);
    }
    Object.freeze(s.entries);
    Object.freeze(s);
  }
  return Object.freeze(sections);
}

/** The entries of a section in a form no one can change: its own when frozen, else frozen copies. */
export function lastingEntries(section: ConfSection): readonly ConfEntry[] {
  if (Object.isFrozen(section) && Object.isFrozen(section.entries)) return section.entries;
  return Object.freeze(section.entries.map((e) => Object.freeze({ ...e, files: NO_FILES })));
}

/** Equal entries as far as checking goes (what each says and where; not the files it read). */
export function sameEntries(a: readonly ConfEntry[], b: readonly ConfEntry[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.key !== y.key || x.rawKey !== y.rawKey || x.value !== y.value || x.file !== y.file || x.line !== y.line
      || x.secret !== y.secret || x.broken !== y.broken)) return false;
  }
  return true;
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

/**
 * Results under a key of a text and a number (a file and a line: the position of a section),
 * kept while recent runs use them.
 */
export class RunMemo<V> {
  // Two levels, so that a lookup by position builds no key text.
  private readonly entries = new Map<string, Map<number, { value: V; used: number }>>();
  private run = 0;
  /** Runs begun and not ended: reads and resolves may overlap (a reload and a status query). */
  private readonly active = new Set<number>();

  /**
   * Entries that none of the last `keepRuns` runs used are dropped when a run ends; runs still
   * going count as using everything, so an overlap never takes an entry from under a run.
   */
  constructor(private readonly keepRuns = 2) {
    memos.add(this as RunMemo<unknown>);
  }

  /** Starts a run; pass what it returns to {@link end}. */
  begin(): number {
    this.active.add(++this.run);
    return this.run;
  }

  get(key: string, at = 0): V | undefined {
    const e = this.entries.get(key)?.get(at);
    if (!e) return undefined;
    e.used = this.run;
    return e.value;
  }

  set(key: string, value: V, at = 0): void {
    let inner = this.entries.get(key);
    if (!inner) this.entries.set(key, (inner = new Map()));
    inner.set(at, { value, used: this.run });
  }

  /** Ends a run: forgets what the recent runs did not use. */
  end(run: number): void {
    this.active.delete(run);
    let first = this.run + 1;
    for (const r of this.active) first = Math.min(first, r);
    const oldest = first - 1 - this.keepRuns;
    for (const [k, inner] of this.entries) {
      for (const [at, e] of inner) if (e.used <= oldest) inner.delete(at);
      if (inner.size === 0) this.entries.delete(k);
    }
  }

  get size(): number {
    let n = 0;
    for (const inner of this.entries.values()) n += inner.size;
    return n;
  }

  clear(): void {
    this.entries.clear();
  }
}
