/*
 * One configured driver over its whole life: its bus client (kept across restarts, so events
 * queue while it restarts), the current instance, the state machine and supervision.
 *
 *   pending → starting → running ⇄ degraded
 *                 ↓          ↓
 *            config_error  backoff → starting …        stop → stopping → stopped
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { DriverDesired } from '../config/types.js';
import type { Logger } from '../support/log.js';
import { type VscpEvent, type VscpEventInit, createEvent, parseGuid } from '../protocol/index.js';
import type { VariableStore } from '../variables/contract.js';
import {
  type DriverContext, type DriverDefinition, type DriverInstance, type DriverVariables,
  type LocalCredentials, DriverConfigError,
} from './contract.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { DriverTimers } from './scheduler.js';
import type { DriverBus, DriverBusClient } from './bus-port.js';

export type DriverState =
  | 'pending' | 'starting' | 'running' | 'degraded' | 'backoff' | 'config_error' | 'stopping' | 'stopped';

export const DRIVER_STATES: readonly DriverState[] =
  ['pending', 'starting', 'running', 'degraded', 'backoff', 'config_error', 'stopping', 'stopped'];

export interface DriverCounters {
  /** events the driver handed to the daemon */
  emitted: number;
  /** events handed to the driver's receive() */
  received: number;
  receiveErrors: number;
  /** emits refused: invalid event, not running, or over the emit limit */
  emitDropped: { invalid: number; not_running: number; rate_limited: number };
}

export interface DriverStatus {
  name: string;
  prefix: string;
  kind: DriverDesired['kind'];
  driver: string;
  state: DriverState;
  reason: string | null;
  since: string;
  /** Restarts after failures (supervision), not counting reconfigurations. */
  restarts: number;
  /** Every start of an instance, for any reason. */
  starts: number;
  stopTimeouts: number;
  lastError: string | null;
  /** Hash of the definition that runs (or last ran). */
  hash: string;
  clientId: number | null;
  queued: number;
  counters: DriverCounters;
  /** The driver's own counters (DriverInstance.stats), when it has them. */
  stats: Record<string, number> | null;
}

export interface DriverStateChange {
  name: string;
  prefix: string;
  from: DriverState;
  to: DriverState;
  reason: string | null;
}

export interface CredentialIssuer {
  issue(prefix: string): { user: string; password: string };
  revoke(user: string): void;
}

export interface RuntimeDeps {
  bus: DriverBus;
  variables: VariableStore;
  credentials: CredentialIssuer;
  /** Where drivers reach this daemon's TCP/IP interface (null when it is off). */
  tcpipEndpoint: () => { host: string; port: number } | null;
  log: Logger;
  stateDir: string;
  backoff: () => BackoffPolicy;
  stopTimeoutMs: () => number;
  startTimeoutMs: number;
  emitLimitPerSec: number;
  /** Attributes uncaught errors to the driver run that caused them. */
  als: AsyncLocalStorage<RunTag>;
  onStateChange: (change: DriverStateChange) => void;
}

/** Identifies one instance run of one driver; stale tags (an abandoned run) are ignored. */
export interface RunTag {
  runtime: DriverRuntime;
  run: number;
}

export interface StartOutcome {
  ok: boolean;
  error?: string;
  configError?: boolean;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new DeadlineError(`${what} did not finish within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

class DeadlineError extends Error {
  override name = 'DeadlineError';
}

export class DriverRuntime {
  desired: DriverDesired;
  definition: DriverDefinition;
  state: DriverState = 'pending';
  reason: string | null = null;
  since = new Date();
  restarts = 0;
  starts = 0;
  stopTimeouts = 0;
  lastError: string | null = null;
  /** The last instance created had `reconfigure` (hot changes can apply in place). */
  canReconfigure = false;
  /** Consecutive failures since the last stable period. */
  failures = 0;
  readonly counters: DriverCounters = { emitted: 0, received: 0, receiveErrors: 0, emitDropped: { invalid: 0, not_running: 0, rate_limited: 0 } };

  private client: DriverBusClient | null = null;
  private instance: DriverInstance | null = null;
  private timers: DriverTimers | null = null;
  private abort: AbortController | null = null;
  private run = 0;
  private backoffTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private credentials: LocalCredentials | null = null;
  /** A health report made while start() ran. */
  private healthAtStart: { health: 'running' | 'degraded'; reason: string | null } | null = null;
  private tokens: number;
  private tokensAt = Date.now();
  private lastReceiveErrorLog = 0;
  private readonly log: Logger;
  /** Serialises start/stop/reconfigure of this driver. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RuntimeDeps, desired: DriverDesired, definition: DriverDefinition) {
    this.desired = desired;
    this.definition = definition;
    this.log = deps.log.child(`driver ${desired.name}`);
    this.tokens = deps.emitLimitPerSec;
  }

  get name(): string {
    return this.desired.name;
  }

  get key(): string {
    return this.desired.prefix.toLowerCase();
  }

  get isActive(): boolean {
    return this.state === 'running' || this.state === 'degraded';
  }

  status(): DriverStatus {
    return {
      name: this.desired.name,
      prefix: this.desired.prefix,
      kind: this.desired.kind,
      driver: this.desired.ref,
      state: this.state,
      reason: this.reason,
      since: this.since.toISOString(),
      restarts: this.restarts,
      starts: this.starts,
      stopTimeouts: this.stopTimeouts,
      lastError: this.lastError,
      hash: this.desired.hash,
      clientId: this.client?.id ?? null,
      queued: this.client?.queued ?? 0,
      counters: structuredClone(this.counters),
      stats: this.driverStats(),
    };
  }

  private driverStats(): Record<string, number> | null {
    const instance = this.instance;
    if (!instance?.stats) return null;
    try {
      const raw = instance.stats() as Record<string, unknown>;
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
      return out;
    } catch {
      return null;
    }
  }

  private setState(to: DriverState, reason: string | null): void {
    const from = this.state;
    if (from === to && this.reason === reason) return;
    this.state = to;
    this.reason = reason;
    this.since = new Date();
    if (from !== to) this.deps.onStateChange({ name: this.desired.name, prefix: this.desired.prefix, from, to, reason });
  }

  /** Runs lifecycle operations of this driver one after the other. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  // ---- lifecycle operations (called by the host / reconciler) ----

  /** Starts the current definition. Failures are reported, not retried, when `supervised` is false. */
  start(supervised: boolean): Promise<StartOutcome> {
    return this.serial(() => this.doStart(supervised));
  }

  stop(reason: string): Promise<void> {
    return this.serial(() => this.doStop(reason));
  }

  /** Replaces the definition (restart class change) and starts it. */
  replace(desired: DriverDesired, definition: DriverDefinition, supervised: boolean): Promise<StartOutcome> {
    return this.serial(async () => {
      await this.doStop('reconfiguring');
      this.adopt(desired, definition);
      return this.doStart(supervised);
    });
  }

  /** Hot reconfiguration; answers 'restart' when the driver cannot apply it in place. */
  reconfigure(desired: DriverDesired, changed: readonly string[]): Promise<'applied' | 'restart' | 'failed'> {
    return this.serial(async () => {
      const instance = this.instance;
      if (!instance?.reconfigure || !this.isActive) return 'restart';
      try {
        const result = await this.inRun(() => instance.reconfigure!(desired.settings, changed));
        if (result === 'applied') {
          this.desired = desired;
          return 'applied';
        }
        return 'restart';
      } catch (e) {
        this.lastError = `reconfigure: ${errorText(e)}`;
        this.log.error('Reconfiguration failed.', { error: errorText(e) });
        return 'failed';
      }
    });
  }

  /** Removes the driver for good: stops it and releases its bus client and credentials. */
  dispose(): Promise<void> {
    return this.serial(async () => {
      await this.doStop('removed');
      if (this.client) {
        this.client.close();
        this.client = null;
      }
      if (this.credentials) {
        this.deps.credentials.revoke(this.credentials.user);
        this.credentials = null;
      }
    });
  }

  /** Takes a new definition without starting it (used for a driver that is disabled). */
  adopt(desired: DriverDesired, definition: DriverDefinition): void {
    if (this.desired.guid !== desired.guid || this.desired.queueSize !== desired.queueSize) {
      // the interface GUID and queue size belong to the bus client
      this.client?.close();
      this.client = null;
    }
    this.desired = desired;
    this.definition = definition;
  }

  /** A disabled driver: stopped with that reason. */
  markDisabled(): void {
    this.setState('stopped', 'disabled (enable = false)');
  }

  // ---- internals ----

  private ensureClient(): DriverBusClient {
    if (!this.client) {
      this.client = this.deps.bus.addClient({
        name: this.desired.name,
        kind: 'level2-driver',
        queueSize: this.desired.queueSize,
        receives: true,
        ...(this.desired.guid ? { guid: parseGuid(this.desired.guid) } : {}),
        onReadable: () => this.kick(),
      });
    }
    return this.client;
  }

  private inRun<T>(fn: () => T): T {
    return this.deps.als.run({ runtime: this, run: this.run }, fn);
  }

  private makeContext(client: DriverBusClient, abort: AbortController, timers: DriverTimers, runId: number): DriverContext {
    const runtime = this;
    const deps = this.deps;
    const prefix = this.desired.prefix;
    let stateDir: string | null = null;
    const variables: DriverVariables = {
      get: (name) => {
        const v = deps.variables.get(name);
        return v ? { name: v.name, type: v.type, value: v.value } : undefined;
      },
      prefixed: (suffix) => variables.get(`${prefix}_${suffix}`),
      set: (name, value, options) => {
        deps.variables.write({ name, value, ...(options?.type !== undefined ? { type: options.type } : {}),
          ...(options?.persistent !== undefined ? { persistent: options.persistent } : {}),
          ...(options?.note !== undefined ? { note: options.note } : {}) }, 'driver');
      },
    };
    return {
      name: this.desired.name,
      prefix,
      guid: client.guid,
      log: this.log,
      signal: abort.signal,
      stopTimeoutMs: deps.stopTimeoutMs(),
      scheduler: timers,
      variables,
      get stateDir() {
        if (!stateDir) {
          stateDir = join(deps.stateDir, 'drivers', prefix);
          mkdirSync(stateDir, { recursive: true });
        }
        return stateDir;
      },
      emit: (event: VscpEvent | VscpEventInit) => runtime.emitFrom(client, abort, event),
      setHealth: (health, reason) => {
        if (abort.signal.aborted) return;
        if (runtime.state === 'starting') {
          // applied when start() resolves, instead of plain `running`
          runtime.healthAtStart = { health, reason: reason ?? null };
          return;
        }
        if (!runtime.isActive) return;
        if (health === 'degraded') runtime.setState('degraded', reason ?? 'degraded');
        else runtime.setState('running', null);
      },
      fail: (error) => {
        if (!abort.signal.aborted) runtime.failRun(runId, typeof error === 'string' ? new Error(error) : error, 'driver reported');
      },
      localCredentials: () => {
        const endpoint = deps.tcpipEndpoint();
        if (!endpoint) throw new Error('the TCP/IP interface is disabled ([tcpip] enable = false)');
        if (!runtime.credentials) {
          const c = deps.credentials.issue(prefix);
          runtime.credentials = { host: endpoint.host, port: endpoint.port, user: c.user, password: c.password };
        }
        return { ...runtime.credentials, host: endpoint.host, port: endpoint.port };
      },
    };
  }

  private emitFrom(client: DriverBusClient, abort: AbortController, event: VscpEvent | VscpEventInit): boolean {
    if (abort.signal.aborted || !this.isActive && this.state !== 'starting') {
      this.counters.emitDropped.not_running++;
      return false;
    }
    // token bucket: a flooding driver is throttled, the others are not affected
    const now = Date.now();
    const limit = this.deps.emitLimitPerSec;
    this.tokens = Math.min(limit, this.tokens + ((now - this.tokensAt) * limit) / 1000);
    this.tokensAt = now;
    if (this.tokens < 1) {
      this.counters.emitDropped.rate_limited++;
      if (this.state === 'running') this.setState('degraded', `emitting more than ${limit} events/s; the excess is dropped`);
      return false;
    }
    this.tokens -= 1;
    let ev: VscpEvent;
    try {
      ev = createEvent(event);
    } catch (e) {
      this.counters.emitDropped.invalid++;
      this.log.warn('Dropped an invalid event.', { error: errorText(e) });
      return false;
    }
    this.counters.emitted++;
    return client.send(ev) === 'ok';
  }

  private async doStart(supervised: boolean): Promise<StartOutcome> {
    this.clearBackoff();
    if (!this.desired.enable) {
      this.markDisabled();
      return { ok: true };
    }
    const client = this.ensureClient();
    const abort = new AbortController();
    const runId = ++this.run;
    const timers = new DriverTimers((e) => this.failRun(runId, e, 'timer callback'));
    this.abort = abort;
    this.timers = timers;
    this.starts++;
    this.healthAtStart = null;
    this.setState('starting', null);
    let instance: DriverInstance;
    try {
      const ctx = this.makeContext(client, abort, timers, runId);
      instance = this.inRun(() => this.definition.create(ctx, this.desired.settings));
      this.instance = instance;
      this.canReconfigure = typeof instance.reconfigure === 'function';
      const receives = typeof instance.receive === 'function';
      if (client.receives !== receives) this.deps.bus.setReceives?.(client, receives);
      await this.inRun(() => withDeadline(Promise.resolve().then(() => instance.start()), this.deps.startTimeoutMs, 'start()'));
    } catch (e) {
      const configError = isConfigError(e);
      const msg = `start: ${errorText(e)}`;
      this.lastError = msg;
      await this.teardown(abort, timers, 'start failed');
      if (configError) {
        this.setState('config_error', msg);
        this.log.error('Configuration error; the driver stays stopped until its configuration changes.', { error: errorText(e) });
      } else if (supervised) {
        this.failures++;
        this.scheduleRestart(msg);
      } else {
        this.setState('stopped', msg);
      }
      return { ok: false, error: msg, configError };
    }
    if (this.run !== runId || abort.signal.aborted) return { ok: false, error: 'stopped while starting' };
    // set by ctx.setHealth while start() ran (the await above), which the compiler cannot see
    const health = this.healthAtStart as { health: 'running' | 'degraded'; reason: string | null } | null;
    this.healthAtStart = null;
    if (health?.health === 'degraded') this.setState('degraded', health.reason ?? 'degraded');
    else this.setState('running', null);
    this.log.info('Started.', { driver: this.desired.ref });
    this.armStableTimer();
    this.kick();
    return { ok: true };
  }

  private armStableTimer(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    const run = this.run;
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null;
      if (this.run === run && this.isActive) this.failures = 0;
    }, this.deps.backoff().stableMs);
    this.stableTimer.unref();
  }

  private scheduleRestart(reason: string): void {
    const delay = backoffDelay(this.deps.backoff(), this.failures);
    this.setState('backoff', `${reason}; restart ${this.failures > 1 ? `attempt ${this.failures} ` : ''}in ${delay} ms`);
    this.log.warn('Driver failed; restarting after a delay.', { error: reason, delay_ms: delay, failures: this.failures });
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.restarts++;
      void this.start(true);
    }, delay);
    this.backoffTimer.unref?.();
  }

  private clearBackoff(): void {
    if (this.backoffTimer) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
    }
  }

  /** An error escaped the driver during run `runId` (uncaught, timer, …): restart it with backoff. */
  failRun(runId: number, error: unknown, where: string): void {
    if (runId !== this.run) {
      this.log.warn('Ignored an error from an earlier instance.', { error: errorText(error), where });
      return;
    }
    if (!this.isActive && this.state !== 'starting') return;
    const msg = `${where}: ${errorText(error)}`;
    this.lastError = msg;
    this.log.error('Driver failed.', { error: msg });
    void this.serial(async () => {
      if (runId !== this.run || (!this.isActive && this.state !== 'starting')) return;
      const abort = this.abort, timers = this.timers;
      if (abort && timers) await this.teardown(abort, timers, 'failed');
      this.failures++;
      this.scheduleRestart(msg);
    });
  }

  private async doStop(reason: string): Promise<void> {
    this.clearBackoff();
    if (this.stableTimer) {
      clearTimeout(this.stableTimer);
      this.stableTimer = null;
    }
    const abort = this.abort, timers = this.timers;
    if (this.instance && abort && timers) {
      this.setState('stopping', reason);
      await this.teardown(abort, timers, reason);
    }
    if (this.state !== 'config_error' || reason === 'removed') this.setState('stopped', reason);
  }

  /** Stops the current instance within the deadline; a hung stop() is abandoned and counted. */
  private async teardown(abort: AbortController, timers: DriverTimers, reason: string): Promise<void> {
    const instance = this.instance;
    this.instance = null;
    this.abort = null;
    this.timers = null;
    this.run++; // errors from the old instance are stale from now on
    abort.abort(new Error(reason));
    if (instance) {
      const deadline = this.deps.stopTimeoutMs();
      try {
        await withDeadline(Promise.resolve().then(() => instance.stop()), deadline, 'stop()');
      } catch (e) {
        if (e instanceof DeadlineError) {
          this.stopTimeouts++;
          this.lastError = `stop() did not finish within ${deadline} ms; the instance was abandoned`;
          this.log.error('Driver did not stop in time; abandoned it.', { deadline_ms: deadline });
        } else {
          this.lastError = `stop: ${errorText(e)}`;
          this.log.error('Driver stop failed.', { error: errorText(e) });
        }
      }
    }
    timers.cancelAll();
  }

  // ---- daemon → driver events ----

  private kick(): void {
    if (this.pumping || !this.instance?.receive || !this.isActive || !this.client || this.client.queued === 0) return;
    this.pumping = true;
    setImmediate(() => void this.inRun(() => this.pump()));
  }

  private async pump(): Promise<void> {
    const client = this.client;
    const instance = this.instance;
    let n = 0;
    try {
      while (client && instance && this.instance === instance && this.isActive && instance.receive) {
        const ev = client.take();
        if (!ev) break;
        this.counters.received++;
        try {
          const r = instance.receive(ev);
          if (r && typeof (r as Promise<void>).then === 'function') await r;
        } catch (e) {
          this.counters.receiveErrors++;
          const now = Date.now();
          if (now - this.lastReceiveErrorLog > 5000) {
            this.lastReceiveErrorLog = now;
            this.log.error('receive() failed; the event was dropped.', { error: errorText(e), errors: this.counters.receiveErrors });
          }
        }
        if (++n % 256 === 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.pumping = false;
    }
    if (this.client && this.client.queued > 0) this.kick();
  }
}

/** A DriverConfigError, also from driver modules that define their own class of that name. */
export function isConfigError(e: unknown): boolean {
  return e instanceof DriverConfigError || (e instanceof Error && e.name === 'DriverConfigError');
}
