/*
 * The driver host: every configured driver as a DriverRuntime, keyed by prefix
 * (case-insensitive). The reconciler tells it what to start, stop, reconfigure or replace; the
 * host keeps each driver's failures to that driver.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DriverDesired } from '../config/types.js';
import type { DriverDefinition } from './contract.js';
import { createExecDefinition } from './exec.js';
import { loadBuiltinDriver, loadModuleDriver } from './registry.js';
import {
  type DriverStateChange, type DriverStatus, type RunTag, type RuntimeDeps, type StartOutcome, DriverRuntime,
} from './runtime.js';

export interface DriverHostOptions extends Omit<RuntimeDeps, 'als' | 'onStateChange' | 'startTimeoutMs' | 'emitLimitPerSec'> {
  /** Deadline for a driver's start(); default 30 s. */
  startTimeoutMs?: number;
  /** Per-driver emit limit (events/s); a flooding driver is throttled, the others are not. Default 100,000. */
  emitLimitPerSec?: number;
  onStateChange?: (change: DriverStateChange) => void;
}

/** Loads the definition a desired driver names (built-in id, module path or exec command). */
export async function loadDefinition(desired: Pick<DriverDesired, 'kind' | 'ref' | 'legacyConfig'>): Promise<DriverDefinition> {
  switch (desired.kind) {
    case 'builtin':
      return loadBuiltinDriver(desired.ref);
    case 'module':
      return loadModuleDriver(desired.ref);
    case 'exec':
      return createExecDefinition(desired.ref, desired.legacyConfig ?? '');
  }
}

export class DriverHost {
  private readonly runtimes = new Map<string, DriverRuntime>();
  private readonly als = new AsyncLocalStorage<RunTag>();
  private readonly listeners = new Set<(change: DriverStateChange) => void>();

  constructor(private readonly options: DriverHostOptions) {
    if (options.onStateChange) this.listeners.add(options.onStateChange);
  }

  onStateChange(listener: (change: DriverStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private newRuntime(desired: DriverDesired, definition: DriverDefinition): DriverRuntime {
    const { onStateChange: _first, ...o } = this.options;
    return new DriverRuntime(
      {
        ...o,
        startTimeoutMs: o.startTimeoutMs ?? 30_000,
        emitLimitPerSec: o.emitLimitPerSec ?? 100_000,
        als: this.als,
        onStateChange: (change) => {
          for (const l of this.listeners) {
            try {
              l(change);
            } catch (e) {
              o.log.error('A driver state listener failed.', { error: (e as Error).message });
            }
          }
        },
      },
      desired,
      definition,
    );
  }

  get(prefix: string): DriverRuntime | undefined {
    return this.runtimes.get(prefix.toLowerCase());
  }

  list(): DriverRuntime[] {
    return [...this.runtimes.values()];
  }

  statuses(): DriverStatus[] {
    return this.list().map((r) => r.status()).sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  /** Adds a driver and starts it (supervised: a failing start goes to backoff and is retried). */
  async add(desired: DriverDesired, definition: DriverDefinition): Promise<StartOutcome> {
    const key = desired.prefix.toLowerCase();
    if (this.runtimes.has(key)) throw new Error(`driver ${desired.name} exists already`);
    const runtime = this.newRuntime(desired, definition);
    this.runtimes.set(key, runtime);
    return runtime.start(true);
  }

  /** Stops and forgets a driver. */
  async remove(prefix: string): Promise<void> {
    const key = prefix.toLowerCase();
    const runtime = this.runtimes.get(key);
    if (!runtime) return;
    await runtime.dispose();
    this.runtimes.delete(key);
  }

  /**
   * SIGHUP / `vscpd reload`: drivers that keep files open re-open them (log rotation). They get
   * `reconfigure(settings, [])`, no changed keys, as that hint.
   */
  async reopenAll(): Promise<void> {
    await Promise.all(this.list().filter((r) => r.isActive && r.canReconfigure).map((r) => r.reconfigure(r.desired, [])));
  }

  async stopAll(reason: string): Promise<void> {
    await Promise.all(this.list().map((r) => r.stop(reason)));
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.list().map((r) => this.remove(r.desired.prefix)));
  }

  /**
   * Called from the process' uncaughtException/unhandledRejection handlers: when the error
   * came from a driver's code, that driver is restarted and true is returned.
   */
  handleUncaught(error: unknown): boolean {
    const tag = this.als.getStore();
    if (!tag) return false;
    tag.runtime.failRun(tag.run, error, 'uncaught error');
    return true;
  }
}
