/*
 * The simulation driver at run time: one timer per node for its measurements, one for the
 * heartbeats of all nodes, and every incoming event offered to every Level I node (the
 * original let one arbitrary node take each event, and incoming traffic held measurements
 * back; here timers run regardless of traffic).
 */
import type { DriverContext, DriverInstance, DriverSettings, ReconfigureResult } from '../../runtime/drivers/contract.js';
import { type VscpEvent, fromLevel1OverLevel2, isLevel1OverLevel2 } from '../../runtime/protocol/index.js';
import { SimNode } from './node.js';
import { BUILTIN_SERIES, readSeriesFile } from './series.js';
import { type NodeConfig, type SimConfig, deriveConfig } from './settings.js';
import type { SimSettings } from './settings.generated.js';

interface NodeState {
  node: SimNode;
  values: readonly number[];
  next: number;
  /** The data file could not be read: the reason; the built-in series is used meanwhile. */
  seriesError: string | null;
  loading: boolean;
  reloadWanted: boolean;
  cancelTimer: (() => void) | null;
  /** A value that could not be coded was reported once. */
  codingWarned: boolean;
}

export class SimDriver implements DriverInstance {
  private cfg: SimConfig;
  private states: NodeState[] = [];
  private cancelHeartbeat: (() => void) | null = null;
  private started = false;
  private stopped = false;
  private health: string | null = null;

  constructor(private readonly ctx: DriverContext, settings: SimSettings) {
    this.cfg = deriveConfig(settings, ctx.guid);
  }

  /** The simulated nodes (tests, status). */
  nodes(): readonly SimNode[] {
    return this.states.map((s) => s.node);
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.cfg.unusedKeys.length) {
      this.ctx.log.warn(`Settings for nodes beyond numberofnodes = ${this.cfg.nodes.length} are ignored: ${this.cfg.unusedKeys.join(', ')}`);
    }
    this.states = this.cfg.nodes.map((c) => this.newState(c));
    await Promise.all(this.states.map((s) => this.loadSeries(s)));
    if (this.stopped) return;
    for (const s of this.states) this.armMeasurements(s, true);
    this.armHeartbeat(true);
    this.ctx.log.info(`Simulating ${this.states.length} node${this.states.length === 1 ? '' : 's'}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = null;
    for (const s of this.states) {
      s.cancelTimer?.();
      s.cancelTimer = null;
    }
  }

  receive(event: VscpEvent): void {
    if (!this.started || this.stopped) return;
    let e = event;
    if (isLevel1OverLevel2(e)) {
      // Level I over Level II: the Level I event after the destination GUID.
      try {
        e = fromLevel1OverLevel2(e);
      } catch {
        return;
      }
    } else if (e.vscpClass >= 512) {
      return; // Level II events mean nothing to a Level I node
    }
    for (const s of this.states) {
      if (s.node.config.level2) continue;
      const { replies, intervalChanged } = s.node.handle(e);
      for (const r of replies) this.ctx.emit(r);
      if (intervalChanged) this.armMeasurements(s, false);
    }
  }

  async reconfigure(settings: DriverSettings, changed: readonly string[]): Promise<ReconfigureResult> {
    // The host validated the settings against this driver's schema.
    const next = deriveConfig(settings as SimSettings, this.ctx.guid);
    const prev = this.cfg;
    this.cfg = next;
    if (!this.started || this.stopped) return 'applied';
    const reloads: NodeState[] = [];
    for (const s of this.states.slice(next.nodes.length)) {
      s.cancelTimer?.();
      s.cancelTimer = null;
    }
    this.states = this.states.slice(0, next.nodes.length);
    next.nodes.forEach((c, i) => {
      const s = this.states[i];
      if (!s) {
        const fresh = this.newState(c);
        this.states.push(fresh);
        reloads.push(fresh);
        return;
      }
      const { intervalChanged, pathChanged } = s.node.apply(c, s.node.config);
      // With no changed key this is the reload signal: read the data files again.
      if (pathChanged || (changed.length === 0 && c.path !== null)) reloads.push(s);
      if (intervalChanged) this.armMeasurements(s, false);
    });
    await Promise.all(reloads.map((s) => this.loadSeries(s)));
    if (this.stopped) return 'applied';
    for (const s of reloads) if (!s.cancelTimer) this.armMeasurements(s, true);
    if (next.heartbeatIntervalMs !== prev.heartbeatIntervalMs) this.armHeartbeat(false);
    this.updateHealth();
    return 'applied';
  }

  private newState(c: NodeConfig): NodeState {
    return { node: new SimNode(c), values: BUILTIN_SERIES, next: 0, seriesError: null, loading: false, reloadWanted: false, cancelTimer: null, codingWarned: false };
  }

  /** Reads the node's data file (again); while a read runs, another request makes it read once more. */
  private async loadSeries(s: NodeState): Promise<void> {
    if (s.loading) {
      s.reloadWanted = true;
      return;
    }
    s.loading = true;
    try {
      do {
        s.reloadWanted = false;
        await this.readSeries(s);
      } while (s.reloadWanted && !this.stopped);
    } finally {
      s.loading = false;
    }
    this.updateHealth();
  }

  private async readSeries(s: NodeState): Promise<void> {
    const path = s.node.config.path;
    if (path === null) {
      this.useValues(s, BUILTIN_SERIES);
      s.seriesError = null;
      return;
    }
    try {
      const values = await readSeriesFile(path);
      if (s.node.config.path !== path) {
        s.reloadWanted = true; // the path changed meanwhile: read the new one
        return;
      }
      this.useValues(s, values);
      if (s.seriesError) this.ctx.log.info(`Node ${s.node.config.node} reads its values from ${path} again`);
      s.seriesError = null;
    } catch (e) {
      if (s.node.config.path !== path) {
        s.reloadWanted = true;
        return;
      }
      const reason = (e as Error).message;
      if (s.seriesError !== reason) this.ctx.log.warn(`Node ${s.node.config.node} uses the built-in series: ${reason}`);
      this.useValues(s, BUILTIN_SERIES);
      s.seriesError = reason;
    }
  }

  /** New values start from their first one; the same values again keep their place. */
  private useValues(s: NodeState, values: readonly number[]): void {
    const same = values === s.values || (values.length === s.values.length && values.every((v, i) => v === s.values[i]));
    if (same) return;
    s.values = values;
    s.next = 0;
  }

  private updateHealth(): void {
    if (this.stopped) return;
    const failing = this.states.filter((s) => s.seriesError !== null);
    const reason = failing.length === 0 ? null
      : `node ${failing[0]!.node.config.node}: ${failing[0]!.seriesError}; using the built-in series` +
        (failing.length > 1 ? ` (and ${failing.length - 1} more nodes)` : '');
    if (reason === this.health) return;
    this.health = reason;
    if (reason === null) this.ctx.setHealth('running');
    else this.ctx.setHealth('degraded', reason);
  }

  private armMeasurements(s: NodeState, sendNow: boolean): void {
    s.cancelTimer?.();
    s.cancelTimer = null;
    const seconds = s.node.intervalS;
    if (seconds === 0) return;
    if (sendNow) this.measure(s);
    s.cancelTimer = this.ctx.scheduler.setInterval(() => this.measure(s), seconds * 1000);
  }

  private armHeartbeat(sendNow: boolean): void {
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = null;
    const ms = this.cfg.heartbeatIntervalMs;
    if (ms === 0) return;
    const beat = () => { for (const s of this.states) this.ctx.emit(s.node.heartbeat()); };
    if (sendNow) beat();
    this.cancelHeartbeat = this.ctx.scheduler.setInterval(beat, ms);
  }

  private measure(s: NodeState): void {
    if (this.stopped) return;
    const value = s.values[s.next % s.values.length]!;
    s.next = (s.next + 1) % s.values.length;
    try {
      this.ctx.emit(s.node.measurement(value));
    } catch (e) {
      if (!s.codingWarned) {
        s.codingWarned = true;
        this.ctx.log.warn(`Node ${s.node.config.node} cannot send ${value}: ${(e as Error).message}`);
      }
    }
    // A data file that could not be read is tried again at every measurement.
    if (s.seriesError !== null) void this.loadSeries(s);
  }
}
