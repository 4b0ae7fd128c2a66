/*
 * How the CLI reaches a running daemon: the runtime file (found from the configuration path,
 * so it works while vscpd.conf is broken) names the admin API address and token.
 */
import { request } from 'node:http';
import { resolve } from 'node:path';
import { type RuntimeInfo, processAlive, readRuntimeFile, runtimeFilePath } from '../daemon/runtime-file.js';
import type { CommandContext } from './command.js';
import { configPath } from './command.js';

export class DaemonUnreachable extends Error {
  override name = 'DaemonUnreachable';
}

export async function findDaemon(ctx: CommandContext): Promise<RuntimeInfo> {
  const file = resolve(ctx.io.cwd, configPath(ctx));
  const env = ctx.io.env as NodeJS.ProcessEnv;
  const info = await readRuntimeFile(file, env);
  if (!info || !processAlive(info.pid)) {
    throw new DaemonUnreachable(`no running vscpd for ${file} (no live runtime file at ${runtimeFilePath(file, env)}); start it with: vscpd run -c ${configPath(ctx)}`);
  }
  if (!info.admin) throw new DaemonUnreachable(`vscpd (pid ${info.pid}) runs with the admin API disabled ([admin] enable = false)`);
  return info;
}

export interface AdminResponse {
  status: number;
  body: unknown;
  text: string;
}

export function adminRequest(info: RuntimeInfo, method: 'GET' | 'POST', path: string, timeoutMs = 120_000): Promise<AdminResponse> {
  const admin = info.admin!;
  return new Promise((resolvePromise, reject) => {
    const req = request({
      host: admin.host, port: admin.port, method, path,
      headers: method === 'POST' ? { authorization: `Bearer ${info.token}` } : {},
      timeout: timeoutMs,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (text.length < 64 * 1024 * 1024) text += d; });
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* metrics are text */ }
        resolvePromise({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from the admin API at ${admin.host}:${admin.port} within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new DaemonUnreachable(`admin API at ${admin.host}:${admin.port}: ${e.message}`)));
    req.end();
  });
}
