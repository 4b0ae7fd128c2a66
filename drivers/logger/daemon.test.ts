/*
 * sim → logger through a running daemon: the simulation driver's events reach the logger over
 * the bus and end up in its files; hot and driver-restart changes are applied while events flow.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../runtime/daemon/daemon.js';
import { driversOnlyConf } from '../../test/support/daemon-harness.js';
import { tempDir } from '../../test/support/tmp.js';
import { checkXml } from './testdata/well-formed.mjs';
import { until as waitUntil } from '../../test/support/wait.js';

let daemon: Daemon | null = null;
afterEach(async () => {
  await daemon?.stop('test done');
  daemon = null;
});

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);

const read = (p: string) => (existsSync(p) ? readFileSync(p, 'latin1') : '');
const textLines = (p: string) => read(p).split('\r\n').filter((l) => l !== '');
const classOf = (line: string) => Number(/ class=(\d+) /.exec(line)![1]);

interface DriverStatusLike { name: string; state: string; starts: number }

function conf(o: { measurementFilter: string; simGuid: string; queueSize: number; zone0: number }): string {
  return driversOnlyConf(`[driver.sim1]
driver = sim
numberofnodes = 2
interval0 = 1
interval1 = 1
coding1 = 1
heartbeat_interval_ms = 1000
zone0 = ${o.zone0}
guid = ${o.simGuid}

[driver.logger1]
driver = logger
path = events.xml
format = xml
queue_size = ${o.queueSize}

[driver.logger2]
driver = logger
config = measurements.log;true;false;${o.measurementFilter};0,0xFFFF,0,-
`);
}

describe('sim and logger through the daemon', () => {
  it('logs simulated events as text and valid XML, and takes hot and restart changes while events flow', async () => {
    const dir = tempDir();
    const file = join(dir, 'vscpd.conf');
    const xml = join(dir, 'events.xml');
    const text = join(dir, 'measurements.log');
    const logLines: string[] = [];
    writeFileSync(file, conf({ measurementFilter: '0,10,0,-', simGuid: 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00', queueSize: 1024, zone0: 3 }));
    daemon = await Daemon.start({ configFile: file, env: { VSCPD_RUNTIME_DIR: join(dir, 'run') }, logSink: { write: (l) => logLines.push(l) } });

    // Measurements of both nodes and heartbeats arrive in the XML log; it is valid while written.
    await until('four measurements in the XML log', () => (read(xml).match(/<class>10<\/class>/g)?.length ?? 0) >= 4);
    const doc = read(xml);
    expect(checkXml(doc).root).toBe('vscprxdata');
    expect(doc).toMatch(/<class>20<\/class>\n<type>9<\/type>\n<guid>FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01<\/guid>\n<sizedata>3<\/sizedata>\n<data>0x00,0x03,0x00<\/data>/);
    expect(doc).toMatch(/<guid>FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01<\/guid>\n<sizedata>4<\/sizedata>\n<data>0x80,0x82,0x08,0x2C<\/data>/);
    expect(doc).toMatch(/<guid>FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:02<\/guid>\n<sizedata>5<\/sizedata>\n<data>0xA0,0x41,0xA7,0x5C,0x29<\/data>/);
    // The text log (legacy config string with filter and mask) has measurements only.
    await until('measurements in the text log', () => textLines(text).length >= 2);
    expect(textLines(text).every((l) => classOf(l) === 10)).toBe(true);

    const starts = async () => Object.fromEntries(((await daemon!.status()).drivers as DriverStatusLike[]).map((d) => [d.name, d.starts]));
    expect(await starts()).toEqual({ sim1: 1, logger1: 1, logger2: 1 });

    // Hot: the text log's filter now takes heartbeats (class 20) instead of measurements, and
    // node 0 moves to zone 4.
    writeFileSync(file, conf({ measurementFilter: '0,20,0,-', simGuid: 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00', queueSize: 1024, zone0: 4 }));
    const hot = await daemon.reload('cli');
    expect(hot.outcome).toBe('applied');
    expect(hot.drivers.filter((d) => d.action !== undefined).map((d) => [d.name, d.action]).sort()).toEqual([['logger2', 'reconfigure'], ['sim1', 'reconfigure']]);
    await until('a heartbeat from zone 4', () => read(xml).includes('<guid>FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01</guid>\n<sizedata>3</sizedata>\n<data>0x00,0x04,0x00</data>'));
    await until('a heartbeat in the text log', () => textLines(text).some((l) => classOf(l) === 20));
    const after = textLines(text);
    const firstHeartbeat = after.findIndex((l) => classOf(l) === 20);
    expect(after.slice(firstHeartbeat).every((l) => classOf(l) === 20)).toBe(true);
    expect(await starts()).toEqual({ sim1: 1, logger1: 1, logger2: 1 });

    // Driver-restart: a new interface GUID for the simulation, a new queue size for the XML log.
    const xmlEventsBefore = checkXml(read(xml)).events;
    writeFileSync(file, conf({ measurementFilter: '0,20,0,-', simGuid: 'FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:77:00:00:00', queueSize: 500, zone0: 4 }));
    const restart = await daemon.reload('cli');
    expect(restart.outcome).toBe('applied');
    expect(restart.drivers.filter((d) => d.action !== undefined).map((d) => [d.name, d.action]).sort()).toEqual([['logger1', 'restart'], ['sim1', 'restart']]);
    await until('events from the new GUID', () => read(xml).includes('<guid>FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:77:00:00:01</guid>'));
    expect(await starts()).toEqual({ sim1: 2, logger1: 2, logger2: 1 });

    await daemon.stop('test done');
    daemon = null;
    // One document across the restart (appended, not a second header), nothing lost before it.
    const final = read(xml);
    const { events } = checkXml(final);
    expect(events).toBeGreaterThan(xmlEventsBefore);
    expect(final.match(/<\?xml/g)).toHaveLength(1);
    expect(logLines.filter((l) => / (ERROR|WARN) /.test(l) && /sim1|logger/.test(l))).toEqual([]);
  });
});
