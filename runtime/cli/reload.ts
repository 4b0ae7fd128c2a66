/*
 * `vscpd reload`: asks the running daemon to reload, waits, and reports the real outcome with
 * each driver's result. Exit status: 0 applied or unchanged, 1 rejected (invalid
 * configuration; nothing changed), 3 no running daemon, 4 applied with driver failures.
 */
import type { ReloadOutcome } from '../reconcile/reconciler.js';
import { type CliCommand, CONFIG_OPTION, EXIT_DRIVER_FAILURES, EXIT_FAILURE, EXIT_NOT_RUNNING, EXIT_OK } from './command.js';
import { DaemonUnreachable, adminRequest, findDaemon } from './admin-client.js';
import { printableProblem } from './output.js';

export function formatOutcome(o: ReloadOutcome, cwd: string): string {
  const lines: string[] = [];
  for (const p of o.problems) lines.push(printableProblem(p, cwd));
  const text: Record<ReloadOutcome['outcome'], string> = {
    applied: `applied: generation ${o.generation}`,
    unchanged: `unchanged: generation ${o.generation} runs the files on disk already`,
    partial: `applied with failures: generation ${o.generation}; the failed drivers run their previous definition`,
    rejected: `rejected: the configuration is invalid; generation ${o.generation} keeps running`,
    failed: `failed and rolled back (reload = atomic): generation ${o.generation} keeps running`,
  };
  for (const d of o.drivers) lines.push(`  ${d.name}: ${d.action} ${d.outcome === 'ok' ? 'ok' : d.outcome.replace('_', ' ')} (${d.state})${d.error ? `: ${d.error}` : ''}`);
  if (o.restartRequired.length) lines.push(`  restart required for: ${o.restartRequired.join(', ')}`);
  lines.push(`vscpd reload: ${text[o.outcome]} (${o.durationMs} ms)`);
  return lines.join('\n') + '\n';
}

export const reloadCommand: CliCommand = {
  name: 'reload',
  summary: 'Reload the configuration of the running daemon and wait for the outcome',
  usage: '[-c FILE] [--json]',
  details: 'Exit status: 0 applied or unchanged, 1 rejected, 3 no running daemon, 4 applied with driver failures.',
  options: [CONFIG_OPTION, { name: 'json', type: 'boolean', description: 'print the outcome as JSON' }],
  async run(ctx) {
    try {
      const info = await findDaemon(ctx);
      const r = await adminRequest(info, 'POST', '/reload');
      if (r.status === 401 || typeof r.body !== 'object') {
        ctx.io.stderr.write(`vscpd reload: the admin API answered ${r.status}: ${r.text}\n`);
        return EXIT_FAILURE;
      }
      const o = r.body as ReloadOutcome;
      ctx.io.stdout.write(ctx.options.json ? `${JSON.stringify(o, null, 2)}\n` : formatOutcome(o, ctx.io.cwd));
      if (o.outcome === 'applied' || o.outcome === 'unchanged') return EXIT_OK;
      return o.outcome === 'rejected' ? EXIT_FAILURE : EXIT_DRIVER_FAILURES;
    } catch (e) {
      if (e instanceof DaemonUnreachable) {
        ctx.io.stderr.write(`vscpd reload: ${e.message}\n`);
        return EXIT_NOT_RUNNING;
      }
      throw e;
    }
  },
};
