/*
 * One running TCP/IP link: a receive session (SFLT/SMSK, then RCVLOOP) whose events are handed
 * to the daemon, and a send session (CHID) to which the events the daemon delivers are sent
 * with pipelined SEND commands, as many as SEND_WINDOW unanswered at a time.
 *
 * Outgoing: receive() → TX filter (a rejected event is dropped and counted, the next one goes
 * on) → loop check → queue → SEND. While the send session is up and a full window waits in the
 * queue, receive() returns a promise, so events wait in the daemon's own bounded queue; while it is
 * down they wait in the link's queue (send_queue_size), the oldest dropped and counted when it
 * is full. SENDs unanswered when the connection breaks are not sent again (a second copy could
 * reach the remote's clients twice); they are counted as unconfirmed.
 *
 * Incoming: echo check (obid = the send session's channel id on the remote, refreshed after
 * every reconnect) → loop check → RX filter (the remote applies it too, when it lets us set it)
 * → ctx.emit().
 *
 * The receive session must hear an event or a keep-alive at least every keepalive_timeout_ms,
 * else it is closed and opened again (T6: backoff, filter re-sent, RCVLOOP). An idle send
 * session is probed with NOOP as often, so a dead peer is noticed before events are lost.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type {
  DriverContext, DriverInstance, DriverSettings, ReconfigureResult,
} from '../../runtime/drivers/contract.js';
import { DropOldestQueue, RateLimitedWarning, Wakeup } from '../../runtime/drivers/toolkit/index.js';
import {
  type VscpEvent, type VscpFilter, filterAccepts, filterPart, formatEvent, formatFilterPart, isOpenFilter, maskPart,
} from '../../runtime/protocol/index.js';
import { type ReceiveLoop, type VscpClient, VscpCommandError } from '../../runtime/tcpip/client.js';
import { LoopGuard, eventFingerprint } from './loop-guard.js';
import { RemoteSession, type SessionRole } from './session.js';
import type { TcpiplinkSettings } from './settings.generated.js';
import { HOT_KEYS, type LinkConfig, deriveConfig } from './settings.js';

/** Counters of one link instance, since it started. */
export interface TcpiplinkStats {
  /** Receive / send sessions established (the first ones included). */
  receiveConnects: number;
  sendConnects: number;
  /** Established sessions that were lost (closed, stalled, timed out). */
  receiveLosses: number;
  sendLosses: number;
  /** Connection attempts that failed. */
  failedAttempts: number;
  /** Event lines that arrived in the receive loop. */
  arrived: number;
  /** Events handed to the daemon. */
  received: number;
  /** Own events that came back (obid = the send session's channel id). */
  echoes: number;
  /** Events from the remote this side's bus had already carried (a loop or a second path). */
  rxLoops: number;
  /** Events from the remote that the RX filter did not pass. */
  rxFiltered: number;
  /** Lines in the receive loop that were no event. */
  badLines: number;
  /** Events the daemon did not take (stopping). */
  emitFailed: number;
  /** Events the remote accepted (`+OK` to SEND). */
  sent: number;
  /** Events the remote refused (`-OK` to SEND, e.g. not allowed for the user). */
  refused: number;
  /** Delivered events the TX filter did not pass. */
  txFiltered: number;
  /** Delivered events that came from the remote (not sent back). */
  txLoops: number;
  /** Events dropped because the send queue was full while the send session was down. */
  droppedOffline: number;
  /** SENDs without answer when the connection broke (not repeated). */
  unconfirmed: number;
  /** Events still queued or unanswered when the link stopped. */
  droppedOnStop: number;
}

export interface TcpiplinkInstance extends DriverInstance {
  stats(): TcpiplinkStats;
  /** Every session this direction needs is up. */
  readonly linked: boolean;
  /** Events waiting to be sent. */
  readonly queued: number;
  /** The send session's client id on the remote (the obid of the events we send), or null. */
  readonly channelId: number | null;
}

/** Most SEND commands written and not answered. */
export const SEND_WINDOW = 512;
/** Most SEND commands in one write. */
const SEND_BATCH = 256;
/** How long stop() keeps sending what is queued and waiting for answers. */
const STOP_FLUSH_MS = 3000;
/** start() waits at most this long for the first connection attempts. */
const START_WAIT_MS = 3000;

/**
 * A filter that passes practically nothing (priority 7, class and type 65535, GUID all FF): set
 * on the send session so the remote does not fill a queue nobody reads.
 */
const SEND_SESSION_FILTER = 'SFLT 7,65535,65535,FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF';
const SEND_SESSION_MASK = 'SMSK 7,65535,65535,FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF';

function newStats(): TcpiplinkStats {
  return {
    receiveConnects: 0, sendConnects: 0, receiveLosses: 0, sendLosses: 0, failedAttempts: 0, arrived: 0, received: 0,
    echoes: 0, rxLoops: 0, rxFiltered: 0, badLines: 0, emitFailed: 0, sent: 0, refused: 0, txFiltered: 0, txLoops: 0,
    droppedOffline: 0, unconfirmed: 0, droppedOnStop: 0,
  };
}

function sameFilter(a: VscpFilter, b: VscpFilter): boolean {
  return a.filterPriority === b.filterPriority && a.filterClass === b.filterClass && a.filterType === b.filterType
    && a.maskPriority === b.maskPriority && a.maskClass === b.maskClass && a.maskType === b.maskType
    && a.filterGuid.every((v, i) => v === b.filterGuid[i]) && a.maskGuid.every((v, i) => v === b.maskGuid[i]);
}

/** The remote's filter commands for the receive session (GUIDs in their real byte order, T2 fixed). */
export function filterCommands(filter: VscpFilter): [string, string] {
  return [`SFLT ${formatFilterPart(filterPart(filter))}`, `SMSK ${formatFilterPart(maskPart(filter))}`];
}

interface SessionState {
  session: RemoteSession;
  client: VscpClient | null;
  /** Why the session is down (null while up or before the first attempt ended). */
  reason: string | null;
  /** The last failure logged, so a repeated one goes to debug. */
  lastLogged: string | null;
  everUp: boolean;
}

export class TcpipLink implements TcpiplinkInstance {
  private config: LinkConfig;
  private readonly ctx: DriverContext;
  private readonly counters = newStats();
  private readonly queue: DropOldestQueue<VscpEvent>;
  private readonly guard = new LoopGuard();
  private rx: SessionState | null = null;
  private tx: SessionState | null = null;
  private loop: ReceiveLoop | null = null;
  private txChannelId: number | null = null;
  private inflight = 0;
  private stopping = false;
  private started = false;
  private stopPromise: Promise<void> | null = null;
  private readonly drained = new Wakeup();
  private readonly progress = new Wakeup();
  private cancelTick: (() => void) | null = null;
  private tickMs = 0;
  private loopActivity = -1;
  private loopActiveAt = 0;
  private txActiveAt = 0;
  private probing = false;
  private pumpScheduled = false;
  private healthNow: { health: 'running' | 'degraded'; reason?: string } | null = null;
  private cancelHealthRepeat: (() => void) | null = null;
  private caCopy: Buffer | null = null;
  private readonly refusedWarning: RateLimitedWarning;
  private readonly dropWarning: RateLimitedWarning;
  private readonly badLineWarning: RateLimitedWarning;
  private filterWarned = false;
  private chidWarned = false;

  constructor(ctx: DriverContext, config: LinkConfig) {
    this.ctx = ctx;
    this.config = config;
    this.queue = new DropOldestQueue<VscpEvent>(config.sendQueueSize);
    this.refusedWarning = new RateLimitedWarning((m) => ctx.log.warn(m));
    this.dropWarning = new RateLimitedWarning((m) => ctx.log.warn(m));
    this.badLineWarning = new RateLimitedWarning((m) => ctx.log.warn(m));
  }

  get linked(): boolean {
    return (this.rx === null || this.rx.client !== null) && (this.tx === null || this.tx.client !== null) && this.started;
  }

  get queued(): number {
    return this.queue.length;
  }

  get channelId(): number | null {
    return this.txChannelId;
  }

  stats(): TcpiplinkStats {
    return { ...this.counters };
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    this.started = true;
    const c = this.config;
    if (c.tls.enabled && c.tls.ca !== '') {
      try {
        this.caCopy = readFileSync(c.tls.ca);
      } catch (e) {
        throw new Error(`tls_ca: read ${c.tls.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    if (c.direction !== 'send') this.rx = this.makeSession('receive');
    if (c.direction !== 'receive') this.tx = this.makeSession('send');
    this.ctx.log.info(`Linking to ${c.remote.display}${c.tls.enabled ? ' over TLS' : ''}.`, {
      direction: c.direction, user: c.user === '' ? '(none)' : c.user,
    });
    this.rx?.session.start();
    this.tx?.session.start();
    this.armTick();
    let cancelWait: (() => void) | null = null;
    await Promise.race([
      Promise.all([this.rx?.session.firstOutcome, this.tx?.session.firstOutcome]),
      new Promise<void>((resolve) => { cancelWait = this.ctx.scheduler.setTimeout(resolve, START_WAIT_MS); }),
    ]);
    (cancelWait as (() => void) | null)?.();
    if (this.stopping) return;
    this.updateHealth();
    // The host takes the driver for running when start() returns and ignores health reports
    // made while starting: repeat a degraded state once it has settled.
    if (this.healthNow?.health === 'degraded') {
      this.cancelHealthRepeat = this.ctx.scheduler.setTimeout(() => {
        this.cancelHealthRepeat = null;
        const h = this.healthNow;
        if (h && !this.stopping) this.ctx.setHealth(h.health, h.reason);
      }, 0);
    }
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.cancelTick?.();
    this.cancelTick = null;
    this.cancelHealthRepeat?.();
    this.cancelHealthRepeat = null;
    this.drained.wake();
    if (!this.started) return;
    // Hand over what was accepted while the send session is up.
    const deadline = Date.now() + STOP_FLUSH_MS;
    while (this.tx?.client && (this.queue.length > 0 || this.inflight > 0) && Date.now() < deadline) {
      this.pump();
      await this.progress.waitAtMost(deadline - Date.now());
    }
    const unanswered = this.inflight;
    await Promise.all([this.rx?.session.stop(), this.tx?.session.stop()]);
    const lost = this.queue.clear() + unanswered;
    if (lost > 0) {
      this.counters.droppedOnStop += lost;
      this.ctx.log.warn(`Dropped ${lost} events that could not be sent to ${this.config.remote.display} before stopping.`);
    }
    this.refusedWarning.flush('refused events');
    this.badLineWarning.flush('bad lines');
    this.dropWarning.flush('drop warnings');
    const s = this.counters;
    this.ctx.log.info('Stopped.', {
      received: s.received, sent: s.sent, refused: s.refused, dropped: s.droppedOffline + s.droppedOnStop, unconfirmed: s.unconfirmed,
    });
  }

  reconfigure(settings: DriverSettings, changed: readonly string[]): ReconfigureResult {
    if (changed.some((key) => !HOT_KEYS.has(key))) return 'restart';
    const next = deriveConfig(settings as TcpiplinkSettings);
    const prev = this.config;
    this.config = next;
    const dropped = this.queue.resize(next.sendQueueSize);
    if (dropped > 0) {
      this.counters.droppedOffline += dropped;
      this.ctx.log.warn(`The smaller send_queue_size dropped ${dropped} queued events.`);
    }
    if (!sameFilter(prev.rxFilter, next.rxFilter)) {
      const client = this.rx?.client;
      if (client) void this.sendRxFilter(client).catch(() => undefined);
    }
    if (prev.keepaliveTimeoutMs !== next.keepaliveTimeoutMs) this.armTick();
    this.ctx.log.info('Applied new settings.', { changed: changed.join(',') });
    this.pump();
    return 'applied';
  }

  private makeSession(role: SessionRole): SessionState {
    const state: SessionState = { session: null as unknown as RemoteSession, client: null, reason: null, lastLogged: null, everUp: false };
    state.session = new RemoteSession({
      role,
      scheduler: this.ctx.scheduler,
      config: () => this.config,
      tls: () => this.tlsOptions(),
      handlers: {
        setup: (client) => (role === 'receive' ? this.setupReceive(client) : this.setupSend(client)),
        up: (client, failed) => this.sessionUp(state, client, failed),
        down: (reason, wasUp, retryInMs) => this.sessionDown(state, reason, wasUp, retryInMs),
      },
    });
    return state;
  }

  private tlsOptions(): ConnectionOptions | undefined {
    const t = this.config.tls;
    if (!t.enabled) return undefined;
    const options: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized };
    if (t.ca !== '') {
      try {
        // Read at every connect, so a renewed CA is used without a restart.
        this.caCopy = readFileSync(t.ca);
      } catch (e) {
        if (!this.caCopy) throw new Error(`tls_ca: read ${t.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        this.ctx.log.warn(`Cannot read tls_ca ${t.ca} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); using the copy read earlier.`);
      }
      options.ca = this.caCopy!;
    }
    const name = t.servername !== '' ? t.servername : this.config.remote.host;
    if (isIP(name) === 0) options.servername = name;
    return options;
  }

  // ------------------------------------------------------------------------------------------
  // sessions

  private async setupReceive(client: VscpClient): Promise<void> {
    await this.sendRxFilter(client);
    this.loop = await client.receiveLoop({
      onEvent: (event) => this.onRemoteEvent(event),
      onBadLine: (line) => {
        this.counters.badLines++;
        this.badLineWarning.warn(`Ignored a line from ${this.config.remote.display} that is no event: ${JSON.stringify(line.slice(0, 120))}.`);
      },
      // the link runs its own watchdog, so the timeout can change while it runs
      keepaliveTimeoutMs: 0,
    });
  }

  /** SFLT + SMSK on the receive session; a refusal leaves the filtering to this side. */
  private async sendRxFilter(client: VscpClient): Promise<void> {
    const filter = this.config.rxFilter;
    const [f, m] = filterCommands(filter);
    const [fr, mr] = await client.pipeline([f, m], { timeoutMs: this.config.responseTimeoutMs });
    const refused = !fr!.ok ? fr! : !mr!.ok ? mr! : null;
    if (!refused) return;
    if (isOpenFilter(filter)) {
      this.ctx.log.debug(`The remote refused to open the receive filter: ${refused.status}`);
    } else if (!this.filterWarned) {
      this.filterWarned = true;
      this.ctx.log.warn(`The remote ${this.config.remote.display} refused the receive filter (${refused.status}); events are filtered here instead.`);
    }
  }

  private async setupSend(client: VscpClient): Promise<void> {
    try {
      this.txChannelId = await client.chid();
    } catch (e) {
      if (!(e instanceof VscpCommandError)) throw e;
      this.txChannelId = null;
      if (!this.chidWarned) {
        this.chidWarned = true;
        this.ctx.log.warn(`The remote ${this.config.remote.display} gave no channel id (${e.reply.status}); own events coming back are recognised by content only.`);
      }
    }
    // Best effort: a remote that refuses it (privilege below 6) just queues and drops there.
    await client.pipeline([SEND_SESSION_FILTER, SEND_SESSION_MASK], { timeoutMs: this.config.responseTimeoutMs });
  }

  private sessionUp(state: SessionState, client: VscpClient, failed: number): void {
    const again = state.everUp;
    state.client = client;
    state.reason = null;
    state.lastLogged = null;
    state.everUp = true;
    const display = this.config.remote.display;
    const after = failed > 0 ? ` after ${failed} failed attempt${failed === 1 ? '' : 's'}` : '';
    if (state === this.rx) {
      this.counters.receiveConnects++;
      this.loopActivity = -1;
      this.loopActiveAt = Date.now();
      this.ctx.log.info(`Receiving from ${display}${again ? ' again' : ''}${after}.`);
    } else {
      this.counters.sendConnects++;
      this.txActiveAt = Date.now();
      this.ctx.log.info(`Sending to ${display}${again ? ' again' : ''}${after}.`, { channel_id: this.txChannelId ?? 'none', queued: this.queue.length });
      this.pump();
    }
    this.updateHealth();
    this.drained.wake();
    this.progress.wake();
  }

  private sessionDown(state: SessionState, reason: string, wasUp: boolean, retryInMs: number): void {
    state.client = null;
    state.reason = reason;
    if (state === this.rx) {
      this.loop = null;
      if (wasUp) this.counters.receiveLosses++;
    } else {
      // A new session gets a new channel id; echoes of the old one are caught by content.
      this.txChannelId = null;
      if (wasUp) this.counters.sendLosses++;
      const dropped = this.queue.trim();
      if (dropped > 0) this.countOfflineDrops(dropped);
    }
    if (!wasUp) this.counters.failedAttempts++;
    const role = state === this.rx ? 'receive' : 'send';
    if (wasUp) {
      this.ctx.log.warn(`Lost the ${role} session: ${reason}; reconnecting in ${retryInMs} ms.`);
    } else if (reason !== state.lastLogged) {
      this.ctx.log.warn(`Cannot open the ${role} session: ${reason}; retrying in ${retryInMs} ms.`);
    } else {
      this.ctx.log.debug(`Cannot open the ${role} session: ${reason}; retrying in ${retryInMs} ms.`);
    }
    state.lastLogged = reason;
    this.updateHealth();
    this.drained.wake();
    this.progress.wake();
  }

  private updateHealth(): void {
    if (this.stopping) return;
    const down = [this.rx, this.tx].filter((s): s is SessionState => s !== null && s.client === null);
    if (down.length === 0) {
      this.setHealth('running');
      return;
    }
    const reasons = down.map((s) => s.reason ?? `connecting to ${this.config.remote.display}`);
    const reason = reasons.every((r) => r === reasons[0])
      ? `not linked: ${reasons[0]}`
      : down.map((s, i) => `${s === this.rx ? 'receive' : 'send'} session down: ${reasons[i]}`).join('; ');
    this.setHealth('degraded', reason);
  }

  private setHealth(health: 'running' | 'degraded', reason?: string): void {
    const now = this.healthNow;
    if (now && now.health === health && now.reason === reason) return;
    this.healthNow = reason === undefined ? { health } : { health, reason };
    this.ctx.setHealth(health, reason);
  }

  // ------------------------------------------------------------------------------------------
  // watchdog: receive-loop silence and idle send session

  private armTick(): void {
    this.cancelTick?.();
    this.cancelTick = null;
    if (this.stopping) return;
    const timeout = this.config.keepaliveTimeoutMs;
    if (timeout === 0) return;
    this.tickMs = Math.max(25, Math.min(1000, Math.floor(timeout / 4)));
    this.cancelTick = this.ctx.scheduler.setInterval(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    const timeout = this.config.keepaliveTimeoutMs;
    if (timeout === 0 || this.stopping) return;
    const now = Date.now();
    const loop = this.loop;
    if (loop && this.rx?.client) {
      const activity = loop.events + loop.keepalives + loop.badLines;
      if (activity !== this.loopActivity) {
        this.loopActivity = activity;
        this.loopActiveAt = now;
      } else if (now - this.loopActiveAt > timeout) {
        this.rx.session.drop(`no keep-alive or event from ${this.config.remote.display} for ${now - this.loopActiveAt} ms`);
      }
    }
    const tx = this.tx?.client;
    if (tx && this.inflight === 0 && !this.probing && now - this.txActiveAt > timeout) {
      this.probing = true;
      this.txActiveAt = now;
      tx.command('NOOP', { timeoutMs: this.config.responseTimeoutMs }).then(
        () => { this.probing = false; this.txActiveAt = Date.now(); },
        () => { this.probing = false; },
      );
    }
  }

  // ------------------------------------------------------------------------------------------
  // remote → daemon

  private onRemoteEvent(event: VscpEvent): void {
    const s = this.counters;
    s.arrived++;
    if (this.txChannelId !== null && event.obid === this.txChannelId) {
      s.echoes++;
      return;
    }
    const fp = eventFingerprint(event);
    if (this.tx) this.guard.noteRemote(fp);
    if (this.guard.seenLocally(fp)) {
      s.rxLoops++;
      return;
    }
    if (!filterAccepts(this.config.rxFilter, event)) {
      s.rxFiltered++;
      return;
    }
    if (this.ctx.emit(event)) s.received++;
    else s.emitFailed++;
  }

  // ------------------------------------------------------------------------------------------
  // daemon → remote

  receive(event: VscpEvent): void | Promise<void> {
    if (this.stopping) return;
    const s = this.counters;
    const fp = eventFingerprint(event);
    if (this.rx) this.guard.noteLocal(fp);
    if (!filterAccepts(this.config.txFilter, event)) {
      s.txFiltered++;
      return;
    }
    if (this.guard.cameFromRemote(fp)) {
      s.txLoops++;
      return;
    }
    if (this.tx?.client) {
      // The daemon hands over events one by one without waiting while receive() returns
      // nothing; they are sent together once it pauses (a microtask later), many per write.
      this.queue.pushUnbounded(event);
      this.schedulePump();
      if (this.queue.length < SEND_WINDOW) return;
      return this.drained.wait();
    }
    if (this.queue.push(event)) this.countOfflineDrops(1);
  }

  private countOfflineDrops(n: number): void {
    this.counters.droppedOffline += n;
    this.dropWarning.warn(
      `The send queue (send_queue_size ${this.queue.capacity}) is full while ${this.config.remote.display} is away; dropping the oldest events (${this.counters.droppedOffline} so far).`);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.tx?.client;
    if (client) {
      while (this.queue.length > 0 && this.inflight < SEND_WINDOW) {
        const n = Math.min(SEND_BATCH, SEND_WINDOW - this.inflight, this.queue.length);
        const lines = new Array<string>(n);
        for (let i = 0; i < n; i++) lines[i] = 'SEND ' + formatEvent(this.queue.shift()!);
        this.inflight += n;
        this.txActiveAt = Date.now();
        client.pipeline(lines, { timeoutMs: this.config.responseTimeoutMs }).then(
          (replies) => this.answered(replies),
          () => this.lost(n),
        );
      }
    }
    if (this.queue.length < SEND_WINDOW) this.drained.wake();
  }

  private answered(replies: { ok: boolean; status: string }[]): void {
    this.inflight -= replies.length;
    this.txActiveAt = Date.now();
    for (const r of replies) {
      if (r.ok) {
        this.counters.sent++;
      } else {
        this.counters.refused++;
        this.refusedWarning.warn(`The remote ${this.config.remote.display} refused an event: ${r.status.slice(0, 200)}`);
      }
    }
    this.pump();
    this.progress.wake();
  }

  private lost(n: number): void {
    this.inflight -= n;
    this.counters.unconfirmed += n;
    this.progress.wake();
  }
}
