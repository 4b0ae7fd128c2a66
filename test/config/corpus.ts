/*
 * The configuration corpus: one folder per case under test/config/corpus/, holding the files
 * (`vscpd.conf`, includes, a variable file, …) and `expected.txt`:
 *
 *   # what the case shows
 *   env NAME=value                       environment for ${env:} references
 *   valid                                no error expected (warnings listed below still must match)
 *   vscpd.conf:7: fragment               an error at that file:line whose message contains fragment
 *   conf.d/a.conf:3: warning: fragment   a warning
 *   vscpd.conf: fragment                 a problem without a line
 *   -: fragment                          a problem about no file
 *   value driver.sim1.zone0 = 3 @ variables.ini:2   an effective value and its origin (valid cases);
 *                                        `<case>` in a value or fragment stands for the case folder
 *
 * Every problem the loader reports must be listed, and every listed problem must be reported:
 * the verdict, each file:line and each message are pinned. The same cases are replayed against a
 * running daemon's reload: use listCorpusCases() and compareProblems().
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesiredState, Problem } from '../../runtime/config/types.js';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export interface ExpectedProblem {
  severity: 'error' | 'warning';
  /** Relative to the case folder. */
  file: string | null;
  line: number | null;
  fragment: string;
  /** Line in expected.txt, for messages. */
  at: number;
}

export interface ExpectedValue {
  /** `driver.sim1.zone0`, `general.name`, `user.admin.privilege`. */
  path: string;
  value: string;
  /** Origin text as `vscpd show --origin` prints it (`variables.ini:2`, `default`). */
  origin: string | null;
}

export interface CorpusCase {
  name: string;
  dir: string;
  configFile: string;
  env: Record<string, string>;
  /** The verdict: valid = no errors. */
  valid: boolean;
  problems: ExpectedProblem[];
  values: ExpectedValue[];
  description: string;
}

function parseExpected(name: string, text: string): Omit<CorpusCase, 'dir' | 'configFile' | 'name'> {
  const env: Record<string, string> = {};
  const problems: ExpectedProblem[] = [];
  const values: ExpectedValue[] = [];
  const description: string[] = [];
  let valid = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const at = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      description.push(line.replace(/^#\s?/, ''));
      return;
    }
    if (line === 'valid') {
      valid = true;
      return;
    }
    let m = /^env ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) {
      env[m[1]!] = m[2]!;
      return;
    }
    m = /^value (\S+) = (.*?)(?: @ (.+))?$/.exec(line);
    if (m) {
      values.push({ path: m[1]!, value: m[2]!, origin: m[3] ?? null });
      return;
    }
    m = /^([^:\s]+?)(?::(\d+))?: (warning: )?(.+)$/.exec(line);
    if (m) {
      problems.push({
        severity: m[3] ? 'warning' : 'error',
        file: m[1] === '-' ? null : m[1]!,
        line: m[2] ? Number(m[2]) : null,
        fragment: m[4]!,
        at,
      });
      return;
    }
    throw new Error(`corpus ${name}/expected.txt:${at}: cannot read "${line}"`);
  });
  if (valid && problems.some((p) => p.severity === 'error')) throw new Error(`corpus ${name}: "valid" but errors are expected`);
  if (!valid && !problems.some((p) => p.severity === 'error')) throw new Error(`corpus ${name}: no error expected; write "valid"`);
  return { env, problems, values, valid, description: description.join(' ') };
}

/** Every case of the corpus, in name order. */
export function listCorpusCases(dir = CORPUS_DIR): CorpusCase[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const caseDir = join(dir, name);
      const expectedFile = join(caseDir, 'expected.txt');
      if (!existsSync(expectedFile)) throw new Error(`corpus ${name}: expected.txt is missing`);
      return { name, dir: caseDir, configFile: join(caseDir, 'vscpd.conf'), ...parseExpected(name, readFileSync(expectedFile, 'utf8')) };
    });
}

/** Differences between the problems a load reported and the expected ones (empty = match). */
export function compareProblems(c: CorpusCase, problems: readonly Problem[]): string[] {
  const out: string[] = [];
  const remaining = [...c.problems];
  const rel = (p: Problem): string | null => (p.file ? relative(c.dir, resolve(p.file)) : null);
  for (const p of problems) {
    const file = rel(p);
    const idx = remaining.findIndex((e) =>
      e.severity === p.severity && e.file === file && e.line === (p.line ?? null) && p.message.includes(e.fragment.split('<case>').join(c.dir)));
    if (idx >= 0) remaining.splice(idx, 1);
    else out.push(`unexpected ${p.severity}: ${file ?? '-'}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  }
  for (const e of remaining) {
    out.push(`missing ${e.severity} (expected.txt:${e.at}): ${e.file ?? '-'}${e.line ? `:${e.line}` : ''}: ${e.fragment}`);
  }
  return out;
}

/** Differences between expected effective values and the state (empty = match). */
export function compareValues(
  c: CorpusCase,
  state: DesiredState | undefined,
  view: (state: DesiredState) => { sections: { name: string; keys: { key: string; value: unknown; origin: string }[] }[] },
): string[] {
  if (!c.values.length) return [];
  if (!state) return ['no state to compare values with'];
  const v = view(state);
  const out: string[] = [];
  for (const e of c.values) {
    const dot = e.path.lastIndexOf('.');
    const section = v.sections.find((s) => s.name === e.path.slice(0, dot));
    const key = section?.keys.find((k) => k.key === e.path.slice(dot + 1));
    if (!key) {
      out.push(`value ${e.path}: not in the effective configuration`);
      continue;
    }
    const shown = key.value === null ? '' : String(key.value);
    const expected = e.value.split('<case>').join(c.dir);
    if (shown !== expected) out.push(`value ${e.path}: expected ${JSON.stringify(e.value)}, got ${JSON.stringify(shown)}`);
    if (e.origin !== null && key.origin !== e.origin) out.push(`value ${e.path}: expected origin ${e.origin}, got ${key.origin}`);
  }
  return out;
}
