/*
 * The automation with real cron jobs at one-second periods. Waits are generous; nothing here
 * asserts how fast anything happens.
 */
import { type TestContext, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../test/variables/helpers.js';
import type { AutomationSettings, ScheduleSettings } from '../config/types.js';
import { type VscpEvent, capabilityCode, crc8, createEvent, formatGuid, parseGuid } from '../protocol/index.js';
import { Automation, type AutomationInfo, type AutomationOptions } from './automation.js';

const GUID = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:01');
const CAPS = capabilityCode([63, 15, 5]);

function settings(over: Partial<AutomationSettings> = {}): AutomationSettings {
  return { enable: true, heartbeat: null, capabilities: null, timeEvents: false, answerProbes: true, ...over };
}

function schedule(name: string, cron: string, event: string, enable = true): ScheduleSettings {
  return { name, cron, event, enable, origin: { file: 'vscpd.conf', line: 1 } };
}


/** `ctx` is the test's own context: with concurrent tests only it knows which test is finishing. */
function setup(ctx: TestContext, { daemon, ...over }: Partial<AutomationOptions> & { daemon?: Partial<AutomationInfo> } = {}) {
  const events: VscpEvent[] = [];
  const logger = capturingLogger();
  const info: AutomationInfo = { name: 'Home daemon', guid: GUID, ipv4: ['192.168.1.5', '10.0.0.2'], tcpipPort: 9598, capabilities: CAPS, ...daemon };
  const automation = new Automation({
    settings: settings(),
    schedules: [],
    emit: (e) => { events.push(e); },
    info: () => info,
    log: logger.log,
    ...over,
  });
  ctx.onTestFinished(() => automation.stop());
  const waitFor = async (what: string, predicate: (events: VscpEvent[]) => boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(events)) {
      if (Date.now() > deadline) throw new Error(`waited in vain for ${what}; got ${events.map((e) => `${e.vscpClass},${e.vscpType}`).join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { automation, events, logger, waitFor };
}

const of = (events: VscpEvent[], vscpClass: number, vscpType: number): VscpEvent[] =>
  events.filter((e) => e.vscpClass === vscpClass && e.vscpType === vscpType);

// Independent tests that mostly wait for one-second cron ticks: run them side by side.
describe.concurrent('automation jobs', () => {
  it('sends the segment-controller and Level II heartbeats on the heartbeat cron', async (ctx) => {
    const { automation, events, waitFor } = setup(ctx, { settings: settings({ heartbeat: '* * * * * *' }) });
    const startedSeconds = Math.floor(Date.now() / 1000);
    automation.start();
    await waitFor('two heartbeat pairs', (e) => of(e, 1026, 2).length >= 2);
    const segment = of(events, 0, 1)[0]!;
    expect(segment.data.length).toBe(5);
    expect(segment.data[0]).toBe(crc8(GUID));
    const seconds = new DataView(segment.data.buffer, segment.data.byteOffset).getUint32(1);
    expect(seconds).toBeGreaterThanOrEqual(startedSeconds);
    expect(seconds).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const level2 = of(events, 1026, 2)[0]!;
    expect(level2.data.length).toBe(64);
    expect(Buffer.from(level2.data).toString('utf8').replace(/\0+$/, '')).toBe('Home daemon');
    expect(formatGuid(level2.guid)).toBe(formatGuid(GUID));
    expect(events.indexOf(segment)).toBeLessThan(events.indexOf(level2));
    const status = automation.status();
    expect(status.lastHeartbeat).not.toBeNull();
    expect(status.sent['heartbeat']).toBeGreaterThanOrEqual(4);
    expect(status.jobs.map((j) => [j.job, j.cron])).toEqual([['heartbeat', '* * * * * *']]);
  });

  it('sends the high-end server capabilities with a non-standard TCP/IP port', async (ctx) => {
    const { automation, events, waitFor } = setup(ctx, {
      settings: settings({ capabilities: '* * * * * *' }),
      daemon: { tcpipPort: 1234 },
    });
    automation.start();
    await waitFor('a caps event', (e) => of(e, 1024, 20).length >= 1);
    const data = of(events, 1024, 20)[0]!.data;
    expect(data.length).toBe(107);
    expect(new DataView(data.buffer, data.byteOffset).getBigUint64(0)).toBe(CAPS);
    expect(formatGuid(data.subarray(8, 24))).toBe(formatGuid(GUID));
    expect([...data.subarray(24, 28)]).toEqual([192, 168, 1, 5]);
    expect(Buffer.from(data.subarray(40, 104)).toString('utf8').replace(/\0+$/, '')).toBe('Home daemon');
    expect([...data.subarray(104)]).toEqual([15, 0x04, 0xd2]);
    expect(automation.status().lastCapabilities).not.toBeNull();
  });

  it('sends CLASS2.VSCPD second events when time events are on', async (ctx) => {
    const { automation, events, waitFor } = setup(ctx, { settings: settings({ timeEvents: true }) });
    automation.start();
    await waitFor('two second events', (e) => of(e, 65535, 5).length >= 2);
    const seconds = of(events, 65535, 5);
    expect(seconds[0]!.data.length).toBe(0);
    expect(seconds[0]!.dateTime).not.toBeNull();
    expect(seconds[1]!.timestamp).not.toBe(seconds[0]!.timestamp);
  });

  it('sends the event of a schedule on its cron, a fresh event each time', async (ctx) => {
    const { automation, events, waitFor } = setup(ctx, {
      schedules: [schedule('lights', '* * * * * *', '0,20,3,0,,0,-,1,2,3'), schedule('off', '* * * * * *', '0,20,4,0,,0,-,1', false)],
    });
    automation.start();
    await waitFor('two scheduled events', (e) => of(e, 20, 3).length >= 2);
    const [a, b] = of(events, 20, 3);
    expect([...a!.data]).toEqual([1, 2, 3]);
    expect(a).not.toBe(b);
    expect(of(events, 20, 4)).toEqual([]);
    expect(automation.status().sent['schedule.lights']).toBeGreaterThanOrEqual(2);
  });

  it('reports a job with a bad cron or event and runs the others', async (ctx) => {
    const { automation, events, logger, waitFor } = setup(ctx, {
      settings: settings({ heartbeat: '* * * * * *', capabilities: 'every minute' }),
      schedules: [schedule('broken', '* * * * * *', 'not an event'), schedule('fine', '* * * * * *', '0,20,3,0,,0,-,1')],
    });
    automation.start();
    await waitFor('heartbeats and the good schedule', (e) => of(e, 0, 1).length >= 1 && of(e, 20, 3).length >= 1);
    const status = automation.status();
    expect(status.jobs.map((j) => j.job)).toEqual(['heartbeat', 'schedule.fine']);
    expect(status.failed.map((f) => f.job).sort()).toEqual(['capabilities', 'schedule.broken']);
    expect(status.failed.find((f) => f.job === 'capabilities')!.error).toContain('every minute');
    expect(status.failed.find((f) => f.job === 'schedule.broken')!.error).toMatch(/^event: /);
    expect(logger.at('error').join('\n')).toContain('schedule.broken');
    expect(of(events, 1024, 20)).toEqual([]);
  });

  it('keeps running when emitting fails, and says when it works again', async (ctx) => {
    let calls = 0;
    const events: VscpEvent[] = [];
    const { automation, logger, waitFor } = setup(ctx, {
      settings: settings({ heartbeat: '* * * * * *' }),
      emit: (e) => { if (calls++ === 0) throw new Error('bus is gone'); events.push(e); },
    });
    automation.start();
    await waitFor('a heartbeat after the failure', () => events.length >= 2);
    expect(logger.at('error').join('\n')).toContain('bus is gone');
    expect(logger.at('info').join('\n')).toContain('works again');
  });

  it('logs a job that keeps failing sparsely', async (ctx) => {
    let calls = 0;
    const { automation, logger, waitFor } = setup(ctx, {
      settings: settings({ heartbeat: '* * * * * *', capabilities: '* * * * * *' }),
      daemon: {},
      info: () => { calls++; throw new Error('no daemon info'); },
    });
    automation.start();
    await waitFor('four failed ticks of each job', () => calls >= 8);
    const errors = logger.at('error').filter((l) => l.includes('no daemon info'));
    // failures 1, 2 and 4 of each job are logged, the 3rd stays quiet
    expect(errors.length).toBeLessThan(calls);
    expect(errors.some((l) => l.includes('failures=4'))).toBe(true);
    expect(errors.some((l) => l.includes('failures=3'))).toBe(false);
  });
});

describe('high-end server probes', () => {
  const probe = createEvent({ vscpClass: 0, vscpType: 27 });

  it('are answered with one response per local IPv4 address', (ctx) => {
    const { automation, events } = setup(ctx, { daemon: { tcpipPort: 9598 } });
    automation.handleEvent(probe);
    expect(events).toEqual([]); // not started
    automation.start();
    automation.handleEvent(createEvent({ vscpClass: 0, vscpType: 28 }));
    automation.handleEvent(createEvent({ vscpClass: 20, vscpType: 27 }));
    automation.handleEvent(probe);
    expect(events.map((e) => [e.vscpClass, e.vscpType])).toEqual([[0, 28], [0, 28]]);
    expect([...events[0]!.data]).toEqual([0x80, 0x20, 192, 168, 1, 5, 0x25, 0x7e]);
    expect([...events[1]!.data]).toEqual([0x80, 0x20, 10, 0, 0, 2, 0x25, 0x7e]);
    expect(formatGuid(events[0]!.guid)).toBe(formatGuid(GUID));
    expect(automation.status().sent['probe']).toBe(2);
  });

  it('are not answered when answer_probes or the automation is off', (ctx) => {
    const { automation, events } = setup(ctx, { settings: settings({ answerProbes: false }) });
    automation.start();
    automation.handleEvent(probe);
    automation.update(settings({ enable: false, answerProbes: true }), []);
    automation.handleEvent(probe);
    expect(events).toEqual([]);
    automation.update(settings({ answerProbes: true }), []);
    automation.handleEvent(probe);
    expect(events).toHaveLength(2);
  });

  it('are answered at a bounded rate; a flood is dropped and counted', (ctx) => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { automation, events, logger } = setup(ctx, { maxProbeAnswersPerSecond: 3, daemon: { ipv4: ['192.168.1.5'] }, now: () => now });
    automation.start();
    for (let i = 0; i < 10; i++) automation.handleEvent(probe);
    expect(events).toHaveLength(3);
    expect(automation.status().probesDropped).toBe(7);
    expect(logger.at('warn').join('\n')).toContain('Too many high-end server probes');
    now = new Date('2026-01-01T00:00:01Z');
    automation.handleEvent(probe);
    expect(events).toHaveLength(4);
  });
});

describe.concurrent('update and stop', () => {
  it('replaces only the jobs whose definition changed', (ctx) => {
    let tick = 0;
    const { automation } = setup(ctx, {
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
      settings: settings({ heartbeat: '0 * * * * *' }),
      schedules: [schedule('a', '0 0 * * * *', '0,20,3,0,,0,-,1'), schedule('b', '0 0 * * * *', '0,20,3,0,,0,-,2')],
    });
    automation.start();
    const since = (job: string) => automation.status().jobs.find((j) => j.job === job)?.since.getTime();
    const before = { heartbeat: since('heartbeat'), a: since('schedule.a'), b: since('schedule.b') };

    automation.update(settings({ heartbeat: '0 * * * * *', capabilities: '0 0 * * * *' }), [
      schedule('a', '0 0 * * * *', '0,20,3,0,,0,-,1'),
      schedule('b', '0 30 * * * *', '0,20,3,0,,0,-,2'),
      schedule('c', '0 0 * * * *', '0,20,3,0,,0,-,3'),
    ]);
    expect(automation.status().jobs.map((j) => j.job)).toEqual(['capabilities', 'heartbeat', 'schedule.a', 'schedule.b', 'schedule.c']);
    expect(since('heartbeat')).toBe(before.heartbeat);
    expect(since('schedule.a')).toBe(before.a);
    expect(since('schedule.b')).toBeGreaterThan(before.b!);
    expect(automation.status().jobs.find((j) => j.job === 'schedule.b')!.cron).toBe('0 30 * * * *');

    automation.update(settings({ heartbeat: '0 * * * * *' }), [schedule('a', '0 0 * * * *', '0,20,3,0,,0,-,9')]);
    expect(automation.status().jobs.map((j) => j.job)).toEqual(['heartbeat', 'schedule.a']);
    expect(since('schedule.a')).toBeGreaterThan(before.a!);

    automation.update(settings({ enable: false, heartbeat: '0 * * * * *' }), [schedule('a', '0 0 * * * *', '0,20,3,0,,0,-,9')]);
    expect(automation.status().jobs).toEqual([]);
    automation.update(settings({ heartbeat: '0 * * * * *' }), []);
    expect(automation.status().jobs.map((j) => j.job)).toEqual(['heartbeat']);
  });

  it('applies settings given before start only when started', (ctx) => {
    const { automation } = setup(ctx);
    automation.update(settings({ heartbeat: '0 * * * * *' }), []);
    expect(automation.status()).toMatchObject({ running: false, jobs: [] });
    automation.start();
    expect(automation.status().jobs.map((j) => j.job)).toEqual(['heartbeat']);
  });

  it('stop leaves no timer behind and nothing is sent afterwards', async (ctx) => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { automation, events, waitFor } = setup(ctx, {
      settings: settings({ heartbeat: '* * * * * *', capabilities: '* * * * * *', timeEvents: true }),
      schedules: [schedule('a', '* * * * * *', '0,20,3,0,,0,-,1'), schedule('b', '0 0 0 1 1 *', '0,20,3,0,,0,-,2')],
    });
    // Counted around synchronous calls only, so timers of anything else cannot come or go meanwhile.
    let before = timers();
    automation.start();
    expect(timers()).toBe(before + 5);
    await waitFor('the first events', (e) => e.length > 0);
    before = timers();
    automation.stop();
    expect(timers()).toBe(before - 5);
    expect(automation.status()).toMatchObject({ running: false, jobs: [] });
    const sent = events.length;
    await new Promise((r) => setTimeout(r, 2200));
    expect(events.length).toBe(sent);
    automation.stop(); // idempotent
    automation.handleEvent(createEvent({ vscpClass: 0, vscpType: 27 }));
    expect(events.length).toBe(sent);
  });
});
