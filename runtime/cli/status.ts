/*
 * `vscpd status`: generation, last reload, drift and every driver of the running daemon.
 */
import { type CliCommand, CONFIG_OPTION, EXIT_FAILURE, EXIT_NOT_RUNNING, EXIT_OK } from './command.js';
import { DaemonUnreachable, adminRequest, findDaemon } from './admin-client.js';
import { shortPath } from './output.js';

interface StatusBody {
  daemon: { name: string; version: string; pid: number; uptimeSeconds: number; guid: string; configFile: string };
  generation: number;
  appliedAt: string | null;
  lastReload: { trigger: string; outcome: string; startedAt: string; durationMs: number; problems: { severity: string; file?: string; line?: number; message: string }[]; drivers: { name: string; action: string; outcome: string; error?: string }[] } | null;
  drift: { drifted: boolean; files: string[]; reason: string | null };
  restartRequired: string[];
  drivers: { name: string; driver: string; state: string; reason: string | null; restarts: number; starts: number; counters: { emitted: number; received: number } ; queued: number }[];
  tcpip: { addresses: { host: string; port: number; tls: boolean }[]; sessions: number } | null;
  admin: { host: string; port: number } | null;
}

function duration(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function formatStatus(b: StatusBody, cwd: string): string {
  const lines: string[] = [];
  const d = b.daemon;
  lines.push(`vscpd ${d.version} "${d.name}" pid ${d.pid}, up ${duration(d.uptimeSeconds)}, GUID ${d.guid}`);
  lines.push(`config     ${shortPath(d.configFile, cwd)}, generation ${b.generation}${b.appliedAt ? ` applied ${b.appliedAt}` : ''}`);
  if (b.lastReload) {
    const r = b.lastReload;
    lines.push(`last reload ${r.startedAt} (${r.trigger}): ${r.outcome} in ${r.durationMs} ms`);
    for (const p of r.problems.filter((x) => x.severity === 'error')) lines.push(`  ${p.file ? `${shortPath(p.file, cwd)}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`);
    for (const x of r.drivers.filter((x) => x.outcome !== 'ok')) lines.push(`  driver ${x.name}: ${x.action} ${x.outcome.replace('_', ' ')}${x.error ? `: ${x.error}` : ''}`);
  }
  lines.push(b.drift.drifted ? `drift      yes: ${b.drift.reason}${b.drift.files.length ? ` (${b.drift.files.map((f) => shortPath(f, cwd)).join(', ')})` : ''}` : 'drift      no (the files on disk are what runs)');
  if (b.restartRequired.length) lines.push(`restart required for: ${b.restartRequired.join(', ')}`);
  lines.push(`tcpip      ${b.tcpip ? `${b.tcpip.addresses.map((a) => `${a.host}:${a.port}${a.tls ? ' (TLS)' : ''}`).join(', ')}, ${b.tcpip.sessions} session(s)` : 'off'}`);
  lines.push(`admin      ${b.admin ? `http://${b.admin.host}:${b.admin.port}` : 'off'}`);
  lines.push('');
  if (b.drivers.length === 0) lines.push('no drivers');
  else {
    const rows = b.drivers.map((x) => [x.name, x.driver.length > 24 ? '…' + x.driver.slice(-23) : x.driver, x.state, String(x.restarts), String(x.counters.emitted), String(x.counters.received), x.reason ?? '']);
    const head = ['DRIVER', 'TYPE', 'STATE', 'RESTARTS', 'EMITTED', 'RECEIVED', 'REASON'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) lines.push(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
  }
  return lines.join('\n') + '\n';
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show the running daemon: generation, last reload, drift, drivers',
  usage: '[-c FILE] [--json]',
  details: 'Finds the daemon that runs FILE (also when FILE is broken). Exit status: 0, or 3 when no daemon runs.',
  options: [CONFIG_OPTION, { name: 'json', type: 'boolean', description: 'print the admin API answer as JSON' }],
  async run(ctx) {
    try {
      const info = await findDaemon(ctx);
      const r = await adminRequest(info, 'GET', '/status');
      if (r.status !== 200) {
        ctx.io.stderr.write(`vscpd status: the admin API answered ${r.status}: ${r.text}\n`);
        return EXIT_FAILURE;
      }
      ctx.io.stdout.write(ctx.options.json ? `${JSON.stringify(r.body, null, 2)}\n` : formatStatus(r.body as StatusBody, ctx.io.cwd));
      return EXIT_OK;
    } catch (e) {
      if (e instanceof DaemonUnreachable) {
        ctx.io.stderr.write(`vscpd status: ${e.message}\n`);
        return EXIT_NOT_RUNNING;
      }
      throw e;
    }
  },
};
