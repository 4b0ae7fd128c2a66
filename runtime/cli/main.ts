/*
 * The `vscpd` command: dispatches to the commands in the table of `commands.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { packageRoot } from '../support/package-root.js';
import { type CliCommand, EXIT_OK, EXIT_USAGE, UsageError } from './command.js';
import { COMMANDS } from './commands.js';
import { type CliIo, processIo } from './io.js';

export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: vscpd <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: vscpd <command> --help)',
    '  -V, --version  show the version',
    '',
  ].join('\n');
}

function optionLabel(o: CliCommand['options'][number]): string {
  const long = `--${o.name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

export function commandHelp(c: CliCommand): string {
  const rows: [string, string][] = [...c.options.map((o): [string, string] => [optionLabel(o), o.description]), ['-h, --help', 'show this help']];
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `Usage: vscpd ${c.name}${c.usage ? ` ${c.usage}` : ''}`,
    '',
    c.summary,
    ...(c.details ? ['', c.details.trimEnd()] : []),
    '',
    'Options:',
    ...rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`),
    '',
  ].join('\n');
}

/** Runs `vscpd <argv…>` and returns the exit code. Never throws for bad input. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const cmd = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    if (topic && !cmd) {
      io.stderr.write(`vscpd: unknown command "${topic}"\n\n${mainHelp()}`);
      return EXIT_USAGE;
    }
    (first === undefined ? io.stderr : io.stdout).write(cmd ? commandHelp(cmd) : mainHelp());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`vscpd ${version()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`vscpd: unknown command "${first}"\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }

  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const o of command.options) options[o.name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: command.positionals === true }) as typeof parsed;
  } catch (e) {
    io.stderr.write(`vscpd ${command.name}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\n\n${commandHelp(command)}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT_OK;
  }
  try {
    return await command.run({ options: parsed.values, positionals: parsed.positionals, io });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`vscpd ${command.name}: ${e.message}\n\n${commandHelp(command)}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
