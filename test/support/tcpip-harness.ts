/*
 * A TCP/IP interface inside the test process: a Bus, the real variable store (state in a temp
 * folder), a UserDirectory and a TcpipServer on 127.0.0.1:0. Everything is closed after each
 * test. Also a raw line connection for byte-exact conversations, and a helper that spawns
 * load-generator processes (benchmarks).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Bus } from '../../runtime/bus/index.js';
import type { DeclaredVariable, TcpipSettings, UserSettings } from '../../runtime/config/types.js';
import { parseGuid } from '../../runtime/protocol/index.js';
import { hashPasswordAsync } from '../../runtime/protocol/password.js';
import { type Logger, silentLogger } from '../../runtime/support/log.js';
import { type ShutdownRequest, TcpipServer } from '../../runtime/tcpip/server.js';
import { VscpClient, type VscpClientOptions } from '../../runtime/tcpip/client.js';
import { UserDirectory } from '../../runtime/tcpip/users.js';
import { type RuntimeVariableStore, createVariableStore } from '../../runtime/variables/store.js';

export const HARNESS_DAEMON_GUID = 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00';

export function tcpipSettings(over: Partial<TcpipSettings> = {}): TcpipSettings {
  return {
    enable: true,
    listen: [{ host: '127.0.0.1', port: 0 }],
    tlsCert: null,
    tlsKey: null,
    maxClients: 1024,
    maxLineBytes: 8192,
    idleTimeoutMs: 43_200_000,
    keepaliveIntervalMs: 2000,
    variableEncoding: 'base64',
    loginDelayBaseMs: 500,
    loginDelayMaxMs: 30_000,
    ...over,
  };
}

export interface HarnessUser {
  name: string;
  password: string;
  privilege?: number;
  allowFrom?: string[];
  allowEvent?: string[];
  filter?: string;
  mask?: string;
}

/** admin (15) / user (6) / reader (2) / viewer (1), password `<name>-pw`. */
export const DEFAULT_USERS: HarnessUser[] = [
  { name: 'admin', password: 'admin-pw', privilege: 15 },
  { name: 'user', password: 'user-pw', privilege: 6 },
  { name: 'reader', password: 'reader-pw', privilege: 2 },
  { name: 'viewer', password: 'viewer-pw', privilege: 1 },
];

const hashCache = new Map<string, Promise<string>>();
function hashFor(password: string): Promise<string> {
  let h = hashCache.get(password);
  if (!h) {
    h = hashPasswordAsync(password);
    hashCache.set(password, h);
  }
  return h;
}

export async function userSettings(users: readonly HarnessUser[]): Promise<UserSettings[]> {
  return Promise.all(users.map(async (u, i) => ({
    name: u.name,
    passwordHash: await hashFor(u.password),
    privilege: u.privilege ?? 15,
    allowFrom: u.allowFrom ?? [],
    allowEvent: u.allowEvent ?? [],
    filter: u.filter ?? '',
    mask: u.mask ?? '',
    origin: { file: 'harness.conf', line: i + 1 },
  })));
}

export interface TcpipHarnessOptions {
  settings?: Partial<TcpipSettings>;
  users?: HarnessUser[];
  /** Declared variables (name, type code, plain value; the rest defaults). */
  variables?: Partial<DeclaredVariable>[];
  queueSize?: number;
  log?: Logger;
  onShutdownRequest?: (request: ShutdownRequest) => void;
  onReloadRequest?: () => Promise<void>;
}

export interface TcpipHarness {
  bus: Bus;
  users: UserDirectory;
  variables: RuntimeVariableStore;
  server: TcpipServer;
  host: string;
  port: number;
  stateDir: string;
  /** A client that has read the banner. */
  connect(options?: Partial<VscpClientOptions>): Promise<VscpClient>;
  /** A logged-in client (default admin). */
  login(user?: string, password?: string, options?: Partial<VscpClientOptions>): Promise<VscpClient>;
  /** A raw line connection (nothing read yet). */
  raw(): Promise<RawConnection>;
  close(): Promise<void>;
}

const open: TcpipHarness[] = [];
const openRaw: RawConnection[] = [];
const openClients: VscpClient[] = [];

afterEach(async () => {
  for (const r of openRaw.splice(0)) r.destroy();
  for (const c of openClients.splice(0)) c.close();
  while (open.length) await open.pop()!.close();
});

function declared(v: Partial<DeclaredVariable>, i: number): DeclaredVariable {
  return {
    name: (v.name ?? `VAR${i}`).toUpperCase(), type: v.type ?? 1, value: v.value ?? '', note: v.note ?? '',
    persistent: v.persistent ?? false, owner: v.owner ?? 0, rights: v.rights ?? 0x744,
    origin: v.origin ?? { file: 'variables.ini', line: i + 1 },
  };
}

export async function startTcpipHarness(options: TcpipHarnessOptions = {}): Promise<TcpipHarness> {
  const log = options.log ?? silentLogger;
  const stateDir = mkdtempSync(join(tmpdir(), 'vscpd-tcpip-'));
  const bus = new Bus({ daemonGuid: parseGuid(HARNESS_DAEMON_GUID), defaultQueueSize: options.queueSize ?? 1024, log });
  const users = new UserDirectory(await userSettings(options.users ?? DEFAULT_USERS), { log });
  const variables = await createVariableStore({ stateDir, log, saveDelayMs: 5 });
  variables.applyDeclared((options.variables ?? []).map((v, i) => declared(v, i)));
  const server = new TcpipServer({
    settings: tcpipSettings(options.settings),
    bus, variables, users, log,
    info: { name: 'test daemon', version: '0.1.0', guid: parseGuid(HARNESS_DAEMON_GUID), startedAt: new Date() },
    onShutdownRequest: options.onShutdownRequest,
    onReloadRequest: options.onReloadRequest,
  });
  await server.start();
  const bound = server.addresses()[0]!;
  let closed = false;
  const h: TcpipHarness = {
    bus, users, variables, server, stateDir,
    host: bound.host,
    port: bound.port,
    async connect(o = {}) {
      const c = await VscpClient.connect({ host: bound.host, port: bound.port, ...o });
      openClients.push(c);
      return c;
    },
    async login(user = 'admin', password, o = {}) {
      const c = await h.connect(o);
      await c.login(user, password ?? `${user}-pw`);
      return c;
    },
    async raw() {
      const r = await RawConnection.open(bound.host, bound.port);
      openRaw.push(r);
      return r;
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.stop('test finished');
      await variables.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  open.push(h);
  return h;
}

/**
 * A plain socket that collects what the server sends, for byte-exact checks. Complete lines
 * are queued (each must end in CRLF); `rest()` is everything received and not read yet.
 */
export class RawConnection {
  readonly socket: Socket;
  private partial = '';
  private queue: string[] = [];
  private head = 0;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onText(text));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => { this.isClosed = true; this.wake(); resolve(); }));
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => { s.off('error', reject); resolve(new RawConnection(s)); });
      s.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Writes `line` + CRLF. */
  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** The next line (without CRLF); rejects when the connection closes first or after `timeoutMs`. */
  async line(timeoutMs = 10_000): Promise<string> {
    await this.waitFor(() => this.head < this.queue.length, timeoutMs, 'a line');
    const raw = this.queue[this.head++]!;
    if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!raw.endsWith('\r')) throw new Error(`line ${JSON.stringify(raw)} does not end with CRLF`);
    return raw.slice(0, -1);
  }

  async lines(n: number, timeoutMs = 10_000): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.line(timeoutMs));
    return out;
  }

  /** Lines until (and including) one that matches. */
  async until(match: (line: string) => boolean, timeoutMs = 10_000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line(timeoutMs);
      out.push(l);
      if (match(l)) return out;
    }
  }

  /** Resolves when the server has closed the connection; the unread rest is returned. */
  async waitClosed(timeoutMs = 10_000): Promise<string> {
    await this.waitFor(() => this.isClosed, timeoutMs, 'the connection to close');
    return this.rest();
  }

  /** Everything received and not read yet, as text. */
  rest(): string {
    const lines = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    const text = lines.map((l) => l + '\n').join('') + this.partial;
    this.partial = '';
    return text;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onText(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const p of parts) this.queue.push(p);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private unread(): string {
    const shown = this.queue.slice(this.head, this.head + 5).join('\n') + (this.head + 5 < this.queue.length ? '\n…' : '');
    return JSON.stringify(shown + (this.head + 5 >= this.queue.length ? this.partial : ''));
  }

  private async waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ready()) return;
      if (this.isClosed) throw new Error(`connection closed while waiting for ${what}; unread: ${this.unread()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; unread: ${this.unread()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}

/** Logs in on a raw connection and checks the replies; the banner is consumed. */
export async function rawLogin(h: TcpipHarness, user = 'admin', password?: string): Promise<RawConnection> {
  const r = await h.raw();
  await r.until((l) => l.startsWith('+OK'));
  r.send(`USER ${user}`);
  r.send(`PASS ${password ?? `${user}-pw`}`);
  const replies = await r.lines(2);
  if (replies[1] !== '+OK - Success.') throw new Error(`login of ${user} failed: ${replies.join(' | ')}`);
  return r;
}

/**
 * Starts a load generator (an ESM script) as a separate process with IPC; the caller talks to
 * it with messages. The process is killed after the test if still running.
 */
export function spawnLoadGenerator(script: string, args: string[] = []): ChildProcess {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
