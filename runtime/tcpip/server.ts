/*
 * The TCP/IP interface: listeners on every configured address (IPv4, IPv6, optional TLS), one
 * Session per connection. Settings are hot: `update()` re-binds only the addresses that
 * changed (sessions on kept addresses stay), swaps TLS certificates in place, and applies new
 * limits to new sessions. `stop()` sends every session a last line and closes it.
 */
import { readFile } from 'node:fs/promises';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import {
  type SecureContextOptions, type TLSSocket, createSecureContext, createServer as createTlsServer, type Server as TlsServer,
} from 'node:tls';
import type { Bus } from '../bus/index.js';
import type { ListenAddress, TcpipSettings } from '../config/types.js';
import { CAPABILITY, capabilityCode } from '../protocol/index.js';
import { silentLogger, type Logger } from '../support/log.js';
import type { VariableStore } from '../variables/contract.js';
import { LoginThrottle } from './login-throttle.js';
import { Reply } from './replies.js';
import { type ServerContext, type ServerInfo, Session, type SessionInfo, type SessionLimits } from './session.js';
import type { UserDirectory } from './users.js';

export type { ServerInfo, SessionInfo } from './session.js';

export interface ShutdownRequest {
  user: string;
  address: string;
}

export interface TcpipServerOptions {
  settings: TcpipSettings;
  bus: Bus;
  variables: VariableStore;
  users: UserDirectory;
  log?: Logger;
  info: ServerInfo;
  /** SHUTDOWN from a user with privilege 15; without it SHUTDOWN is refused. */
  onShutdownRequest?: (request: ShutdownRequest) => void;
  /** VAR LOAD: reload the configuration (and so the variable file); without it VAR LOAD is refused. */
  onReloadRequest?: () => Promise<void>;
}

export interface BoundAddress {
  /** The configured address (`host:port` as in the settings). */
  configured: string;
  host: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  tls: boolean;
}

export interface TcpipServerStats {
  sessions: number;
  connectionsTotal: number;
  /** Connections refused because max_clients were connected. */
  connectionsRefused: number;
}

interface Listener {
  /** Identity for the sessions that came in on it. */
  id: string;
  /** The port it had before it was closed (to restore it). */
  lastPort: number;
  key: string;
  address: ListenAddress;
  server: Server | TlsServer;
  tls: boolean;
}

export class TcpipServerError extends Error {
  override name = 'TcpipServerError';
}

/** How long stop() waits for sessions to read their last line before cutting them off. */
const STOP_GRACE_MS = 2000;
/** A TLS client must finish its handshake within this time. */
const TLS_HANDSHAKE_MS = 10_000;

function listenKey(a: ListenAddress): string {
  return `${normalizeHost(a.host)}|${a.port}`;
}

function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function formatListenAddress(a: ListenAddress): string {
  const h = normalizeHost(a.host);
  return h.includes(':') ? `[${h}]:${a.port}` : `${h || '*'}:${a.port}`;
}

export class TcpipServer {
  private settings: TcpipSettings;
  private readonly options: TcpipServerOptions;
  private readonly log: Logger;
  private readonly listeners = new Map<string, Listener>();
  private readonly active = new Set<Session>();
  private readonly ctx: ServerContext;
  private tlsMaterial: TlsMaterial | null = null;
  private started = false;
  private stopping = false;
  private unsubscribeUsers: (() => void) | null = null;
  private emptyWaiters: (() => void)[] = [];
  private connectionsTotal = 0;
  private connectionsRefused = 0;
  private listenerSeq = 0;
  private readonly sockets = new Set<Socket>();
  private readonly urgentFlushes = new Set<Session>();
  private readonly laterFlushes = new Set<Session>();
  private flushImmediate = false;

  constructor(options: TcpipServerOptions) {
    this.options = options;
    this.settings = options.settings;
    this.log = options.log ?? silentLogger;
    const throttle = new LoginThrottle({ baseMs: options.settings.loginDelayBaseMs, maxMs: options.settings.loginDelayMaxMs });
    this.ctx = {
      bus: options.bus,
      variables: options.variables,
      users: options.users,
      log: this.log,
      info: options.info,
      throttle,
      settings: () => this.settings,
      capabilities: () => this.capabilities(),
      requestShutdown: (session) => this.requestShutdown(session),
      requestReload: options.onReloadRequest,
      sessionClosed: (session) => this.sessionClosed(session),
      requestFlush: (session, urgent) => this.requestFlush(session, urgent),
      runFlushes: () => this.runFlushes(),
    };
  }

  /** Listens on every configured address (port 0 = any free port; see addresses()). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.unsubscribeUsers = this.options.users.onChange((changes) => {
      const affected = new Set([...changes.removed, ...changes.changed]);
      for (const s of this.active) {
        if (s.user && affected.has(s.user.name)) s.userChanged(this.options.users.get(s.user.name));
      }
    });
    if (!this.settings.enable) return;
    this.tlsMaterial = await loadTls(this.settings);
    try {
      for (const a of this.settings.listen) await this.open(a, this.settings.listen);
    } catch (e) {
      void this.closeListeners([...this.listeners.values()]);
      this.unsubscribeUsers?.();
      this.started = false;
      throw e;
    }
    for (const a of this.addresses()) this.log.info('Listening for TCP/IP clients.', { address: a.configured, port: a.port, tls: a.tls });
  }

  /** The real addresses listened on (with the port the system chose for port 0). */
  addresses(): BoundAddress[] {
    const out: BoundAddress[] = [];
    for (const l of this.listeners.values()) {
      const a = l.server.address() as AddressInfo | null;
      if (!a) continue;
      out.push({ configured: formatListenAddress(l.address), host: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', tls: l.tls });
    }
    return out;
  }

  sessions(): SessionInfo[] {
    return [...this.active].map((s) => s.info());
  }

  stats(): TcpipServerStats {
    return { sessions: this.active.size, connectionsTotal: this.connectionsTotal, connectionsRefused: this.connectionsRefused };
  }

  /**
   * Applies new settings while running. TLS files are read first: if that fails nothing
   * changes. Then removed addresses stop listening (their sessions are closed), added ones
   * start; a failing new address is reported and the previous listeners are restored.
   */
  async update(next: TcpipSettings): Promise<void> {
    const prev = this.settings;
    this.ctx.throttle.update(next.loginDelayBaseMs, next.loginDelayMaxMs);
    if (!this.started) {
      this.settings = next;
      return;
    }
    const prevMaterial = this.tlsMaterial;
    // read again even under the same names: a renewed certificate keeps its file name
    const material = next.enable ? await loadTls(next) : prevMaterial;
    const modeChanged = Boolean(prevMaterial) !== Boolean(material);
    const tlsChanged = Boolean(material && prevMaterial && (!material.cert.equals(prevMaterial.cert) || !material.key.equals(prevMaterial.key)));
    const wanted = new Map(next.enable ? next.listen.map((a) => [listenKey(a), a] as const) : []);
    if (!modeChanged) this.rekeyPortZero(wanted);
    const removed = [...this.listeners.values()].filter((l) => modeChanged || !wanted.has(l.key));
    const added = [...wanted.entries()].filter(([key]) => modeChanged || !this.listeners.has(key)).map(([, a]) => a);
    const removedPorts = new Set(removed.map((l) => (l.server.address() as AddressInfo | null)?.port));
    // first what can be bound next to the old listeners, then the rest after they are closed
    const free = added.filter((a) => a.port === 0 || !removedPorts.has(a.port));
    const clashing = added.filter((a) => !free.includes(a));
    this.tlsMaterial = material;
    const opened: Listener[] = [];
    const restore = async (): Promise<void> => {
      void this.closeListeners(opened);
      this.tlsMaterial = prevMaterial;
      for (const l of removed) {
        if (this.listeners.has(l.key)) continue;
        const port = (l.server.address() as AddressInfo | null)?.port ?? l.lastPort;
        await this.open(l.address, prev.listen, { id: l.id, port }).catch((e: Error) => {
          this.log.error('Could not listen again on a previous address.', { address: formatListenAddress(l.address), error: e.message });
        });
      }
    };
    try {
      for (const a of free) opened.push(await this.open(a, next.listen));
    } catch (e) {
      void this.closeListeners(opened);
      this.tlsMaterial = prevMaterial;
      throw e;
    }
    for (const l of removed) l.lastPort = (l.server.address() as AddressInfo | null)?.port ?? l.lastPort;
    // stops listening at once; the promise only tells when their last connections are gone
    void this.closeListeners(removed);
    try {
      for (const a of clashing) opened.push(await this.open(a, next.listen));
    } catch (e) {
      await restore();
      throw e;
    }
    this.settings = next;
    for (const l of removed) {
      for (const s of this.active) if (s.listenerId === l.id) s.close('address no longer configured');
    }
    if (tlsChanged && !modeChanged && material) {
      for (const l of this.listeners.values()) if (l.tls) (l.server as TlsServer).setSecureContext(material);
      this.log.info('TLS certificate replaced.', { cert: next.tlsCert ?? undefined });
    }
    for (const l of opened) this.log.info('Listening for TCP/IP clients.', { address: formatListenAddress(l.address) });
    for (const l of removed) this.log.info('Stopped listening.', { address: formatListenAddress(l.address) });
  }

  /** Stops listening, sends every session a last line with `reason` and closes it. */
  async stop(reason = 'daemon stopping'): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    this.unsubscribeUsers?.();
    this.unsubscribeUsers = null;
    const closing = this.closeListeners([...this.listeners.values()]);
    for (const s of this.active) s.close(reason);
    if (this.active.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        this.emptyWaiters.push(() => { clearTimeout(timer); resolve(); });
      });
      for (const s of this.active) s.destroy();
    }
    for (const socket of this.sockets) socket.destroy();
    await closing;
    this.started = false;
  }

  /**
   * A listener configured with port 0 that got port P counts as configured with P: updating
   * `127.0.0.1:0` to `127.0.0.1:P` keeps it (and its sessions).
   */
  private rekeyPortZero(wanted: Map<string, ListenAddress>): void {
    for (const [key, a] of wanted) {
      if (this.listeners.has(key)) continue;
      for (const l of this.listeners.values()) {
        if (l.address.port !== 0 || wanted.has(l.key)) continue;
        const bound = l.server.address() as AddressInfo | null;
        if (bound?.port === a.port && normalizeHost(l.address.host) === normalizeHost(a.host)) {
          this.listeners.delete(l.key);
          l.key = key;
          l.address = a;
          this.listeners.set(key, l);
          break;
        }
      }
    }
  }

  private capabilities(): bigint {
    if (this.options.info.capabilities !== undefined) return this.options.info.capabilities;
    const bits: number[] = [CAPABILITY.REMOTE_VARIABLES, CAPABILITY.TCPIP];
    const families = new Set(this.addresses().map((a) => a.family));
    if (families.has('IPv4') || families.size === 0) bits.push(CAPABILITY.IPV4);
    if (families.has('IPv6')) bits.push(CAPABILITY.IPV6);
    if (this.settings.tlsCert) bits.push(CAPABILITY.SSL);
    if (this.settings.maxClients >= 2) bits.push(CAPABILITY.TWO_OR_MORE_TCP_CONNECTIONS);
    return capabilityCode(bits);
  }

  private requestShutdown(session: Session): boolean {
    const handler = this.options.onShutdownRequest;
    if (!handler) return false;
    const request = { user: session.user?.name ?? '', address: session.remoteAddress };
    // after the reply has gone out
    setImmediate(() => {
      try {
        handler(request);
      } catch (e) {
        this.log.error('Shutdown request handler failed.', { error: (e as Error).message });
      }
    });
    return true;
  }

  /**
   * Sessions with events to write. Urgent ones (idle receivers) are written as soon as the
   * sender's batch of commands is answered (runFlushes); the others, and events from drivers
   * or the daemon, after the current turn's I/O (setImmediate), many events per write.
   */
  private requestFlush(session: Session, urgent: boolean): void {
    (urgent ? this.urgentFlushes : this.laterFlushes).add(session);
    if (this.flushImmediate) return;
    this.flushImmediate = true;
    setImmediate(() => {
      this.flushImmediate = false;
      this.flush(this.urgentFlushes);
      this.flush(this.laterFlushes);
    });
  }

  private runFlushes(): void {
    this.flush(this.urgentFlushes);
  }

  private flush(set: Set<Session>): void {
    if (set.size === 0) return;
    const due = [...set];
    set.clear();
    for (const s of due) if (!s.isClosed) s.flushEvents();
  }

  private sessionClosed(session: Session): void {
    this.active.delete(session);
    this.log.debug('Connection closed.', { address: session.remoteAddress, port: session.remotePort, user: session.user?.name });
    if (this.active.size === 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
  }

  private accept(socket: Socket, listener: Listener): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const settings = this.settings;
    if (this.active.size >= settings.maxClients) {
      this.connectionsRefused++;
      this.log.warn('Connection refused: max_clients reached.', { address: socket.remoteAddress, maxClients: settings.maxClients });
      socket.on('error', () => undefined);
      socket.end(Reply.MAX_CLIENTS + '\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.connectionsTotal++;
    const limits: SessionLimits = {
      maxLineBytes: settings.maxLineBytes,
      idleTimeoutMs: settings.idleTimeoutMs,
      keepaliveIntervalMs: settings.keepaliveIntervalMs,
    };
    const session = new Session(this.ctx, socket, limits, listener.id, listener.tls);
    this.active.add(session);
    this.log.debug('Connection accepted.', { address: session.remoteAddress, port: session.remotePort, tls: listener.tls });
    session.start();
  }

  /** Listens on `a` (on `reuse.port` instead of a.port when restoring a listener). */
  private async open(a: ListenAddress, all: readonly ListenAddress[], reuse?: { id: string; port: number }): Promise<Listener> {
    const key = listenKey(a);
    const existing = this.listeners.get(key);
    if (existing) return existing;
    const tls = this.tlsMaterial !== null;
    const listener: Listener = {
      id: reuse?.id ?? `${key}#${++this.listenerSeq}`, key, address: a, tls, lastPort: 0, server: undefined as unknown as Server,
    };
    const server: Server | TlsServer = tls
      ? createTlsServer({ ...this.tlsMaterial!, allowHalfOpen: true, handshakeTimeout: TLS_HANDSHAKE_MS }, () => undefined)
      : createServer({ allowHalfOpen: true });
    // every socket, also those still in a TLS handshake, so stop() can end them all
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    if (tls) {
      server.on('secureConnection', (socket: TLSSocket) => this.accept(socket, listener));
      server.on('tlsClientError', (e: Error, socket: TLSSocket) => {
        this.log.debug('TLS handshake failed.', { address: socket.remoteAddress, error: e.message });
        socket.destroy();
      });
    } else {
      server.on('connection', (socket: Socket) => this.accept(socket, listener));
    }
    listener.server = server;
    const host = normalizeHost(a.host);
    // `::` is dual-stack unless IPv4's wildcard on the same port is configured too
    const ipv6Only = host === '::' && all.some((o) => o.port === a.port && ['0.0.0.0', ''].includes(normalizeHost(o.host)));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(new TcpipServerError(`tcpip: listen ${formatListenAddress(a)}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      server.once('error', onError);
      server.listen({ host: host === '' ? undefined : host, port: reuse?.port ?? a.port, ipv6Only, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e: Error) => this.log.error('Listener failed.', { address: formatListenAddress(a), error: e.message }));
    this.listeners.set(key, listener);
    return listener;
  }

  /** Stops listening at once; resolves when the listeners' connections are all closed too. */
  private closeListeners(list: readonly Listener[]): Promise<void> {
    return Promise.all(list.map((l) => new Promise<void>((resolve) => {
      this.listeners.delete(l.key);
      l.server.close(() => resolve());
    }))).then(() => undefined);
  }
}

interface TlsMaterial extends SecureContextOptions {
  cert: Buffer;
  key: Buffer;
}

async function loadTls(settings: TcpipSettings): Promise<TlsMaterial | null> {
  if (!settings.tlsCert && !settings.tlsKey) return null;
  if (!settings.tlsCert || !settings.tlsKey) throw new TcpipServerError('tcpip: tls_cert and tls_key must be given together');
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (e) {
      throw new TcpipServerError(`tcpip: ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const material = { cert: await read(settings.tlsCert, 'tls_cert'), key: await read(settings.tlsKey, 'tls_key') };
  try {
    // fail here, with the file names, rather than on the first connection
    createSecureContext(material);
  } catch (e) {
    throw new TcpipServerError(`tcpip: tls_cert ${settings.tlsCert} / tls_key ${settings.tlsKey}: ${(e as Error).message}`);
  }
  return material;
}
