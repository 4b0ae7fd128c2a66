/*
 * What configuration loading produces: the desired state of the daemon, with the origin of
 * every value. `vscpd check`, `vscpd plan` and a live reload all produce it the same way.
 */
import type { ReloadClass } from '../drivers/contract.js';

/** Where a value came from. */
export type ValueOrigin =
  | { kind: 'file'; file: string; line: number }
  /** A position of the legacy `config = a;b;c` string (1-based). */
  | { kind: 'config-string'; file: string; line: number; position: number }
  | { kind: 'variable'; name: string; file?: string; line?: number; runtime?: boolean }
  | { kind: 'default' };

export interface SourceLocation {
  file: string;
  line: number;
}

export interface Problem {
  severity: 'error' | 'warning';
  /** Absent only for problems that concern no file (e.g. the main file is missing). */
  file?: string;
  line?: number;
  /** Section name as written, e.g. `driver.logger1`. */
  section?: string;
  key?: string;
  /** Lower-case fragment: what is wrong and what is allowed. */
  message: string;
}

/** `file:line: message`, the one form every tool prints. */
export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '';
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  return `${where}${sev}${p.message}`;
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

export interface EffectiveValue {
  value: unknown;
  origin: ValueOrigin;
  /** Came from a ${file:}/${env:} reference or is a password: never printed. */
  secret: boolean;
  reload: ReloadClass;
  /** Earlier origins this value overrides (for the shadowed-key warning and `show --origin`). */
  shadows?: ValueOrigin[];
}

export interface GeneralSettings {
  /** 16 bytes as `FF:…`; null = derive from a MAC address (or IPv4) at start. */
  guid: string | null;
  name: string;
  /** Absolute path of the declared variable file, or null. */
  variables: string | null;
  /** Absolute path. */
  stateDir: string;
  clientBufferSize: number;
  reload: 'per-driver' | 'atomic';
  watch: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Deadline for a driver's stop(). */
  stopTimeoutMs: number;
  restartBackoffMinMs: number;
  restartBackoffMaxMs: number;
  /** A driver running this long without failing has its backoff reset. */
  restartStableMs: number;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface TcpipSettings {
  enable: boolean;
  listen: ListenAddress[];
  tlsCert: string | null;
  tlsKey: string | null;
  maxClients: number;
  maxLineBytes: number;
  /** Input idle time after which a session is closed (not applied inside RCVLOOP). */
  idleTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** How string-class variable values travel in VAR commands: BASE64 as v13, or plain text. */
  variableEncoding: 'base64' | 'plain';
  /** Failed logins from one address are delayed: base × 2^(failures-1), capped. */
  loginDelayBaseMs: number;
  loginDelayMaxMs: number;
}

export interface AdminSettings {
  enable: boolean;
  listen: ListenAddress;
}

export interface UserSettings {
  name: string;
  /** `SALT;HASH` (PBKDF2-HMAC-SHA256, 70000 iterations), upper-case hex. */
  passwordHash: string;
  /** 0–15 */
  privilege: number;
  /** Entries `+cidr` / `-cidr`, evaluated in order, last match wins; empty = allow all. */
  allowFrom: string[];
  /** `*:*`, `class:*`, `class:type` (decimal or 0x); empty = all. */
  allowEvent: string[];
  filter: string;
  mask: string;
  origin: SourceLocation;
}

export interface AutomationSettings {
  enable: boolean;
  /** Cron (6 fields) for the segment-controller heartbeat (0,1) and Level II heartbeat (1026,2); null = off. */
  heartbeat: string | null;
  /** Cron for CLASS2.PROTOCOL high-end-server capabilities (1024,20); null = off. */
  capabilities: string | null;
  /** CLASS2.VSCPD (65535) second/minute/hour/… time events. */
  timeEvents: boolean;
  /** Answer CLASS1.PROTOCOL high-end server probes (0,27) with responses (0,28). */
  answerProbes: boolean;
}

export interface ScheduleSettings {
  name: string;
  enable: boolean;
  cron: string;
  /** Event text form. */
  event: string;
  origin: SourceLocation;
}

export type DriverKind = 'builtin' | 'module' | 'exec';

export interface DriverDesired {
  /** Section name after `driver.`, as written. */
  name: string;
  /** Variable prefix: spaces → `_`; compared case-insensitively. */
  prefix: string;
  kind: DriverKind;
  /** Built-in id, absolute module path, or the exec command line (after `exec:`). */
  ref: string;
  enable: boolean;
  /** Configured interface GUID, or null (daemon GUID + client id). */
  guid: string | null;
  /** The legacy positional `config = a;b;c` string as written (exec drivers get it as VSCPD_CONFIG). */
  legacyConfig?: string;
  queueSize: number;
  /** Effective, type-coerced and validated settings (the driver's own keys). */
  settings: Record<string, unknown>;
  /** Per key: value, origin, reload class. */
  effective: Record<string, EffectiveValue>;
  /** Content hash over everything that defines this driver (settings, referenced files, variables). */
  hash: string;
  origin: SourceLocation;
  /** Value, origin and reload class of the common keys `driver`, `enable`, `guid`, `config`, `queue_size` (always set by the loader). */
  commonEffective?: Record<string, EffectiveValue>;
}

export type VariableTypeName = string;

export interface DeclaredVariable {
  /** Canonical upper-case name. */
  name: string;
  /** v13 type code (1 = string, 2 = bool, 3 = int, …). */
  type: number;
  /** Plain text value (not BASE64). */
  value: string;
  note: string;
  persistent: boolean;
  owner: number;
  rights: number;
  origin: SourceLocation;
  /** The value came from a `${env:}`/`${file:}` reference: never printed or logged. */
  secret?: boolean;
}

export interface DesiredState {
  /** The main configuration file (absolute). */
  configFile: string;
  /** Every file read, with its content hash: main, includes, variable file, ${file:} references. */
  files: { path: string; hash: string }[];
  general: GeneralSettings;
  tcpip: TcpipSettings;
  admin: AdminSettings;
  automation: AutomationSettings;
  users: UserSettings[];
  schedules: ScheduleSettings[];
  drivers: DriverDesired[];
  variables: DeclaredVariable[];
  /** One hash per global section (`general`, `tcpip`, `admin`, `automation`, `users`, `schedules`, `variables`). */
  sectionHashes: Record<string, string>;
  /** Reload class and origin of every global key, `section.key` → value. */
  globalEffective: Record<string, EffectiveValue>;
  /** Warnings found while loading (errors make loading fail instead). */
  warnings: Problem[];
  /** Hash over all of the above: equal hashes mean nothing to do. */
  hash: string;
}
