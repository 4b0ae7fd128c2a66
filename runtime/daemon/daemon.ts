/*
 * The daemon: wires the parts together and owns their order of start and stop.
 *
 * start: configuration → state folder and variables → bus → users → TCP/IP interface →
 *        driver host and the first generation → automation → admin API → file watcher →
 *        runtime file
 * stop:  the reverse; drivers get their deadline, persistent variables are flushed, TCP/IP
 *        sessions get a final line.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Bus, type BusClient } from '../bus/index.js';
import { ConfigurationError, type DesiredState, type Problem } from '../config/types.js';
import { secretValues } from '../config/index.js';
import { DriverHost, loadDefinition } from '../drivers/host.js';
import type { DriverBus } from '../drivers/bus-port.js';
import { Automation, serverIpv4Addresses } from '../automation/index.js';
import { AdminServer } from '../admin/server.js';
import { type Metric, formatMetrics } from '../admin/metrics.js';
import { capabilityCode, formatGuid, makeFilter, type VscpEvent, zeroGuid } from '../protocol/index.js';
import { type ReadResult, Reconciler, type ReloadOutcome, type ReloadTrigger } from '../reconcile/reconciler.js';
import { ConfigWatcher } from '../reconcile/watcher.js';
import { type LogSink, RootLogger, type Logger } from '../support/log.js';
import { TcpipServer, UserDirectory } from '../tcpip/index.js';
import { createVariableStore, type RuntimeVariableStore } from '../variables/store.js';
import { DAEMON_VERSION } from '../variables/stock.js';
import { FileConfigSource, fingerprintOf } from './config-source.js';
import { driverStateEvent, reloadEvent } from './events.js';
import { daemonGuid } from './guid.js';
import { type RuntimeInfo, removeRuntimeFile, writeRuntimeFile } from './runtime-file.js';
import { DRIVER_STATES } from '../drivers/runtime.js';

export interface DaemonOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (default stderr). */
  logSink?: LogSink;
}

export const VERSION = DAEMON_VERSION.text;

/** HTTP status and exit code of a reload outcome (docs/reload.md). */
export function reloadStatus(outcome: ReloadOutcome['outcome']): number {
  switch (outcome) {
    case 'applied':
    case 'unchanged':
      return 200;
    case 'partial':
      return 409;
    case 'rejected':
      return 422;
    case 'failed':
      return 500;
  }
}

export class Daemon {
  readonly startedAt = new Date();
  private readonly root: RootLogger;
  private readonly log: Logger;
  private readonly token = randomBytes(24).toString('hex');
  private secrets: string[] = [];
  private stopping: Promise<void> | null = null;
  private watcher: ConfigWatcher | null = null;
  private tcpip: TcpipServer | null = null;
  private admin: AdminServer | null = null;
  private internal: BusClient | null = null;
  private automation: Automation | null = null;
  private reloadCounts: Record<ReloadOutcome['outcome'], number> = { applied: 0, unchanged: 0, partial: 0, rejected: 0, failed: 0 };

  private constructor(
    private readonly o: DaemonOptions,
    private readonly source: FileConfigSource,
    private state: DesiredState,
    readonly bus: Bus,
    readonly variables: RuntimeVariableStore,
    readonly users: UserDirectory,
    readonly host: DriverHost,
    readonly reconciler: Reconciler,
    root: RootLogger,
  ) {
    this.root = root;
    this.log = root.logger('daemon');
  }

  /**
   * Starts the daemon. An invalid configuration throws a ConfigurationError (nothing started).
   */
  static async start(o: DaemonOptions): Promise<Daemon> {
    let secrets: string[] = [];
    const root = new RootLogger({ sink: o.logSink, redact: () => secrets });
    const log = root.logger('daemon');
    const source = new FileConfigSource(o.configFile, o.env);

    // a first load decides the daemon-restart settings (GUID, state folder, buffers)
    const read = await source.read();
    const first = read.snapshot ? await source.resolve(read.snapshot, new Map()) : { problems: read.problems };
    const problems: Problem[] = read.snapshot ? first.problems : read.problems;
    if (!('state' in first) || !first.state || problems.some((p) => p.severity === 'error')) throw new ConfigurationError(problems);
    const state = first.state;
    root.level = state.general.logLevel;
    log.info('Starting vscpd.', { version: VERSION, config: source.configFile, pid: process.pid });

    const { guid, source: guidSource } = daemonGuid(state.general.guid);
    if (guidSource !== 'configured') log.info('Daemon GUID derived from this machine.', { guid: formatGuid(guid), from: guidSource });

    let daemon: Daemon | null = null;
    const variables = await createVariableStore({
      stateDir: state.general.stateDir,
      log: root.logger('variables'),
      stock: {
        daemonName: () => daemon?.state.general.name ?? state.general.name,
        guid: () => formatGuid(guid),
        startedAt: () => daemon?.startedAt ?? new Date(),
        tcpipAddresses: () => daemon?.tcpip?.addresses().map((a) => `${a.host}:${a.port}`) ?? [],
        clientCount: () => daemon?.bus.clients.length ?? 0,
        driverCount: () => daemon?.host.list().length ?? 0,
        userCount: () => daemon?.users.list().length ?? 0,
        logLevel: () => root.level,
        clientBufferSize: () => state.general.clientBufferSize,
        configGeneration: () => daemon?.generation ?? 0,
        automation: () => daemon?.automationStatus() ?? undefined,
      },
    });
    const bus = new Bus({ daemonGuid: guid, defaultQueueSize: state.general.clientBufferSize, log: root.logger('bus') });
    const users = new UserDirectory(state.users, { log: root.logger('users') });

    const driverBus: DriverBus = {
      addClient: (opts) => bus.addClient({ ...opts, onReadable: opts.onReadable ? () => opts.onReadable!() : null }),
    };
    const hostRef: { daemon: Daemon | null } = { daemon: null };
    const host = new DriverHost({
      bus: driverBus,
      variables,
      credentials: {
        issue: (prefix) => users.addLocalUser({ owner: `driver ${prefix}` }),
        revoke: (user) => void users.removeLocalUser(user),
      },
      tcpipEndpoint: () => {
        const a = hostRef.daemon?.tcpip?.addresses()[0];
        if (!a) return null;
        return { host: a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host, port: a.port };
      },
      log: root.logger(''),
      stateDir: state.general.stateDir,
      backoff: () => {
        const g = hostRef.daemon?.state.general ?? state.general;
        return { minMs: g.restartBackoffMinMs, maxMs: g.restartBackoffMaxMs, stableMs: g.restartStableMs };
      },
      stopTimeoutMs: () => (hostRef.daemon?.state.general ?? state.general).stopTimeoutMs,
    });

    const reconciler = new Reconciler({
      host,
      variables,
      source,
      log: root.logger('reload'),
      stateDir: state.general.stateDir,
      loadDefinition: (d) => loadDefinition(d),
      applyGlobals: (before, after) => hostRef.daemon!.applyGlobals(before, after),
      onOutcome: (outcome) => hostRef.daemon?.onReload(outcome),
    });

    daemon = new Daemon(o, source, state, bus, variables, users, host, reconciler, root);
    hostRef.daemon = daemon;
    try {
      await daemon.startParts(guid, (s) => { secrets = s; }, read);
    } catch (e) {
      await daemon.stop('start failed').catch(() => undefined);
      throw e;
    }
    return daemon;
  }

  /** Where the TCP/IP interface listens (empty when disabled). */
  tcpipAddresses(): { host: string; port: number }[] {
    return this.tcpip?.addresses().map((a) => ({ host: a.host, port: a.port })) ?? [];
  }

  automationStatus(): ReturnType<Automation['status']> | null {
    return this.automation?.status() ?? null;
  }

  /** Where the admin API listens (null when disabled). */
  adminAddress(): { host: string; port: number } | null {
    return this.admin?.address() ?? null;
  }

  get generation(): number {
    return this.lastGeneration;
  }

  private lastGeneration = 0;

  private setSecrets: (s: string[]) => void = () => undefined;

  private async startParts(guid: Uint8Array, setSecrets: (s: string[]) => void, initialRead: ReadResult<unknown>): Promise<void> {
    const state = this.state;
    this.setSecrets = setSecrets;
    setSecrets(this.collectSecrets(state));
    this.host.onStateChange((change) => {
      if (this.internal && !this.internal.closed) this.internal.send(driverStateEvent(change, this.internal.guid));
    });
    this.internal = this.bus.addClient({
      name: 'Internal Server Automation Client.',
      kind: 'internal',
      // only high-end server probes (0,27) reach the daemon itself
      filter: makeFilter({ priority: 0, vscpClass: 0, vscpType: 27, guid: zeroGuid() }, { priority: 0, vscpClass: 0xffff, vscpType: 0xffff, guid: zeroGuid() }),
      onReadable: (client) => {
        let ev: VscpEvent | undefined;
        while ((ev = client.take())) this.automation?.handleEvent(ev);
      },
    });

    if (state.tcpip.enable) {
      this.tcpip = new TcpipServer({
        settings: state.tcpip,
        bus: this.bus,
        variables: this.variables,
        users: this.users,
        log: this.root.logger('tcpip'),
        info: { name: state.general.name, version: VERSION, guid, startedAt: this.startedAt },
        onShutdownRequest: (r) => {
          this.log.warn('SHUTDOWN requested over TCP/IP.', { user: r.user, address: r.address });
          void this.stop('SHUTDOWN command').then(() => process.exit(0));
        },
        onReloadRequest: async () => {
          await this.reload('cli');
        },
      });
      await this.tcpip.start();
    }

    const first = await this.reconciler.start(initialRead);
    if (first.outcome === 'rejected') throw new ConfigurationError(first.problems);
    this.state = this.reconciler.state ?? state;
    this.lastGeneration = first.generation;

    this.automation = new Automation({
      settings: this.state.automation,
      schedules: this.state.schedules,
      emit: (ev) => this.internal?.send(ev),
      info: () => ({
        name: this.state.general.name,
        guid,
        ipv4: serverIpv4Addresses(this.tcpip?.addresses() ?? []),
        tcpipPort: this.tcpip?.addresses()[0]?.port ?? 0,
        capabilities: capabilityCode([63, 61, 15, 5, 6, ...(this.tcpip ? [3] : [])]),
      }),
      log: this.root.logger('automation'),
    });
    this.automation.start();

    this.admin = new AdminServer({
      settings: this.state.admin,
      token: this.token,
      log: this.root.logger('admin'),
      handlers: {
        status: () => this.status(),
        plan: async () => {
          const r = await this.reconciler.plan();
          return { status: r.plan ? 200 : 422, body: r };
        },
        reload: async () => {
          const outcome = await this.reload('admin');
          return { status: reloadStatus(outcome.outcome), body: outcome };
        },
        metrics: () => this.metrics(),
      },
    });
    await this.admin.start();

    if (this.state.general.watch) await this.startWatcher();
    await this.writeRuntime();
    this.log.info('vscpd is running.', {
      tcpip: this.tcpip?.addresses().map((a) => `${a.host}:${a.port}`).join(',') ?? 'off',
      admin: this.admin.address() ? `${this.admin.address()!.host}:${this.admin.address()!.port}` : 'off',
      drivers: this.host.list().length,
      generation: this.lastGeneration,
    });
  }

  private async startWatcher(): Promise<void> {
    if (this.watcher) return;
    this.watcher = new ConfigWatcher({
      inputs: () => this.source.watchedInputs(),
      fingerprint: () => this.source.watchFingerprint(),
      onChange: () => this.reload('watcher'),
      log: this.root.logger('watch'),
    });
    await this.watcher.start(await this.source.watchFingerprint());
  }

  private collectSecrets(state: DesiredState): string[] {
    return secretValues(state);
  }

  private async writeRuntime(): Promise<void> {
    const admin = this.admin?.address() ?? null;
    const info: RuntimeInfo = {
      pid: process.pid,
      configFile: this.source.configFile,
      version: VERSION,
      startedAt: this.startedAt.toISOString(),
      admin,
      token: this.token,
      tcpip: this.tcpip?.addresses().map((a) => ({ host: a.host, port: a.port })) ?? [],
    };
    try {
      await writeRuntimeFile(info, this.o.env);
    } catch (e) {
      this.log.warn('Could not write the runtime file; `vscpd status` will not find this daemon.', { error: (e as Error).message });
    }
  }

  /** Reloads the configuration and answers the real outcome. */
  async reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const outcome = await this.reconciler.reload(trigger);
    if (trigger === 'signal' || trigger === 'cli' || trigger === 'admin') {
      // an explicit reload also tells drivers to re-open their files (log rotation)
      await this.host.reopenAll();
    }
    return outcome;
  }

  /** Applies changed global sections in place. */
  private async applyGlobals(before: DesiredState, after: DesiredState): Promise<void> {
    const changed = (s: string) => before.sectionHashes[s] !== after.sectionHashes[s];
    this.state = after;
    if (changed('general')) {
      this.root.level = after.general.logLevel;
      if (after.general.watch && !this.watcher) await this.startWatcher();
      if (!after.general.watch && this.watcher) {
        await this.watcher.close();
        this.watcher = null;
      }
    }
    if (changed('users')) this.users.setUsers(after.users);
    if (changed('tcpip')) {
      if (after.tcpip.enable && this.tcpip) {
        try {
          await this.tcpip.update(after.tcpip);
        } catch (e) {
          this.log.error('The TCP/IP interface could not apply its new settings.', { error: (e as Error).message });
        }
      }
      else if (after.tcpip.enable && !this.tcpip) this.log.warn('[tcpip] enable = true takes effect at the next restart of the daemon.');
      else if (!after.tcpip.enable && this.tcpip) {
        await this.tcpip.stop('the TCP/IP interface was disabled');
        this.tcpip = null;
      }
    }
    if (changed('admin')) {
      try {
        await this.admin?.update(after.admin);
      } catch (e) {
        this.log.error('The admin API could not move to its new address; it is off until the next change.', { error: (e as Error).message });
      }
    }
    if (changed('automation') || changed('schedules')) this.automation?.update(after.automation, after.schedules);
    if (changed('tcpip') || changed('admin')) await this.writeRuntime();
  }

  private onReload(outcome: ReloadOutcome): void {
    this.reloadCounts[outcome.outcome]++;
    this.lastGeneration = outcome.generation;
    if (this.reconciler.state) {
      this.state = this.reconciler.state;
      this.setSecrets(this.collectSecrets(this.state));
    }
    if (outcome.outcome !== 'unchanged' && this.internal) {
      this.internal.send(reloadEvent(outcome, this.internal.guid));
    }
    // the watcher compares the files on disk with what this reload read (no second read)
    if (this.watcher && outcome.trigger !== 'variable' && this.reconciler.lastReadFiles.length > 0) {
      this.watcher.setBaseline(fingerprintOf(this.reconciler.lastReadFiles));
    }
  }

  async status(): Promise<Record<string, unknown>> {
    const r = await this.reconciler.status();
    const totals = this.bus.totals();
    return {
      daemon: {
        name: this.state.general.name,
        version: VERSION,
        pid: process.pid,
        host: hostname(),
        startedAt: this.startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
        guid: formatGuid(this.bus.daemonGuid),
        configFile: this.source.configFile,
      },
      generation: r.generation,
      hash: r.hash,
      appliedAt: r.appliedAt,
      lastReload: r.lastReload,
      drift: r.drift,
      restartRequired: r.restartRequired,
      drivers: this.host.statuses(),
      tcpip: this.tcpip ? { addresses: this.tcpip.addresses(), ...this.tcpip.stats() } : null,
      admin: this.admin?.address() ?? null,
      bus: { clients: totals.clients, received: totals.received, sent: totals.sent, dropped: totals.dropped },
      variables: this.variables.status(),
      automation: this.automation?.status() ?? null,
    };
  }

  async metrics(): Promise<string> {
    const r = await this.reconciler.status();
    const totals = this.bus.totals();
    const statuses = this.host.statuses();
    const metrics: Metric[] = [
      { name: 'vscpd_config_generation', help: 'Generation of the configuration that runs.', type: 'gauge', samples: [{ value: r.generation }] },
      { name: 'vscpd_config_drift', help: '1 when the files on disk differ from the running configuration.', type: 'gauge', samples: [{ value: r.drift.drifted ? 1 : 0 }] },
      { name: 'vscpd_config_restart_required', help: '1 when a changed setting takes effect only at the next restart.', type: 'gauge', samples: [{ value: r.restartRequired.length ? 1 : 0 }] },
      { name: 'vscpd_reload_total', help: 'Reloads by outcome.', type: 'counter', samples: Object.entries(this.reloadCounts).map(([outcome, value]) => ({ labels: { outcome }, value })) },
      {
        name: 'vscpd_driver_state', help: 'State of each driver (1 for the current state).', type: 'gauge',
        samples: statuses.flatMap((s) => DRIVER_STATES.map((state) => ({ labels: { driver: s.name, state }, value: s.state === state ? 1 : 0 }))),
      },
      { name: 'vscpd_driver_restarts_total', help: 'Restarts of each driver after failures.', type: 'counter', samples: statuses.map((s) => ({ labels: { driver: s.name }, value: s.restarts })) },
      { name: 'vscpd_driver_starts_total', help: 'Starts of each driver, for any reason.', type: 'counter', samples: statuses.map((s) => ({ labels: { driver: s.name }, value: s.starts })) },
      {
        name: 'vscpd_driver_stat', help: "A driver's own counters (messages published, reconnects, …), by name.", type: 'gauge',
        samples: statuses.flatMap((s) => Object.entries(s.stats ?? {}).map(([stat, value]) => ({ labels: { driver: s.name, stat }, value }))),
      },
      { name: 'vscpd_events_total', help: 'Events handed to the bus.', type: 'counter', samples: [{ value: totals.received }] },
      { name: 'vscpd_events_delivered_total', help: 'Events taken by their receivers.', type: 'counter', samples: [{ value: totals.sent }] },
      {
        name: 'vscpd_events_dropped_total', help: 'Events dropped, by client and reason.', type: 'counter',
        samples: this.bus.clients.flatMap((c) => Object.entries(c.counters.dropped).filter(([, v]) => v > 0).map(([reason, value]) => ({ labels: { client: c.name, reason }, value }))),
      },
      { name: 'vscpd_events_dropped_all_total', help: 'Events dropped by all clients, including ones that left.', type: 'counter', samples: Object.entries(totals.dropped).map(([reason, value]) => ({ labels: { reason }, value })) },
      { name: 'vscpd_sessions', help: 'TCP/IP sessions connected.', type: 'gauge', samples: [{ value: this.tcpip?.stats().sessions ?? 0 }] },
      { name: 'vscpd_bus_clients', help: 'Bus clients (sessions, drivers, the daemon).', type: 'gauge', samples: [{ value: totals.clients }] },
      { name: 'vscpd_uptime_seconds', help: 'Seconds since the daemon started.', type: 'gauge', samples: [{ value: Math.round((Date.now() - this.startedAt.getTime()) / 1000) }] },
    ];
    return formatMetrics(metrics);
  }

  /** Stops everything in reverse order; safe to call twice. */
  stop(reason = 'stopping'): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<void> {
    this.log.info('Stopping vscpd.', { reason });
    this.reconciler.close();
    await this.watcher?.close();
    this.watcher = null;
    this.automation?.stop();
    await this.host.disposeAll();
    await this.tcpip?.stop(reason === 'signal' ? 'daemon stopping' : reason);
    try {
      await this.variables.flush();
      await this.variables.close();
    } catch (e) {
      this.log.error('Could not save the persistent variables.', { error: (e as Error).message });
    }
    this.internal?.close();
    await this.admin?.stop();
    await removeRuntimeFile(this.source.configFile, process.pid, this.o.env).catch(() => undefined);
    this.log.info('vscpd stopped.');
  }

  /** Makes driver failures that escape as uncaught errors a matter of that driver only. */
  handleUncaught(error: unknown): boolean {
    return this.host.handleUncaught(error);
  }
}
