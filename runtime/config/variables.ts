/*
 * The declared variable file: one `[NAME]` section per variable, validated and normalised into
 * DeclaredVariable records.
 */
import {
  VariableType, VariableValueError, normalizeVariableName, normalizeVariableValue, resetVariableValue, variableTypeFromToken,
} from '../variables/types.js';
import type { ConfSection } from './read.js';
import { validateSection, variableSection } from './schema.js';
import { sectionInput } from './sections.js';
import type { DeclaredVariable, Problem } from './types.js';

export interface VariablesResult {
  variables: DeclaredVariable[];
  problems: Problem[];
}

const NOW_TYPES = new Set<number>([VariableType.DATETIME, VariableType.DATE, VariableType.TIME]);

export function resolveVariables(file: { path: string; sections: ConfSection[] } | null, baseDir: string, show: (p: string) => string): VariablesResult {
  const problems: Problem[] = [];
  const variables: DeclaredVariable[] = [];
  if (!file) return { variables, problems };
  const byName = new Map<string, DeclaredVariable>();
  for (const section of file.sections) {
    const where = { file: section.file, line: section.line };
    const err = (message: string, key?: string, line = section.line): void => {
      problems.push({ severity: 'error', file: section.file, line, section: section.name, ...(key ? { key } : {}), message });
    };
    let name: string;
    try {
      name = normalizeVariableName(section.name);
    } catch (e) {
      err(`[${section.name}] ${(e as Error).message}`);
      continue;
    }
    if (name.startsWith('VSCP.')) {
      err(`[${section.name}] names starting with vscp. are the daemon's stock variables (read-only); choose another name`);
      continue;
    }
    const { values, broken } = sectionInput(section);
    const r = validateSection(variableSection(), { label: section.name, where, values, broken, defaultBaseDir: baseDir });
    problems.push(...r.problems);
    if (r.problems.length || broken.size) continue;
    const type = variableTypeFromToken(String(r.values.type));
    const valueEntry = section.entries.find((e) => e.key === 'value');
    const text = String(r.values.value);
    let value: string;
    if (text === '') {
      if (NOW_TYPES.has(type)) {
        err(`[${section.name}] value: a ${String(r.values.type)} variable needs a value (an empty one would mean "now" at every load)`, 'value', valueEntry?.line ?? section.line);
        continue;
      }
      value = resetVariableValue(type);
    } else {
      try {
        value = normalizeVariableValue(type, text);
      } catch (e) {
        const detail = valueEntry?.secret ? 'the value (from a reference) is not valid for this type' : (e as Error).message;
        err(`[${section.name}] value: ${e instanceof VariableValueError || e instanceof Error ? detail : String(e)}`, 'value', valueEntry?.line ?? section.line);
        continue;
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
    const first = byName.get(name);
    if (first) {
      err(`[${section.name}] declares variable ${name} again; first at ${show(first.origin.file)}:${first.origin.line} as [${file.sections.find((s) => s.line === first.origin.line && s.file === first.origin.file)?.name ?? name}] (names are case-insensitive; ; ' " , and space become _)`);
      continue;
    }
    byName.set(name, declared);
    variables.push(declared);
  }
  return { variables, problems };
}
