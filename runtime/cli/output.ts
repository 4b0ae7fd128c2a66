/*
 * How commands print problems: `file:line: message`, the file relative to the current folder
 * when that is shorter.
 */
import { isAbsolute, relative } from 'node:path';
import { type Problem, formatProblem } from '../config/types.js';

/** A path relative to `cwd` when that is shorter than the absolute one. */
export function shortPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel !== '' && rel.length < path.length ? rel : path;
}

export function printableProblem(p: Problem, cwd: string): string {
  return formatProblem(p.file ? { ...p, file: shortPath(p.file, cwd) } : p);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A problem as JSON for tools: absolute file, line, section, key, message. */
export function problemJson(p: Problem): Record<string, unknown> {
  return {
    severity: p.severity,
    file: p.file ?? null,
    line: p.line ?? null,
    section: p.section ?? null,
    key: p.key ?? null,
    message: p.message,
    text: formatProblem(p),
  };
}
