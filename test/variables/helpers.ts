/*
 * Helpers for the variable store's tests (unit tests in runtime/variables and the suites here).
 * Not part of the daemon.
 */
import type { DeclaredVariable } from '../../runtime/config/types.js';
import { type Logger, RootLogger } from '../../runtime/support/log.js';

/** A declaration as the configuration loader hands it over (type string unless given). */
export function declared(name: string, value: string, extra: Partial<DeclaredVariable> = {}): DeclaredVariable {
  return {
    name: name.toUpperCase(),
    type: 1,
    value,
    note: '',
    persistent: false,
    owner: 0,
    rights: 0x744,
    origin: { file: '/etc/vscpd/variables.ini', line: 1 },
    ...extra,
  };
}

export interface CapturingLogger {
  log: Logger;
  lines: string[];
  /** Lines at a level (`ERROR`, `WARN`, `INFO`). */
  at(level: string): string[];
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const root = new RootLogger({ level: 'debug', sink: { write: (line) => { lines.push(line.trimEnd()); } } });
  return {
    log: root.logger('variables'),
    lines,
    at: (level) => lines.filter((l) => l.split(' ')[1] === level.toUpperCase()),
  };
}
