/*
 * The variable store as the rest of the daemon sees it. Two layers: declared variables (the
 * user's variable file, never written by the daemon) and a runtime layer (VAR WRITE, drivers;
 * persistent ones kept in state_dir). Values are held in their plain text form; the TCP/IP
 * interface decides how string-class values travel (BASE64 or plain).
 */

export interface Variable {
  /** Canonical upper-case name. */
  readonly name: string;
  /** v13 type code (runtime/variables/types.ts VariableType). */
  readonly type: number;
  /** Canonical plain text value (normalizeVariableValue). */
  readonly value: string;
  /** Plain text note. */
  readonly note: string;
  readonly persistent: boolean;
  /** Numeric user id of the owner (0 = admin). */
  readonly owner: number;
  /** Unix-like rights, default 0x744. */
  readonly rights: number;
  readonly lastChange: Date;
  /** declared: from the variable file (maybe changed at run time); runtime: created at run time; stock: `vscp.*`, generated. */
  readonly layer: 'declared' | 'runtime' | 'stock';
  /** Stock variables and some others cannot be written. */
  readonly readOnly: boolean;
  /** A declared variable whose value was changed at run time (file value differs). */
  readonly overridden: boolean;
}

export interface VariableWrite {
  name: string;
  /** Type code; required when creating, must match when changing (no type changes). */
  type?: number;
  /** Plain text; absent → keep (or the type's reset value when creating). */
  value?: string;
  note?: string;
  persistent?: boolean;
  owner?: number;
  rights?: number;
}

export type VariableChangeSource = 'tcpip' | 'driver' | 'file' | 'daemon';

export interface VariableChange {
  name: string;
  /** Undefined when created. */
  before: Variable | undefined;
  /** Undefined when removed. */
  after: Variable | undefined;
  source: VariableChangeSource;
}

/** Why a variable operation failed; `code` maps to the TCP/IP reply texts. */
export class VariableError extends Error {
  override name = 'VariableError';
  constructor(
    readonly code: 'not-found' | 'read-only' | 'stock' | 'invalid-value' | 'type-change' | 'save-failed' | 'invalid-name',
    message: string,
  ) {
    super(message);
  }
}

export interface VariableConflict {
  name: string;
  /** The value in the file changed, and the variable had a runtime value: the file wins (DESIGN.md). */
  fileValue: string;
  runtimeValue: string;
}

export interface DeclaredApplyResult {
  added: string[];
  removed: string[];
  changed: string[];
  conflicts: VariableConflict[];
}

export interface VariableStore {
  get(name: string): Variable | undefined;
  /** Sorted by name; `pattern` is matched against the upper-case name. */
  list(pattern?: RegExp, type?: number): Variable[];
  /** Creates or changes a variable (runtime layer). Throws VariableError. */
  write(write: VariableWrite, source: VariableChangeSource): Variable;
  writeValue(name: string, value: string, source: VariableChangeSource): Variable;
  writeNote(name: string, note: string, source: VariableChangeSource): Variable;
  /** Value ← the type's reset value. */
  reset(name: string, source: VariableChangeSource): Variable;
  /**
   * Removes a variable. Removing a declared one is a runtime change like any other: it stays
   * removed (also across restarts) until the user changes that variable in the file.
   */
  remove(name: string, source: VariableChangeSource): Variable;
  /** Replaces the declared layer (startup and reload); runtime values the user did not change in the file survive. */
  applyDeclared(declared: readonly import('../config/types.js').DeclaredVariable[]): DeclaredApplyResult;
  /** What applyDeclared would do, without doing it (`vscpd plan`). */
  planDeclared(declared: readonly import('../config/types.js').DeclaredVariable[]): DeclaredApplyResult;
  /**
   * The values snapshot() will give once applyDeclared(declared) is done, without doing it. A
   * reload resolves the drivers' settings with these: fields the user did not change in the file
   * keep their runtime values, so the file's value is not always the one that wins.
   */
  snapshotAfter(declared: readonly import('../config/types.js').DeclaredVariable[]): ReadonlyMap<string, { type: number; value: string }>;
  /** Listener for every change; returns an unsubscribe function. Listeners never throw into the store. */
  onChange(listener: (change: VariableChange) => void): () => void;
  /** Values of all variables as `name → {type, value}` (for effective driver settings). */
  snapshot(): ReadonlyMap<string, { type: number; value: string }>;
  /** Writes pending persistent changes to state_dir (atomic) and resolves when durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
