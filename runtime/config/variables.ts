/*
 * The declared variable file: one `[NAME]` section per variable, validated and normalised into
 * DeclaredVariable records.
 */
import {
  VariableType, VariableValueError, normalizeVariableName, normalizeVariableValue, resetVariableValue, variableTypeFromToken,
} from '../variables/types.js';
import type { ConfEntry, ConfSection } from './read.js';
import { RunMemo, lastingEntries, sameEntries } from './memo.js';
import { validateSection, variableSection } from './schema.js';
import { sectionInput } from './sections.js';
import type { DeclaredVariable, Problem } from './types.js';

export interface VariablesResult {
  variables: DeclaredVariable[];
  problems: Problem[];
}

type Checked = { problems: Problem[]; declared?: DeclaredVariable };

/**
 * Checked variable sections of recent runs by position (file and line), with the inputs they
 * were checked from. A declared variable is frozen and shared by the runs that declare it
 * unchanged, which also tells the variable store that nothing changed.
 */
const memo = new RunMemo<{ name: string; baseDir: string; entries: readonly ConfEntry[]; checked: Checked }>();

function memoised(section: ConfSection, baseDir: string): Checked {
  const hit = memo.get(section.file, section.line);
  if (hit && hit.name === section.name && hit.baseDir === baseDir && sameEntries(hit.entries, section.entries)) return hit.checked;
  const checked = checkVariable(section, baseDir);
  if (checked.declared) {
    Object.freeze(checked.declared.origin);
    Object.freeze(checked.declared);
  }
  for (const p of checked.problems) Object.freeze(p);
  memo.set(section.file, { name: section.name, baseDir, entries: lastingEntries(section), checked }, section.line);
  return checked;
}

const NOW_TYPES = new Set<number>([VariableType.DATETIME, VariableType.DATE, VariableType.TIME]);

export function resolveVariables(file: { path: string; sections: ConfSection[] } | null, baseDir: string, show: (p: string) => string): VariablesResult {
  const problems: Problem[] = [];
  const variables: DeclaredVariable[] = [];
  const byName = new Map<string, DeclaredVariable>();
  const run = memo.begin();
  try {
    const sections = file?.sections ?? [];
    for (const section of sections) {
      const checked = memoised(section, baseDir);
      problems.push(...checked.problems.map((p) => ({ ...p })));
      if (!checked.declared) continue;
      const declared = checked.declared;
      const name = declared.name;
      const first = byName.get(name);
      if (first) {
        problems.push({
          severity: 'error', file: section.file, line: section.line, section: section.name,
          message: `[${section.name}] declares variable ${name} again; first at ${show(first.origin.file)}:${first.origin.line} as [${sections.find((s) => s.line === first.origin.line && s.file === first.origin.file)?.name ?? name}] (names are case-insensitive; ; ' " , and space become _)`,
        });
        continue;
      }
      byName.set(name, declared);
      variables.push(declared);
    }
  } finally {
    memo.end(run);
  }
  return { variables, problems };
}

/** One variable section on its own: its problems, or the variable it declares. */
function checkVariable(section: ConfSection, baseDir: string): { problems: Problem[]; declared?: DeclaredVariable } {
  const problems: Problem[] = [];
  const where = { file: section.file, line: section.line };
  const err = (message: string, key?: string, line = section.line): { problems: Problem[] } => {
    problems.push({ severity: 'error', file: section.file, line, section: section.name, ...(key ? { key } : {}), message });
    return { problems };
  };
  let name: string;
  try {
    name = normalizeVariableName(section.name);
  } catch (e) {
    return err(`[${section.name}] ${(e as Error).message}`);
  }
  if (name.startsWith('VSCP.')) {
    return err(`[${section.name}] names starting with vscp. are the daemon's stock variables (read-only); choose another name`);
  }
  const { values, broken } = sectionInput(section);
  const r = validateSection(variableSection(), { label: section.name, where, values, broken, defaultBaseDir: baseDir });
  problems.push(...r.problems);
  if (r.problems.length || broken.size) return { problems };
  const type = variableTypeFromToken(String(r.values.type));
  const valueEntry = section.entries.find((e) => e.key === 'value');
  const text = String(r.values.value);
  let value: string;
  if (text === '') {
    if (NOW_TYPES.has(type)) {
      return err(`[${section.name}] value: a ${String(r.values.type)} variable needs a value (an empty one would mean "now" at every load)`, 'value', valueEntry?.line ?? section.line);
    }
    value = resetVariableValue(type);
  } else {
    try {
      value = normalizeVariableValue(type, text);
    } catch (e) {
      const detail = valueEntry?.secret ? 'the value (from a reference) is not valid for this type' : (e as Error).message;
      return err(`[${section.name}] value: ${e instanceof VariableValueError || e instanceof Error ? detail : String(e)}`, 'value', valueEntry?.line ?? section.line);
    }
  }
  const declared: DeclaredVariable = {
    name,
    type,
    value,
    note: String(r.values.note),
    persistent: r.values.persistent === true,
    owner: Number(r.values.owner),
    rights: Number(r.values.rights),
    origin: where,
    ...(valueEntry?.secret ? { secret: true } : {}),
  };
  return { problems, declared };
}
