/*
 * `vscpd drivers`: the built-in drivers with their metadata (VSCPGetVendorString & co.).
 */
import { BUILTIN_DRIVER_IDS, PLANNED_DRIVER_IDS, loadBuiltinDriver } from '../drivers/registry.js';
import { type CliCommand, EXIT_OK } from './command.js';

export const driversCommand: CliCommand = {
  name: 'drivers',
  summary: 'List the built-in drivers',
  usage: '[--json]',
  options: [{ name: 'json', type: 'boolean', description: 'print as JSON' }],
  async run(ctx) {
    const rows: { id: string; version: string; description: string; replaces: string[]; available: boolean; error?: string }[] = [];
    for (const id of BUILTIN_DRIVER_IDS) {
      try {
        const d = await loadBuiltinDriver(id);
        rows.push({ id, version: d.metadata.version, description: d.metadata.description, replaces: [...(d.metadata.legacyLibraries ?? [])], available: true });
      } catch (e) {
        rows.push({ id, version: '', description: '', replaces: [], available: false, error: (e as Error).message });
      }
    }
    for (const id of PLANNED_DRIVER_IDS) rows.push({ id, version: '', description: 'planned, not in this version', replaces: [], available: false });
    if (ctx.options.json) {
      ctx.io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return EXIT_OK;
    }
    const w = Math.max(...rows.map((r) => r.id.length));
    for (const r of rows) ctx.io.stdout.write(`${r.id.padEnd(w)}  ${r.available ? `${r.version.padEnd(8)} ${r.description}` : r.error ?? r.description}\n`);
    return EXIT_OK;
  },
};
