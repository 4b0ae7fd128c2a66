/*
 * `driver = exec:/path/to/program args`: an external program in any language, started and
 * supervised by the daemon. Like the original Level II drivers it logs in to the daemon's
 * TCP/IP interface with generated credentials and reads its `<prefix>_…` variables with VAR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { formatGuid } from '../protocol/index.js';
import { type DriverContext, type DriverDefinition, type DriverInstance, DriverConfigError } from './contract.js';

const MAX_LOG_LINE = 4096;

/** Splits a command line: whitespace separates, single/double quotes group, backslash escapes. */
export function splitCommandLine(text: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) args.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw new DriverConfigError(`unterminated ${quote} quote in the exec command line`, 'driver');
  if (has || cur) args.push(cur);
  return args;
}

/** The environment an exec driver gets; documented in docs/drivers.md. */
export function execEnvironment(ctx: DriverContext, settings: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {
    VSCPD_NAME: ctx.name,
    VSCPD_PREFIX: ctx.prefix,
    VSCPD_GUID: formatGuid(ctx.guid),
    VSCPD_SETTINGS: JSON.stringify(settings),
  };
  for (const [k, v] of Object.entries(settings)) {
    env[`VSCPD_SETTING_${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = String(v);
  }
  return env;
}

class LineLogger {
  private buf = '';
  constructor(private readonly write: (line: string) => void) {}
  push(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      this.emit(this.buf.slice(0, nl));
      this.buf = this.buf.slice(nl + 1);
    }
    if (this.buf.length > MAX_LOG_LINE) {
      this.emit(this.buf);
      this.buf = '';
    }
  }
  flush(): void {
    if (this.buf) this.emit(this.buf);
    this.buf = '';
  }
  private emit(line: string): void {
    const l = line.replace(/\r$/, '');
    if (l) this.write(l.length > MAX_LOG_LINE ? l.slice(0, MAX_LOG_LINE) + '…' : l);
  }
}

export function createExecDefinition(commandLine: string, legacyConfig = ''): DriverDefinition {
  return {
    id: 'exec',
    metadata: { level: 2, version: '1', vendor: 'vscpd', description: `external program: ${commandLine}` },
    schema: { type: 'object', additionalProperties: { type: 'string' } },
    create(ctx, settings): DriverInstance {
      const argv = splitCommandLine(commandLine);
      if (argv.length === 0) throw new DriverConfigError('exec: needs a program, e.g. exec:/usr/local/bin/my-driver --flag', 'driver');
      let child: ChildProcess | null = null;
      let stopping = false;
      return {
        start() {
          const creds = ctx.localCredentials();
          return new Promise<void>((resolve, reject) => {
            const proc = spawn(argv[0]!, argv.slice(1), {
              stdio: ['ignore', 'pipe', 'pipe'],
              env: {
                ...process.env,
                ...execEnvironment(ctx, settings),
                VSCPD_CONFIG: legacyConfig,
                VSCPD_HOST: creds.host,
                VSCPD_PORT: String(creds.port),
                VSCPD_USER: creds.user,
                VSCPD_PASSWORD: creds.password,
              },
            });
            child = proc;
            const out = new LineLogger((l) => ctx.log.info(l, { stream: 'stdout' }));
            const err = new LineLogger((l) => ctx.log.warn(l, { stream: 'stderr' }));
            proc.stdout!.setEncoding('utf8').on('data', (d: string) => out.push(d));
            proc.stderr!.setEncoding('utf8').on('data', (d: string) => err.push(d));
            proc.once('error', (e) => reject(new Error(`exec ${argv[0]}: ${e.message}`)));
            proc.once('spawn', () => resolve());
            // 'close': the program exited and its output is read to the end
            proc.once('close', (code, signal) => {
              out.flush();
              err.flush();
              child = null;
              if (!stopping) ctx.fail(`the program exited (${signal ? `signal ${signal}` : `code ${code}`})`);
            });
          });
        },
        stop() {
          stopping = true;
          const proc = child;
          if (!proc) return Promise.resolve();
          return new Promise<void>((resolve) => {
            proc.once('close', () => resolve());
            proc.kill('SIGTERM');
            // the host's stop deadline is the hard limit; SIGKILL shortly before it
            const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
            t.unref();
          });
        },
      };
    },
  };
}
