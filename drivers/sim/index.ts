/*
 * The simulation driver (original `vscpl2drv-sim`): simulated Level I/II nodes that send
 * measurements and heartbeats, answer the register protocol and run a decision matrix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver } from '../../runtime/drivers/contract.js';
import { packageRoot } from '../../runtime/support/package-root.js';
import { parseLegacyConfig } from './settings.js';
import { SimDriver } from './sim.js';
import type { SimSettings } from './settings.generated.js';

const schema = JSON.parse(readFileSync(join(packageRoot(), 'drivers', 'sim', 'schema.json'), 'utf8')) as Record<string, unknown>;

export default defineDriver<SimSettings>({
  id: 'sim',
  metadata: {
    level: 2,
    version: '1.0.0',
    vendor: 'vscpd',
    description: 'Simulated VSCP nodes: measurements, heartbeats, register protocol, decision matrix',
    legacyLibraries: ['vscpl2drv-sim.so', 'vscpl2_sim.so', 'vscpl2_simdrv.so', 'vscpl2_sim.dll'],
  },
  schema,
  parseLegacyConfig,
  // Settings are checked here; data files are read in start().
  create: (ctx, settings) => new SimDriver(ctx, settings),
});
