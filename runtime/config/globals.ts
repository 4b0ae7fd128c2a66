/*
 * The daemon-wide sections: [general], [tcpip], [admin], [automation], [user.NAME] and
 * [schedule.NAME], validated and turned into the typed settings of the desired state.
 */
import { formatGuid, isZeroGuid, parseGuid } from '../protocol/index.js';
import type { Admin, Automation, General, Schedule, Tcpip, User } from '../../schema/types/vscpd-conf.js';
import { parseAllowEventList, parseCidrList, parseHostPort, parseListenList, parsePrivilege } from './formats.js';
import type { ConfSection } from './read.js';
import { confSection, validateSection } from './schema.js';
import { type GlobalSectionName, type SortedSections, sectionInput } from './sections.js';
import type {
  AdminSettings, AutomationSettings, DesiredState, EffectiveValue, GeneralSettings, Problem, ScheduleSettings, SourceLocation,
  TcpipSettings, UserSettings,
} from './types.js';

export interface GlobalResult extends Pick<DesiredState, 'general' | 'tcpip' | 'admin' | 'automation' | 'users' | 'schedules'> {
  /** `section.key` (`user.admin.password`) → value with origin. */
  effective: Record<string, EffectiveValue>;
  problems: Problem[];
  /** Sections that had errors (their settings are defaults and must not be used). */
  failed: Set<string>;
}

/** `FF:…` upper-case for a configured GUID, null for empty, `-` or all zero. */
export function normaliseGuid(text: string): string | null {
  const t = text.trim();
  if (t === '' || t === '-') return null;
  const g = parseGuid(t, { strict: true });
  return isZeroGuid(g) ? null : formatGuid(g);
}

const USER_NAME_RE = /^[A-Za-z0-9_.@-]+$/;

/**
 * Published password hashes (the vscpd v13 documentation and sample configurations: password
 * `secret`). A default password is never accepted, whatever file it is copied from.
 */
export const WELL_KNOWN_PASSWORD_HASHES: ReadonlySet<string> = new Set([
  '450ADCE88F2FDBB20F3318B65E53CA4A;06D3311CC2195E80BE4F8EB12931BFEB5C630F6B154B2D644ABE29CEBDBFB545',
]);

export function resolveGlobals(sorted: SortedSections, configFile: string, baseDir: string): GlobalResult {
  const problems: Problem[] = [];
  const effective: Record<string, EffectiveValue> = {};
  const failed = new Set<string>();

  const validate = (schemaName: string, label: string, section: ConfSection | undefined): Record<string, unknown> => {
    const where: SourceLocation = section ? { file: section.file, line: section.line } : { file: configFile, line: 0 };
    const { values, broken } = sectionInput(section);
    const r = validateSection(confSection(schemaName), { label, where, values, broken, defaultBaseDir: baseDir });
    problems.push(...r.problems);
    if (r.problems.length || broken.size) failed.add(label);
    for (const [k, v] of Object.entries(r.effective)) effective[`${label}.${k}`] = v;
    return r.values;
  };

  const g = (name: GlobalSectionName): Record<string, unknown> => validate(name, name, sorted.globals[name]);
  const gen = g('general') as Required<General>;
  const tcp = g('tcpip') as Required<Tcpip>;
  const adm = g('admin') as Required<Admin>;
  const aut = g('automation') as Required<Automation>;

  // Values below come from validated data; a failed key falls back to the schema default.
  const dflt = <T>(section: string, key: string): T => {
    const defs = (confSection(section).schema.properties as Record<string, { default?: unknown }>)[key];
    return defs?.default as T;
  };
  const pick = <T>(obj: Record<string, unknown>, section: string, key: string): T =>
    (key in obj ? obj[key] : dflt<T>(section, key)) as T;

  let guid: string | null = null;
  try {
    guid = normaliseGuid(pick<string>(gen, 'general', 'guid'));
  } catch {
    // reported by the schema check
  }
  const general: GeneralSettings = {
    guid,
    name: pick(gen, 'general', 'name'),
    variables: pick<string>(gen, 'general', 'variables') || null,
    stateDir: pick(gen, 'general', 'state_dir'),
    clientBufferSize: pick(gen, 'general', 'client_buffer_size'),
    reload: pick(gen, 'general', 'reload'),
    watch: pick(gen, 'general', 'watch'),
    logLevel: pick(gen, 'general', 'log_level'),
    stopTimeoutMs: pick(gen, 'general', 'stop_timeout_ms'),
    restartBackoffMinMs: pick(gen, 'general', 'restart_backoff_min_ms'),
    restartBackoffMaxMs: pick(gen, 'general', 'restart_backoff_max_ms'),
    restartStableMs: pick(gen, 'general', 'restart_stable_ms'),
  };

  const safe = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  const tcpip: TcpipSettings = {
    enable: pick(tcp, 'tcpip', 'enable'),
    listen: safe(() => parseListenList(pick(tcp, 'tcpip', 'listen')), []),
    tlsCert: pick<string>(tcp, 'tcpip', 'tls_cert') || null,
    tlsKey: pick<string>(tcp, 'tcpip', 'tls_key') || null,
    maxClients: pick(tcp, 'tcpip', 'max_clients'),
    maxLineBytes: pick(tcp, 'tcpip', 'max_line_bytes'),
    idleTimeoutMs: pick(tcp, 'tcpip', 'idle_timeout_ms'),
    keepaliveIntervalMs: pick(tcp, 'tcpip', 'keepalive_interval_ms'),
    variableEncoding: pick(tcp, 'tcpip', 'variable_encoding'),
    loginDelayBaseMs: pick(tcp, 'tcpip', 'login_delay_base_ms'),
    loginDelayMaxMs: pick(tcp, 'tcpip', 'login_delay_max_ms'),
  };
  const admin: AdminSettings = {
    enable: pick(adm, 'admin', 'enable'),
    listen: safe(() => parseHostPort(pick(adm, 'admin', 'listen'), true), { host: '127.0.0.1', port: 9599 }),
  };
  const nullIfEmpty = (s: string): string | null => (s.trim() === '' ? null : s.trim());
  const automation: AutomationSettings = {
    enable: pick(aut, 'automation', 'enable'),
    heartbeat: nullIfEmpty(pick(aut, 'automation', 'heartbeat')),
    capabilities: nullIfEmpty(pick(aut, 'automation', 'capabilities')),
    timeEvents: pick(aut, 'automation', 'time_events'),
    answerProbes: pick(aut, 'automation', 'answer_probes'),
  };

  const users: UserSettings[] = [];
  for (const { name, section } of sorted.users) {
    const label = `user.${name}`;
    if (!USER_NAME_RE.test(name)) {
      problems.push({ severity: 'error', file: section.file, line: section.line, section: section.name, message: `[${section.name}] "${name}" is not a login name; use letters, digits, _ . @ -` });
      failed.add(label);
      continue;
    }
    const u = validate('user', label, section) as unknown as User;
    if (failed.has(label)) continue;
    if (WELL_KNOWN_PASSWORD_HASHES.has(u.password.trim().toUpperCase())) {
      const at = effective[`${label}.password`]!.origin as { file: string; line: number };
      problems.push({
        severity: 'error', file: at.file, line: at.line, section: section.name, key: 'password',
        message: `[${section.name}] password: is the published hash of the vscpd v13 default password; make your own with \`vscpd passwd\``,
      });
      failed.add(label);
      continue;
    }
    users.push({
      name,
      passwordHash: u.password.trim().toUpperCase(),
      privilege: parsePrivilege(u.privilege ?? 'user'),
      allowFrom: parseCidrList(u.allowfrom ?? ''),
      allowEvent: parseAllowEventList(u.allowevent ?? ''),
      filter: (u.filter ?? '').trim(),
      mask: (u.mask ?? '').trim(),
      origin: { file: section.file, line: section.line },
    });
  }

  const schedules: ScheduleSettings[] = [];
  for (const { name, section } of sorted.schedules) {
    const label = `schedule.${name}`;
    const s = validate('schedule', label, section) as unknown as Schedule;
    if (failed.has(label)) continue;
    schedules.push({ name, enable: s.enable ?? true, cron: s.cron.trim(), event: s.event.trim(), origin: { file: section.file, line: section.line } });
  }

  return { general, tcpip, admin, automation, users, schedules, effective, problems, failed };
}
