/*
 * One session to the remote daemon (the link has a receive and a send session, as the original
 * driver): connect, banner, login, the session's own setup (filter and RCVLOOP, or CHID), and
 * after any failure or loss the same again after a backoff delay with jitter. Timers run on the
 * driver's scheduler. A connection that stayed up for a while resets the backoff.
 */
import type { ConnectionOptions } from 'node:tls';
import type { DriverScheduler } from '../../runtime/drivers/contract.js';
import { backoffDelay } from '../../runtime/drivers/toolkit/index.js';
import { VscpClient, VscpClientError, VscpCommandError } from '../../runtime/tcpip/client.js';
import type { LinkConfig } from './settings.js';

export type SessionRole = 'receive' | 'send';

export interface SessionHandlers {
  /** Runs after login on every connect (filters, CHID, RCVLOOP). A throw fails the attempt. */
  setup(client: VscpClient): Promise<void>;
  /** The session is ready. */
  up(client: VscpClient, failedAttempts: number): void;
  /** The session is gone or an attempt failed; the next attempt follows after `retryInMs`. */
  down(reason: string, wasUp: boolean, retryInMs: number): void;
}

export interface SessionOptions {
  role: SessionRole;
  scheduler: DriverScheduler;
  config: () => LinkConfig;
  /** TLS options for the next connect (undefined: plain TCP); may throw (unreadable CA file). */
  tls: () => ConnectionOptions | undefined;
  handlers: SessionHandlers;
}

/** A connection that stayed up this long starts the next backoff from the beginning. */
export const STABLE_MS = 10_000;
/** Longest line accepted from the remote (an event with 512 data bytes is about 2.7 kB). */
export const MAX_LINE_BYTES = 16_384;
/** Most data lines in one reply (the link's commands have at most one). */
export const MAX_REPLY_LINES = 1000;
/** How long stop() waits for the remote to answer QUIT. */
const QUIT_WAIT_MS = 1000;
const MAX_REASON_CHARS = 300;

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/** A failure in words, with the remote's address where the message does not have it. */
export function describeFailure(error: unknown, display: string): string {
  if (error instanceof VscpCommandError) {
    const what = /^pass\b/i.test(error.command) || /^user\b/i.test(error.command) ? 'login' : error.command.split(' ')[0]!;
    return clip(`${display}: ${what} refused: ${error.reply.status}`);
  }
  if (error instanceof VscpClientError) return clip(error.message);
  return clip(`${display}: ${error instanceof Error ? error.message : String(error)}`);
}

export class RemoteSession {
  readonly role: SessionRole;
  private readonly o: SessionOptions;
  private client: VscpClient | null = null;
  private running = false;
  private attempt = 0;
  private failedSinceUp = 0;
  private upSince = 0;
  private attemptAbort: AbortController | null = null;
  private cancelRetry: (() => void) | null = null;
  private dropReason: string | null = null;
  private firstDone: (() => void) | null = null;
  private readonly first: Promise<void>;

  constructor(options: SessionOptions) {
    this.o = options;
    this.role = options.role;
    this.first = new Promise<void>((resolve) => { this.firstDone = resolve; });
  }

  /** The connected client, or null. */
  get current(): VscpClient | null {
    return this.client;
  }

  /** Resolves when the first attempt succeeded or failed. */
  get firstOutcome(): Promise<void> {
    return this.first;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  /** Closes the current connection with a reason; it is opened again after a backoff delay. */
  drop(reason: string): void {
    const c = this.client;
    if (!c) return;
    this.dropReason = reason;
    c.close();
  }

  /** Stops reconnecting; a connected session says QUIT (bounded wait). Safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.settleFirst();
    const c = this.client;
    this.client = null;
    if (c?.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.quit().catch(() => undefined),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, QUIT_WAIT_MS); }),
      ]);
      clearTimeout(timer);
      c.close();
    }
    this.attemptAbort?.abort();
    this.attemptAbort = null;
  }

  private settleFirst(): void {
    const done = this.firstDone;
    this.firstDone = null;
    done?.();
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const config = this.o.config();
    const abort = new AbortController();
    this.attemptAbort = abort;
    let client: VscpClient | undefined;
    try {
      const tls = this.o.tls();
      client = await VscpClient.connect({
        host: config.remote.host,
        port: config.remote.port,
        ...(tls ? { tls } : {}),
        connectTimeoutMs: config.connectTimeoutMs,
        responseTimeoutMs: config.responseTimeoutMs,
        maxLineBytes: MAX_LINE_BYTES,
        maxReplyLines: MAX_REPLY_LINES,
        signal: abort.signal,
      });
      if (config.user !== '') await client.login(config.user, config.password);
      if (!this.running) throw new VscpClientError('aborted', 'stopped');
      await this.o.handlers.setup(client);
    } catch (e) {
      client?.close();
      if (this.attemptAbort === abort) this.attemptAbort = null;
      if (!this.running) return;
      this.failedSinceUp++;
      this.retry(describeFailure(e, config.remote.display), false);
      return;
    }
    if (this.attemptAbort === abort) this.attemptAbort = null;
    if (!this.running) {
      client.close();
      return;
    }
    const failed = this.failedSinceUp;
    this.failedSinceUp = 0;
    this.client = client;
    this.upSince = Date.now();
    this.dropReason = null;
    client.onClose((error) => this.closed(client, error));
    if (!client.connected) return; // closed while setting up; closed() has run or will run
    this.o.handlers.up(client, failed);
    this.settleFirst();
  }

  private closed(client: VscpClient, error: VscpClientError): void {
    if (this.client !== client) return;
    this.client = null;
    if (!this.running) return;
    if (Date.now() - this.upSince >= STABLE_MS) this.attempt = 0;
    const reason = this.dropReason ?? clip(error.message);
    this.dropReason = null;
    this.retry(reason, true);
  }

  private retry(reason: string, wasUp: boolean): void {
    const config = this.o.config();
    const delay = backoffDelay(this.attempt, { minMs: config.reconnectMinMs, maxMs: config.reconnectMaxMs, jitter: 'half' });
    this.attempt++;
    this.o.handlers.down(reason, wasUp, delay);
    this.settleFirst();
    this.cancelRetry?.();
    this.cancelRetry = this.o.scheduler.setTimeout(() => {
      this.cancelRetry = null;
      void this.connect();
    }, delay);
  }
}
