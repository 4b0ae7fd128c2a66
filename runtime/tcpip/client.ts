/*
 * Client of the VSCP TCP/IP (link) protocol, for the CLI, the TCP/IP link driver, tests and
 * benchmarks. It speaks to this daemon and to v13-era servers:
 *
 * - `command(line)` writes at once and replies are matched in order, so many commands can be
 *   outstanding (pipelining). A reply is the data lines plus the status line (`+OK…`/`-OK…`);
 *   `-OK` is seen at once (the v13 client library waited for a timeout), blank lines (v13
 *   13.1.x printed some) are skipped.
 * - `receiveLoop()` enters RCVLOOP and delivers events to a callback and/or an async iterator;
 *   the server's `+OK` keep-alives are checked: silence longer than `keepaliveTimeoutMs`
 *   closes the connection as stalled.
 * - `connectWithRetry` / `ReconnectingClient` reconnect with exponential backoff and jitter.
 *
 * Every byte from the server is hostile: lines, replies and the event buffer are bounded.
 */
import { type Socket, connect as netConnect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  type Guid, type VscpEvent, type VscpFilter, filterPart, formatEvent, formatFilterPart, formatGuid, maskPart, parseEvent,
  parseGuid,
} from '../protocol/index.js';
import { VariableType, isStringClassType, variableTypeFromToken } from '../variables/types.js';
import { LineSplitter, LineTooLongError } from './line-splitter.js';
import { backoffDelay as delayBefore } from '../support/backoff.js';

export interface VscpClientOptions {
  host: string;
  port: number;
  /** true or tls.connect options (ca, servername, rejectUnauthorized, …) for a TLS server. */
  tls?: boolean | ConnectionOptions;
  /** Connect and banner; default 10 s. */
  connectTimeoutMs?: number;
  /** Per command, counted from when the command before it was answered; default 10 s. */
  responseTimeoutMs?: number;
  /** Longest line accepted from the server; default 1 MiB. */
  maxLineBytes?: number;
  /** Most data lines in one reply; default 1,000,000. */
  maxReplyLines?: number;
  /** How string variables travel on this server (`[tcpip] variable_encoding`); default base64 (v13). */
  variableEncoding?: 'base64' | 'plain';
  signal?: AbortSignal;
}

export interface CommandReply {
  /** The status line starts with `+OK`. */
  ok: boolean;
  /** Data lines before the status line. */
  lines: string[];
  /** The status line, e.g. `+OK - Success.`. */
  status: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  /**
   * Data lines the reply has on success (VAR READVALUE: 1). Lines up to that count are data
   * even when they start with `+OK` (a plain-text value may); `-OK` always ends the reply.
   */
  dataLines?: number;
}

export type ClientErrorCode = 'connect' | 'closed' | 'timeout' | 'stalled' | 'protocol' | 'aborted';

/** The connection failed or broke; pending commands reject with it. */
export class VscpClientError extends Error {
  override name = 'VscpClientError';
  constructor(readonly code: ClientErrorCode, message: string) {
    super(message);
  }
}

/** The server answered `-OK` to a command sent by a helper. */
export class VscpCommandError extends Error {
  override name = 'VscpCommandError';
  constructor(readonly command: string, readonly reply: CommandReply) {
    super(`${command}: ${reply.status}`);
  }
}

export interface Version {
  major: number;
  minor: number;
  release: number;
  build: number;
}

export interface InterfaceInfo {
  id: number;
  /** 1 internal, 3 Level II driver, 5 TCP/IP (v13). */
  type: number;
  guid: Guid;
  name: string;
}

export interface ClientStatistics {
  busoff: number;
  buswarnings: number;
  overruns: number;
  rxdata: number;
  rxframes: number;
  txdata: number;
  txframes: number;
}

export interface VariableRow {
  name: string;
  type: number;
  owner: number;
  rights: number;
  persistent: boolean;
  lastChange: string;
  /** Plain text (BASE64 undone where the encoding uses it). */
  value: string;
  note: string;
}

export interface VariableListRow {
  name: string;
  type: number;
  owner: number;
  rights: number;
  persistent: boolean;
  lastChange: string;
}

export interface ReceiveLoopOptions {
  /**
   * Called for every event, in order. Without it the events are kept for the async iterator
   * (bounded by maxBuffered: reading pauses while the iterator is behind); with it, the
   * iterator only sees events that arrive while it runs.
   */
  onEvent?: (event: VscpEvent) => void;
  /** Called for a line that is no event (logged by the caller, never thrown). */
  onBadLine?: (line: string, error: Error) => void;
  /** Silence after which the loop counts as stalled; default 10 s (the server sends `+OK` every 2 s). */
  keepaliveTimeoutMs?: number;
  /** Events buffered for the async iterator before reading pauses; default 10,000. */
  maxBuffered?: number;
}

interface Pending {
  command: string;
  dataLines: number | undefined;
  timeoutMs: number;
  lines: string[];
  resolve: (reply: CommandReply) => void;
  reject: (error: Error) => void;
  /** Runs when the reply arrives, before later lines are read (mode switches). */
  onReply?: (reply: CommandReply) => void;
}

function redact(line: string): string {
  return /^pass(\s|$)/i.test(line) ? 'PASS ***' : line;
}

function isStatus(line: string): boolean {
  return line.startsWith('+OK') || line.startsWith('-OK');
}

export class VscpClient {
  /** Lines of the server's greeting, up to and including its `+OK`. */
  readonly banner: string[] = [];
  readonly options: Readonly<VscpClientOptions>;
  private readonly socket: Socket;
  private readonly splitter: LineSplitter;
  private readonly pending: Pending[] = [];
  private headTimer: NodeJS.Timeout | null = null;
  private loop: ReceiveLoop | null = null;
  private closedError: VscpClientError | null = null;
  private lastServerStatus = '';
  private closeListeners: ((error: VscpClientError) => void)[] = [];
  private bannerDone: ((error?: VscpClientError) => void) | null = null;

  private constructor(socket: Socket, options: VscpClientOptions) {
    this.socket = socket;
    this.options = options;
    this.splitter = new LineSplitter(options.maxLineBytes ?? 1024 * 1024);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => this.fail(new VscpClientError('closed', `connection to ${this.where}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    socket.on('close', () => this.fail(new VscpClientError('closed', `connection to ${this.where} closed${this.lastServerStatus.startsWith('-OK') ? `: ${this.lastServerStatus}` : ''}`)));
  }

  /** Connects, reads the banner and resolves with a client ready for commands. */
  static async connect(options: VscpClientOptions): Promise<VscpClient> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const where = `${options.host}:${options.port}`;
    options.signal?.throwIfAborted();
    const socket = options.tls
      ? tlsConnect({ host: options.host, port: options.port, ...(typeof options.tls === 'object' ? options.tls : {}) })
      : netConnect({ host: options.host, port: options.port });
    const client = new VscpClient(socket, options);
    const onAbort = (): void => client.fail(new VscpClientError('aborted', `connect ${where}: aborted`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => client.fail(new VscpClientError('connect', `connect ${where}: no banner within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        client.bannerDone = (error) => (error ? reject(error) : resolve());
      });
    } catch (e) {
      client.socket.destroy();
      const err = e as VscpClientError;
      throw err.code === 'closed' ? new VscpClientError('connect', `connect ${where}: ${err.message.replace(/^connection to \S+ /, '')}`) : err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    options.signal?.addEventListener('abort', () => client.close(), { once: true });
    return client;
  }

  get where(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get connected(): boolean {
    return this.closedError === null;
  }

  /** Commands written and not answered yet. */
  get outstanding(): number {
    return this.pending.length;
  }

  /** Called once when the connection ends, with why. */
  onClose(listener: (error: VscpClientError) => void): void {
    if (this.closedError) queueMicrotask(() => listener(this.closedError!));
    else this.closeListeners.push(listener);
  }

  /**
   * Sends one command line and resolves with its reply (also for `-OK`). Rejects only when the
   * connection fails or the reply does not come in time (the connection is then closed: a late
   * reply would be taken for the next command's).
   */
  command(line: string, options: CommandOptions = {}): Promise<CommandReply> {
    return this.enqueue(line, options);
  }

  /** Like command(), but a `-OK` reply rejects with VscpCommandError. */
  async expectOk(line: string, options: CommandOptions = {}): Promise<CommandReply> {
    const reply = await this.command(line, options);
    if (!reply.ok) throw new VscpCommandError(redact(line), reply);
    return reply;
  }

  /** Several commands in one write; replies in order. */
  pipeline(lines: readonly string[], options: CommandOptions = {}): Promise<CommandReply[]> {
    this.socket.cork();
    try {
      return Promise.all(lines.map((l) => this.command(l, options)));
    } finally {
      this.socket.uncork();
    }
  }

  private enqueue(line: string, options: CommandOptions, onReply?: (reply: CommandReply) => void): Promise<CommandReply> {
    if (/[\r\n]/.test(line)) return Promise.reject(new VscpClientError('protocol', `command ${JSON.stringify(redact(line))} contains a line break`));
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<CommandReply>((resolve, reject) => {
      this.pending.push({
        command: redact(line), dataLines: options.dataLines, timeoutMs: options.timeoutMs ?? this.options.responseTimeoutMs ?? 10_000,
        lines: [], resolve, reject, onReply,
      });
      if (this.pending.length === 1) this.armHeadTimer();
      this.socket.write(line + '\r\n');
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  /** USER + PASS (pipelined). A refused login closes the connection (server side). */
  async login(user: string, password: string): Promise<void> {
    const [u, p] = await Promise.all([this.command(`USER ${user}`), this.command(`PASS ${password}`)]);
    if (!u!.ok) throw new VscpCommandError(`USER ${user}`, u!);
    if (!p!.ok) throw new VscpCommandError('PASS ***', p!);
  }

  async noop(): Promise<void> {
    await this.expectOk('NOOP');
  }

  async version(): Promise<Version> {
    const r = await this.expectOk('VERS');
    const [major = 0, minor = 0, release = 0, build = 0] = lastData(r).split(',').map((t) => parseInt(t, 10) || 0);
    return { major, minor, release, build };
  }

  async chid(): Promise<number> {
    const r = await this.expectOk('CHID');
    const id = Number(lastData(r));
    if (!Number.isInteger(id)) throw new VscpClientError('protocol', `CHID: "${lastData(r)}" is no client id`);
    return id;
  }

  async ggid(): Promise<Guid> {
    return parseGuid(lastData(await this.expectOk('GGID')));
  }

  async sgid(guid: Guid): Promise<void> {
    await this.expectOk(`SGID ${formatGuid(guid)}`);
  }

  /** SEND of one event (or its text form). */
  async send(event: VscpEvent | string): Promise<void> {
    await this.expectOk(`SEND ${typeof event === 'string' ? event : formatEvent(event)}`);
  }

  /** Pipelined SENDs; resolves when all were accepted, rejects with the first refusal. */
  async sendAll(events: readonly (VscpEvent | string)[]): Promise<void> {
    const replies = await this.pipeline(events.map((e) => `SEND ${typeof e === 'string' ? e : formatEvent(e)}`));
    const bad = replies.findIndex((r) => !r.ok);
    if (bad >= 0) throw new VscpCommandError(`SEND #${bad}`, replies[bad]!);
  }

  /** Up to `count` queued events; fewer (no error) when the queue runs dry. */
  async retr(count = 1): Promise<VscpEvent[]> {
    const r = await this.command(`RETR ${count}`);
    if (!r.ok && r.lines.length === 0 && !/no event/i.test(r.status)) throw new VscpCommandError(`RETR ${count}`, r);
    return r.lines.map((l) => parseEvent(l));
  }

  async cdta(): Promise<number> {
    return Number(lastData(await this.expectOk('CDTA')));
  }

  async clra(): Promise<void> {
    await this.expectOk('CLRA');
  }

  async stat(): Promise<ClientStatistics> {
    const [busoff = 0, buswarnings = 0, overruns = 0, rxdata = 0, rxframes = 0, txdata = 0, txframes = 0] =
      lastData(await this.expectOk('STAT')).split(',').map((t) => Number(t) || 0);
    return { busoff, buswarnings, overruns, rxdata, rxframes, txdata, txframes };
  }

  async wcyd(): Promise<bigint> {
    const text = lastData(await this.expectOk('WCYD')).replace(/^\+OK - /, '');
    return BigInt('0x' + (text.replace(/-/g, '') || '0'));
  }

  /** SFLT + SMSK from a filter (GUIDs in their real byte order, unlike the v13 client). */
  async setFilter(filter: VscpFilter): Promise<void> {
    const [f, m] = await this.pipeline([`SFLT ${formatFilterPart(filterPart(filter))}`, `SMSK ${formatFilterPart(maskPart(filter))}`]);
    if (!f!.ok) throw new VscpCommandError('SFLT', f!);
    if (!m!.ok) throw new VscpCommandError('SMSK', m!);
  }

  async interfaceList(): Promise<InterfaceInfo[]> {
    const r = await this.expectOk('INTERFACE LIST');
    return r.lines.filter((l) => !/^\d+ rows?\.?$/.test(l)).map((l) => {
      const [id, type, guid, ...name] = l.split(',');
      return { id: Number(id), type: Number(type), guid: parseGuid(guid ?? ''), name: name.join(',') };
    });
  }

  // --- variables ------------------------------------------------------------------------------

  private get base64(): boolean {
    return (this.options.variableEncoding ?? 'base64') === 'base64';
  }

  /** String-class types travel BASE64 on a base64 server; a BLOB's value is BASE64 already. */
  private travelsBase64(type: number): boolean {
    return this.base64 && isStringClassType(type) && type !== VariableType.BLOB;
  }

  private fromWire(type: number, text: string): string {
    return this.travelsBase64(type) ? decodeBase64Lenient(text) : text;
  }

  private toWire(type: number, text: string): string {
    return this.travelsBase64(type) ? Buffer.from(text, 'utf8').toString('base64') : text;
  }

  /** VAR READ: the whole variable, value and note as plain text. */
  async readVariable(name: string): Promise<VariableRow> {
    const r = await this.expectOk(`VAR READ ${name}`, { dataLines: 1 });
    const row = lastData(r).replace(/^\+OK - /, '');
    const f = row.split(';');
    if (f.length < 8) throw new VscpClientError('protocol', `VAR READ ${name}: "${row}" is no variable row`);
    const type = Number(f[1]);
    const note = f[f.length - 1]!;
    const value = f.slice(6, -1).join(';');
    return {
      name: f[0]!, type, owner: Number(f[2]), rights: Number(f[3]), persistent: /true/i.test(f[4]!), lastChange: f[5]!,
      value: this.fromWire(type, value), note: this.base64 ? decodeBase64Lenient(note) : note,
    };
  }

  /** The plain value of a variable (one VAR READ, so string types are decoded by their type). */
  async readValue(name: string): Promise<string> {
    return (await this.readVariable(name)).value;
  }

  /** The value as the server sends it (BASE64 for string types on a base64 server). */
  async readValueRaw(name: string): Promise<string> {
    return lastData(await this.expectOk(`VAR READVALUE ${name}`, { dataLines: 1 }));
  }

  /** VAR WRITEVALUE of an existing variable; the type is looked up when not given. */
  async writeValue(name: string, value: string, type?: number): Promise<void> {
    const t = type ?? (await this.readVariable(name)).type;
    await this.expectOk(`VAR WRITEVALUE ${name} ${this.toWire(t, value)}`);
  }

  /**
   * VAR WRITE: creates or changes a variable (plain value and note; encoded as the server wants).
   * Type: a code or token (`string`, `int`, …); absent = string for a new variable.
   */
  async writeVariable(v: { name: string; type?: number | string; value?: string; note?: string; persistent?: boolean; owner?: number; rights?: number }): Promise<void> {
    const typeCode = v.type === undefined ? VariableType.STRING : typeof v.type === 'number' ? v.type : variableTypeFromToken(v.type);
    const value = v.value === undefined ? '' : this.toWire(typeCode, v.value);
    const fields = [
      v.name, v.type === undefined ? '' : String(typeCode), v.persistent === undefined ? '' : String(v.persistent),
      v.owner === undefined ? '' : String(v.owner), v.rights === undefined ? '' : String(v.rights), value,
    ];
    if (v.note !== undefined) fields.push(this.base64 ? Buffer.from(v.note, 'utf8').toString('base64') : v.note);
    await this.expectOk(`VAR WRITE ${fields.join(';')}`);
  }

  async listVariables(pattern?: string, type?: number): Promise<VariableListRow[]> {
    const args = [pattern ?? (type !== undefined ? '(.*)' : undefined), type].filter((a) => a !== undefined).join(' ');
    const r = await this.expectOk(`VAR LIST${args ? ' ' + args : ''}`);
    return r.lines.filter((l) => !/^\d+ rows\.$/.test(l)).map((l) => {
      const f = l.split(';');
      return { name: f[1]!, type: Number(f[2]), owner: Number(f[3]), rights: Number(f[4]), persistent: /true/i.test(f[5] ?? ''), lastChange: f[6] ?? '' };
    });
  }

  async removeVariable(name: string): Promise<void> {
    await this.expectOk(`VAR REMOVE ${name}`);
  }

  // --- receive loop ---------------------------------------------------------------------------

  /** Enters RCVLOOP; events go to `onEvent` and/or the returned loop's async iterator. */
  async receiveLoop(options: ReceiveLoopOptions = {}): Promise<ReceiveLoop> {
    if (this.loop) throw new VscpClientError('protocol', 'already in a receive loop');
    const loop = new ReceiveLoop(this, options);
    const reply = await this.enqueue('RCVLOOP', {}, (r) => { if (r.ok) this.loop = loop; });
    if (!reply.ok) throw new VscpCommandError('RCVLOOP', reply);
    loop.started();
    return loop;
  }

  /** @internal QUITLOOP for ReceiveLoop.stop(). */
  quitLoop(loop: ReceiveLoop): Promise<CommandReply> {
    return this.enqueue('QUITLOOP', {}, () => { if (this.loop === loop) this.loop = null; });
  }

  /** @internal */
  pauseReading(pause: boolean): void {
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  /** @internal The loop saw no line for too long. */
  stalled(ms: number): void {
    this.fail(new VscpClientError('stalled', `connection to ${this.where}: no keep-alive or event for ${ms} ms in the receive loop`));
    this.socket.destroy();
  }

  // --- ending ---------------------------------------------------------------------------------

  /** QUIT, then waits for the server to close. */
  async quit(): Promise<void> {
    if (this.closedError) return;
    const closed = new Promise<void>((resolve) => this.onClose(() => resolve()));
    await this.command('QUIT').catch(() => undefined);
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    await closed;
    clearTimeout(t);
  }

  /** Closes at once; pending commands reject. */
  close(): void {
    this.fail(new VscpClientError('closed', `connection to ${this.where} closed by the client`));
    this.socket.destroy();
  }

  // --- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (e) {
      if (!(e instanceof LineTooLongError)) throw e;
      this.fail(new VscpClientError('protocol', `server ${this.where} sent a line longer than ${e.limit} bytes`));
      this.socket.destroy();
      return;
    }
    for (const line of lines) {
      if (this.closedError) return;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line === '') {
      // an empty value (VAR READVALUE) is data; other blank lines (13.1.x printed some after
      // status lines) are skipped
      const head = this.pending[0];
      if (head && head.dataLines !== undefined && head.lines.length < head.dataLines) head.lines.push('');
      return;
    }
    if (this.bannerDone) {
      this.banner.push(line);
      if (line.startsWith('+OK')) {
        const done = this.bannerDone;
        this.bannerDone = null;
        done();
      } else if (line.startsWith('-OK')) {
        this.fail(new VscpClientError('connect', `connect ${this.where}: ${line}`));
        this.socket.destroy();
      } else if (this.banner.length > 50) {
        this.fail(new VscpClientError('protocol', `connect ${this.where}: no +OK in the first 50 lines; not a VSCP server?`));
        this.socket.destroy();
      }
      return;
    }
    const head = this.pending[0];
    const loop = this.loop;
    if (loop) {
      if (line === '+OK') {
        loop.keepalive();
        return;
      }
      loop.touch();
      if (!isStatus(line) && !(head && head.dataLines !== undefined && head.lines.length < head.dataLines)) {
        // an event, unless a command inside the loop waits for its data lines (CHID: "5")
        const event = loop.parse(line);
        if (event) return loop.deliver(event);
        if (!head) return loop.bad(line);
      }
    }
    if (isStatus(line)) this.lastServerStatus = line;
    // the server's last words before it closes are no reply to anything
    if (!head || line.startsWith('-OK - Connection closed by server')) return;
    const isData = !isStatus(line) || (line.startsWith('+OK') && head.dataLines !== undefined && head.lines.length < head.dataLines);
    if (isData) {
      head.lines.push(line);
      if (head.lines.length > (this.options.maxReplyLines ?? 1_000_000)) {
        this.fail(new VscpClientError('protocol', `${head.command}: reply longer than ${this.options.maxReplyLines ?? 1_000_000} lines`));
        this.socket.destroy();
      }
      return;
    }
    this.pending.shift();
    const reply: CommandReply = { ok: line.startsWith('+OK'), lines: head.lines, status: line };
    head.onReply?.(reply);
    head.resolve(reply);
    if (this.pending.length > 0) this.armHeadTimer();
    else this.clearHeadTimer();
  }

  private armHeadTimer(): void {
    const head = this.pending[0];
    if (!head) return;
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = setTimeout(() => {
      this.fail(new VscpClientError('timeout', `${head.command}: no reply from ${this.where} within ${head.timeoutMs} ms`));
      this.socket.destroy();
    }, head.timeoutMs);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  private fail(error: VscpClientError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.clearHeadTimer();
    if (this.bannerDone) {
      const done = this.bannerDone;
      this.bannerDone = null;
      done(error);
    }
    for (const p of this.pending.splice(0)) p.reject(error);
    this.loop?.ended(error);
    this.loop = null;
    for (const l of this.closeListeners.splice(0)) {
      try {
        l(error);
      } catch {
        // a listener's problem is not the connection's
      }
    }
  }
}

function lastData(r: CommandReply): string {
  return r.lines[r.lines.length - 1] ?? '';
}

/** BASE64 → text; text that is no BASE64 is returned as is (servers that send plain text). */
function decodeBase64Lenient(text: string): string {
  const t = text.trim();
  if (t === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length % 4 !== 0) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(t, 'base64'));
  } catch {
    return text;
  }
}

/**
 * The receive side of RCVLOOP. Events are handed to `onEvent` and buffered for the async
 * iterator (bounded: reading pauses while the iterator is behind). The iterator ends when the
 * loop is stopped and throws when the connection breaks or stalls.
 */
export class ReceiveLoop implements AsyncIterable<VscpEvent> {
  private readonly client: VscpClient;
  private readonly options: ReceiveLoopOptions;
  private readonly buffer: VscpEvent[] = [];
  private bufferHead = 0;
  private iterating = false;
  private paused = false;
  private waiter: (() => void) | null = null;
  private endError: Error | null = null;
  private done = false;
  private watchdog: NodeJS.Timeout | null = null;
  private lastLineAt = Date.now();
  /** Events received; keep-alives received. */
  events = 0;
  keepalives = 0;
  badLines = 0;

  /** @internal use VscpClient.receiveLoop */
  constructor(client: VscpClient, options: ReceiveLoopOptions) {
    this.client = client;
    this.options = options;
  }

  /** @internal */
  started(): void {
    const timeout = this.options.keepaliveTimeoutMs ?? 10_000;
    if (timeout > 0 && !this.done) {
      this.watchdog = setInterval(() => {
        const silent = Date.now() - this.lastLineAt;
        if (silent > timeout) this.client.stalled(silent);
      }, Math.max(10, Math.min(1000, Math.floor(timeout / 4))));
    }
  }

  /** @internal */
  keepalive(): void {
    this.keepalives++;
    this.lastLineAt = Date.now();
  }

  /** @internal */
  touch(): void {
    this.lastLineAt = Date.now();
  }

  /** @internal */
  parse(text: string): VscpEvent | undefined {
    try {
      return parseEvent(text);
    } catch {
      return undefined;
    }
  }

  /** @internal A line that is neither an event nor part of a reply. */
  bad(text: string): void {
    this.badLines++;
    let why: Error;
    try {
      parseEvent(text);
      why = new Error('not an event');
    } catch (e) {
      why = e as Error;
    }
    this.options.onBadLine?.(text, why);
  }

  /** @internal */
  deliver(event: VscpEvent): void {
    this.events++;
    this.options.onEvent?.(event);
    // without a callback the events are for the iterator: keep them until it asks
    if (this.iterating || !this.options.onEvent) {
      this.buffer.push(event);
      if (!this.paused && this.buffer.length - this.bufferHead >= (this.options.maxBuffered ?? 10_000)) {
        this.paused = true;
        this.client.pauseReading(true);
      }
      this.wake();
    }
  }

  /** @internal */
  ended(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.endError = error;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.wake();
  }

  /** QUITLOOP: the connection goes back to command mode; the iterator ends. */
  async stop(): Promise<void> {
    if (this.done) return;
    const reply = await this.client.quitLoop(this);
    this.ended(null);
    if (this.paused) {
      this.paused = false;
      this.client.pauseReading(false);
    }
    if (!reply.ok) throw new VscpCommandError('QUITLOOP', reply);
  }

  get active(): boolean {
    return !this.done;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VscpEvent> {
    this.iterating = true;
    try {
      for (;;) {
        if (this.bufferHead < this.buffer.length) {
          const event = this.buffer[this.bufferHead++]!;
          if (this.bufferHead > 1024 && this.bufferHead * 2 > this.buffer.length) {
            this.buffer.splice(0, this.bufferHead);
            this.bufferHead = 0;
          }
          if (this.paused && this.buffer.length - this.bufferHead < (this.options.maxBuffered ?? 10_000) / 2) {
            this.paused = false;
            this.client.pauseReading(false);
          }
          yield event;
          continue;
        }
        if (this.done) {
          if (this.endError) throw this.endError;
          return;
        }
        await new Promise<void>((resolve) => { this.waiter = resolve; });
      }
    } finally {
      this.iterating = false;
    }
  }
}

// --- reconnecting -----------------------------------------------------------------------------

export interface BackoffOptions {
  /** First delay; default 1 s. */
  minDelayMs?: number;
  /** Longest delay; default 30 s. */
  maxDelayMs?: number;
}

/**
 * Delay before attempt `attempt` (0 = first retry): min × 2^attempt capped at max, with jitter
 * between half and all of it, so many clients do not reconnect in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  return delayBefore(attempt, { minMs: options.minDelayMs ?? 1000, maxMs: options.maxDelayMs ?? 30_000, jitter: 'half' }, random);
}

export interface ConnectWithRetryOptions extends VscpClientOptions, BackoffOptions {
  user?: string;
  password?: string;
  /** Runs after login on every (re)connect: filters, RCVLOOP, … A throw counts as a failed attempt. */
  setup?: (client: VscpClient) => Promise<void>;
  /** Told about each failed attempt and the wait before the next. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  /** Give up after this many failed attempts; default never. */
  maxAttempts?: number;
}

/** Connects (and logs in, and runs setup), retrying with backoff until it works or `signal` aborts. */
export async function connectWithRetry(options: ConnectWithRetryOptions): Promise<VscpClient> {
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let client: VscpClient | undefined;
    try {
      client = await VscpClient.connect(options);
      if (options.user !== undefined) await client.login(options.user, options.password ?? '');
      await options.setup?.(client);
      return client;
    } catch (e) {
      client?.close();
      if ((e as VscpClientError).code === 'aborted' || options.signal?.aborted) throw e;
      if (options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts) throw e;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(e as Error, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VscpClientError('aborted', 'aborted'));
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new VscpClientError('aborted', 'aborted')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ReconnectingClientOptions extends Omit<ConnectWithRetryOptions, 'signal'> {
  onConnected?: (client: VscpClient) => void;
  onDisconnected?: (error: VscpClientError) => void;
}

/**
 * Keeps one session up: connects with retry, and after the connection breaks (closed, stalled,
 * timed out) connects again, running `setup` each time (so filters and RCVLOOP are restored).
 */
export class ReconnectingClient {
  private readonly options: ReconnectingClientOptions;
  private readonly abort = new AbortController();
  private current: VscpClient | null = null;
  private running = false;

  constructor(options: ReconnectingClientOptions) {
    this.options = options;
  }

  get client(): VscpClient | null {
    return this.current?.connected ? this.current : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  /** Stops reconnecting and closes the session (QUIT when connected). */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    const c = this.current;
    this.current = null;
    if (c?.connected) await c.quit().catch(() => c.close());
  }

  private async run(): Promise<void> {
    while (this.running) {
      let client: VscpClient;
      try {
        client = await connectWithRetry({ ...this.options, signal: this.abort.signal });
      } catch {
        return; // aborted (or maxAttempts reached)
      }
      if (!this.running) {
        client.close();
        return;
      }
      this.current = client;
      const closed = new Promise<VscpClientError>((resolve) => client.onClose(resolve));
      this.options.onConnected?.(client);
      const error = await closed;
      if (this.current === client) this.current = null;
      if (!this.running) return;
      this.options.onDisconnected?.(error);
      try {
        await sleep(backoffDelay(0, this.options), this.abort.signal);
      } catch {
        return;
      }
    }
  }
}
