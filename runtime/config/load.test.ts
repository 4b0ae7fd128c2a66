import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import { type DriverContext, DriverConfigError, type DriverDefinition } from '../drivers/contract.js';
import type { DriverResolver } from './drivers.js';
import { readConfiguration } from './read.js';
import { loadConfiguration, resolveDesiredState, secretValues } from './resolve.js';
import { formatProblem } from './types.js';

const HASH = '23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02';

/** A small built-in-like driver for tests; records the contexts create() saw. */
function fakeDriver(seen: DriverContext[] = []): DriverDefinition {
  return {
    id: 'fake',
    metadata: { level: 2, version: '1', vendor: 'test', description: 'fake' },
    schema: {
      type: 'object',
      additionalProperties: false,
      description: 'Fake.',
      'x-positional': ['host', 'topic'],
      properties: {
        host: { type: 'string', default: 'localhost', description: 'Host.', 'x-reload': 'driver-restart' },
        topic: { type: 'string', default: 'vscp', description: 'Topic.', 'x-reload': 'hot' },
        qos: { type: 'integer', enum: [0, 1, 2], default: 0, description: 'QoS.', 'x-reload': 'hot' },
        file: { type: 'string', format: 'path', default: '', description: 'A file.', 'x-reload': 'hot' },
        token: { type: 'string', default: '', description: 'Token.', 'x-secret': true, 'x-reload': 'hot' },
      },
    },
    create(ctx, settings) {
      seen.push(ctx);
      if (settings.topic === 'echo-token') throw new DriverConfigError(`topic: cannot be used with token ${String(settings.token)}`, 'topic');
      return { start: async () => {}, stop: async () => {} };
    },
  };
}

function resolver(defs: Record<string, DriverDefinition>, calls: string[] = []): DriverResolver {
  return {
    load: async (kind, ref) => {
      calls.push(`${kind}:${ref}`);
      const d = defs[ref];
      if (!d) throw new Error(`unknown driver \`${ref}\``);
      return d;
    },
  };
}

function conf(body: string): string {
  return `[user.admin]\npassword = ${HASH}\n\n${body}`;
}

describe('loadConfiguration', () => {
  it('reports a missing main file without a line and gives no state', async () => {
    const dir = tempDir();
    const r = await loadConfiguration(join(dir, 'nope.conf'));
    expect(r.state).toBeUndefined();
    expect(r.problems.map(formatProblem)).toEqual([`${join(dir, 'nope.conf')}: cannot read the configuration: does not exist`]);
  });

  it('refuses a file that is not UTF-8 or too large', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.conf'), Buffer.from([0x5b, 0x61, 0x5d, 0x0a, 0xff, 0xfe, 0x0a]));
    expect((await loadConfiguration(join(dir, 'bad.conf'))).problems[0]!.message).toBe('cannot read the configuration: is not UTF-8 text');
    writeFileSync(join(dir, 'big.conf'), Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    expect((await loadConfiguration(join(dir, 'big.conf'))).problems[0]!.message).toMatch(/^cannot read the configuration: is 4194305 bytes; at most 4194304 are read$/);
  });

  it('builds the desired state: normalised, typed, absolute paths', async () => {
    const dir = writeFiles(tempDir(), {
      'etc/vscpd.conf': [
        '[general]', 'guid = ff:ff:ff:ff:ff:ff:ff:fe:00:00:00:00:00:00:00:00', 'state_dir = ../state', 'variables = variables.ini',
        '[tcpip]', 'listen = 127.0.0.1:0, [::1]:0', 'max_clients = 0x10',
        '[admin]', 'enable = off',
        '[automation]', 'heartbeat =', 'time_events = yes',
        '[user.admin]', `password = ${HASH.toLowerCase()}`, 'privilege = admin', 'allowfrom = +127.0.0.0/8, ::1', 'allowevent = 0x14:*',
        '[user.viewer]', `password = ${HASH}`, 'privilege = 2',
        '[schedule.noon]', 'cron = 0 0 12 * * *', 'event = 0,30,5,0,,0,-',
        '[driver.f1]', 'driver = fake', 'config = broker.local;vscp/in', 'qos = 1', 'file = data/x.csv',
        '[driver.ext]', 'driver = exec:./bin/drv --flag', 'key = value',
      ].join('\n'),
      'etc/bin/drv': '#!/bin/sh\n',
      'etc/variables.ini': '[f1_topic]\nvalue = vscp/override\n[counter]\ntype = int\nvalue = 0x10\npersistent = yes\nrights = 0x777\n',
    });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'etc/bin/drv'), 0o755);
    const r = await loadConfiguration(join(dir, 'etc/vscpd.conf'), { drivers: resolver({ fake: fakeDriver() }), env: {} });
    expect(r.problems.map(formatProblem)).toEqual([
      `${join(dir, 'etc/vscpd.conf')}:26: warning: [driver.f1] topic (config position 2): overridden by variable F1_TOPIC (variables.ini:1)`,
    ]);
    const s = r.state!;
    expect(s.general.guid).toBe('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:00');
    expect(s.general.stateDir).toBe(join(dir, 'state'));
    expect(s.general.variables).toBe(join(dir, 'etc/variables.ini'));
    expect(s.tcpip.listen).toEqual([{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }]);
    expect(s.tcpip.maxClients).toBe(16);
    expect(s.admin.enable).toBe(false);
    expect(s.automation).toEqual({ enable: true, heartbeat: null, capabilities: '*/60 * * * * *', timeEvents: true, answerProbes: true });
    expect(s.users.map((u) => [u.name, u.privilege, u.allowFrom, u.allowEvent, u.passwordHash])).toEqual([
      ['admin', 15, ['+127.0.0.0/8', '+::1/128'], ['20:*'], HASH],
      ['viewer', 2, [], [], HASH],
    ]);
    expect(s.schedules).toMatchObject([{ name: 'noon', enable: true, cron: '0 0 12 * * *', event: '0,30,5,0,,0,-' }]);
    expect(s.variables.map((v) => [v.name, v.type, v.value, v.persistent, v.rights])).toEqual([
      ['F1_TOPIC', 1, 'vscp/override', false, 0x744],
      ['COUNTER', 3, '16', true, 0x777],
    ]);
    const f1 = s.drivers.find((d) => d.name === 'f1')!;
    expect(f1).toMatchObject({ kind: 'builtin', ref: 'fake', enable: true, guid: null, queueSize: 1024, legacyConfig: 'broker.local;vscp/in' });
    expect(f1.settings).toEqual({ host: 'broker.local', topic: 'vscp/override', qos: 1, file: join(dir, 'etc/data/x.csv'), token: '' });
    expect(f1.effective.topic!.origin).toEqual({ kind: 'variable', name: 'F1_TOPIC', file: join(dir, 'etc/variables.ini'), line: 1 });
    expect(f1.effective.topic!.shadows).toEqual([{ kind: 'config-string', file: join(dir, 'etc/vscpd.conf'), line: 26, position: 2 }]);
    expect(f1.effective.qos).toMatchObject({ value: 1, reload: 'hot', secret: false });
    expect(f1.effective.host!.reload).toBe('driver-restart');
    const ext = s.drivers.find((d) => d.name === 'ext')!;
    expect(ext).toMatchObject({ kind: 'exec', ref: `${join(dir, 'etc/bin/drv')} --flag`, settings: { key: 'value' } });
    expect(s.files.map((f) => f.path)).toEqual([join(dir, 'etc/vscpd.conf'), join(dir, 'etc/variables.ini')]);
    expect(Object.keys(s.sectionHashes).sort()).toEqual(['admin', 'automation', 'general', 'schedules', 'tcpip', 'users', 'variables']);
    expect(s.globalEffective['user.admin.password']).toMatchObject({ secret: true, reload: 'hot' });
  });

  it('hands create() an inert context: never aborted, emits nothing, sees the variables', async () => {
    const seen: DriverContext[] = [];
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': conf('[general]\nvariables = v.ini\n[driver.my drv]\ndriver = fake\n'),
      'v.ini': '[my_drv_topic]\nvalue = t\n[other]\nvalue = o\n',
    });
    const r = await loadConfiguration(join(dir, 'vscpd.conf'), { drivers: resolver({ fake: fakeDriver(seen) }) });
    expect(r.state).toBeDefined();
    const ctx = seen[0]!;
    expect(ctx.prefix).toBe('my_drv');
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.emit({ vscpClass: 20, vscpType: 3 })).toBe(false);
    expect(ctx.variables.prefixed('topic')?.value).toBe('t');
    expect(ctx.variables.get('OTHER')?.value).toBe('o');
    ctx.scheduler.setInterval(() => { throw new Error('must never run'); }, 1)();
  });

  it('points a DriverConfigError at the origin of its key and never shows a secret', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': conf('[driver.f1]\ndriver = fake\ntoken = ${env:TOKEN}\ntopic = echo-token\n'),
    });
    const r = await loadConfiguration(join(dir, 'vscpd.conf'), { drivers: resolver({ fake: fakeDriver() }), env: { TOKEN: 'tok-123456' } });
    expect(r.problems.map(formatProblem)).toEqual([`${join(dir, 'vscpd.conf')}:7: [driver.f1] topic: cannot be used with token [redacted]`]);
  });

  it('hashes content, not layout: comments, order and spacing change nothing; one driver change changes one hash', async () => {
    const load = async (text: string) => {
      const dir = writeFiles(tempDir(), { 'vscpd.conf': text });
      const r = await loadConfiguration(join(dir, 'vscpd.conf'), { drivers: resolver({ fake: fakeDriver() }) });
      expect(r.problems).toEqual([]);
      return r.state!;
    };
    const a = await load(conf('[general]\nname = x\n[driver.a]\ndriver = fake\nqos = 1\n[driver.b]\ndriver = fake\n'));
    const b = await load(`; reordered\n[driver.b]\ndriver = fake\n\n[general]\nname   =   x ; same\n[driver.a]\nqos = 0x1\ndriver = fake\n${conf('')}`);
    expect(b.hash).toBe(a.hash);
    const c = await load(conf('[general]\nname = x\n[driver.a]\ndriver = fake\nqos = 2\n[driver.b]\ndriver = fake\n'));
    expect(c.hash).not.toBe(a.hash);
    expect(c.drivers.find((d) => d.name === 'b')!.hash).toBe(a.drivers.find((d) => d.name === 'b')!.hash);
    expect(c.drivers.find((d) => d.name === 'a')!.hash).not.toBe(a.drivers.find((d) => d.name === 'a')!.hash);
    expect(c.sectionHashes).toEqual(a.sectionHashes);
    const d = await load(conf('[general]\nname = y\n[driver.a]\ndriver = fake\nqos = 1\n[driver.b]\ndriver = fake\n'));
    expect(d.sectionHashes.general).not.toBe(a.sectionHashes.general);
    expect(d.sectionHashes.tcpip).toBe(a.sectionHashes.tcpip);
    expect(d.drivers.map((x) => x.hash)).toEqual(a.drivers.map((x) => x.hash));
  });
});

describe('resolveDesiredState', () => {
  it('re-runs without reading files and applies run-time variables', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': conf('[general]\nvariables = v.ini\n[driver.f1]\ndriver = fake\nqos = 1\n'),
      'v.ini': '[f1_topic]\nvalue = declared\n',
    });
    const read = await readConfiguration(join(dir, 'vscpd.conf'));
    rmSync(dir, { recursive: true, force: true });
    const drivers = resolver({ fake: fakeDriver() });
    const first = await resolveDesiredState(read.snapshot!, { drivers });
    expect(first.problems).toEqual([]);
    const f1 = (s: typeof first) => s.state!.drivers[0]!;
    expect(f1(first).settings.topic).toBe('declared');

    // A run-time value equal to the declared one keeps the declaration as origin.
    const same = await resolveDesiredState(read.snapshot!, { drivers, runtimeVariables: new Map([['F1_TOPIC', { type: 1, value: 'declared' }]]) });
    expect(f1(same).effective.topic!.origin).toMatchObject({ kind: 'variable', name: 'F1_TOPIC', line: 1 });
    expect(same.state!.hash).toBe(first.state!.hash);

    const changed = await resolveDesiredState(read.snapshot!, {
      drivers,
      runtimeVariables: new Map([['f1_topic', { type: 1, value: 'runtime' }], ['F1_QOS', { type: 3, value: '2' }], ['F1_NOPE', { type: 1, value: 'x' }]]),
    });
    expect(changed.problems).toEqual([]);
    expect(f1(changed).settings).toMatchObject({ topic: 'runtime', qos: 2 });
    expect(f1(changed).effective.qos!.origin).toEqual({ kind: 'variable', name: 'F1_QOS', runtime: true });
    expect(changed.state!.hash).not.toBe(first.state!.hash);

    const bad = await resolveDesiredState(read.snapshot!, { drivers, runtimeVariables: new Map([['F1_QOS', { type: 3, value: '7' }]]) });
    expect(bad.state).toBeUndefined();
    expect(bad.problems.map(formatProblem)).toEqual(['[driver.f1] qos (run-time variable F1_QOS): must be 0, 1 or 2, got 7']);
  });

  it('carries the snapshot problems: a state comes only from an error-free snapshot', async () => {
    const dir = writeFiles(tempDir(), { 'vscpd.conf': conf('[general]\nname = a\nname = b\n') });
    const read = await readConfiguration(join(dir, 'vscpd.conf'));
    expect(read.problems).toHaveLength(1);
    const r = await resolveDesiredState(read.snapshot!, { drivers: resolver({}) });
    expect(r.state).toBeUndefined();
    expect(r.problems.map((p) => p.line)).toEqual([6]);
  });

  it('uses the resolver for built-in ids only, and lists secrets for the logger', async () => {
    const calls: string[] = [];
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': '[user.admin]\npassword = ${file:admin.hash}\n[general]\nname = ${env:NAME}\n[driver.f1]\ndriver = fake\ntoken = abc-secret-token\n',
      'admin.hash': `${HASH}\n`,
    });
    const r = await loadConfiguration(join(dir, 'vscpd.conf'), { drivers: resolver({ fake: fakeDriver() }, calls), env: { NAME: 'daemon-name' } });
    expect(r.problems).toEqual([]);
    expect(calls).toEqual(['builtin:fake']);
    expect(secretValues(r.state!).sort()).toEqual([HASH, 'abc-secret-token', 'daemon-name'].sort());
    expect(r.state!.files.map((f) => f.path)).toEqual([join(dir, 'vscpd.conf'), join(dir, 'admin.hash')]);
  });
});

describe('reading hostile files', () => {
  it('refuses FIFOs and devices without blocking, and reads /proc-like files to their end', async () => {
    const { execFileSync } = await import('node:child_process');
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    writeFileSync(join(dir, 'vscpd.conf'), '[tcpip]\nenable = false\n[general]\nname = ${file:fifo}\n[automation]\nheartbeat = ${file:/dev/zero}\n');
    const r = await loadConfiguration(join(dir, 'vscpd.conf'));
    expect(r.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: [general] name: ${file:fifo}: fifo is not a regular file',
      '6: [automation] heartbeat: ${file:/dev/zero}: /dev/zero is not a regular file',
    ]);
    const fifoConf = join(dir, 'fifo');
    const direct = await loadConfiguration(fifoConf);
    expect(direct.problems[0]!.message).toBe('cannot read the configuration: is not a regular file');
  });
});

describe('readConfiguration', () => {
  it('lists the files it read with their hashes, and the ones it looked for in vain', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': '[general]\ninclude = conf.d/*.conf, extra.conf\nvariables = vars.ini\nname = ${file:name.txt}\n',
      'conf.d/a.conf': '[tcpip]\nenable = false\n',
      'name.txt': 'daemon\n',
    });
    const r = await readConfiguration(join(dir, 'vscpd.conf'));
    const s = r.snapshot!;
    expect(s.files.map((f) => f.path)).toEqual([join(dir, 'vscpd.conf'), join(dir, 'name.txt'), join(dir, 'conf.d/a.conf')]);
    expect(s.files.every((f) => /^[0-9a-f]{64}$/.test(f.hash))).toBe(true);
    expect(s.missingFiles.sort()).toEqual([join(dir, 'extra.conf'), join(dir, 'vars.ini')].sort());
    expect(r.problems.map((p) => p.message)).toEqual([
      '[general] include: extra.conf does not exist',
      '[general] variables: vars.ini does not exist',
    ]);
  });
});

describe('TLS files', () => {
  it('are hashed, not shown: a renewed certificate changes [tcpip] and nothing else', async () => {
    const dir = writeFiles(tempDir(), {
      'vscpd.conf': conf('[tcpip]\ntls_cert = tls/cert.pem\ntls_key = tls/key.pem\n'),
      'tls/cert.pem': 'CERT ONE\n',
      'tls/key.pem': 'PRIVATE KEY\n',
    });
    const load = async () => (await loadConfiguration(join(dir, 'vscpd.conf'), { drivers: resolver({}) })).state!;
    const a = await load();
    expect(a.tcpip).toMatchObject({ tlsCert: join(dir, 'tls/cert.pem'), tlsKey: join(dir, 'tls/key.pem') });
    expect(a.files.map((f) => f.path)).toEqual([join(dir, 'vscpd.conf'), join(dir, 'tls/cert.pem'), join(dir, 'tls/key.pem')]);
    writeFileSync(join(dir, 'tls/cert.pem'), 'CERT TWO\n');
    const b = await load();
    expect(b.sectionHashes.tcpip).not.toBe(a.sectionHashes.tcpip);
    expect({ ...b.sectionHashes, tcpip: '' }).toEqual({ ...a.sectionHashes, tcpip: '' });
  });
});
