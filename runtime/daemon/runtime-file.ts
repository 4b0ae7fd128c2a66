/*
 * The runtime file: how `vscpd status|plan|reload` find the daemon that runs a given
 * vscpd.conf, also while that file is broken (exactly when users ask). It lives outside the
 * configuration and the state folder, in a per-user runtime folder, named after a hash of
 * the configuration path, readable by the daemon's user only (it holds the admin token).
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../support/atomic-write.js';

export interface RuntimeInfo {
  pid: number;
  configFile: string;
  version: string;
  startedAt: string;
  /** null when the admin API is disabled. */
  admin: { host: string; port: number } | null;
  token: string;
  tcpip: { host: string; port: number }[];
}

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VSCPD_RUNTIME_DIR) return resolve(env.VSCPD_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'vscpd');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `vscpd-${uid}`);
}

function canonicalConfigPath(configFile: string): string {
  try {
    return realpathSync(configFile);
  } catch {
    return resolve(configFile);
  }
}

export function runtimeFilePath(configFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash('sha256').update(canonicalConfigPath(configFile)).digest('hex').slice(0, 16);
  return join(runtimeDir(env), `${key}.json`);
}

export async function writeRuntimeFile(info: RuntimeInfo, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = runtimeFilePath(info.configFile, env);
  await mkdir(runtimeDir(env), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(info, null, 1), 0o600);
  return path;
}

export async function readRuntimeFile(configFile: string, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeInfo | null> {
  try {
    return JSON.parse(await readFile(runtimeFilePath(configFile, env), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

export async function removeRuntimeFile(configFile: string, pid: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const info = await readRuntimeFile(configFile, env);
  // another daemon may have taken over the file; leave it alone then
  if (info && info.pid !== pid) return;
  await rm(runtimeFilePath(configFile, env), { force: true });
}

/** True when a process with this pid exists (signal 0 probes without sending). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
