/*
 * The local HTTP admin API (default 127.0.0.1:9599):
 *   GET  /status   generation, last reload, drift, drivers, sessions (JSON)
 *   GET  /plan     what a reload would do now (JSON)
 *   POST /reload   reloads, waits, answers with the real outcome (200 applied/unchanged,
 *                  409 applied with driver failures, 422 rejected, 500 failed and rolled back)
 *   GET  /metrics  Prometheus text format
 * POST needs the daemon's token (`Authorization: Bearer …`, from the runtime file that only the
 * daemon's user can read); GETs are read-only and open to local clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AdminSettings } from '../config/types.js';
import type { Logger } from '../support/log.js';

export interface AdminHandlers {
  status(): Promise<unknown>;
  plan(): Promise<{ status: number; body: unknown }>;
  reload(): Promise<{ status: number; body: unknown }>;
  metrics(): Promise<string>;
}

export interface AdminServerOptions {
  settings: AdminSettings;
  token: string;
  handlers: AdminHandlers;
  log: Logger;
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body, null, 1) + '\n' : String(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class AdminServer {
  private server: Server | null = null;
  private bound: { host: string; port: number } | null = null;
  private settings: AdminSettings;

  constructor(private readonly o: AdminServerOptions) {
    this.settings = o.settings;
  }

  /** Where it listens (null when disabled). */
  address(): { host: string; port: number } | null {
    return this.bound;
  }

  async start(): Promise<void> {
    if (!this.settings.enable || this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 120_000;
    const { host, port } = this.settings.listen;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.bound = addr && typeof addr === 'object' ? { host, port: addr.port } : { host, port };
    this.server = server;
    this.o.log.info('Admin API listening.', { address: `http://${host.includes(':') ? `[${host}]` : host}:${this.bound.port}` });
  }

  /** Hot change of [admin]: re-binds only when the address or enable changed. */
  async update(settings: AdminSettings): Promise<void> {
    const same = settings.enable === this.settings.enable &&
      settings.listen.host === this.settings.listen.host && settings.listen.port === this.settings.listen.port;
    this.settings = settings;
    if (same) return;
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.bound = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    // bodies are never needed; refuse large ones
    req.resume();
    try {
      switch (route) {
        case 'GET /status':
          return send(res, 200, await this.o.handlers.status());
        case 'GET /plan': {
          const r = await this.o.handlers.plan();
          return send(res, r.status, r.body);
        }
        case 'POST /reload': {
          if (!tokenMatches(req, this.o.token)) {
            return send(res, 401, { error: 'POST /reload needs the daemon token (Authorization: Bearer …); `vscpd reload` reads it from the runtime file' });
          }
          const r = await this.o.handlers.reload();
          return send(res, r.status, r.body);
        }
        case 'GET /metrics':
          return send(res, 200, await this.o.handlers.metrics(), 'text/plain; version=0.0.4');
        case 'GET /':
          return send(res, 200, { endpoints: ['GET /status', 'GET /plan', 'POST /reload', 'GET /metrics'] });
        default:
          return send(res, url.pathname.match(/^\/(status|plan|reload|metrics)$/) ? 405 : 404, { error: `no such endpoint: ${route}` });
      }
    } catch (e) {
      this.o.log.error('Admin API request failed.', { route, error: (e as Error).message });
      if (!res.headersSent) send(res, 500, { error: (e as Error).message });
      else res.destroy();
    }
  }
}
