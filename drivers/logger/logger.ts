/*
 * The logger driver at run time. Events that pass the filter wait in a bounded queue and are
 * written in batches by one loop that also opens, re-opens and rotates the file, so every file
 * operation happens in order and the event loop is never blocked by I/O.
 *
 * Trouble (folder missing, disk full, not an XML log) puts the driver in `degraded` with the
 * failing operation as reason; the loop retries every `retry_interval_ms`, meanwhile events are
 * kept up to `buffer_max_bytes` and then dropped and counted. When the file is merely slow,
 * `receive` returns a promise instead, so the daemon's own bounded queue takes the strain.
 */
import type { DriverContext, DriverInstance, DriverSettings, ReconfigureResult } from '../../runtime/drivers/contract.js';
import { type VscpEvent, filterAccepts } from '../../runtime/protocol/index.js';
import { ByteWriter, type EventFormatter, LogClock, estimatedBytes, formatterFor } from './formats.js';
import { LogFile, LogFileError, errorText } from './log-file.js';
import { type LogFormat, type LoggerConfig, deriveConfig } from './settings.js';
import type { LoggerSettings } from './settings.generated.js';

/** Most events and estimated bytes formatted into one write. */
const BATCH_EVENTS = 8192;
const BATCH_BYTES = 2 * 1024 * 1024;

interface Queued {
  event: VscpEvent;
  /** When the logger got it (ms since the epoch): the time written on the line. */
  at: number;
}

export interface LoggerOptions {
  /** Clock for the time written with each event (tests). */
  now?: () => number;
}

export interface LoggerCounters {
  /** Events written to a file. */
  written: number;
  /** Events dropped because the buffer was full while the file could not be written. */
  dropped: number;
  /** Events that did not pass the filter. */
  filtered: number;
  /** Events queued, not yet written. */
  queued: number;
}

export class LoggerDriver implements DriverInstance {
  private cfg: LoggerConfig;
  private format: EventFormatter;
  private readonly now: () => number;
  private readonly writer = new ByteWriter();

  private queue: Queued[] = [];
  private queueHead = 0;
  private queuedBytes = 0;

  private file: LogFile | null = null;
  /** Truncate on the next open: a start or a new path/format with `rewrite = true`. */
  private truncateOnOpen: boolean;
  private reopenRequested = false;
  /** The unwritten rest of a batch, kept across a re-open of the same file. */
  private pendingCarry: Buffer | null = null;
  /** Path and format the pending carry was written for. */
  private pendingCarryFile = '';
  /** The format the open file was opened for. */
  private openedFormat: LogFormat | null = null;
  /** Events (partly) in the carry. */
  private carryEvents = 0;
  private checkRequested = false;
  /** Not before this time (ms) does size rotation try again after a failure. */
  private rotateBlockedUntil = 0;

  private failure: string | null = null;
  private droppedSinceFailure = 0;
  private readonly counters = { written: 0, dropped: 0, filtered: 0 };

  private loop: Promise<void> | null = null;
  private again = false;
  private immediate: NodeJS.Immediate | null = null;
  private cancelRetry: (() => void) | null = null;
  private cancelCheck: (() => void) | null = null;
  private drainWaiters: (() => void)[] = [];
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  /** stop() has finished: nothing may open the file again. */
  private closed = false;

  constructor(private readonly ctx: DriverContext, settings: LoggerSettings, options: LoggerOptions = {}) {
    this.cfg = deriveConfig(settings);
    this.format = formatterFor(this.cfg.format, new LogClock(this.cfg.utc));
    this.now = options.now ?? Date.now;
    this.truncateOnOpen = this.cfg.rewrite;
  }

  /** What the logger has done so far (tests, status). */
  stats(): LoggerCounters {
    return { ...this.counters, queued: this.queue.length - this.queueHead };
  }

  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    this.started = true;
    this.armCheck();
    this.ctx.log.info(`Logging events to ${this.cfg.path} as ${this.cfg.format}`);
    // a failure found here is reported through setHealth; the host applies it when start() resolves
    await this.kickNow();
  }

  receive(event: VscpEvent): void | Promise<void> {
    if (this.stopping) return;
    if (!filterAccepts(this.cfg.filter, event)) {
      this.counters.filtered++;
      return;
    }
    const size = estimatedBytes(event);
    if (this.failure !== null && this.queuedBytes + size > this.cfg.bufferMaxBytes) {
      if (this.droppedSinceFailure === 0) {
        this.ctx.log.warn(`The event buffer is full while ${this.cfg.path} cannot be written; dropping events until it can`);
      }
      this.counters.dropped++;
      this.droppedSinceFailure++;
      return;
    }
    this.queue.push({ event, at: this.now() });
    this.queuedBytes += size;
    this.kickSoon();
    if (this.failure === null && this.queuedBytes >= this.cfg.bufferMaxBytes) {
      return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  reconfigure(settings: DriverSettings, changed: readonly string[]): ReconfigureResult {
    // The host validated the settings against this driver's schema.
    const next = deriveConfig(settings as unknown as LoggerSettings);
    const prev = this.cfg;
    this.cfg = next;
    this.format = formatterFor(next.format, new LogClock(next.utc));
    if (next.path !== prev.path || next.format !== prev.format) {
      this.truncateOnOpen = next.rewrite;
      this.ctx.log.info(`Logging events to ${next.path} as ${next.format}`);
    }
    if (!this.started || this.stopping) return 'applied';
    // No changed key: the reload signal's "re-open your files".
    if (changed.length === 0) this.reopenRequested = true;
    if (next.rotationCheckMs !== prev.rotationCheckMs) this.armCheck();
    this.releaseWaiters();
    if (this.failure !== null) {
      // The change may be the fix (a new path, or the folder is back): try now.
      this.cancelRetry?.();
      this.cancelRetry = null;
      this.checkRequested = true;
      void this.kickNow();
    } else {
      this.kickSoon();
    }
    return 'applied';
  }

  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.shutdown();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.cancelCheck?.();
    this.cancelCheck = null;
    this.cancelRetry?.();
    this.cancelRetry = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.releaseWaiters();
    if (this.loop) await this.loop;
    // One last pass writes what was accepted (also a last try when the file was failing).
    if (this.started) await this.kickNow();
    const lost = this.queue.length - this.queueHead + (this.file?.carry || this.pendingCarry ? this.carryEvents : 0);
    if (lost > 0) {
      this.counters.dropped += lost;
      this.ctx.log.warn(`Stopped with ${lost} events not written to ${this.cfg.path}: ${this.failure ?? 'stopped'}`);
    }
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    const f = this.file;
    this.file = null;
    this.closed = true;
    if (f) await f.close();
  }

  private armCheck(): void {
    this.cancelCheck?.();
    this.cancelCheck = this.ctx.scheduler.setInterval(() => {
      this.checkRequested = true;
      this.kickSoon();
    }, this.cfg.rotationCheckMs);
  }

  /** Runs the loop soon; while failing only the retry timer, a reconfigure or stop run it. */
  private kickSoon(): void {
    if (this.failure !== null) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    if (this.immediate || !this.started) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.kickNow();
    });
  }

  private kickNow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.loop) {
      this.again = true;
      return this.loop;
    }
    this.loop = this.run().finally(() => {
      this.loop = null;
      if (this.again && !this.stopping) {
        this.again = false;
        this.kickSoon();
      }
    });
    return this.loop;
  }

  /** Does all pending work in order; returns when there is none left or an operation failed. */
  private async run(): Promise<void> {
    for (;;) {
      this.again = false;
      try {
        if (!(await this.step())) return;
      } catch (e) {
        this.fail(e instanceof LogFileError ? e.message : `logger: ${errorText(e)}`);
        return;
      }
    }
  }

  /** One operation; false when there is nothing more to do. */
  private async step(): Promise<boolean> {
    const cfg = this.cfg;
    const wantXml = cfg.format === 'xml';
    let f = this.file;

    if (f && (f.path !== cfg.path || this.openedFormat !== cfg.format)) {
      // A new path or format is opened anew (applying `rewrite`); events still queued go there,
      // in the new format.
      this.file = null;
      await f.close();
      this.carryOver(f);
      return true;
    }
    if (f && this.reopenRequested) {
      this.reopenRequested = false;
      this.file = null;
      await f.close();
      this.carryOver(f);
      return true;
    }
    if (f && this.checkRequested) {
      this.checkRequested = false;
      const state = await f.rotationState();
      if (state === 'gone' || state === 'replaced' || (state === 'truncated' && f.xml)) {
        this.ctx.log.info(`Re-opening ${f.path}: the file was ${state === 'gone' ? 'moved or removed' : state === 'replaced' ? 'replaced' : 'truncated'}`);
        this.file = null;
        await f.close();
        this.carryOver(f);
      }
      return true;
    }
    if (!f) {
      this.reopenRequested = false;
      this.checkRequested = false;
      const { file, repairedBytes } = await LogFile.open(cfg.path, wantXml, this.truncateOnOpen);
      // The rest of a half-written event belongs after its start: in the same file, not emptied.
      const carry = this.pendingCarry;
      if (carry && (this.pendingCarryFile !== `${cfg.path}\n${cfg.format}` || this.truncateOnOpen)) {
        this.counters.dropped += this.carryEvents;
        this.carryEvents = 0;
      } else {
        file.carry = carry;
      }
      this.truncateOnOpen = false;
      this.pendingCarry = null;
      this.openedFormat = cfg.format;
      this.file = file;
      if (repairedBytes > 0) {
        this.ctx.log.warn(`Repaired the end of ${cfg.path}: removed ${repairedBytes} bytes of an incomplete event`);
      }
      if (this.queue.length === this.queueHead && !file.carry) this.recovered();
      return true;
    }
    if (cfg.rotateSizeBytes > 0 && f.size >= cfg.rotateSizeBytes && !f.carry && this.now() >= this.rotateBlockedUntil) {
      try {
        await f.rotate(cfg.rotateKeep);
      } catch (e) {
        this.rotateBlockedUntil = this.now() + cfg.retryIntervalMs;
        this.ctx.log.warn(`Cannot rotate ${f.path}, writing on: ${e instanceof Error ? e.message : String(e)}`);
        return true;
      }
      this.ctx.log.info(`Rotated ${f.path} at ${f.size} bytes`);
      this.file = null;
      await f.close();
      return true;
    }
    if (f.carry || this.queue.length > this.queueHead) {
      await this.writeBatch(f);
      return true;
    }
    return false;
  }

  /** Bytes of a half-written batch survive a re-open of the same file (rotation, reload). */
  private carryOver(f: LogFile): void {
    this.pendingCarry = f.carry;
    this.pendingCarryFile = `${f.path}\n${this.openedFormat}`;
  }

  private async writeBatch(f: LogFile): Promise<void> {
    if (f.carry) {
      // Finish the failed batch first; taking more would let the carry grow without bound.
      try {
        await f.write(Buffer.alloc(0));
      } finally {
        this.releaseWaiters();
      }
      this.counters.written += this.carryEvents;
      this.carryEvents = 0;
      this.recovered();
      return;
    }
    const q = this.queue;
    let end = this.queueHead;
    const w = this.writer;
    const format = this.format;
    w.reset();
    let est = 0;
    while (end < q.length && end - this.queueHead < BATCH_EVENTS && w.pos < BATCH_BYTES) {
      const item = q[end++]!;
      format(w, item.event, item.at);
      est += estimatedBytes(item.event);
    }
    const taken = end - this.queueHead;
    // Out of the queue before the write: a failed write keeps the rest of the bytes as carry.
    this.queueHead = end;
    this.queuedBytes -= est;
    if (this.queueHead > 4096 && this.queueHead * 2 > q.length) {
      this.queue = q.slice(this.queueHead);
      this.queueHead = 0;
    }
    // The writer's buffer is reused for the next batch only after this write has finished.
    const content = w.view();
    try {
      await f.write(content);
    } catch (e) {
      if (f.carry) this.carryEvents = taken;
      else this.counters.written += taken;
      throw e;
    } finally {
      this.releaseWaiters();
    }
    this.counters.written += taken;
    this.recovered();
  }

  private fail(reason: string): void {
    const first = this.failure === null;
    if (first || reason !== this.failure) {
      this.failure = reason;
      this.ctx.setHealth('degraded', reason);
      if (first) this.ctx.log.warn(`Cannot log events: ${reason}; retrying every ${this.cfg.retryIntervalMs} ms`);
    }
    this.releaseWaiters();
    if (!this.stopping && !this.cancelRetry) {
      this.cancelRetry = this.ctx.scheduler.setTimeout(() => {
        this.cancelRetry = null;
        // A failed write may mean the file went away: look before writing again.
        this.checkRequested = true;
        void this.kickNow();
      }, this.cfg.retryIntervalMs);
    }
  }

  private recovered(): void {
    if (this.failure === null) return;
    const dropped = this.droppedSinceFailure;
    this.failure = null;
    this.droppedSinceFailure = 0;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.ctx.setHealth('running');
    this.ctx.log.info(`Logging to ${this.cfg.path} again${dropped ? `; ${dropped} events were dropped meanwhile` : ''}`);
  }

  private releaseWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    if (!this.stopping && this.failure === null && this.queuedBytes >= this.cfg.bufferMaxBytes / 2) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
