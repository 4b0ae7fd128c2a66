/*
 * `vscpd show --effective`: the configuration as the daemon would run it, each value with its
 * origin and reload class; secrets redacted.
 */
import { resolve } from 'node:path';
import { effectiveView, formatEffectiveIni } from '../config/effective.js';
import { loadConfiguration } from '../config/resolve.js';
import { CONFIG_OPTION, type CliCommand, EXIT_FAILURE, EXIT_OK, REPLACE_OPTION, configPath, replacements } from './command.js';
import { plural, printableProblem, shortPath } from './output.js';

export const showCommand: CliCommand = {
  name: 'show',
  summary: 'Print the effective configuration (defaults, includes, config strings and variables applied)',
  usage: '[-c FILE] --effective [--origin] [--json]',
  details: [
    'Every key with its final value; --origin adds where each value came from (file:line,',
    'config position, variable or default) and its reload class. Secrets are [redacted].',
    'Exit status: 0 shown, 1 the configuration is invalid (problems on stderr), 2 usage error.',
  ].join('\n'),
  options: [
    CONFIG_OPTION,
    REPLACE_OPTION,
    { name: 'effective', type: 'boolean', description: 'the effective configuration (the default and only view)' },
    { name: 'origin', type: 'boolean', description: 'add the origin and reload class of every value' },
    { name: 'json', type: 'boolean', description: 'print one JSON object' },
  ],
  async run(ctx) {
    const { io } = ctx;
    const file = resolve(io.cwd, configPath(ctx));
    const result = await loadConfiguration(file, { env: io.env, replace: replacements(ctx) });
    for (const p of result.problems) io.stderr.write(`${printableProblem(p, io.cwd)}\n`);
    if (!result.state) {
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      io.stderr.write(`${shortPath(file, io.cwd)}: invalid: ${plural(errors, 'error')}; nothing to show\n`);
      return EXIT_FAILURE;
    }
    const view = effectiveView(result.state);
    io.stdout.write(ctx.options.json ? `${JSON.stringify(view, null, 2)}\n` : formatEffectiveIni(view, { origins: ctx.options.origin === true }));
    return EXIT_OK;
  },
};
