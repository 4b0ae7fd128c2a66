/*
 * Logging: one line per record, `time LEVEL scope: message key=value…`, to stderr by default.
 * Messages are capitalised sentences; scopes chain ("driver logger1").
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry `scope` after the parent's scope. */
  child(scope: string): Logger;
}

export interface LogSink {
  write(line: string): void;
}

export interface RootLoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  /** Secrets that must never be printed; each occurrence becomes `***`. */
  redact?: () => readonly string[];
}

export class RootLogger {
  level: LogLevel;
  private readonly sink: LogSink;
  private readonly redact: () => readonly string[];

  constructor(options: RootLoggerOptions = {}) {
    this.level = options.level ?? 'info';
    this.sink = options.sink ?? { write: (line) => process.stderr.write(line) };
    this.redact = options.redact ?? (() => []);
  }

  logger(scope = ''): Logger {
    return makeLogger(this, scope);
  }

  emit(level: LogLevel, scope: string, message: string, fields?: LogFields): void {
    if (ORDER[level] < ORDER[this.level]) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${scope ? scope + ': ' : ''}${message}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) continue;
        const text = String(v);
        line += ` ${k}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
      }
    }
    for (const secret of this.redact()) if (secret) line = line.split(secret).join('***');
    this.sink.write(line + '\n');
  }
}

function makeLogger(root: RootLogger, scope: string): Logger {
  return {
    debug: (m, f) => root.emit('debug', scope, m, f),
    info: (m, f) => root.emit('info', scope, m, f),
    warn: (m, f) => root.emit('warn', scope, m, f),
    error: (m, f) => root.emit('error', scope, m, f),
    child: (s) => makeLogger(root, scope ? `${scope} ${s}` : s),
  };
}

/** A logger that drops everything (tests, `vscpd check`). */
export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  child() { return silentLogger; },
};
