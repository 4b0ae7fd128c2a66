/*
 * The variable store at run time: the declared layer (the variable file, applied with
 * applyDeclared, never written back), the runtime layer (VAR WRITE, drivers, the daemon) and the
 * stock `vscp.*` variables (generated when read).
 *
 * Persistence: runtime changes of persistent variables and runtime removals of declared
 * variables are kept in `<state_dir>/variables.json` (state-file.ts). Changes are coalesced: a
 * save starts `saveDelayMs` after the first unsaved change (default 50 ms, so a stream of writes
 * costs at most ~20 fsyncs a second), and takes everything changed until then; `flush()` saves
 * at once and resolves when the data is on disk. A failed save is retried with backoff
 * (100 ms doubling to 30 s) and rejects pending flushes with VariableError 'save-failed'.
 *
 * Times: `lastChange` is a Date (UTC instant); the state file holds it as ISO 8601 with `Z`.
 *
 * Rights and owner are stored and reported; like v13.1.1 the store does not enforce them (the
 * TCP/IP layer has the user). Only stock variables are read-only.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DeclaredVariable } from '../config/types.js';
import type { Logger } from '../support/log.js';
import {
  type DeclaredApplyResult, type Variable, type VariableChange, type VariableChangeSource, type VariableStore,
  type VariableWrite, VariableError,
} from './contract.js';
import { mergeDeclared } from './merge.js';
import {
  type RuntimeState, type Slot, type VariableFields, effectiveFields, fieldsEqual, isPersisted, previousDeclaration,
  runtimeBytes,
} from './model.js';
import { STATE_FILE_NAME, type StateRecord, encodeState, loadStateFile, writeStateFile } from './state-file.js';
import { type StockContext, type StockValue, type StockVariableSource, isStockName, readStockVariable, readStockVariables } from './stock.js';
import {
  DEFAULT_VARIABLE_RIGHTS, VariableType, VariableValueError, isKnownVariableType, normalizeVariableName,
  normalizeVariableValue, resetVariableValue, variableTypeToken,
} from './types.js';

export interface VariableLimits {
  /** Variables (declared and runtime, without stock variables) that may exist; runtime creation stops there. */
  maxVariables: number;
  /** UTF-8 bytes of one value written at run time. */
  maxValueBytes: number;
  /** UTF-8 bytes of one note written at run time. */
  maxNoteBytes: number;
  /** Characters of a variable name created at run time. */
  maxNameLength: number;
  /** UTF-8 bytes of all values and notes of the runtime layer together. */
  maxRuntimeBytes: number;
  /** A larger state file is treated as damaged. */
  maxStateFileBytes: number;
}

export const DEFAULT_VARIABLE_LIMITS: Readonly<VariableLimits> = Object.freeze({
  maxVariables: 100_000,
  maxValueBytes: 64 * 1024,
  maxNoteBytes: 64 * 1024,
  maxNameLength: 256,
  maxRuntimeBytes: 64 * 1024 * 1024,
  maxStateFileBytes: 256 * 1024 * 1024,
});

export interface VariableStoreOptions {
  /** Folder of the state file; created when missing (mode 0700). */
  stateDir: string;
  log: Logger;
  /** Figures for the stock `vscp.*` variables. */
  stock?: StockVariableSource;
  limits?: Partial<VariableLimits>;
  /** Read the state but never write anything (`vscpd plan` without a running daemon). */
  readOnly?: boolean;
  /** Delay between the first unsaved change and its save (coalescing); default 50 ms. */
  saveDelayMs?: number;
  /** Clock (tests). */
  now?: () => Date;
}

export interface VariableStoreStatus {
  /** Variables that exist (without stock variables). */
  variables: number;
  /** Variables changed or created at run time. */
  runtimeChanges: number;
  /** Declared variables removed at run time. */
  removals: number;
  /** Records in the state file (when saved). */
  persisted: number;
  /** Changes not yet on disk. */
  savePending: boolean;
  saves: number;
  lastSaveAt: Date | null;
  /** Message of the last failed save, null after a successful one. */
  lastSaveError: string | null;
}

/** The store with the daemon-side extras (status for `/status` and metrics). */
export interface RuntimeVariableStore extends VariableStore {
  status(): VariableStoreStatus;
  readonly stateFile: string;
}

/** Loads the runtime layer from `stateDir` and returns the store; apply the variable file next with applyDeclared. */
export async function createVariableStore(options: VariableStoreOptions): Promise<RuntimeVariableStore> {
  const stateDir = resolve(options.stateDir);
  const limits: VariableLimits = { ...DEFAULT_VARIABLE_LIMITS, ...options.limits };
  const readOnly = options.readOnly ?? false;
  if (!readOnly) {
    try {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new VariableError('save-failed', `create state folder ${stateDir}: ${(e as Error).message}`);
    }
  }
  let records: StateRecord[];
  try {
    records = await loadStateFile(stateDir, { log: options.log, maxBytes: limits.maxStateFileBytes, readOnly });
  } catch (e) {
    throw new VariableError('save-failed', `load variable state: ${(e as Error).message}`);
  }
  const store = new Store(stateDir, limits, options, records);
  options.log.info('Loaded the variable state.', { file: store.stateFile, records: records.length });
  return store;
}

type Listener = (change: VariableChange) => void;

interface FlushWaiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 30_000;
const STOCK_RIGHTS = 0x444;

class Store implements RuntimeVariableStore {
  readonly stateFile: string;
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Set<Listener>();
  private readonly log: Logger;
  private readonly readOnly: boolean;
  private readonly saveDelayMs: number;
  private readonly clock: () => Date;
  private readonly stockContext: StockContext;
  private visibleCount = 0;
  private runtimeTotalBytes = 0;
  private sortedNames: string[] | null = null;
  /** The last declaration set converted (see declarations()). */
  private declaredCache: { items: DeclaredVariable[]; map: Map<string, VariableFields>; problems: (() => void)[]; reported: boolean } | null = null;
  /** snapshot() until the next change (the reconciler reads it at every reload). */
  private snapshotCache: Map<string, { type: number; value: string }> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  // persistence
  private changeSeq = 0;
  private savedSeq = 0;
  private saving: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waiters: FlushWaiter[] = [];
  private failures = 0;
  private saves = 0;
  private lastSaveAt: Date | null = null;
  private lastSaveError: string | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly limits: VariableLimits,
    options: VariableStoreOptions,
    records: readonly StateRecord[],
  ) {
    this.stateFile = join(stateDir, STATE_FILE_NAME);
    this.log = options.log;
    this.readOnly = options.readOnly ?? false;
    this.saveDelayMs = Math.max(0, options.saveDelayMs ?? 50);
    this.clock = options.now ?? (() => new Date());
    const createdAt = this.clock();
    this.stockContext = {
      source: options.stock ?? {},
      createdAt,
      stateDir,
      variableCount: () => this.visibleCount,
    };
    // Loading is not a change: nothing to notify, nothing to save.
    for (const { name, state } of records) {
      this.slots.set(name, { declared: undefined, declaredAt: createdAt, runtime: state });
      if (state.fields) this.visibleCount++;
      this.runtimeTotalBytes += runtimeBytes(state);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  get(name: string): Variable | undefined {
    const canonical = canonicalOrUndefined(name);
    if (canonical === undefined) return undefined;
    if (isStockName(canonical)) {
      const stock = readStockVariable(canonical, this.stockContext);
      return stock ? this.stockView(stock) : undefined;
    }
    const slot = this.slots.get(canonical);
    return slot ? view(canonical, slot) : undefined;
  }

  list(pattern?: RegExp, type?: number): Variable[] {
    const out: Variable[] = [];
    const accept = (name: string, t: number): boolean => {
      if (type !== undefined && t !== type) return false;
      if (pattern) {
        pattern.lastIndex = 0;
        if (!pattern.test(name)) return false;
      }
      return true;
    };
    const stock = readStockVariables(this.stockContext);
    const names = this.names();
    let s = 0;
    for (const name of names) {
      while (s < stock.length && stock[s]!.name < name) {
        const v = stock[s++]!;
        if (accept(v.name, v.type)) out.push(this.stockView(v));
      }
      const v = view(name, this.slots.get(name)!)!;
      if (accept(name, v.type)) out.push(v);
    }
    while (s < stock.length) {
      const v = stock[s++]!;
      if (accept(v.name, v.type)) out.push(this.stockView(v));
    }
    return out;
  }

  snapshot(): ReadonlyMap<string, { type: number; value: string }> {
    if (this.snapshotCache) return this.snapshotCache;
    const out = new Map<string, { type: number; value: string }>();
    for (const [name, slot] of this.slots) {
      const f = effectiveFields(slot);
      if (f) out.set(name, { type: f.type, value: f.value });
    }
    this.snapshotCache = out;
    return out;
  }

  status(): VariableStoreStatus {
    let runtimeChanges = 0;
    let removals = 0;
    let persisted = 0;
    for (const slot of this.slots.values()) {
      if (slot.runtime?.fields) runtimeChanges++;
      else if (slot.runtime) removals++;
      if (isPersisted(slot.runtime)) persisted++;
    }
    return {
      variables: this.visibleCount,
      runtimeChanges,
      removals,
      persisted,
      savePending: this.changeSeq !== this.savedSeq,
      saves: this.saves,
      lastSaveAt: this.lastSaveAt,
      lastSaveError: this.lastSaveError,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // runtime changes

  write(write: VariableWrite, source: VariableChangeSource): Variable {
    this.assertOpen();
    const name = this.canonicalForWrite(write.name);
    const slot = this.slots.get(name);
    const current = slot ? effectiveFields(slot) : undefined;
    // Recreating a declared variable removed at run time: what the write leaves out comes from its declaration.
    const defaults = current ?? (slot ? previousDeclaration(slot) : undefined);
    const now = this.clock();

    let type: number;
    if (current) {
      type = current.type;
      if (write.type !== undefined && write.type !== current.type) {
        throw new VariableError('type-change', `variable ${name} is of type ${typeToken(current.type)}; its type cannot change to ${typeToken(write.type)}`);
      }
    } else {
      type = write.type ?? defaults?.type ?? VariableType.STRING;
      if (!Number.isInteger(type) || !isKnownVariableType(type) || type === VariableType.UNASSIGNED) {
        throw new VariableError('invalid-value', `variable ${name}: type ${type} is unknown; allowed: a v13 type code (1 string, 2 bool, 3 int, 4 long, 5 double, …)`);
      }
      if (this.visibleCount >= this.limits.maxVariables) {
        throw new VariableError('save-failed', `variable ${name}: the store holds the maximum of ${this.limits.maxVariables} variables`);
      }
    }

    let value: string;
    if (write.value !== undefined) value = this.normalizeValue(name, type, write.value);
    else value = current ? current.value : resetVariableValue(type, now);
    const note = write.note ?? defaults?.note ?? '';
    if (Buffer.byteLength(note) > this.limits.maxNoteBytes) {
      throw new VariableError('invalid-value', `variable ${name}: the note is longer than ${this.limits.maxNoteBytes} bytes`);
    }
    const owner = write.owner ?? defaults?.owner ?? 0;
    if (!Number.isInteger(owner) || owner < 0 || owner > 0xffffffff) {
      throw new VariableError('invalid-value', `variable ${name}: owner must be a user id 0..4294967295, got ${owner}`);
    }
    const rights = write.rights ?? defaults?.rights ?? DEFAULT_VARIABLE_RIGHTS;
    if (!Number.isInteger(rights) || rights < 0 || rights > 0xfff) {
      throw new VariableError('invalid-value', `variable ${name}: rights must be 0..0xFFF, got ${rights}`);
    }
    const fields: VariableFields = {
      type, value, note, persistent: write.persistent ?? defaults?.persistent ?? false, owner, rights,
    };
    const runtime: RuntimeState = { base: slot ? previousDeclaration(slot) ?? null : null, fields, lastChange: now };
    const grown = this.runtimeTotalBytes - runtimeBytes(slot?.runtime) + runtimeBytes(runtime);
    if (grown > this.limits.maxRuntimeBytes) {
      throw new VariableError('save-failed', `variable ${name}: runtime variables would hold more than ${this.limits.maxRuntimeBytes} bytes`);
    }
    const next: Slot = { declared: slot?.declared, declaredAt: slot?.declaredAt ?? now, runtime };
    const before = slot ? view(name, slot) : undefined;
    this.setSlot(name, slot, next);
    const after = view(name, next)!;
    if (!sameVariable(before, after)) this.notify({ name, before, after, source });
    return after;
  }

  writeValue(name: string, value: string, source: VariableChangeSource): Variable {
    return this.write({ name: this.existing(name).name, value }, source);
  }

  writeNote(name: string, note: string, source: VariableChangeSource): Variable {
    return this.write({ name: this.existing(name).name, note }, source);
  }

  reset(name: string, source: VariableChangeSource): Variable {
    const current = this.existing(name);
    return this.write({ name: current.name, value: resetVariableValue(current.type, this.clock()) }, source);
  }

  remove(name: string, source: VariableChangeSource): Variable {
    this.assertOpen();
    const current = this.existing(name);
    const slot = this.slots.get(current.name)!;
    const declaration = previousDeclaration(slot);
    const next: Slot | undefined = declaration
      ? { declared: slot.declared, declaredAt: slot.declaredAt, runtime: { base: declaration, fields: null, lastChange: this.clock() } }
      : undefined;
    this.setSlot(current.name, slot, next);
    this.notify({ name: current.name, before: current, after: undefined, source });
    return current;
  }

  // ---------------------------------------------------------------------------------------------
  // the variable file

  applyDeclared(declared: readonly DeclaredVariable[]): DeclaredApplyResult {
    this.assertOpen();
    const { result, updates } = mergeDeclared(this.slots, this.declarations(declared, true), this.clock());
    const changes: VariableChange[] = [];
    const notifying = this.listeners.size > 0;
    for (const [name, next] of updates) {
      const slot = this.slots.get(name);
      const wasFields = slot ? effectiveFields(slot) : undefined;
      const before = notifying && slot ? view(name, slot) : undefined;
      this.setSlot(name, slot, next);
      if (notifying && !fieldsEqual(wasFields, next ? effectiveFields(next) : undefined)) {
        changes.push({ name, before, after: next ? view(name, next) : undefined, source: 'file' });
      }
    }
    if (result.added.length || result.removed.length || result.changed.length || result.conflicts.length) {
      this.log.info('Applied the variable file.', {
        added: result.added.length, removed: result.removed.length, changed: result.changed.length, conflicts: result.conflicts.length,
      });
    }
    // Values stay out of the log: variables hold passwords too.
    for (const c of result.conflicts) {
      this.log.warn(c.fileValue === '' && result.removed.includes(c.name)
        ? 'A variable removed from the variable file had a runtime value; it is removed.'
        : 'The variable file changed a variable that was also changed at run time; the file value wins.', { variable: c.name });
    }
    for (const change of changes) this.notify(change);
    return result;
  }

  planDeclared(declared: readonly DeclaredVariable[]): DeclaredApplyResult {
    return mergeDeclared(this.slots, this.declarations(declared, false), this.clock()).result;
  }

  snapshotAfter(declared: readonly DeclaredVariable[]): ReadonlyMap<string, { type: number; value: string }> {
    const { updates } = mergeDeclared(this.slots, this.declarations(declared, false), this.clock());
    const out = new Map(this.snapshot());
    for (const [name, slot] of updates) {
      const f = slot ? effectiveFields(slot) : undefined;
      if (f) out.set(name, { type: f.type, value: f.value });
      else out.delete(name);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // notifications

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private notify(change: VariableChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (e) {
        this.log.error('A variable change listener failed.', { variable: change.name, error: (e as Error)?.message ?? String(e) });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  flush(): Promise<void> {
    if (this.changeSeq === this.savedSeq) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq: this.changeSeq, resolve, reject });
    });
    this.saveNow();
    return promise;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      try {
        await this.flush();
        if (this.saving) await this.saving;
      } finally {
        this.cancelTimer();
        this.listeners.clear();
      }
    })();
    return this.closing;
  }

  private markDirty(): void {
    if (this.readOnly) return;
    this.changeSeq++;
    this.schedule(this.saveDelayMs);
  }

  private schedule(delayMs: number): void {
    if (this.saving || this.timer || this.immediate || this.closed) return;
    if (delayMs <= 0) {
      this.immediate = setImmediate(() => { this.immediate = null; this.startSave(); });
    } else {
      this.timer = setTimeout(() => { this.timer = null; this.startSave(); }, delayMs);
    }
  }

  private saveNow(): void {
    if (this.saving) return; // the save in progress schedules the next one for the waiters
    this.cancelTimer();
    this.startSave();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private startSave(): void {
    if (this.saving || this.changeSeq === this.savedSeq) return;
    const seq = this.changeSeq;
    const text = encodeState(this.persistedRecords(), this.clock());
    this.saving = writeStateFile(this.stateDir, text).then(
      () => this.saved(seq),
      (e: unknown) => this.saveFailed(e as Error),
    ).finally(() => {
      this.saving = null;
      if (this.changeSeq === this.savedSeq) return;
      if (this.waiters.length && this.failures === 0) this.startSave();
      else if (!this.closed) this.schedule(this.failures ? retryDelay(this.failures) : this.saveDelayMs);
    });
  }

  private saved(seq: number): void {
    if (this.failures) this.log.info('Saved the variable state again.', { file: this.stateFile });
    this.savedSeq = seq;
    this.saves++;
    this.failures = 0;
    this.lastSaveAt = this.clock();
    this.lastSaveError = null;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.seq <= seq) w.resolve();
      else this.waiters.push(w);
    }
  }

  private saveFailed(error: Error): void {
    this.failures++;
    this.lastSaveError = error.message;
    // Log the first failure and then sparsely, so a full disk does not flood the log.
    if ((this.failures & (this.failures - 1)) === 0) {
      this.log.error('Could not save the variable state; retrying.', { file: this.stateFile, error: error.message, attempt: this.failures });
    }
    const failure = new VariableError('save-failed', `save variables to ${this.stateFile}: ${error.message}`);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject(failure);
  }

  private *persistedRecords(): Iterable<StateRecord> {
    for (const [name, slot] of this.slots) {
      if (isPersisted(slot.runtime)) yield { name, state: slot.runtime! };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** Replaces a slot and keeps counts, bytes and the save schedule in step. */
  private setSlot(name: string, before: Slot | undefined, after: Slot | undefined): void {
    if (after) this.slots.set(name, after);
    else this.slots.delete(name);
    this.snapshotCache = null;
    const wasVisible = !!before && effectiveFields(before) !== undefined;
    const isVisible = !!after && effectiveFields(after) !== undefined;
    if (wasVisible !== isVisible) {
      this.visibleCount += isVisible ? 1 : -1;
      this.sortedNames = null;
    }
    this.runtimeTotalBytes += runtimeBytes(after?.runtime) - runtimeBytes(before?.runtime);
    if (before?.runtime !== after?.runtime && (isPersisted(before?.runtime) || isPersisted(after?.runtime))) this.markDirty();
  }

  private names(): string[] {
    if (!this.sortedNames) {
      const names: string[] = [];
      for (const [name, slot] of this.slots) if (effectiveFields(slot)) names.push(name);
      this.sortedNames = names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    return this.sortedNames;
  }

  private existing(name: string): Variable {
    const canonical = this.canonicalForWrite(name);
    const slot = this.slots.get(canonical);
    const v = slot ? view(canonical, slot) : undefined;
    if (!v) throw new VariableError('not-found', `variable ${canonical} is not defined`);
    return v;
  }

  private canonicalForWrite(name: string): string {
    let canonical: string;
    try {
      canonical = normalizeVariableName(name);
    } catch (e) {
      throw new VariableError('invalid-name', (e as Error).message);
    }
    if (isStockName(canonical)) {
      throw new VariableError('stock', `variable ${canonical}: names starting with vscp. are stock variables of the daemon and cannot be changed`);
    }
    if (canonical.length > this.limits.maxNameLength) {
      throw new VariableError('invalid-name', `variable name is longer than ${this.limits.maxNameLength} characters`);
    }
    return canonical;
  }

  private normalizeValue(name: string, type: number, text: string): string {
    if (Buffer.byteLength(text) > this.limits.maxValueBytes) {
      throw new VariableError('invalid-value', `variable ${name}: the value is longer than ${this.limits.maxValueBytes} bytes`);
    }
    try {
      return normalizeVariableValue(type, text);
    } catch (e) {
      if (e instanceof VariableValueError) throw new VariableError('invalid-value', `variable ${name}: ${e.message}`);
      throw e;
    }
  }

  /**
   * The declarations as the store holds them; invalid ones (the loader should have refused them)
   * are skipped with an error in the log (once per declaration set). A reload passes the same
   * array to planDeclared, snapshotAfter and applyDeclared: it is converted once.
   */
  private declarations(declared: readonly DeclaredVariable[], report: boolean): Map<string, VariableFields> {
    let cached = this.declaredCache;
    if (!cached || !sameItems(cached.items, declared)) {
      cached = { items: declared.slice(), ...this.convertDeclarations(declared), reported: false };
      this.declaredCache = cached;
    }
    if (report && !cached.reported) {
      cached.reported = true;
      for (const problem of cached.problems) problem();
    }
    return cached.map;
  }

  private convertDeclarations(declared: readonly DeclaredVariable[]): { map: Map<string, VariableFields>; problems: (() => void)[] } {
    const map = new Map<string, VariableFields>();
    const problems: (() => void)[] = [];
    const skip = (d: DeclaredVariable, reason: string): void => {
      problems.push(() => this.log.error('Skipped a variable declaration.', { variable: d.name, file: d.origin?.file, line: d.origin?.line, reason }));
    };
    const twice = (name: string, d: DeclaredVariable): void => {
      problems.push(() => this.log.warn('A variable is declared twice; the later declaration is used.', { variable: name, file: d.origin?.file, line: d.origin?.line }));
    };
    for (const d of declared) {
      // A declaration the store already holds (a reload of an unchanged file) needs no checks again.
      const held = this.slots.get(d.name)?.declared;
      if (held && held.type === d.type && held.value === d.value && held.note === d.note && held.persistent === d.persistent
        && held.owner === d.owner && held.rights === d.rights) {
        if (map.has(d.name)) twice(d.name, d);
        map.set(d.name, held);
        continue;
      }
      let name: string;
      try {
        name = normalizeVariableName(d.name);
      } catch (e) {
        skip(d, (e as Error).message);
        continue;
      }
      if (isStockName(name)) {
        skip(d, 'names starting with vscp. are reserved for stock variables');
        continue;
      }
      if (!isKnownVariableType(d.type) || d.type === VariableType.UNASSIGNED) {
        skip(d, `type ${d.type} is unknown`);
        continue;
      }
      let value: string;
      try {
        value = normalizeVariableValue(d.type, d.value);
      } catch (e) {
        skip(d, (e as Error).message);
        continue;
      }
      if (map.has(name)) twice(name, d);
      map.set(name, {
        type: d.type,
        value,
        note: d.note ?? '',
        persistent: !!d.persistent,
        owner: Number.isInteger(d.owner) && d.owner >= 0 ? d.owner : 0,
        rights: Number.isInteger(d.rights) && d.rights >= 0 && d.rights <= 0xfff ? d.rights : DEFAULT_VARIABLE_RIGHTS,
      });
    }
    return { map, problems };
  }

  private stockView(v: StockValue): Variable {
    return Object.freeze({
      name: v.name, type: v.type, value: v.value, note: v.note, persistent: false, owner: 0, rights: STOCK_RIGHTS,
      lastChange: this.clock(), layer: 'stock', readOnly: true, overridden: false,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new VariableError('save-failed', 'the variable store is closed');
  }
}

function view(name: string, slot: Slot): Variable | undefined {
  const f = effectiveFields(slot);
  if (!f) return undefined;
  const declaration = slot.declared ?? slot.runtime?.base ?? undefined;
  return Object.freeze({
    name,
    type: f.type,
    value: f.value,
    note: f.note,
    persistent: f.persistent,
    owner: f.owner,
    rights: f.rights,
    lastChange: slot.runtime ? slot.runtime.lastChange : slot.declaredAt,
    layer: declaration ? 'declared' : 'runtime',
    readOnly: false,
    overridden: !!declaration && !!slot.runtime?.fields && slot.runtime.fields.value !== declaration.value,
  });
}

function sameVariable(a: Variable | undefined, b: Variable | undefined): boolean {
  if (!a || !b) return !a && !b;
  return fieldsEqual(a, b);
}

function canonicalOrUndefined(name: string): string | undefined {
  try {
    return normalizeVariableName(name);
  } catch {
    return undefined;
  }
}

/** Same declarations: the same objects in the same order (declaration objects are never changed in place). */
function sameItems(a: readonly DeclaredVariable[], b: readonly DeclaredVariable[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function typeToken(code: number): string {
  return isKnownVariableType(code) ? variableTypeToken(code) : String(code);
}

function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.min(failures - 1, 20));
}
