/*
 * The TCP/IP link driver (original `vscpl2drv_tcpiplink`): links this daemon to a remote VSCP
 * daemon over the remote's TCP/IP interface, events flowing both ways (or one way).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, type DriverSettings } from '../../runtime/drivers/contract.js';
import { packageRoot } from '../../runtime/support/package-root.js';
import { TcpipLink, type TcpiplinkInstance } from './link.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { deriveConfig } from './settings.js';

export type { TcpiplinkInstance, TcpiplinkStats } from './link.js';
export { SEND_WINDOW, filterCommands } from './link.js';
export { deriveConfig, type LinkConfig } from './settings.js';
export { parseSetupXml } from './setup-xml.js';

const schema = JSON.parse(readFileSync(join(packageRoot(), 'drivers', 'tcpiplink', 'schema.json'), 'utf8')) as Record<string, unknown>;

export default defineDriver<TcpiplinkSettings & DriverSettings>({
  id: 'tcpiplink',
  metadata: {
    level: 2,
    version: '1.0.0',
    vendor: 'vscpd',
    description: 'Links this daemon to a remote VSCP daemon over its TCP/IP interface: RX/TX filters, echo and loop prevention, keep-alive watchdog, reconnect with backoff, bounded send queue, TLS',
    legacyLibraries: ['vscpl2drv_tcpiplink.so', 'vscp2drv_tcpiplink.so', 'vscpl2_tcpdrv.so', 'vscpl2_tcpdrv.dll'],
  },
  schema,
  create(ctx, settings): TcpiplinkInstance {
    const config = deriveConfig(settings);
    const link = new TcpipLink(ctx, config);
    const instance: TcpiplinkInstance = {
      start: () => link.start(),
      stop: () => link.stop(),
      reconfigure: (next, changed) => link.reconfigure(next, changed),
      stats: () => link.stats(),
      get linked() { return link.linked; },
      get queued() { return link.queued; },
      get channelId() { return link.channelId; },
    };
    // A receive-only link consumes nothing, so the daemon queues nothing for it.
    if (config.direction !== 'receive') instance.receive = (event) => link.receive(event);
    return instance;
  },
});
