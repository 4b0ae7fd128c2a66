/*
 * One TCP/IP connection. Bytes are split into bounded lines; every complete line is answered
 * in order, also when a client pipelines many commands in one packet (v13 answered one command
 * per read). Replies of a batch go out in one write. A login (PBKDF2 off the event loop) or
 * another slow command holds the lines after it until it is done.
 *
 * Nothing a client does affects another: output is bounded (a client that does not read stops
 * being read from, and in RCVLOOP its bus queue fills and drops are counted there), an idle
 * connection is closed, and a vanished one is cleaned up with its bus client.
 */
import type { Socket } from 'node:net';
import type { TcpipSettings } from '../config/types.js';
import type { Bus, BusClient } from '../bus/index.js';
import { type FilterPart, type Guid, filterPart, makeFilter, maskPart, openFilter } from '../protocol/index.js';
import type { Logger } from '../support/log.js';
import type { VariableStore } from '../variables/contract.js';
import { COMMANDS, type Command } from './commands.js';
import { deliveryLine } from './event-line.js';
import { LineSplitter, LineTooLongError } from './line-splitter.js';
import type { LoginThrottle } from './login-throttle.js';
import { Reply, closingLine } from './replies.js';
import type { User, UserDirectory } from './users.js';

export interface ServerInfo {
  /** Daemon name (general.name). */
  name: string;
  /** `0.1.0` → VERS answers `0,1,0,0`. */
  version: string;
  guid: Guid;
  startedAt: Date;
  /** WCYD capability code; default: derived from the server's settings. */
  capabilities?: bigint;
}

/** What sessions share: owned by the server. */
export interface ServerContext {
  readonly bus: Bus;
  readonly variables: VariableStore;
  readonly users: UserDirectory;
  readonly log: Logger;
  readonly info: ServerInfo;
  readonly throttle: LoginThrottle;
  /** The current settings (variable encoding is read per command). */
  settings(): TcpipSettings;
  capabilities(): bigint;
  /** SHUTDOWN; false when the daemon does not allow it. */
  requestShutdown(session: Session): boolean;
  /** VAR LOAD; undefined when the daemon cannot reload. */
  requestReload: (() => Promise<void>) | undefined;
  sessionClosed(session: Session): void;
  /** The session has events to write (RCVLOOP): `urgent` ones with runFlushes, all after this turn's I/O. */
  requestFlush(session: Session, urgent: boolean): void;
  /** Writes the events of the sessions that asked urgently, now. */
  runFlushes(): void;
}

export interface SessionLimits {
  maxLineBytes: number;
  idleTimeoutMs: number;
  keepaliveIntervalMs: number;
}

export interface SessionInfo {
  /** Bus client id once logged in. */
  id: number | null;
  user: string | null;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  tls: boolean;
  connectedAt: Date;
  receiveLoop: boolean;
  queued: number;
  commands: number;
  errors: number;
  /** SEND lines refused (format, allowevent). */
  sendRejected: number;
  /** Bytes written and not yet taken by the client. */
  pendingOutputBytes: number;
  /** The client reads too slowly: the session stopped reading commands and taking events. */
  outputBlocked: boolean;
}

/** Output held by the kernel and Node before a session stops reading and taking events. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/** A receiver idle this long gets its next events at once rather than at the end of the I/O turn. */
const URGENT_AFTER_MS = 1;
/** Commands answered in one turn of the event loop before the session lets others run. */
const MAX_LINES_PER_TURN = 128;
/** Replies collected before they are written even in the middle of a batch. */
const OUTPUT_FLUSH_BYTES = 64 * 1024;
/** Lines waiting behind a slow command before the session stops reading. */
const MAX_BACKLOG_LINES = 4096;
/** One write of RCVLOOP events at most. */
const EVENT_WRITE_BYTES = 256 * 1024;
/** Failing commands in a row that close a connection that has not logged in (scanners, garbage). */
const MAX_ERRORS_BEFORE_LOGIN = 20;
/** How long a closing connection may take to read its last line. */
const CLOSE_GRACE_MS = 5000;
const HISTORY_ENTRIES = 200;
const HISTORY_BYTES = 32 * 1024;

const LINE_TOO_LONG = Symbol('line too long');
type InputLine = string | typeof LINE_TOO_LONG;


export class Session {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly tls: boolean;
  readonly connectedAt = new Date();
  /** The listener this connection came in on (for closing sessions of a removed listener). */
  readonly listenerId: string;
  readonly log: Logger;

  user: User | null = null;
  /** Name given by USER, waiting for PASS. */
  pendingUser: string | null = null;
  client: BusClient | null = null;
  /** CHALLENGE session id. */
  sid: string | null = null;
  inLoop = false;

  private readonly socket: Socket;
  readonly ctx: ServerContext;
  private readonly limits: SessionLimits;
  private readonly splitter: LineSplitter;
  private readonly abort = new AbortController();
  private lines: InputLine[] = [];
  private lineIndex = 0;
  private out = '';
  private busy = false;
  private processing = false;
  /** Processing paused for this turn of the event loop (MAX_LINES_PER_TURN). */
  private yielded = false;
  private closing = false;
  private ended = false;
  private closed = false;
  private inputEnded = false;
  /** After an over-long line nothing more is read as commands. */
  private discardInput = false;
  private outputBlocked = false;
  private readingPaused = false;
  private flushScheduled = false;
  /** When events were last written (performance.now()). */
  private lastEventWrite = -Infinity;
  private idleTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private filterHalf: FilterPart;
  private maskHalf: FilterPart;
  private readonly history: string[] = [];
  private historyStart = 0;
  private historyCount = 0;
  private historyBytes = 0;
  private errorsInARow = 0;
  private counts = { commands: 0, errors: 0, sendRejected: 0 };

  constructor(ctx: ServerContext, socket: Socket, limits: SessionLimits, listenerId: string, tls: boolean) {
    this.ctx = ctx;
    this.socket = socket;
    this.limits = limits;
    this.listenerId = listenerId;
    this.tls = tls;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.log = ctx.log.child(`session ${this.remoteAddress}:${this.remotePort}`);
    this.splitter = new LineSplitter(limits.maxLineBytes);
    const open = openFilter();
    this.filterHalf = filterPart(open);
    this.maskHalf = maskPart(open);
  }

  /** Sends the banner and starts reading. */
  start(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.setKeepAlive(true, 60_000);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('drain', () => this.onDrain());
    s.on('error', (e: Error) => this.log.debug('Connection error.', { error: e.message }));
    // the server allows half-open connections: a client may send its commands, shut down its
    // side and still read every answer (and the events of a receive loop)
    s.on('end', () => { this.inputEnded = true; this.maybeEndAfterInput(); });
    s.on('close', () => this.onClose());
    this.armIdleTimer();
    const v = this.ctx.info.version;
    this.data('Welcome to the VSCP daemon.');
    this.data(`Version: ${v} vscpd`);
    this.data('Copyright (C) vscpd contributors. VSCP: Grodans Paradis AB, https://www.vscp.org');
    this.reply(Reply.SUCCESS);
    this.flushOut();
  }

  // --- output ---------------------------------------------------------------------------------

  /** Queues one reply line (CRLF added); written at the end of the batch. */
  reply(line: string): void {
    this.out += line + '\r\n';
    if (line.charCodeAt(0) === 45 /* - */) {
      this.counts.errors++;
      if (this.user === null) this.errorsInARow++;
    } else if (line.charCodeAt(0) === 43 /* + */) {
      this.errorsInARow = 0;
    }
  }

  /** Queues a data line (an event line, a value) that is no status. */
  data(line: string): void {
    this.out += line + '\r\n';
  }

  /** Queues raw text that already ends in CRLF (event lines). */
  raw(text: string): void {
    this.out += text;
  }

  private flushOut(): void {
    if (this.out === '' || this.closed) return;
    const text = this.out;
    this.out = '';
    this.write(text);
  }

  private write(text: string): void {
    if (!this.socket.writable) return;
    this.socket.write(text);
    if (!this.outputBlocked && this.socket.writableLength > OUTPUT_HIGH_WATER) {
      this.outputBlocked = true;
      this.updateReading();
    }
  }

  private onDrain(): void {
    if (!this.outputBlocked) return;
    this.outputBlocked = false;
    this.process();
    if (this.inLoop) this.scheduleEventFlush();
  }

  private updateReading(): void {
    if (this.closed) return;
    const backlog = this.lines.length - this.lineIndex;
    // a closing connection reads (and drops) what still comes, so its close is not held up
    const pause = !this.closing && (this.outputBlocked || backlog > MAX_BACKLOG_LINES);
    if (pause && !this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
    } else if (!pause && this.readingPaused) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  // --- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closing || this.discardInput) return;
    if (!this.inLoop) this.idleTimer?.refresh();
    try {
      this.splitter.pushInto(chunk, this.lines as string[]);
    } catch (e) {
      if (!(e instanceof LineTooLongError)) throw e;
      this.lines.push(LINE_TOO_LONG);
      this.splitter.reset();
      this.discardInput = true;
    }
    this.process();
  }

  private process(): void {
    if (this.busy || this.processing || this.yielded) return;
    this.processing = true;
    try {
      let budget = MAX_LINES_PER_TURN;
      while (this.lineIndex < this.lines.length && !this.closing && !this.outputBlocked) {
        if (budget-- === 0) {
          // let the event loop breathe: other sessions, and receivers flushing the events
          // this batch produced, before their queues overflow
          this.yielded = true;
          setImmediate(() => {
            this.yielded = false;
            if (!this.closed) this.process();
          });
          break;
        }
        const line = this.lines[this.lineIndex++]!;
        if (line === LINE_TOO_LONG) {
          this.log.warn('Command line too long; closing the connection.', { limit: this.limits.maxLineBytes });
          this.end(Reply.LINE_TOO_LONG);
          break;
        }
        let pending: Promise<void> | void = undefined;
        try {
          pending = this.execute(line);
        } catch (e) {
          // a fault of the daemon, not of the client: answer, log, carry on
          this.log.error('Command failed.', { command: line.split(/\s/, 1)[0], error: (e as Error)?.message ?? String(e) });
          this.reply(Reply.INTERNAL);
        }
        if (this.errorsInARow >= MAX_ERRORS_BEFORE_LOGIN && this.user === null) {
          this.end(Reply.TOO_MANY_ERRORS);
          break;
        }
        if (this.out.length >= OUTPUT_FLUSH_BYTES) this.flushOut();
        if (pending) {
          this.busy = true;
          this.flushOut();
          pending.then(
            () => this.resumeAfter(),
            (e: unknown) => {
              this.log.error('Command failed.', { error: (e as Error)?.message ?? String(e) });
              if (!this.closing) this.reply(Reply.INTERNAL);
              this.resumeAfter();
            },
          );
          break;
        }
      }
      if (this.lineIndex >= this.lines.length) {
        this.lines = [];
        this.lineIndex = 0;
      } else if (this.lineIndex > 1024 && this.lineIndex * 2 > this.lines.length) {
        // a client that keeps pipelining never empties the array: drop what was answered
        this.lines = this.lines.slice(this.lineIndex);
        this.lineIndex = 0;
      }
    } finally {
      this.processing = false;
    }
    // the events this batch produced go out before its replies: a receiver gets an event
    // in the same instant its sender gets the +OK
    this.ctx.runFlushes();
    this.flushOut();
    this.updateReading();
    this.maybeEndAfterInput();
  }

  private maybeEndAfterInput(): void {
    if (this.inputEnded && !this.busy && !this.yielded && !this.inLoop && !this.closing && this.lineIndex >= this.lines.length) this.end();
  }

  private resumeAfter(): void {
    this.busy = false;
    if (this.closed) return;
    this.process();
  }

  /** One command line: history, lookup, login and privilege checks, the command itself. */
  private execute(raw: string): Promise<void> | void {
    const line = raw.trim();
    if (line === '') return;
    this.counts.commands++;
    if (line.charCodeAt(0) === 43 /* + */) return this.repeat(line);
    this.remember(line);
    return this.dispatch(line);
  }

  private dispatch(line: string): Promise<void> | void {
    let sp = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 32 || c === 9) { sp = i; break; }
    }
    const word = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const command: Command | undefined = COMMANDS.get(word);
    if (!command) {
      this.reply(Reply.UNKNOWN);
      return;
    }
    if (command.login && this.user === null) {
      this.reply(Reply.NEED_LOGIN);
      return;
    }
    if (command.privilege > 0 && (this.user === null || this.user.privilege < command.privilege)) {
      this.reply(this.user === null ? Reply.NEED_LOGIN : Reply.LOW_PRIVILEGE);
      return;
    }
    return command.run(this, sp < 0 ? '' : line.slice(sp + 1).trim());
  }

  // --- history (`+`, `+n`, `++`) ---------------------------------------------------------------

  /** Ring of the last commands: `history[(historyStart + i) % HISTORY_ENTRIES]`, oldest first. */
  private remember(line: string): void {
    // never keep a password
    if ((line.charCodeAt(0) | 0x20) === 112 /* p */ && /^pass(\s|$)/i.test(line)) return;
    if (this.historyCount === HISTORY_ENTRIES) this.forgetOldest();
    this.history[(this.historyStart + this.historyCount) % HISTORY_ENTRIES] = line;
    this.historyCount++;
    this.historyBytes += line.length;
    while (this.historyBytes > HISTORY_BYTES && this.historyCount > 1) this.forgetOldest();
  }

  private forgetOldest(): void {
    this.historyBytes -= this.history[this.historyStart]!.length;
    this.history[this.historyStart] = '';
    this.historyStart = (this.historyStart + 1) % HISTORY_ENTRIES;
    this.historyCount--;
  }

  /** The n-th previous command (0 = the last one). */
  private previous(n: number): string | undefined {
    if (n >= this.historyCount) return undefined;
    return this.history[(this.historyStart + this.historyCount - 1 - n) % HISTORY_ENTRIES];
  }

  private repeat(line: string): Promise<void> | void {
    if (line === '++') {
      for (let n = 0; n < this.historyCount; n++) this.data(`${n} - ${this.previous(n)}`);
      this.reply(Reply.SUCCESS);
      return;
    }
    const m = /^\+\s*(\d{1,4})?$/.exec(line);
    if (!m) {
      this.reply(Reply.UNKNOWN);
      return;
    }
    const n = m[1] === undefined ? 0 : Number(m[1]);
    const previous = this.previous(n);
    if (previous === undefined) {
      this.reply(Reply.NO_HISTORY);
      return;
    }
    // v13 shows the command it repeats first
    this.data(previous);
    return this.dispatch(previous);
  }

  // --- state used by commands ----------------------------------------------------------------

  /** After a successful PASS: join the bus with the user's filter. */
  loggedIn(user: User): void {
    this.user = user;
    this.pendingUser = null;
    const bus = this.ctx.bus;
    this.client = bus.addClient({
      name: `TCP/IP client ${user.name}@${this.remoteAddress}:${this.remotePort}`,
      kind: 'tcpip',
      filter: user.filter,
      onReadable: () => { if (this.inLoop) this.scheduleEventFlush(); },
    });
    const f = user.filter ?? openFilter();
    this.filterHalf = filterPart(f);
    this.maskHalf = maskPart(f);
  }

  /** The configuration of the user changed (reload): new privilege, maybe no longer allowed. */
  userChanged(user: User | undefined): void {
    if (!this.user) return;
    if (!user) {
      this.close('user removed');
      return;
    }
    if (!user.mayConnectFrom(this.remoteAddress)) {
      this.close('address no longer allowed for this user');
      return;
    }
    this.user = user;
  }

  setFilterHalf(part: FilterPart): void {
    this.filterHalf = part;
    if (this.client) this.client.filter = makeFilter(this.filterHalf, this.maskHalf);
  }

  setMaskHalf(part: FilterPart): void {
    this.maskHalf = part;
    if (this.client) this.client.filter = makeFilter(this.filterHalf, this.maskHalf);
  }

  noteSendRejected(): void {
    this.counts.sendRejected++;
  }

  /** For commands that wait (login): aborted when the connection goes away. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  enterLoop(): void {
    this.inLoop = true;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (!this.keepaliveTimer && this.limits.keepaliveIntervalMs > 0) {
      this.keepaliveTimer = setInterval(() => this.keepalive(), this.limits.keepaliveIntervalMs);
    }
    this.scheduleEventFlush();
  }

  leaveLoop(): void {
    this.inLoop = false;
    if (this.keepaliveTimer) {
      clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = null;
    }
    this.armIdleTimer();
  }

  private keepalive(): void {
    if (this.closing || this.outputBlocked) return;
    this.flushOut();
    this.write(Reply.KEEPALIVE + '\r\n');
  }

  /**
   * Events to write. A session that has not written events for a while (a low rate) is
   * written to at once, after the batch of commands that produced them; a busy one after the
   * current turn's I/O, so events from many senders go out in one write.
   */
  private scheduleEventFlush(): void {
    if (this.flushScheduled || this.closing) return;
    this.flushScheduled = true;
    this.ctx.requestFlush(this, performance.now() - this.lastEventWrite >= URGENT_AFTER_MS);
  }

  /** @internal Writes queued events (RCVLOOP), in chunks, as long as the client reads. */
  flushEvents(): void {
    this.flushScheduled = false;
    const client = this.client;
    if (!this.inLoop || this.closing || this.outputBlocked || !client) return;
    let text = this.out;
    this.out = '';
    let d = client.takeDelivery();
    while (d !== undefined) {
      text += deliveryLine(d);
      if (text.length >= EVENT_WRITE_BYTES) break;
      d = client.takeDelivery();
    }
    if (text !== '') {
      this.write(text);
      this.lastEventWrite = performance.now();
    }
    if (client.queued > 0 && !this.outputBlocked) this.scheduleEventFlush();
  }

  // --- ending ---------------------------------------------------------------------------------

  private armIdleTimer(): void {
    if (this.idleTimer || this.limits.idleTimeoutMs <= 0 || this.closing) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.inLoop || this.closing) return;
      this.log.info('Closing an idle connection.', { idleMs: this.limits.idleTimeoutMs });
      this.close('idle timeout');
    }, this.limits.idleTimeoutMs);
  }

  /** Writes `lastLine` (if any) after everything queued, then closes the connection. */
  end(lastLine?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (lastLine !== undefined) this.out += lastLine + '\r\n';
    this.closing = true;
    this.flushOut();
    this.finish();
  }

  /** Closes the connection from the server side with a final `-OK - Connection closed by server: …` line. */
  close(reason: string): void {
    if (this.ended) return;
    this.end(closingLine(reason));
  }

  /** Closes at once without a word (server stop deadline). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.lines = [];
    this.lineIndex = 0;
    this.abort.abort();
    this.stopTimers();
    this.updateReading();
    if (!this.socket.writableEnded) this.socket.end();
    if (!this.graceTimer) {
      this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.graceTimer.unref();
    }
  }

  private stopTimers(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.idleTimer = null;
    this.keepaliveTimer = null;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.abort.abort();
    this.stopTimers();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.client?.close();
    this.ctx.sessionClosed(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  info(): SessionInfo {
    return {
      id: this.client?.id ?? null,
      user: this.user?.name ?? null,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      localAddress: this.localAddress,
      localPort: this.localPort,
      tls: this.tls,
      connectedAt: this.connectedAt,
      receiveLoop: this.inLoop,
      queued: this.client?.queued ?? 0,
      ...this.counts,
      pendingOutputBytes: this.socket.writableLength,
      outputBlocked: this.outputBlocked,
    };
  }
}
