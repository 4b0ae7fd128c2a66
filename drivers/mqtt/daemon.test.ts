/*
 * sim → mqtt → broker → mqtt → logger through a running daemon, with aedes on 127.0.0.1: the
 * simulated measurements are published, a message from another publisher comes in and reaches
 * the logger, the driver's own publications coming back are not taken in again, and a hot and
 * a driver-restart change are applied while events flow.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { type MqttClient, connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../runtime/daemon/daemon.js';
import { driversOnlyConf } from '../../test/support/daemon-harness.js';
import { tempDir } from '../../test/support/tmp.js';
import { until as waitUntil } from '../../test/support/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
let daemon: Daemon | null = null;
afterEach(async () => {
  await daemon?.stop('test done');
  daemon = null;
  while (cleanups.length) await cleanups.pop()!();
});

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);

async function broker(): Promise<number> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
}

function conf(port: number, o: { publishTopic: string; keepalive: number }): string {
  return driversOnlyConf(`[driver.sim1]
driver = sim
numberofnodes = 1
interval0 = 1
heartbeat_interval_ms = 0
guid = FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00

[driver.mqtt1]
driver = mqtt
type = both
host = 127.0.0.1:${port}
subscribe_topic = vscp/#
publish_topic = ${o.publishTopic}
keepalive = ${o.keepalive}
reconnect_min_ms = 50

[driver.logger1]
driver = logger
path = events.log
`);
}

const read = (p: string) => (existsSync(p) ? readFileSync(p, 'latin1') : '');
const lines = (p: string) => read(p).split('\r\n').filter((l) => l !== '');
const withoutTime = (line: string) => line.replace(/^[^:]+:[^:]+:[^:]+: /, '');

interface DriverStatusLike { name: string; state: string; starts: number }

describe('mqtt through the daemon', () => {
  it('publishes the bus, takes in other publishers, not its own echoes, and reloads while events flow', async () => {
    const port = await broker();
    const observer: MqttClient = await connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0 });
    cleanups.push(() => observer.endAsync(true));
    const seen: string[] = [];
    observer.on('message', (topic) => seen.push(topic));
    await observer.subscribeAsync('vscp/#');

    const dir = tempDir();
    const file = join(dir, 'vscpd.conf');
    const log = join(dir, 'events.log');
    const logLines: string[] = [];
    writeFileSync(file, conf(port, { publishTopic: 'vscp/{guid}/{class}/{type}', keepalive: 60 }));
    daemon = await Daemon.start({ configFile: file, env: { VSCPD_RUNTIME_DIR: join(dir, 'run') }, logSink: { write: (l) => logLines.push(l) } });

    // The simulated node's measurements go to the broker under their GUID, class and type.
    await until('two measurements on the broker', () => seen.filter((t) => t === 'vscp/FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01/10/6').length >= 2);

    // Another publisher's event comes in and the logger gets it.
    await observer.publishAsync('vscp/outside', '0,20,3,,,,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:42,0,1,35');
    await until('the outside event in the log', () => lines(log).some((l) => l.includes('GUID=FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:42')));

    const starts = async () => Object.fromEntries(((await daemon!.status()).drivers as DriverStatusLike[]).map((d) => [d.name, d.starts]));
    expect(await starts()).toEqual({ sim1: 1, mqtt1: 1, logger1: 1 });

    // Hot: a new publish topic, applied in place.
    writeFileSync(file, conf(port, { publishTopic: 'vscp/node/{nickname}/{type}', keepalive: 60 }));
    const hot = await daemon.reload('cli');
    expect(hot.outcome).toBe('applied');
    expect(hot.drivers.filter((d) => d.action !== undefined).map((d) => [d.name, d.action])).toEqual([['mqtt1', 'reconfigure']]);
    await until('a measurement on the new topic', () => seen.includes('vscp/node/1/6'));
    expect(await starts()).toEqual({ sim1: 1, mqtt1: 1, logger1: 1 });

    // Driver-restart: a new keep-alive reconnects the driver, which carries on.
    const before = seen.length;
    writeFileSync(file, conf(port, { publishTopic: 'vscp/node/{nickname}/{type}', keepalive: 30 }));
    const restart = await daemon.reload('cli');
    expect(restart.outcome).toBe('applied');
    expect(restart.drivers.filter((d) => d.action !== undefined).map((d) => [d.name, d.action])).toEqual([['mqtt1', 'restart']]);
    expect(await starts()).toEqual({ sim1: 1, mqtt1: 2, logger1: 1 });
    await until('measurements after the restart', () => seen.slice(before).filter((t) => t === 'vscp/node/1/6').length >= 2);

    await daemon.stop('test done');
    daemon = null;
    // Every event is logged once: the driver's own publications came back from the broker
    // (it subscribes to vscp/#) and were not taken in a second time.
    const logged = lines(log).map(withoutTime);
    expect(logged.filter((l) => / class=10 type=6 /.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(new Set(logged).size).toBe(logged.length);
    expect(logLines.filter((l) => / (ERROR|WARN) /.test(l) && /mqtt1/.test(l))).toEqual([]);
  });
});
