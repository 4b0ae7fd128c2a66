/*
 * A DriverContext for unit tests of one driver, without a daemon: it records what the driver
 * emits, its health reports and log lines, and owns the driver's timers so a test can check
 * that stop() leaves nothing running.
 */
import { CronJob } from 'cron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  DriverContext, DriverHealth, DriverVariable, DriverVariables, LocalCredentials,
} from '../../runtime/drivers/contract.js';
import { type VscpEvent, type VscpEventInit, createEvent, parseGuid, stampEvent, isZeroGuidExceptNickname } from '../../runtime/protocol/index.js';

export interface HarnessOptions {
  name?: string;
  guid?: string;
  /** Variables by name (any case); type defaults to 1 (string). */
  variables?: Record<string, string | { type: number; value: string }>;
  credentials?: LocalCredentials;
}

export interface DriverHarness {
  ctx: DriverContext;
  emitted: VscpEvent[];
  health: { health: DriverHealth; reason: string | undefined }[];
  /** Failures the driver reported with ctx.fail(). */
  failures: string[];
  logs: { level: string; message: string }[];
  /** Number of timers and cron jobs still active. */
  activeTimers(): number;
  /** Waits until `count` events were emitted (or throws after `timeoutMs`). */
  waitForEvents(count: number, timeoutMs?: number): Promise<VscpEvent[]>;
  /** Aborts the signal and cancels the timers, as the host does on stop. */
  dispose(): void;
}

export function driverHarness(options: HarnessOptions = {}): DriverHarness {
  const name = options.name ?? 'test1';
  const prefix = name.trim().replace(/ /g, '_');
  const guid = parseGuid(options.guid ?? 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:01:00:00');
  const abort = new AbortController();
  const emitted: VscpEvent[] = [];
  const health: DriverHarness['health'] = [];
  const failures: string[] = [];
  const logs: DriverHarness['logs'] = [];
  const timers = new Set<() => void>();
  const vars = new Map<string, DriverVariable>();
  for (const [n, v] of Object.entries(options.variables ?? {})) {
    const key = n.toUpperCase();
    vars.set(key, typeof v === 'string' ? { name: key, type: 1, value: v } : { name: key, ...v });
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'vscpd-driver-state-'));
  const waiters: (() => void)[] = [];

  const track = (cancel: () => void): (() => void) => {
    const wrapped = () => { cancel(); timers.delete(wrapped); };
    timers.add(wrapped);
    return wrapped;
  };

  const variables: DriverVariables = {
    get: (n) => vars.get(n.toUpperCase()),
    prefixed: (suffix) => vars.get(`${prefix}_${suffix}`.toUpperCase()),
    set: (n, value, o) => { vars.set(n.toUpperCase(), { name: n.toUpperCase(), type: o?.type ?? 1, value }); },
  };

  const log = (level: string) => (message: string) => { logs.push({ level, message }); };

  const ctx: DriverContext = {
    name,
    prefix,
    guid,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal: abort.signal,
    stopTimeoutMs: 5000,
    scheduler: {
      setTimeout: (fn, ms) => { const t = setTimeout(() => { timers.delete(cancel); fn(); }, ms); const cancel = track(() => clearTimeout(t)); return cancel; },
      setInterval: (fn, ms) => { const t = setInterval(fn, ms); return track(() => clearInterval(t)); },
      cron: (expression, fn) => { const job = CronJob.from({ cronTime: expression, onTick: fn, start: true }); return track(() => { void job.stop(); }); },
    },
    variables,
    stateDir,
    emit(event: VscpEvent | VscpEventInit): boolean {
      if (abort.signal.aborted) return false;
      const ev = createEvent(event);
      if (isZeroGuidExceptNickname(ev.guid)) {
        const g = Uint8Array.from(guid); g[14] = ev.guid[14]!; g[15] = ev.guid[15]!; ev.guid = g;
      }
      stampEvent(ev);
      emitted.push(ev);
      while (waiters.length) waiters.shift()!();
      return true;
    },
    setHealth(h, reason) { health.push({ health: h, reason }); },
    fail(error) { failures.push(typeof error === 'string' ? error : error.message); },
    localCredentials() {
      return options.credentials ?? { host: '127.0.0.1', port: 9598, user: 'drv_test', password: 'secret' };
    },
  };

  return {
    ctx, emitted, health, failures, logs,
    activeTimers: () => timers.size,
    async waitForEvents(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (emitted.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${emitted.length} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => { const t = setTimeout(resolve, Math.min(left, 50)); waiters.push(() => { clearTimeout(t); resolve(); }); });
      }
      return emitted.slice(0, count);
    },
    dispose() {
      abort.abort();
      for (const cancel of [...timers]) cancel();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
