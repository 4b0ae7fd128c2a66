/*
 * The logger driver (original `vscpl2drv_logger`): writes delivered events to a file as text
 * lines, VSCP Works XML or JSON Lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DriverSettings, defineDriver } from '../../runtime/drivers/contract.js';
import { packageRoot } from '../../runtime/support/package-root.js';
import { LoggerDriver } from './logger.js';
import { parseLegacyConfig } from './settings.js';
import type { LoggerSettings } from './settings.generated.js';

const schema = JSON.parse(readFileSync(join(packageRoot(), 'drivers', 'logger', 'schema.json'), 'utf8')) as Record<string, unknown>;

// Generated interfaces have no index signature; the contract wants a record.
export default defineDriver<LoggerSettings & DriverSettings>({
  id: 'logger',
  metadata: {
    level: 2,
    version: '1.0.0',
    vendor: 'vscpd',
    description: 'Writes events to a file: text lines, VSCP Works XML or JSON Lines; filter, rotation, re-open on reload',
    legacyLibraries: ['vscpl2drv_logger.so', 'vscpl2_loggerdrv.so', 'vscpl2_loggerdrv.dll'],
  },
  schema,
  parseLegacyConfig,
  resources: (settings) => [{ kind: 'file', id: settings.path }],
  // Settings are checked here; nothing is opened before start().
  create: (ctx, settings) => new LoggerDriver(ctx, settings),
});
