/*
 * The reconciler: turns the declared files into what runs. Every trigger (file watcher,
 * SIGHUP, `vscpd reload`, POST /reload, a `<prefix>_…` variable written at run time) goes
 * through the same pipeline: load (the code `vscpd check` runs) → plan → apply → commit a new
 * generation. A rejected configuration changes nothing. Reloads run one at a time; triggers
 * that arrive meanwhile are merged into one follow-up reload.
 */
import type { DesiredState, DriverDesired, Problem } from '../config/types.js';
import type { DriverDefinition } from '../drivers/contract.js';
import type { DriverHost } from '../drivers/host.js';
import type { Logger } from '../support/log.js';
import type { VariableStore } from '../variables/contract.js';
import { type DriverResult, applyDrivers } from './apply.js';
import { type GenerationRecord, GenerationStore } from './generations.js';
import { type Plan, type RunningDriver, computePlan } from './plan.js';

export type ReloadTrigger = 'startup' | 'watcher' | 'signal' | 'admin' | 'cli' | 'variable';

export type ReloadOutcomeKind = 'applied' | 'unchanged' | 'partial' | 'rejected' | 'failed';

export interface ReloadOutcome {
  trigger: ReloadTrigger;
  outcome: ReloadOutcomeKind;
  /** The generation running after this reload. */
  generation: number;
  hash: string | null;
  startedAt: string;
  durationMs: number;
  /** Errors (rejected) and warnings, each with file:line. */
  problems: Problem[];
  drivers: DriverResult[];
  restartRequired: string[];
  plan: Plan | null;
}

export interface ReadResult<S> {
  snapshot?: S;
  problems: Problem[];
  /** Every file read (also when reading failed), for drift detection. */
  files: { path: string; hash: string }[];
}

export interface ResolveResult {
  state?: DesiredState;
  problems: Problem[];
}

export type VariableValues = ReadonlyMap<string, { type: number; value: string }>;

/** Where desired states come from (runtime/config behind a small port). */
export interface ConfigSource<S = unknown> {
  /** Reads the files: parse, includes, references, schema of the global sections. */
  read(): Promise<ReadResult<S>>;
  /** Resolves a read snapshot with variable values into a desired state (the rest of `vscpd check`). */
  resolve(snapshot: S, variables: VariableValues): Promise<ResolveResult>;
  /** Content hashes of the configuration files as they are on disk now. */
  fingerprint(): Promise<{ path: string; hash: string }[]>;
}

export interface ReconcilerOptions {
  host: DriverHost;
  variables: VariableStore;
  source: ConfigSource;
  log: Logger;
  stateDir: string;
  loadDefinition: (d: DriverDesired) => Promise<DriverDefinition>;
  /** Applies changed global sections (tcpip, users, automation, admin, general). */
  applyGlobals: (before: DesiredState, after: DesiredState, plan: Plan) => Promise<void>;
  onOutcome?: (outcome: ReloadOutcome) => void;
}

export interface ReconcileStatus {
  generation: number;
  hash: string | null;
  appliedAt: string | null;
  lastReload: ReloadOutcome | null;
  drift: { drifted: boolean; files: string[]; reason: string | null };
  restartRequired: string[];
}

function filesHash(files: { path: string; hash: string }[]): string {
  return files.map((f) => `${f.path}=${f.hash}`).sort().join('\n');
}

export class Reconciler {
  private applied: DesiredState | null = null;
  private appliedSnapshot: unknown = null;
  private initialRead: ReadResult<unknown> | null = null;
  private appliedFiles: { path: string; hash: string }[] = [];
  /** The files as the last reload read them (also a rejected one): what the watcher compares with. */
  lastReadFiles: { path: string; hash: string }[] = [];
  private generation = 0;
  private appliedAt: string | null = null;
  private lastReload: ReloadOutcome | null = null;
  private restartRequired = new Set<string>();
  private readonly generations: GenerationStore;
  private running: Promise<ReloadOutcome> | null = null;
  private pending: { trigger: ReloadTrigger; promise: Promise<ReloadOutcome> } | null = null;
  private variableTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(private readonly o: ReconcilerOptions) {
    this.generations = new GenerationStore(o.stateDir);
  }

  get state(): DesiredState | null {
    return this.applied;
  }

  /** First load at daemon start: an invalid configuration is returned as rejected and nothing starts. */
  /**
   * `initial`: the files as the daemon already read them to start (they decided the state
   * folder and the GUID), so the first generation is built from exactly those bytes.
   */
  async start(initial?: ReadResult<unknown>): Promise<ReloadOutcome> {
    const previous = await this.generations.read();
    if (previous) this.generation = previous.generation;
    this.initialRead = initial ?? null;
    const outcome = await this.reload('startup');
    this.initialRead = null;
    this.unsubscribe = this.o.variables.onChange((change) => {
      if (change.source === 'file' || this.closed) return;
      if (!this.variableAffectsDriver(change.name)) return;
      // coalesce bursts of variable writes into one reload
      if (this.variableTimer) return;
      this.variableTimer = setTimeout(() => {
        this.variableTimer = null;
        void this.reload('variable');
      }, 20);
    });
    return outcome;
  }

  /** True when `name` is `<prefix>_<key>` for a key of that driver's schema (a setting, not a driver's own state). */
  private variableAffectsDriver(name: string): boolean {
    const upper = name.toUpperCase();
    for (const r of this.o.host.list()) {
      const prefix = `${r.desired.prefix.toUpperCase()}_`;
      if (!upper.startsWith(prefix)) continue;
      const key = upper.slice(prefix.length).toLowerCase();
      const schema = r.definition.schema as { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown>; additionalProperties?: unknown };
      if (schema.properties && key in schema.properties) return true;
      for (const pattern of Object.keys(schema.patternProperties ?? {})) {
        try {
          if (new RegExp(pattern).test(key)) return true;
        } catch {
          // a schema with a bad pattern fails validation elsewhere
        }
      }
      if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return true;
    }
    return false;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.variableTimer) clearTimeout(this.variableTimer);
  }

  /** Requests a reload and resolves with its real outcome. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    if (!this.running) {
      this.running = this.run(trigger).finally(() => {
        this.running = null;
      });
      return this.running;
    }
    if (this.pending && (this.pending.trigger !== 'variable' || trigger === 'variable')) return this.pending.promise;
    const after = this.running.catch(() => undefined);
    const promise = after.then(() => this.reload(trigger));
    this.pending = { trigger, promise };
    void promise.finally(() => {
      if (this.pending?.promise === promise) this.pending = null;
    });
    return promise;
  }

  private runningDrivers(): Map<string, RunningDriver> {
    return new Map(this.o.host.list().map((r) => [r.key, { desired: r.desired, canReconfigure: r.canReconfigure }]));
  }

  /**
   * Reads the files and resolves them with the variable values they will give: a variable the
   * user changed in the file takes the file's value (DESIGN.md), so the drivers must see that.
   */
  private async readAndResolve(): Promise<{ snapshot?: unknown; state?: DesiredState; problems: Problem[]; files: { path: string; hash: string }[] }> {
    const read = this.initialRead ?? (await this.o.source.read());
    this.initialRead = null;
    // exactly what `vscpd check` does: resolve whenever there is a snapshot, so every error is reported
    this.lastReadFiles = read.files;
    if (read.snapshot === undefined) return { problems: read.problems, files: read.files };
    const values = this.o.variables.snapshot();
    let resolved = await this.o.source.resolve(read.snapshot, values);
    if (resolved.state) {
      const vplan = this.o.variables.planDeclared(resolved.state.variables);
      if (vplan.added.length + vplan.changed.length + vplan.removed.length > 0) {
        resolved = await this.o.source.resolve(read.snapshot, this.o.variables.snapshotAfter(resolved.state.variables));
      }
    }
    // resolving reports the problems found while reading again, in order
    return { snapshot: read.snapshot, ...(resolved.state ? { state: resolved.state } : {}), problems: resolved.problems, files: read.files };
  }

  /** What a reload would do now, without doing it (`vscpd plan`, GET /plan). */
  async plan(): Promise<{ plan: Plan | null; problems: Problem[] }> {
    const loaded = await this.readAndResolve();
    if (!loaded.state || loaded.problems.some((p) => p.severity === 'error')) return { plan: null, problems: loaded.problems };
    const plan = computePlan(this.runningDrivers(), this.applied, loaded.state, this.o.variables.planDeclared(loaded.state.variables));
    return { plan, problems: loaded.problems };
  }

  private async run(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    const finish = (o: Omit<ReloadOutcome, 'trigger' | 'startedAt' | 'durationMs' | 'generation'>): ReloadOutcome => {
      const outcome: ReloadOutcome = { trigger, startedAt, durationMs: Math.round((performance.now() - t0) * 10) / 10, generation: this.generation, ...o };
      this.lastReload = outcome;
      this.log(outcome);
      try {
        this.o.onOutcome?.(outcome);
      } catch (e) {
        this.o.log.error('A reload listener failed.', { error: (e as Error).message });
      }
      return outcome;
    };

    let loaded: { snapshot?: unknown; state?: DesiredState; problems: Problem[]; files: { path: string; hash: string }[] };
    try {
      if (trigger === 'variable') {
        if (this.appliedSnapshot === null) return finish({ outcome: 'unchanged', hash: null, problems: [], drivers: [], restartRequired: [...this.restartRequired], plan: null });
        const resolved = await this.o.source.resolve(this.appliedSnapshot, this.o.variables.snapshot());
        loaded = { snapshot: this.appliedSnapshot, ...resolved, files: this.appliedFiles };
      } else {
        loaded = await this.readAndResolve();
      }
    } catch (e) {
      return finish({ outcome: 'rejected', hash: null, problems: [{ severity: 'error', message: `loading the configuration: ${(e as Error).message}` }], drivers: [], restartRequired: [...this.restartRequired], plan: null });
    }
    const state = loaded.state;
    if (!state || loaded.problems.some((p) => p.severity === 'error')) {
      return finish({ outcome: 'rejected', hash: null, problems: loaded.problems, drivers: [], restartRequired: [...this.restartRequired], plan: null });
    }

    const variablePlan = this.o.variables.planDeclared(state.variables);
    const plan = computePlan(this.runningDrivers(), this.applied, state, variablePlan);
    const previous = this.applied;
    if (plan.changes === 0 && trigger === 'variable') {
      // a variable write that changes no driver's settings is not a reload
      return { trigger, startedAt, durationMs: 0, generation: this.generation, outcome: 'unchanged', hash: state.hash, problems: [], drivers: [], restartRequired: [...this.restartRequired], plan };
    }
    if (plan.changes === 0 && previous) {
      this.appliedFiles = loaded.files;
      this.appliedSnapshot = loaded.snapshot;
      this.applied = state;
      return finish({ outcome: 'unchanged', hash: state.hash, problems: loaded.problems, drivers: [], restartRequired: [...this.restartRequired], plan });
    }

    const policy = trigger === 'startup' ? 'per-driver' : state.general.reload;
    const applyRest = async () => {
      this.o.variables.applyDeclared(state.variables);
      if (previous) await this.o.applyGlobals(previous, state, plan);
    };
    let drivers: DriverResult[];
    if (policy === 'atomic') {
      drivers = await applyDrivers({ host: this.o.host, plan: plan.drivers, desired: state, policy, loadDefinition: this.o.loadDefinition });
      if (drivers.some((d) => d.outcome !== 'ok')) {
        return finish({ outcome: 'failed', hash: previous?.hash ?? null, problems: loaded.problems, drivers, restartRequired: [...this.restartRequired], plan });
      }
      await applyRest();
    } else {
      await applyRest();
      drivers = await applyDrivers({ host: this.o.host, plan: plan.drivers, desired: state, policy, loadDefinition: this.o.loadDefinition });
    }
    for (const key of plan.restartRequired) this.restartRequired.add(key);
    const generation = this.generation + 1;
    const appliedAt = new Date().toISOString();
    const record: GenerationRecord = { generation, hash: state.hash, appliedAt, files: loaded.files };
    try {
      await this.generations.write(record, state);
    } catch (e) {
      this.o.log.error('Could not record the applied generation in the state folder.', { error: (e as Error).message });
    }
    // the new generation and its reload outcome become visible together (finish() runs synchronously)
    this.applied = state;
    this.appliedSnapshot = loaded.snapshot;
    this.appliedFiles = loaded.files;
    this.generation = generation;
    this.appliedAt = appliedAt;
    const failed = drivers.some((d) => d.outcome !== 'ok');
    return finish({ outcome: failed ? 'partial' : 'applied', hash: state.hash, problems: loaded.problems, drivers, restartRequired: [...this.restartRequired], plan });
  }

  private log(o: ReloadOutcome): void {
    const log = this.o.log;
    const fields = { trigger: o.trigger, generation: o.generation, duration_ms: o.durationMs };
    switch (o.outcome) {
      case 'applied':
      case 'partial': {
        const count = (a: string) => o.drivers.filter((d) => d.action === a).length;
        const msg = o.outcome === 'applied' ? 'Configuration applied.' : 'Configuration applied; some drivers failed and were rolled back.';
        const sections = o.plan?.globals.map((g) => g.section).join(',') || undefined;
        const v = o.plan?.variables;
        const variables = v ? v.added.length + v.changed.length + v.removed.length : 0;
        (o.outcome === 'applied' ? log.info : log.warn)(msg, {
          ...fields, started: count('start'), stopped: count('stop'), restarted: count('restart'), reconfigured: count('reconfigure'),
          ...(sections ? { sections } : {}), ...(variables ? { variables } : {}),
        });
        for (const d of o.drivers.filter((x) => x.outcome !== 'ok')) log.warn(`Driver ${d.name}: ${d.action} ${d.outcome.replace('_', ' ')}.`, { error: d.error });
        break;
      }
      case 'unchanged':
        log.debug('Configuration unchanged.', fields);
        break;
      case 'rejected':
        log.error('Configuration rejected; the previous configuration keeps running.', fields);
        for (const p of o.problems.filter((x) => x.severity === 'error')) log.error(`${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`);
        break;
      case 'failed':
        log.error('Configuration failed to apply and was rolled back (reload = atomic).', fields);
        for (const d of o.drivers.filter((x) => x.outcome === 'failed')) log.error(`Driver ${d.name}: ${d.error ?? 'failed'}`);
        break;
    }
    for (const p of o.problems.filter((x) => x.severity === 'warning')) log.warn(`${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`);
  }

  async status(): Promise<ReconcileStatus> {
    let drift = { drifted: false, files: [] as string[], reason: null as string | null };
    try {
      const now = await this.o.source.fingerprint();
      const before = new Map(this.appliedFiles.map((f) => [f.path, f.hash]));
      const changed = now.filter((f) => before.get(f.path) !== f.hash).map((f) => f.path);
      for (const f of this.appliedFiles) if (!now.some((n) => n.path === f.path)) changed.push(f.path);
      if (changed.length > 0 || filesHash(now) !== filesHash(this.appliedFiles)) {
        drift = {
          drifted: true,
          files: [...new Set(changed)].sort(),
          reason: this.lastReload?.outcome === 'rejected' ? 'the files on disk were rejected; the previous configuration runs' : 'the files on disk changed since the running configuration was applied',
        };
      }
    } catch (e) {
      drift = { drifted: true, files: [], reason: `cannot read the configuration files: ${(e as Error).message}` };
    }
    return {
      generation: this.generation,
      hash: this.applied?.hash ?? null,
      appliedAt: this.appliedAt,
      lastReload: this.lastReload,
      drift,
      restartRequired: [...this.restartRequired],
    };
  }
}
