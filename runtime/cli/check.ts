/*
 * `vscpd check`: the same loading the daemon does on a reload, stopped before anything is
 * applied. Reads files, writes nothing.
 */
import { resolve } from 'node:path';
import { loadConfiguration } from '../config/resolve.js';
import { CONFIG_OPTION, type CliCommand, EXIT_FAILURE, EXIT_OK, REPLACE_OPTION, configPath, replacements } from './command.js';
import { plural, printableProblem, problemJson, shortPath } from './output.js';

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'Validate the configuration and the variable file, as a reload would',
  usage: '[-c FILE] [--replace FILE=CANDIDATE]… [--json]',
  details: [
    'Prints every problem as file:line: message, warnings marked, then a summary line.',
    'Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error. Writes nothing.',
    'Ansible checks a temporary copy in context with --replace:',
    '  validate: vscpd check -c /etc/vscpd/vscpd.conf --replace /etc/vscpd/conf.d/40-mqtt.conf=%s',
  ].join('\n'),
  options: [CONFIG_OPTION, REPLACE_OPTION, { name: 'json', type: 'boolean', description: 'print the result as one JSON object' }],
  async run(ctx) {
    const { io } = ctx;
    const file = resolve(io.cwd, configPath(ctx));
    const result = await loadConfiguration(file, { env: io.env, replace: replacements(ctx) });
    const errors = result.problems.filter((p) => p.severity === 'error').length;
    const warnings = result.problems.length - errors;
    const state = result.state;
    const summary = state
      ? { drivers: state.drivers.length, users: state.users.length, schedules: state.schedules.length, variables: state.variables.length, files: state.files.length }
      : null;
    if (ctx.options.json) {
      io.stdout.write(`${JSON.stringify({
        file, valid: errors === 0, errors, warnings, problems: result.problems.map(problemJson), summary, hash: state?.hash ?? null,
      }, null, 2)}\n`);
    } else {
      for (const p of result.problems) io.stdout.write(`${printableProblem(p, io.cwd)}\n`);
      const name = shortPath(file, io.cwd);
      const warned = warnings ? `, ${plural(warnings, 'warning')}` : '';
      io.stdout.write(summary
        ? `${name}: valid (${plural(summary.drivers, 'driver')}, ${plural(summary.users, 'user')}, ${plural(summary.variables, 'variable')}, ${plural(summary.files, 'file')} read)${warned}\n`
        : `${name}: invalid: ${plural(errors, 'error')}${warned}\n`);
    }
    return errors === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};
