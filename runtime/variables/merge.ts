/*
 * The reload rule: how a new set of declarations (the variable file) merges with what changed
 * at run time. Pure: it computes the new slots and the report; the store applies them.
 *
 * For each name, `previous` is the declaration the current state was made against (see
 * model.ts previousDeclaration) and `next` the new one:
 *
 * - not declared before, declared now (added): the file's declaration. If the name had been
 *   created at run time, the file takes it over; a different runtime value is a conflict.
 * - declared before, not now (removed): the variable is removed, also when it had a runtime
 *   value (the file wins: deleting a section deletes the variable). A runtime value that
 *   differed from the old declaration is reported as a conflict with an empty `fileValue`.
 * - declaration unchanged: a runtime value or removal survives untouched.
 * - declaration changed: field by field, what the user changed in the file (value, note,
 *   persistent, owner, rights) takes the file's value; fields the file did not change keep their
 *   runtime value. A changed type replaces the whole variable. A runtime removal is undone.
 *   The file changing a value that was also changed at run time is a conflict (the file wins).
 */
import type { DeclaredApplyResult, VariableConflict } from './contract.js';
import {
  type RuntimeState, type Slot, type VariableFields, fieldsEqual, previousDeclaration,
} from './model.js';

export interface MergeOutcome {
  result: DeclaredApplyResult;
  /** Names whose slot changes, with the new slot (undefined: the slot goes away). */
  updates: Map<string, Slot | undefined>;
}

export function mergeDeclared(
  slots: ReadonlyMap<string, Slot>,
  declared: ReadonlyMap<string, VariableFields>,
  now: Date,
): MergeOutcome {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const conflicts: VariableConflict[] = [];
  const updates = new Map<string, Slot | undefined>();

  const visit = (name: string, slot: Slot | undefined): void => {
    const previous = slot ? previousDeclaration(slot) : undefined;
    const next = declared.get(name);
    const runtime = slot?.runtime;

    if (!previous && next) added.push(name);
    else if (previous && !next) removed.push(name);
    else if (previous && next && !fieldsEqual(previous, next)) changed.push(name);

    const declarationChanged = !fieldsEqual(previous, next);
    let nextRuntime: RuntimeState | undefined;

    if (!runtime) {
      nextRuntime = undefined;
    } else if (!previous && !next) {
      // A variable created at run time that the file never mentioned.
      nextRuntime = runtime;
    } else if (runtime.fields === null) {
      // Removed at run time: stays removed while the file leaves the variable alone.
      nextRuntime = next && !declarationChanged ? rebase(runtime, next) : undefined;
    } else if (!next) {
      nextRuntime = undefined;
      if (runtime.fields.value !== previous!.value) {
        conflicts.push({ name, fileValue: '', runtimeValue: runtime.fields.value });
      }
    } else if (!previous) {
      nextRuntime = undefined;
      if (runtime.fields.value !== next.value) {
        conflicts.push({ name, fileValue: next.value, runtimeValue: runtime.fields.value });
      }
    } else if (!declarationChanged) {
      nextRuntime = rebase(runtime, next);
    } else {
      const ownValue = runtime.fields.value !== previous.value;
      const replaced = next.type !== previous.type || runtime.fields.type !== next.type;
      if (ownValue && runtime.fields.value !== next.value && (replaced || next.value !== previous.value)) {
        conflicts.push({ name, fileValue: next.value, runtimeValue: runtime.fields.value });
      }
      if (replaced) {
        nextRuntime = undefined;
      } else {
        const pick = <K extends keyof VariableFields>(key: K): VariableFields[K] =>
          (next[key] !== previous[key] ? next[key] : runtime.fields![key]);
        const merged: VariableFields = {
          type: next.type,
          value: pick('value'),
          note: pick('note'),
          persistent: pick('persistent'),
          owner: pick('owner'),
          rights: pick('rights'),
        };
        nextRuntime = fieldsEqual(merged, next)
          ? undefined
          : { base: next, fields: merged, lastChange: fieldsEqual(merged, runtime.fields) ? runtime.lastChange : now };
      }
    }

    if (!next && !nextRuntime) {
      if (slot) updates.set(name, undefined);
      return;
    }
    const nextDeclared = slot?.declared && fieldsEqual(slot.declared, next) ? slot.declared : next;
    const declaredAt = !slot || declarationChanged ? now : slot.declaredAt;
    const nextSlot: Slot = { declared: nextDeclared, declaredAt, runtime: nextRuntime };
    if (!slot || slot.declared !== nextDeclared || slot.runtime !== nextRuntime || slot.declaredAt !== declaredAt) {
      updates.set(name, nextSlot);
    }
  };
  for (const name of declared.keys()) visit(name, slots.get(name));
  for (const [name, slot] of slots) {
    if (!declared.has(name) && (previousDeclaration(slot) || slot.declared)) visit(name, slot);
  }

  added.sort();
  removed.sort();
  changed.sort();
  conflicts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { result: { added, removed, changed, conflicts }, updates };
}

/** The same runtime state, now made against `declaration` (unchanged in content). */
function rebase(state: RuntimeState, declaration: VariableFields): RuntimeState {
  return fieldsEqual(state.base, declaration) ? state : { ...state, base: declaration };
}
