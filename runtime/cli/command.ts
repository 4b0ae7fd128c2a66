/*
 * What a `vscpd` command is. Adding a command: write `runtime/cli/<name>.ts` exporting a
 * CliCommand, and add it to the table in `runtime/cli/commands.ts`.
 */
import { resolve } from 'node:path';
import type { CliIo } from './io.js';

export const EXIT_OK = 0;
/** The command ran and found something wrong (invalid configuration, failed operation). */
export const EXIT_FAILURE = 1;
/** Bad command line. */
export const EXIT_USAGE = 2;
/** No running daemon could be reached (status, plan, reload). */
export const EXIT_NOT_RUNNING = 3;
/** `vscpd reload`: applied, but some drivers failed (rolled back, or all of it with reload = atomic). */
export const EXIT_DRIVER_FAILURES = 4;

export interface CliOption {
  /** Long name without dashes (`config`). */
  name: string;
  /** One letter (`c`). */
  short?: string;
  type: 'string' | 'boolean';
  /** May be given more than once (the value is then a list). */
  multiple?: boolean;
  /** Shown in help for string options (`FILE`). */
  valueName?: string;
  description: string;
}

export interface CommandContext {
  /** Parsed options by long name (a list for `multiple` options). */
  options: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  io: CliIo;
}

export interface CliCommand {
  name: string;
  /** One line for `vscpd --help`. */
  summary: string;
  /** Usage after `vscpd <name> ` (`[-c FILE] [--json]`). */
  usage: string;
  /** More text for `vscpd <name> --help` (exit codes, examples). */
  details?: string;
  options: readonly CliOption[];
  /** Positional arguments allowed (default none). */
  positionals?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** A usage error raised by a command: printed with its usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The `-c/--config` option every configuration command takes. */
export const CONFIG_OPTION: CliOption = {
  name: 'config',
  short: 'c',
  type: 'string',
  valueName: 'FILE',
  description: 'the configuration file (default: $VSCPD_CONFIG, else /etc/vscpd/vscpd.conf)',
};

export const DEFAULT_CONFIG_PATH = '/etc/vscpd/vscpd.conf';

/** `-c FILE`, else $VSCPD_CONFIG, else /etc/vscpd/vscpd.conf; relative to the cwd. */
export function configPath(ctx: CommandContext): string {
  const given = ctx.options.config;
  if (typeof given === 'string') {
    if (given.trim() === '') throw new UsageError('-c/--config needs a file name');
    return given;
  }
  const env = ctx.io.env.VSCPD_CONFIG;
  return env && env.trim() !== '' ? env : DEFAULT_CONFIG_PATH;
}

/** `--replace TARGET=CANDIDATE`: check a candidate file in the place of TARGET. */
export const REPLACE_OPTION: CliOption = {
  name: 'replace',
  type: 'string',
  multiple: true,
  valueName: 'FILE=CANDIDATE',
  description: 'read CANDIDATE in place of FILE (which may not exist yet); for Ansible validate: --replace /etc/vscpd/conf.d/x.conf=%s',
};

/** The `--replace` pairs as absolute target → absolute candidate. */
export function replacements(ctx: CommandContext): Map<string, string> {
  const out = new Map<string, string>();
  const given = ctx.options.replace;
  for (const pair of Array.isArray(given) ? given : typeof given === 'string' ? [given] : []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--replace needs FILE=CANDIDATE, got "${pair}"`);
    out.set(resolve(ctx.io.cwd, pair.slice(0, eq)), resolve(ctx.io.cwd, pair.slice(eq + 1)));
  }
  return out;
}
