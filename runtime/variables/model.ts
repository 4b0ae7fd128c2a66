/*
 * The store's inner model. Every name has one slot holding what the variable file declares and
 * what happened at run time:
 *
 *   declared  the declaration from the variable file (never written by the daemon)
 *   runtime   a change made at run time (VAR WRITE, a driver, …), or a removal (tombstone),
 *             together with the declaration it was made against (`base`)
 *
 * The effective variable is the runtime fields when there is a runtime change, else the
 * declaration. `base` is what lets a reload (and the first start after a restart) tell which
 * fields the user changed in the file since the runtime change was made.
 */

/** Everything a declaration or a runtime write sets. */
export interface VariableFields {
  readonly type: number;
  /** Canonical plain text (normalizeVariableValue). */
  readonly value: string;
  readonly note: string;
  readonly persistent: boolean;
  readonly owner: number;
  readonly rights: number;
}

export interface RuntimeState {
  /** The declaration this change was made against; null when the name was not declared. */
  readonly base: VariableFields | null;
  /** The variable as changed at run time; null = removed at run time (tombstone). */
  readonly fields: VariableFields | null;
  readonly lastChange: Date;
}

export interface Slot {
  /** Current declaration; undefined before the first applyDeclared and for runtime-only names. */
  readonly declared: VariableFields | undefined;
  /** When the current declaration took effect (the last change time of an untouched declared variable). */
  readonly declaredAt: Date;
  readonly runtime: RuntimeState | undefined;
}

export function fieldsEqual(a: VariableFields | null | undefined, b: VariableFields | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return !a && !b;
  return a.type === b.type && a.value === b.value && a.note === b.note && a.persistent === b.persistent
    && a.owner === b.owner && a.rights === b.rights;
}

/** The fields in effect for a slot, or undefined when the variable does not exist (removed). */
export function effectiveFields(slot: Slot): VariableFields | undefined {
  return slot.runtime ? slot.runtime.fields ?? undefined : slot.declared;
}

/**
 * The declaration the slot's current state was made against. Between reloads it equals
 * `declared`; before the first applyDeclared it is what the state file recorded, so persisted
 * runtime values of declared variables are compared with the declarations they were made
 * against, never with "nothing".
 */
export function previousDeclaration(slot: Slot): VariableFields | undefined {
  if (slot.runtime) return slot.runtime.base ?? undefined;
  return slot.declared;
}

/** Whether a runtime state belongs in the state file: removals always, changes when persistent. */
export function isPersisted(state: RuntimeState | undefined): boolean {
  return !!state && (state.fields === null || state.fields.persistent);
}

/** Bytes a runtime state holds (for the memory bound). */
export function runtimeBytes(state: RuntimeState | undefined): number {
  if (!state?.fields) return 0;
  return Buffer.byteLength(state.fields.value) + Buffer.byteLength(state.fields.note);
}
