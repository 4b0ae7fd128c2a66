/* Builders for desired states in reconciler and host tests (no files involved). */
import { createHash } from 'node:crypto';
import type { DesiredState, DriverDesired, EffectiveValue } from '../../runtime/config/types.js';
import type { ReloadClass } from '../../runtime/drivers/contract.js';

export interface DriverSpec {
  name: string;
  ref?: string;
  kind?: DriverDesired['kind'];
  enable?: boolean;
  guid?: string | null;
  queueSize?: number;
  settings?: Record<string, unknown>;
  /** Reload class per key; default 'driver-restart'. */
  reload?: Record<string, ReloadClass>;
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export function driverDesired(spec: DriverSpec): DriverDesired {
  const settings = spec.settings ?? {};
  const effective: Record<string, EffectiveValue> = {};
  for (const [k, v] of Object.entries(settings)) {
    effective[k] = { value: v, origin: { kind: 'file', file: '/etc/vscpd/vscpd.conf', line: 1 }, secret: false, reload: spec.reload?.[k] ?? 'driver-restart' };
  }
  const d: Omit<DriverDesired, 'hash'> = {
    name: spec.name,
    prefix: spec.name.replace(/ /g, '_'),
    kind: spec.kind ?? 'module',
    ref: spec.ref ?? '/probe.mjs',
    enable: spec.enable ?? true,
    guid: spec.guid ?? null,
    queueSize: spec.queueSize ?? 1024,
    settings,
    effective,
    origin: { file: '/etc/vscpd/vscpd.conf', line: 1 },
  };
  return { ...d, hash: hash(d) };
}

export function desiredState(drivers: DriverDesired[], overrides: Partial<DesiredState> = {}): DesiredState {
  const base: Omit<DesiredState, 'hash'> = {
    configFile: '/etc/vscpd/vscpd.conf',
    files: [],
    general: {
      guid: null, name: 'test', variables: null, stateDir: '/tmp/none', clientBufferSize: 1024, reload: 'per-driver',
      watch: false, logLevel: 'info', stopTimeoutMs: 500, restartBackoffMinMs: 50, restartBackoffMaxMs: 400, restartStableMs: 60_000,
    },
    tcpip: {
      enable: false, listen: [], tlsCert: null, tlsKey: null, maxClients: 10, maxLineBytes: 8192, idleTimeoutMs: 60_000,
      keepaliveIntervalMs: 2000, variableEncoding: 'base64', loginDelayBaseMs: 10, loginDelayMaxMs: 100,
    },
    admin: { enable: false, listen: { host: '127.0.0.1', port: 0 } },
    automation: { enable: false, heartbeat: null, capabilities: null, timeEvents: false, answerProbes: false },
    users: [],
    schedules: [],
    drivers,
    variables: [],
    sectionHashes: {},
    globalEffective: {},
    warnings: [],
    ...overrides,
  };
  return { ...base, hash: hash(base) };
}
