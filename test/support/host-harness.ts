/* A driver host on a real bus and variable store, in the test process (no files, no sockets). */
import { Bus } from '../../runtime/bus/index.js';
import type { DriverDesired } from '../../runtime/config/types.js';
import { DriverHost, loadDefinition } from '../../runtime/drivers/host.js';
import type { DriverStateChange } from '../../runtime/drivers/runtime.js';
import { parseGuid } from '../../runtime/protocol/index.js';
import { silentLogger } from '../../runtime/support/log.js';
import { createVariableStore } from '../../runtime/variables/store.js';
import { tempDir } from './tmp.js';
import { registry as probeRegistry } from '../drivers/probe.mjs';
import { until } from './wait.js';

export const PROBE = new URL('../drivers/probe.mjs', import.meta.url).pathname;

export interface ProbeState {
  prefix: string;
  starts: number;
  stops: number;
  running: boolean;
  received: { vscpClass: number; vscpType: number }[];
  settings: Record<string, unknown>;
}

export function probe(prefix: string): ProbeState | undefined {
  return (probeRegistry as { instances: Map<string, ProbeState> }).instances.get(prefix);
}

export function probeLog(): { prefix: string; what: string; detail: string }[] {
  return (probeRegistry as { log: { prefix: string; what: string; detail: string }[] }).log;
}

export async function hostHarness(options: { backoffMinMs?: number; stopTimeoutMs?: number } = {}) {
  const dir = tempDir();
  const bus = new Bus({ daemonGuid: parseGuid('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00'), defaultQueueSize: 1000 });
  const variables = await createVariableStore({ stateDir: dir, log: silentLogger });
  const changes: DriverStateChange[] = [];
  const issued: string[] = [];
  const host = new DriverHost({
    bus,
    variables,
    credentials: {
      issue: (prefix) => { const user = `drv_${prefix}`; issued.push(user); return { user, password: 'pw' }; },
      revoke: (user) => { issued.splice(issued.indexOf(user), 1); },
    },
    tcpipEndpoint: () => ({ host: '127.0.0.1', port: 9598 }),
    log: silentLogger,
    stateDir: dir,
    backoff: () => ({ minMs: options.backoffMinMs ?? 20, maxMs: 200, stableMs: 60_000 }),
    stopTimeoutMs: () => options.stopTimeoutMs ?? 300,
    onStateChange: (c) => changes.push(c),
  });
  const observer = bus.addClient({ name: 'observer', kind: 'internal' });
  const load = (d: DriverDesired) => loadDefinition(d);
  return {
    dir, bus, variables, host, changes, issued, observer, load,
    async close() {
      await host.disposeAll();
      await variables.close();
    },
  };
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await until(what, check, timeoutMs);
}
