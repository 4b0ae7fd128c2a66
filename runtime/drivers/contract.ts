/*
 * The driver contract: the Level II driver API of the original daemon, in TypeScript.
 *
 *   VSCPOpen(user, pass, host, port, prefix, config)  → definition.create(ctx, settings), then start()
 *   VSCPClose                                          → stop()
 *   VSCPBlockingSend    (daemon → driver)              → receive(event)
 *   VSCPBlockingReceive (driver → daemon)              → ctx.emit(event)
 *   VSCPGetLevel / GetVersion / GetVendorString / …    → definition.metadata
 *   (new)                                              → reconfigure(settings, changed)
 *
 * Drivers import only this module and runtime/protocol.
 */
import type { Guid, VscpEvent, VscpEventInit } from '../protocol/index.js';

/** How a change to a setting takes effect; every schema field carries one as `x-reload`. */
export type ReloadClass = 'hot' | 'driver-restart' | 'daemon-restart';

export type DriverSettings = Record<string, unknown>;

export interface DriverLogger {
  debug(message: string, fields?: Record<string, string | number | boolean | null | undefined>): void;
  info(message: string, fields?: Record<string, string | number | boolean | null | undefined>): void;
  warn(message: string, fields?: Record<string, string | number | boolean | null | undefined>): void;
  error(message: string, fields?: Record<string, string | number | boolean | null | undefined>): void;
}

/** Timers owned by the driver; all of them are cancelled when the driver stops. */
export interface DriverScheduler {
  setTimeout(fn: () => void, ms: number): () => void;
  setInterval(fn: () => void, ms: number): () => void;
  /** Six-field cron expression (seconds first). Returns a cancel function. */
  cron(expression: string, fn: () => void): () => void;
}

/** A daemon variable as a driver sees it; `value` is the plain text form (never BASE64). */
export interface DriverVariable {
  name: string;
  type: number;
  value: string;
}

/** The daemon's variables. Names are case-insensitive; `prefixed('x')` means `<prefix>_x`. */
export interface DriverVariables {
  get(name: string): DriverVariable | undefined;
  prefixed(suffix: string): DriverVariable | undefined;
  /** Creates or changes a runtime (non-declared) variable, e.g. a driver publishing state. */
  set(name: string, value: string, options?: { type?: number; persistent?: boolean; note?: string }): void;
}

/** Credentials for drivers that talk to the daemon over its TCP/IP interface, as the original ones did. */
export interface LocalCredentials {
  host: string;
  port: number;
  user: string;
  password: string;
}

export type DriverHealth = 'running' | 'degraded';

export interface DriverContext {
  /** The section name after `driver.`, as written. */
  readonly name: string;
  /** The variable prefix: the name with spaces turned into `_`. */
  readonly prefix: string;
  /** The driver's interface GUID (its `guid` setting, or the daemon GUID with the client id). */
  readonly guid: Guid;
  readonly log: DriverLogger;
  /** Aborted when the driver is being stopped; pass it to anything that can block. */
  readonly signal: AbortSignal;
  /** How long stop() may take before the host abandons the instance (`[general] stop_timeout_ms`). */
  readonly stopTimeoutMs: number;
  readonly scheduler: DriverScheduler;
  readonly variables: DriverVariables;
  /** A folder the driver may keep state in across restarts; created on first use. */
  readonly stateDir: string;
  /**
   * Hands an event to the daemon. The daemon sets obid, a zero timestamp/date, and replaces a
   * GUID that is zero apart from bytes 14–15 with the interface GUID. Returns false when the
   * event was dropped (daemon shutting down, driver stopped, invalid event).
   */
  emit(event: VscpEvent | VscpEventInit): boolean;
  /** Reports degraded operation (e.g. broker unreachable) with a reason, or recovery. */
  setHealth(health: DriverHealth, reason?: string): void;
  /**
   * Reports a failure the driver cannot recover from by itself (device gone, child process
   * exited): the host stops this instance and starts a new one after a backoff delay.
   */
  fail(error: Error | string): void;
  /** Credentials for a TCP/IP session to this daemon (allowed from 127.0.0.0/8 only). */
  localCredentials(): LocalCredentials;
}

/** What `reconfigure` answers: applied in place, or the host must restart the driver. */
export type ReconfigureResult = 'applied' | 'restart';

export interface DriverInstance {
  /** Acquires sockets, files, devices. Rejecting puts the driver in backoff (or config_error for a DriverConfigError). */
  start(): Promise<void>;
  /** Releases everything within the drain deadline; safe after a half-done start; idempotent. */
  stop(): Promise<void>;
  /**
   * An event for the driver (daemon → driver). Returning a promise makes the host wait before
   * the next one; meanwhile events queue (bounded) and overflow is counted. A driver without
   * `receive` consumes nothing and nothing queues for it.
   */
  receive?(event: VscpEvent): void | Promise<void>;
  /** Applies changed `hot` settings in place. */
  reconfigure?(settings: DriverSettings, changed: readonly string[]): ReconfigureResult | Promise<ReconfigureResult>;
  /** The driver's own counters (messages published, reconnects, …); numeric fields are shown in status and metrics. */
  stats?(): object;
}

/** Something a driver owns exclusively; two drivers claiming the same one is a configuration error. */
export interface DriverResource {
  kind: 'serial' | 'can' | 'netif' | 'gpio' | 'file' | 'tcp-listen' | 'bluetooth' | 'mqtt-client';
  id: string;
}

export interface DriverMetadata {
  /** 2 = Level II (full GUID) */
  level: 2;
  version: string;
  vendor: string;
  description: string;
  /** The original shared-object names this driver replaces (`vscpd import-xml`). */
  legacyLibraries?: readonly string[];
}

export interface DriverDefinition<S extends object = DriverSettings> {
  /** Short lower-case id, equal to the folder name under drivers/. */
  readonly id: string;
  readonly metadata: DriverMetadata;
  /** JSON Schema of the driver's own keys (drivers/<id>/schema.json), with `x-reload` on every field. */
  readonly schema: Record<string, unknown>;
  /**
   * Turns the legacy positional `config = a;b;c` string into keys. Without it the schema's
   * `x-positional` list gives the key of each position.
   */
  parseLegacyConfig?(config: string): Record<string, string>;
  /** Exclusive resources these settings claim (serial port, CAN interface, …). */
  resources?(settings: S): DriverResource[];
  /**
   * Derives and checks what the schema cannot; opens nothing, so `vscpd check` can run it.
   * Throws DriverConfigError for a setting that is wrong.
   */
  create(ctx: DriverContext, settings: S): DriverInstance;
}

/** A configuration problem: the driver goes to `config_error` and is not retried until the configuration changes. */
export class DriverConfigError extends Error {
  override name = 'DriverConfigError';
  /** The setting at fault, so the message can carry its file:line. */
  readonly key: string | undefined;
  constructor(message: string, key?: string) {
    super(message);
    this.key = key;
  }
}

/** Helper for driver modules: keeps the settings type when defining a driver. */
export function defineDriver<S extends object>(definition: DriverDefinition<S>): DriverDefinition<S> {
  return definition;
}
