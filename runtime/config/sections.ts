/*
 * Sorting the sections of vscpd.conf by kind, and turning a section's entries into schema input.
 */
import { dirname } from 'node:path';
import type { ConfSection } from './read.js';
import type { InputValue } from './schema.js';
import { closest } from './suggest.js';
import type { Problem } from './types.js';

export const GLOBAL_SECTIONS = ['general', 'tcpip', 'admin', 'automation'] as const;
export type GlobalSectionName = (typeof GLOBAL_SECTIONS)[number];
export const NAMED_SECTIONS = ['user', 'schedule', 'driver'] as const;
export type NamedSectionKind = (typeof NAMED_SECTIONS)[number];

export interface NamedSection {
  /** The part after `kind.`, trimmed, as written. */
  name: string;
  section: ConfSection;
}

export interface SortedSections {
  globals: Partial<Record<GlobalSectionName, ConfSection>>;
  users: NamedSection[];
  schedules: NamedSection[];
  drivers: NamedSection[];
  problems: Problem[];
}

const ALL_FORMS = '[general], [tcpip], [admin], [automation], [user.NAME], [schedule.NAME] or [driver.NAME]';

export function sortSections(sections: readonly ConfSection[]): SortedSections {
  const out: SortedSections = { globals: {}, users: [], schedules: [], drivers: [], problems: [] };
  for (const s of sections) {
    const lower = s.name.toLowerCase();
    if ((GLOBAL_SECTIONS as readonly string[]).includes(lower)) {
      out.globals[lower as GlobalSectionName] = s;
      continue;
    }
    const dot = s.name.indexOf('.');
    const kind = (dot >= 0 ? s.name.slice(0, dot) : s.name).trim().toLowerCase();
    if ((NAMED_SECTIONS as readonly string[]).includes(kind)) {
      const name = dot >= 0 ? s.name.slice(dot + 1).trim() : '';
      if (name === '') {
        out.problems.push({ severity: 'error', file: s.file, line: s.line, section: s.name, message: `section [${s.name}] needs a name: [${kind}.NAME]` });
        continue;
      }
      const list = kind === 'user' ? out.users : kind === 'schedule' ? out.schedules : out.drivers;
      list.push({ name, section: s });
      continue;
    }
    const guess = closest(kind, [...GLOBAL_SECTIONS, ...NAMED_SECTIONS]);
    const hint = guess
      ? `; did you mean [${guess}${(NAMED_SECTIONS as readonly string[]).includes(guess) ? (dot >= 0 ? s.name.slice(dot) : '.NAME') : ''}]?`
      : `; sections are ${ALL_FORMS}`;
    out.problems.push({ severity: 'error', file: s.file, line: s.line, section: s.name, message: `unknown section [${s.name}]${hint}` });
  }
  return out;
}

/** The entries of a section as schema input; broken entries (unresolved references) are listed apart. */
export function sectionInput(section: ConfSection | undefined, skip: ReadonlySet<string> = new Set()): { values: Map<string, InputValue>; broken: Set<string> } {
  const values = new Map<string, InputValue>();
  const broken = new Set<string>();
  for (const e of section?.entries ?? []) {
    if (skip.has(e.key)) continue;
    if (e.broken) {
      broken.add(e.key);
      continue;
    }
    values.set(e.key, { text: e.value, origin: { kind: 'file', file: e.file, line: e.line }, secret: e.secret, baseDir: dirname(e.file) });
  }
  return { values, broken };
}
