/*
 * Daemons for integration tests: in the test process (Daemon.start) or as a real `vscpd run`
 * child process (built dist/). Both live in a temporary folder with their own runtime folder,
 * listen on 127.0.0.1 port 0 unless the files say otherwise, and are stopped after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:http';
import { afterEach } from 'vitest';
import { Daemon } from '../../runtime/daemon/daemon.js';
import { type RuntimeInfo, readRuntimeFile } from '../../runtime/daemon/runtime-file.js';
import { hashPassword } from '../../runtime/protocol/password.js';
import { packageRoot } from '../../runtime/support/package-root.js';
import { tempDir, writeFiles } from './tmp.js';
import { until } from './wait.js';

export const TEST_USER = 'tester';
export const TEST_PASSWORD = 'test-password-1';
let cachedHash: string | null = null;
/** A `SALT;HASH` of TEST_PASSWORD (computed once; PBKDF2 is slow on purpose). */
export function testPasswordHash(): string {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  return cachedHash;
}

/** The usual head of a test vscpd.conf: loopback on free ports, a test user, state in ./state. */
export function baseConf(extra = '', general: Record<string, string | number | boolean> = {}): string {
  return [
    '[general]',
    'name = test daemon',
    'state_dir = ./state',
    'guid = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00',
    ...Object.entries(general).map(([k, v]) => `${k} = ${v}`),
    '',
    '[tcpip]',
    'listen = 127.0.0.1:0',
    '',
    '[admin]',
    'listen = 127.0.0.1:0',
    '',
    '[automation]',
    'heartbeat =',
    'capabilities =',
    '',
    `[user.${TEST_USER}]`,
    `password = ${testPasswordHash()}`,
    'privilege = admin',
    '',
    extra,
  ].join('\n');
}

/**
 * A daemon with nothing but its drivers: no TCP/IP interface, no admin API, no automation, no
 * watcher, state in ./state. For tests of drivers through the daemon.
 */
export function driversOnlyConf(sections: string): string {
  return ['[general]', 'state_dir = ./state', 'watch = false', '', '[tcpip]', 'enable = false', '', '[admin]', 'enable = false', '',
    '[automation]', 'enable = false', '', sections].join('\n');
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

export interface InProcessDaemon {
  daemon: Daemon;
  dir: string;
  configFile: string;
  logs: string[];
  env: NodeJS.ProcessEnv;
  write(rel: string, content: string): void;
  tcpipPort(): number;
  stop(): Promise<void>;
}

export async function startDaemon(files: Record<string, string>, options: { env?: NodeJS.ProcessEnv; dir?: string } = {}): Promise<InProcessDaemon> {
  const dir = options.dir ?? tempDir();
  writeFiles(dir, files);
  const configFile = join(dir, 'vscpd.conf');
  const logs: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, VSCPD_RUNTIME_DIR: join(dir, 'run'), ...options.env };
  const daemon = await Daemon.start({ configFile, env, logSink: { write: (l) => { logs.push(l); } } });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await daemon.stop('test done');
  };
  cleanups.push(stop);
  return {
    daemon, dir, configFile, logs, env,
    write(rel, content) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    },
    tcpipPort() {
      const port = daemon.tcpipAddresses()[0]?.port;
      if (!port) throw new Error('the daemon has no TCP/IP listener');
      return port;
    },
    stop,
  };
}

export interface SpawnedDaemon {
  proc: ChildProcess;
  dir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  info: RuntimeInfo;
  output(): string;
  get(path: string): Promise<{ status: number; body: unknown; text: string }>;
  post(path: string): Promise<{ status: number; body: unknown; text: string }>;
  /** Runs `vscpd <args>` against this daemon's configuration. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

function httpCall(info: RuntimeInfo, method: string, path: string): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: info.admin!.host, port: info.admin!.port, method, path, headers: method === 'POST' ? { authorization: `Bearer ${info.token}` } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* text */ }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export function runCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(packageRoot(), 'bin', 'vscpd.js'), ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.stdin.end(options.input ?? '');
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `vscpd run` as a child process; resolves once it wrote its runtime file (it is running). */
export async function spawnDaemon(files: Record<string, string>, options: { env?: NodeJS.ProcessEnv; dir?: string; timeoutMs?: number } = {}): Promise<SpawnedDaemon> {
  const dir = options.dir ?? tempDir();
  writeFiles(dir, files);
  const configFile = join(dir, 'vscpd.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, VSCPD_RUNTIME_DIR: join(dir, 'run'), ...options.env };
  if (!existsSync(join(packageRoot(), 'dist', 'runtime', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  const proc = spawn(process.execPath, [join(packageRoot(), 'bin', 'vscpd.js'), 'run', '-c', configFile], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    }
    return proc.exitCode;
  };
  cleanups.push(async () => { await stop(); });
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let info: RuntimeInfo | null = null;
  while (!info || info.pid !== proc.pid) {
    if (proc.exitCode !== null) throw new Error(`vscpd run exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`vscpd run did not start in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
    info = await readRuntimeFile(configFile, env);
  }
  const running = info;
  return {
    proc, dir, configFile, env, info: running,
    output: () => out,
    get: (path) => httpCall(running, 'GET', path),
    post: (path) => httpCall(running, 'POST', path),
    cli: (...args) => runCli([...args, '-c', configFile], { cwd: dir, env }),
    stop,
  };
}

/** Polls until `check` holds (test/support/wait.ts). */
export function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  return until(what, check, timeoutMs);
}

export function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
