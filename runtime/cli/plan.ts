/*
 * `vscpd plan`: what a reload would do now, computed by the running daemon against what runs.
 * Exit status (as `kubectl diff`): 0 nothing to do, 1 changes, 2 invalid configuration,
 * 3 no daemon.
 */
import type { Plan } from '../reconcile/plan.js';
import type { Problem } from '../config/types.js';
import { type CliCommand, CONFIG_OPTION, EXIT_FAILURE, EXIT_NOT_RUNNING, EXIT_OK, EXIT_USAGE } from './command.js';
import { DaemonUnreachable, adminRequest, findDaemon } from './admin-client.js';
import { printableProblem } from './output.js';

const SIGN: Record<string, string> = { start: '+', stop: '-', restart: '±', reconfigure: '~' };

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const width = Math.max(8, ...plan.drivers.map((d) => d.name.length));
  for (const d of plan.drivers) lines.push(`  ${SIGN[d.action]} ${d.action.padEnd(11)} ${d.name.padEnd(width)}  ${d.reason}`);
  const v = plan.variables;
  const vparts = [
    ...v.added.map((n) => `+${n}`), ...v.changed.map((n) => `~${n}`), ...v.removed.map((n) => `-${n}`),
  ];
  if (vparts.length) lines.push(`  variables: ${vparts.join(' ')}`);
  for (const c of v.conflicts) lines.push(`  variable ${c.name}: the file changes it, so its run-time value is replaced (${JSON.stringify(c.runtimeValue)} → ${JSON.stringify(c.fileValue)})`);
  for (const g of plan.globals) {
    if (g.hot.length) lines.push(`  ~ [${g.section}] applied live: ${g.hot.join(', ')}`);
    if (g.restartRequired.length) lines.push(`  ! [${g.section}] needs a daemon restart: ${g.restartRequired.join(', ')}`);
  }
  lines.push(plan.changes === 0 ? 'Nothing to do: the files on disk are what runs.' : `${plan.changes} change(s); ${plan.unchanged.length} driver(s) untouched.`);
  return lines.join('\n') + '\n';
}

export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'Show what a reload would change, without changing anything',
  usage: '[-c FILE] [--json]',
  details: 'Exit status: 0 nothing to do, 1 changes, 2 invalid configuration, 3 no running daemon.',
  options: [CONFIG_OPTION, { name: 'json', type: 'boolean', description: 'print the plan as JSON' }],
  async run(ctx) {
    try {
      const info = await findDaemon(ctx);
      const r = await adminRequest(info, 'GET', '/plan');
      const body = r.body as { plan: Plan | null; problems: Problem[] };
      if (ctx.options.json) ctx.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      else for (const p of body.problems ?? []) ctx.io.stdout.write(`${printableProblem(p, ctx.io.cwd)}\n`);
      if (!body.plan) {
        if (!ctx.options.json) ctx.io.stdout.write('The configuration on disk is invalid; a reload would be rejected and change nothing.\n');
        return EXIT_USAGE;
      }
      if (!ctx.options.json) ctx.io.stdout.write(formatPlan(body.plan));
      return body.plan.changes === 0 ? EXIT_OK : EXIT_FAILURE;
    } catch (e) {
      if (e instanceof DaemonUnreachable) {
        ctx.io.stderr.write(`vscpd plan: ${e.message}\n`);
        return EXIT_NOT_RUNNING;
      }
      throw e;
    }
  },
};
