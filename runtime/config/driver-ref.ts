/*
 * What `driver = …` names: a built-in id, a JavaScript module by path, or an external program.
 */
import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_DRIVER_IDS, PLANNED_DRIVER_IDS } from '../drivers/registry.js';
import type { DriverKind } from './types.js';

export type DriverRef =
  | { kind: Extract<DriverKind, 'builtin'>; ref: string }
  | { kind: Extract<DriverKind, 'module'>; ref: string }
  /** `ref` is the command line with a relative program made absolute; `program` is absolute when it has a `/`. */
  | { kind: Extract<DriverKind, 'exec'>; ref: string; program: string | null }
  | { kind: 'invalid'; message: string };

const ID_RE = /^[a-z][a-z0-9]*$/i;

/** Splits off the first token of a command line (a "quoted" or 'quoted' program is allowed). */
function firstToken(command: string): { token: string; rest: string; quoted: boolean } {
  const q = command[0];
  if (q === '"' || q === "'") {
    const end = command.indexOf(q, 1);
    if (end > 0) return { token: command.slice(1, end), rest: command.slice(end + 1), quoted: true };
  }
  const m = /^(\S+)([\s\S]*)$/.exec(command);
  return { token: m?.[1] ?? '', rest: m?.[2] ?? '', quoted: false };
}

function builtinHint(text: string): string {
  const m = /(?:^|\/)(?:lib)?vscpl2(?:drv)?[-_]([a-z0-9]+?)(?:drv)?\.(?:so|dll)(?:\.[0-9.]+)?$/i.exec(text);
  const id = m?.[1]?.toLowerCase();
  const known = id && ([...BUILTIN_DRIVER_IDS, ...PLANNED_DRIVER_IDS] as readonly string[]).includes(id) ? id : undefined;
  return `shared-object drivers of the original daemon cannot be loaded${known ? `; use the built-in driver: driver = ${known}` : `; built-in drivers: ${BUILTIN_DRIVER_IDS.join(', ')}`}`;
}

/** Classifies `driver = …`; relative paths are resolved against `baseDir` (the conf file's folder). */
export function classifyDriverRef(value: string, baseDir: string): DriverRef {
  const v = value.trim();
  if (v === '') return { kind: 'invalid', message: `no driver; use a built-in id (${BUILTIN_DRIVER_IDS.join(', ')}), ./path/to/module.js or exec:/path/to/program` };
  if (v.toLowerCase().startsWith('exec:')) {
    const command = v.slice(5).trim();
    if (command === '') return { kind: 'invalid', message: 'exec: names no program; use exec:/path/to/program args' };
    const { token, rest, quoted } = firstToken(command);
    if (!token.includes('/')) return { kind: 'exec', ref: command, program: null };
    const program = isAbsolute(token) ? resolve(token) : resolve(baseDir, token);
    const shown = quoted || /\s/.test(program) ? JSON.stringify(program) : program;
    return { kind: 'exec', ref: `${shown}${rest}`, program };
  }
  if (/\.(so|dll)(\.[0-9.]+)?$/i.test(v)) return { kind: 'invalid', message: builtinHint(v) };
  if (v.startsWith('./') || v.startsWith('../') || isAbsolute(v)) {
    return { kind: 'module', ref: isAbsolute(v) ? resolve(v) : resolve(baseDir, v) };
  }
  if (ID_RE.test(v)) return { kind: 'builtin', ref: v.toLowerCase() };
  if (/\.(m?js|cjs)$/i.test(v)) {
    return { kind: 'invalid', message: `"${v}" looks like a module path; write it as ./${v} (relative to this file) or an absolute path` };
  }
  return { kind: 'invalid', message: `"${v}" is not a driver; use a built-in id (${BUILTIN_DRIVER_IDS.join(', ')}), ./path/to/module.js or exec:/path/to/program` };
}
