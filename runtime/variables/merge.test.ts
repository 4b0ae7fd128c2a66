import { describe, expect, it } from 'vitest';
import { mergeDeclared } from './merge.js';
import type { RuntimeState, Slot, VariableFields } from './model.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const NOW = new Date('2026-02-01T00:00:00Z');

function f(value: string, extra: Partial<VariableFields> = {}): VariableFields {
  return { type: 1, value, note: '', persistent: false, owner: 0, rights: 0x744, ...extra };
}

function slot(declared: VariableFields | undefined, runtime?: Partial<RuntimeState>): Slot {
  return {
    declared,
    declaredAt: T0,
    runtime: runtime ? { base: declared ?? null, fields: null, lastChange: T0, ...runtime } : undefined,
  };
}

function merge(slots: Record<string, Slot>, declared: Record<string, VariableFields>) {
  return mergeDeclared(new Map(Object.entries(slots)), new Map(Object.entries(declared)), NOW);
}

describe('mergeDeclared', () => {
  it('touches nothing when the declarations are the same', () => {
    const d = f('1');
    const { result, updates } = merge({ A: slot(d, { fields: f('rt') }), B: slot(f('2')) }, { A: f('1'), B: f('2') });
    expect(result).toEqual({ added: [], removed: [], changed: [], conflicts: [] });
    expect(updates.size).toBe(0);
  });

  it('adds, removes and changes declarations without runtime state', () => {
    const { result, updates } = merge({ A: slot(f('1')), B: slot(f('1')) }, { B: f('2'), C: f('3') });
    expect(result).toEqual({ added: ['C'], removed: ['A'], changed: ['B'], conflicts: [] });
    expect(updates.get('A')).toBeUndefined();
    expect(updates.has('A')).toBe(true);
    expect(updates.get('B')).toEqual({ declared: f('2'), declaredAt: NOW, runtime: undefined });
    expect(updates.get('C')).toEqual({ declared: f('3'), declaredAt: NOW, runtime: undefined });
  });

  it('rebases a runtime change on an unchanged declaration at the first start (declared still unknown)', () => {
    const base = f('1', { persistent: true });
    const state: RuntimeState = { base, fields: f('rt', { persistent: true }), lastChange: T0 };
    const { result, updates } = merge({ A: { declared: undefined, declaredAt: T0, runtime: state } }, { A: f('1', { persistent: true }) });
    expect(result).toEqual({ added: [], removed: [], changed: [], conflicts: [] });
    const next = updates.get('A')!;
    expect(next.runtime).toBe(state); // same object: nothing to save
    expect(next.declared).toEqual(base);
  });

  it('merges field by field and keeps the runtime change time when the effective value is unchanged', () => {
    const prev = f('1', { note: 'a', rights: 0x744 });
    const { result, updates } = merge(
      { A: slot(prev, { fields: f('rt', { note: 'a', rights: 0x777 }) }) },
      { A: f('1', { note: 'b', rights: 0x744 }) },
    );
    expect(result.conflicts).toEqual([]);
    expect(result.changed).toEqual(['A']);
    const rt = updates.get('A')!.runtime!;
    expect(rt.fields).toEqual(f('rt', { note: 'b', rights: 0x777 }));
    expect(rt.base).toEqual(f('1', { note: 'b' }));
    expect(rt.lastChange).toEqual(NOW);
  });

  it('drops the runtime state once the file has taken every field', () => {
    const { updates } = merge({ A: slot(f('1'), { fields: f('2') }) }, { A: f('2') });
    expect(updates.get('A')!.runtime).toBeUndefined();
  });

  it('reports a conflict only when a runtime value is lost', () => {
    const cases: [string, Slot, VariableFields | undefined, boolean][] = [
      ['file changes value, runtime changed value', slot(f('1'), { fields: f('rt') }), f('2'), true],
      ['file changes value to the runtime value', slot(f('1'), { fields: f('rt') }), f('rt'), false],
      ['file changes value, runtime changed only the note', slot(f('1'), { fields: f('1', { note: 'x' }) }), f('2'), false],
      ['file changes the note, runtime changed the value', slot(f('1'), { fields: f('rt') }), f('1', { note: 'x' }), false],
      ['file removes it, runtime changed value', slot(f('1'), { fields: f('rt') }), undefined, true],
      ['file removes it, runtime changed only the note', slot(f('1'), { fields: f('1', { note: 'x' }) }), undefined, false],
      ['file changes the type', slot(f('1'), { fields: f('rt') }), f('1', { type: 3 }), true],
      ['file declares a runtime-created variable', slot(undefined, { base: null, fields: f('rt') }), f('1'), true],
      ['file declares a runtime-created variable with its value', slot(undefined, { base: null, fields: f('1') }), f('1'), false],
      ['file changes a variable removed at run time', slot(f('1'), { fields: null }), f('2'), false],
    ];
    for (const [what, s, next, conflict] of cases) {
      const { result } = merge({ A: s }, next ? { A: next } : {});
      expect(result.conflicts.length, what).toBe(conflict ? 1 : 0);
    }
  });

  it('keeps a removal while the declaration is unchanged and undoes it when the file changes', () => {
    const removed = slot(f('1'), { fields: null });
    expect(merge({ A: removed }, { A: f('1') }).updates.size).toBe(0);
    const changed = merge({ A: removed }, { A: f('2') });
    expect(changed.result.changed).toEqual(['A']);
    expect(changed.updates.get('A')).toEqual({ declared: f('2'), declaredAt: NOW, runtime: undefined });
    const gone = merge({ A: removed }, {});
    expect(gone.result.removed).toEqual(['A']);
    expect(gone.updates.get('A')).toBeUndefined();
  });

  it('leaves variables created at run time alone', () => {
    const { result, updates } = merge({ R: slot(undefined, { base: null, fields: f('x') }) }, { A: f('1') });
    expect(result).toEqual({ added: ['A'], removed: [], changed: [], conflicts: [] });
    expect(updates.has('R')).toBe(false);
  });

  it('replaces a variable recreated at run time with another type when the file changes it', () => {
    const s = slot(f('1'), { fields: f('5', { type: 3 }) });
    const { updates, result } = merge({ A: s }, { A: f('1', { note: 'n' }) });
    expect(updates.get('A')!.runtime).toBeUndefined();
    expect(result.conflicts).toEqual([{ name: 'A', fileValue: '1', runtimeValue: '5' }]);
  });

  it('sorts its report', () => {
    const { result } = merge({}, { C: f('1'), A: f('1'), B: f('1') });
    expect(result.added).toEqual(['A', 'B', 'C']);
  });
});
