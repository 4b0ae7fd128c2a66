/*
 * The daemon's own periodic events, from `[automation]` and `[schedule.NAME]`:
 *
 *   heartbeat      cron → CLASS1.PROTOCOL segment-controller heartbeat (0,1) and
 *                  CLASS2.INFORMATION Level II node heartbeat (1026,2)
 *   capabilities   cron → CLASS2.PROTOCOL high-end server capabilities (1024,20)
 *   time_events    every second → CLASS2.VSCPD second, minute, hour, noon, midnight, week,
 *                  month, quarter, year (65535, v13 numbering; see time-events.ts)
 *   answer_probes  CLASS1.PROTOCOL high-end server probe (0,27) → one high-end server
 *                  response (0,28) per local IPv4 address, with the TCP/IP port
 *   schedule.NAME  cron → the event written in the schedule
 *
 * Cron expressions have six fields, seconds first, in the process time zone. `[automation]
 * enable = false` stops all of it, schedules included. `update()` is hot: a job whose definition
 * did not change keeps running untouched; only changed ones are replaced. Nothing here throws
 * into the daemon: a bad cron or event text is logged and that job alone does not run.
 */
import { CronJob, validateCronExpression } from 'cron';
import type { AutomationSettings, ScheduleSettings } from '../config/types.js';
import {
  CAPABILITY, CLASS1, type Guid, PROTOCOL_TYPE, type ServicePort, type VscpEvent, cloneEvent, highEndServerCaps,
  highEndServerResponse, levelIIHeartbeat, parseEvent, segmentControllerHeartbeat, vscpdTimeEvent,
} from '../protocol/index.js';
import type { Logger } from '../support/log.js';
import { timeEventsDue } from './time-events.js';

/** What the daemon tells the automation about itself, read at every event. */
export interface AutomationInfo {
  /** `[general] name`. */
  name: string;
  guid: Guid;
  /** Local IPv4 addresses the TCP/IP interface can be reached on (one probe response each). */
  ipv4: readonly string[];
  tcpipPort: number;
  /** 64-bit high-end server capability code (capabilityCode() of runtime/protocol). */
  capabilities: bigint;
  /** Services on non-standard ports for the caps event; default: the TCP/IP port when it is not 9598. */
  ports?: readonly ServicePort[];
}

export interface AutomationOptions {
  settings: AutomationSettings;
  schedules: readonly ScheduleSettings[];
  /** Hands an event to the bus. */
  emit: (event: VscpEvent) => void;
  info: () => AutomationInfo;
  log: Logger;
  /** Probes answered per second at most; more are dropped and counted (default 10). */
  maxProbeAnswersPerSecond?: number;
  /** Clock (tests). */
  now?: () => Date;
}

export interface AutomationStatus {
  running: boolean;
  enabled: boolean;
  heartbeat: string | null;
  lastHeartbeat: Date | null;
  capabilities: string | null;
  lastCapabilities: Date | null;
  timeEvents: boolean;
  answerProbes: boolean;
  /** Jobs that run (`heartbeat`, `capabilities`, `time-events`, `schedule.NAME`), by name. */
  jobs: AutomationJobStatus[];
  /** Jobs that could not be set up, with why. */
  failed: { job: string; error: string }[];
  /** Events sent per job (`probe` for probe answers). */
  sent: Record<string, number>;
  probesDropped: number;
}

export interface AutomationJobStatus {
  job: string;
  cron: string;
  /** When this definition of the job started (an update that leaves it unchanged keeps it). */
  since: Date;
  /** Next run, null when unknown. */
  next: Date | null;
}

const STANDARD_TCPIP_PORT = 9598;

interface JobSpec {
  key: string;
  /** Everything that defines the job; equal definitions keep the running job. */
  definition: string;
  cron: string;
  /** Prepares the tick function; throws when the job cannot run (bad event text). */
  prepare: () => () => void;
}

interface Job {
  definition: string;
  expression: string;
  since: Date;
  cron: CronJob | null;
  error: string | null;
}

export class Automation {
  private settings: AutomationSettings;
  private schedules: readonly ScheduleSettings[];
  private readonly emitEvent: (event: VscpEvent) => void;
  private readonly info: () => AutomationInfo;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly jobs = new Map<string, Job>();
  private running = false;
  private lastHeartbeat: Date | null = null;
  private lastCapabilities: Date | null = null;
  private readonly sent: Record<string, number> = {};
  /** Failures in a row per job. */
  private readonly failures = new Map<string, number>();
  // probe answers: a token bucket refilled every second
  private readonly probeRate: number;
  private probeTokens: number;
  private probeRefilledAt = 0;
  private probesDropped = 0;

  constructor(options: AutomationOptions) {
    this.settings = options.settings;
    this.schedules = options.schedules;
    this.emitEvent = options.emit;
    this.info = options.info;
    this.log = options.log;
    this.clock = options.now ?? (() => new Date());
    this.probeRate = Math.max(1, options.maxProbeAnswersPerSecond ?? 10);
    this.probeTokens = this.probeRate;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.reconcile();
    this.log.info('Automation started.', { jobs: this.jobs.size });
  }

  /** Applies new settings: unchanged jobs keep running, changed ones are replaced, removed ones stop. */
  update(settings: AutomationSettings, schedules: readonly ScheduleSettings[]): void {
    this.settings = settings;
    this.schedules = schedules;
    if (this.running) this.reconcile();
  }

  /** Stops every job; no timer is left behind. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const key of [...this.jobs.keys()]) this.stopJob(key);
    this.log.info('Automation stopped.');
  }

  /** Events from the bus: answers high-end server probes. */
  handleEvent(event: VscpEvent): void {
    if (!this.running || !this.settings.enable || !this.settings.answerProbes) return;
    if (event.vscpClass !== CLASS1.PROTOCOL || event.vscpType !== PROTOCOL_TYPE.HIGH_END_SERVER_PROBE) return;
    const now = this.clock();
    if (!this.takeProbeToken(now.getTime())) {
      if (this.probesDropped++ === 0) this.log.warn('Too many high-end server probes; some are not answered.', { limitPerSecond: this.probeRate });
      return;
    }
    this.safely('probe', () => {
      const info = this.info();
      for (const ipv4 of info.ipv4) {
        this.send('probe', highEndServerResponse({
          guid: info.guid, now, capabilities: info.capabilities, ipv4, port: info.tcpipPort,
        }));
      }
    });
  }

  status(): AutomationStatus {
    const jobs: AutomationJobStatus[] = [];
    const failed: { job: string; error: string }[] = [];
    for (const [key, job] of this.jobs) {
      if (job.cron) jobs.push({ job: key, cron: job.expression, since: job.since, next: nextRun(job.cron) });
      else if (job.error) failed.push({ job: key, error: job.error });
    }
    jobs.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
    return {
      running: this.running,
      enabled: this.settings.enable,
      heartbeat: this.settings.heartbeat,
      lastHeartbeat: this.lastHeartbeat,
      capabilities: this.settings.capabilities,
      lastCapabilities: this.lastCapabilities,
      timeEvents: this.settings.timeEvents,
      answerProbes: this.settings.answerProbes,
      jobs,
      failed,
      sent: { ...this.sent },
      probesDropped: this.probesDropped,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private reconcile(): void {
    const wanted = new Map<string, JobSpec>();
    for (const spec of this.wantedJobs()) wanted.set(spec.key, spec);
    for (const key of [...this.jobs.keys()]) {
      const spec = wanted.get(key);
      if (!spec || spec.definition !== this.jobs.get(key)!.definition) this.stopJob(key);
    }
    for (const spec of wanted.values()) {
      if (!this.jobs.has(spec.key)) this.startJob(spec);
    }
  }

  private wantedJobs(): JobSpec[] {
    const s = this.settings;
    if (!s.enable) return [];
    const specs: JobSpec[] = [];
    if (s.heartbeat) {
      specs.push({ key: 'heartbeat', definition: s.heartbeat, cron: s.heartbeat, prepare: () => () => this.heartbeat() });
    }
    if (s.capabilities) {
      specs.push({ key: 'capabilities', definition: s.capabilities, cron: s.capabilities, prepare: () => () => this.capabilitiesEvent() });
    }
    if (s.timeEvents) {
      specs.push({
        key: 'time-events',
        definition: 'every second',
        cron: '* * * * * *',
        prepare: () => {
          let previous = this.clock();
          return () => {
            const now = this.clock();
            const due = timeEventsDue(previous, now);
            previous = now;
            if (!due.length) return;
            const guid = this.info().guid;
            for (const kind of due) this.send('time-events', vscpdTimeEvent(kind, { guid, now }));
          };
        },
      });
    }
    for (const schedule of this.schedules) {
      if (!schedule.enable) continue;
      const key = `schedule.${schedule.name}`;
      specs.push({
        key,
        definition: `${schedule.cron}\n${schedule.event}`,
        cron: schedule.cron,
        prepare: () => {
          let template: VscpEvent;
          try {
            template = parseEvent(schedule.event);
          } catch (e) {
            throw new Error(`event: ${(e as Error).message}`);
          }
          return () => this.send(key, cloneEvent(template));
        },
      });
    }
    return specs;
  }

  private startJob(spec: JobSpec): void {
    const job: Job = { definition: spec.definition, expression: spec.cron, since: this.clock(), cron: null, error: null };
    this.jobs.set(spec.key, job);
    try {
      const check = validateCronExpression(spec.cron);
      if (!check.valid) throw new Error(`cron "${spec.cron}": ${check.error?.message ?? 'invalid'}`);
      const tick = spec.prepare();
      job.cron = CronJob.from({
        cronTime: spec.cron,
        onTick: () => this.safely(spec.key, tick),
        start: true,
        name: spec.key,
        errorHandler: (e) => this.log.error('An automation job failed.', { job: spec.key, error: (e as Error)?.message ?? String(e) }),
      });
    } catch (e) {
      job.error = (e as Error).message;
      this.log.error('An automation job cannot run.', { job: spec.key, error: job.error });
    }
  }

  private stopJob(key: string): void {
    const job = this.jobs.get(key);
    this.jobs.delete(key);
    if (job?.cron) void job.cron.stop();
  }

  private heartbeat(): void {
    const info = this.info();
    const now = this.clock();
    this.send('heartbeat', segmentControllerHeartbeat({ guid: info.guid, now }));
    this.send('heartbeat', levelIIHeartbeat({ guid: info.guid, name: info.name, now }));
    this.lastHeartbeat = now;
  }

  private capabilitiesEvent(): void {
    const info = this.info();
    const now = this.clock();
    const ports = info.ports ?? (info.tcpipPort !== STANDARD_TCPIP_PORT ? [{ service: CAPABILITY.TCPIP, port: info.tcpipPort }] : []);
    this.send('capabilities', highEndServerCaps({
      guid: info.guid, now, name: info.name, capabilities: info.capabilities, ip: info.ipv4[0] ?? '0.0.0.0', ports,
    }));
    this.lastCapabilities = now;
  }

  private send(job: string, event: VscpEvent): void {
    this.emitEvent(event);
    this.sent[job] = (this.sent[job] ?? 0) + 1;
  }

  private safely(job: string, fn: () => void): void {
    const failed = this.failures.get(job) ?? 0;
    try {
      fn();
    } catch (e) {
      // The first failure and then sparsely: a job failing every second must not flood the log.
      const n = failed + 1;
      this.failures.set(job, n);
      if ((n & (n - 1)) === 0) this.log.error('An automation job failed.', { job, error: (e as Error)?.message ?? String(e), failures: n });
      return;
    }
    if (failed) {
      this.failures.delete(job);
      this.log.info('An automation job works again.', { job, failures: failed });
    }
  }

  private takeProbeToken(nowMs: number): boolean {
    const elapsed = nowMs - this.probeRefilledAt;
    if (elapsed >= 1000 || elapsed < 0) {
      this.probeTokens = this.probeRate;
      this.probeRefilledAt = nowMs;
    }
    if (this.probeTokens <= 0) return false;
    this.probeTokens--;
    return true;
  }
}

function nextRun(job: CronJob): Date | null {
  try {
    return job.nextDate().toJSDate();
  } catch {
    return null;
  }
}
