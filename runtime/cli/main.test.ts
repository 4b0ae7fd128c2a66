import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../test/config/memory-io.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import { verifyPassword } from '../protocol/password.js';
import { COMMANDS } from './commands.js';
import { main, version } from './main.js';

const HASH = '23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02';

function validConfig(): string {
  return writeFiles(tempDir(), {
    'etc/vscpd.conf': [
      '[general]', 'name = cli test', 'variables = variables.ini', 'include = conf.d/*.conf',
      '[user.admin]', 'password = ${env:ADMIN_HASH}', 'privilege = admin',
      '[driver.log1]', 'driver = logger', 'path = events.log',
    ].join('\n'),
    'etc/conf.d/10-sim.conf': '[driver.sim1]\ndriver = sim\nconfig = 2\n',
    'etc/variables.ini': '[sim1_interval0]\ntype = int\nvalue = 7\n',
  });
}

describe('vscpd', () => {
  it('prints the version and the command list', async () => {
    const io = memoryIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out()).toBe(`vscpd ${version()}\n`);
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
    const help = memoryIo();
    expect(await main(['--help'], help)).toBe(0);
    for (const c of COMMANDS) expect(help.out()).toContain(`  ${c.name} `);
  });

  it('answers usage errors with exit 2 and the usage', async () => {
    const none = memoryIo();
    expect(await main([], none)).toBe(2);
    expect(none.err()).toContain('Usage: vscpd <command>');
    const unknown = memoryIo();
    expect(await main(['frobnicate'], unknown)).toBe(2);
    expect(unknown.err()).toContain('vscpd: unknown command "frobnicate"');
    const badOption = memoryIo();
    expect(await main(['check', '--frob'], badOption)).toBe(2);
    expect(badOption.err()).toMatch(/^vscpd check: Unknown option '--frob'/);
    expect(badOption.err()).toContain('Usage: vscpd check');
    const missingValue = memoryIo();
    expect(await main(['check', '-c'], missingValue)).toBe(2);
    const positional = memoryIo();
    expect(await main(['check', 'extra'], positional)).toBe(2);
  });

  it('shows help per command, both ways', async () => {
    for (const c of COMMANDS) {
      const a = memoryIo();
      const b = memoryIo();
      expect(await main([c.name, '--help'], a)).toBe(0);
      expect(await main(['help', c.name], b)).toBe(0);
      expect(a.out()).toBe(b.out());
      expect(a.out()).toContain(`Usage: vscpd ${c.name}`);
    }
  });
});

describe('vscpd check', () => {
  it('exit 0 for a valid configuration, with a summary line and paths relative to the cwd', async () => {
    const dir = validConfig();
    const io = memoryIo({ env: { ADMIN_HASH: HASH }, cwd: dir });
    expect(await main(['check', '-c', 'etc/vscpd.conf'], io)).toBe(0);
    expect(io.out()).toBe('etc/vscpd.conf: valid (2 drivers, 1 user, 1 variable, 3 files read)\n');
  });

  it('exit 1 for an invalid one, every problem as file:line: message', async () => {
    const dir = validConfig();
    const io = memoryIo({ env: {}, cwd: join(dir, 'etc') });
    expect(await main(['check', '--config', 'vscpd.conf'], io)).toBe(1);
    expect(io.out()).toBe([
      'vscpd.conf:6: [user.admin] password: ${env:ADMIN_HASH}: environment variable ADMIN_HASH is not set (give a default with ${env:ADMIN_HASH:-default})',
      'vscpd.conf: invalid: 1 error',
      '',
    ].join('\n'));
  });

  it('takes $VSCPD_CONFIG when -c is absent', async () => {
    const dir = validConfig();
    const io = memoryIo({ env: { ADMIN_HASH: HASH, VSCPD_CONFIG: join(dir, 'etc/vscpd.conf') }, cwd: '/' });
    expect(await main(['check'], io)).toBe(0);
    const missing = memoryIo({ env: { VSCPD_CONFIG: join(dir, 'nope.conf') }, cwd: '/' });
    expect(await main(['check'], missing)).toBe(1);
    expect(missing.out()).toContain('nope.conf: cannot read the configuration: does not exist');
  });

  it('--json gives tools the verdict, counts and every problem', async () => {
    const dir = validConfig();
    const io = memoryIo({ env: { ADMIN_HASH: 'not-a-hash' }, cwd: dir });
    expect(await main(['check', '-c', 'etc/vscpd.conf', '--json'], io)).toBe(1);
    const r = JSON.parse(io.out()) as Record<string, unknown>;
    expect(r).toMatchObject({ file: join(dir, 'etc/vscpd.conf'), valid: false, errors: 1, warnings: 0, summary: null, hash: null });
    expect(r.problems).toEqual([{
      severity: 'error', file: join(dir, 'etc/vscpd.conf'), line: 6, section: 'user.admin', key: 'password',
      message: '[user.admin] password: must be SALT;HASH as printed by `vscpd passwd` (32 and 64 hex digits), got [redacted]',
      text: `${join(dir, 'etc/vscpd.conf')}:6: [user.admin] password: must be SALT;HASH as printed by \`vscpd passwd\` (32 and 64 hex digits), got [redacted]`,
    }]);
    expect(io.out()).not.toContain('not-a-hash');
    const ok = memoryIo({ env: { ADMIN_HASH: HASH }, cwd: dir });
    expect(await main(['check', '-c', 'etc/vscpd.conf', '--json'], ok)).toBe(0);
    expect(JSON.parse(ok.out())).toMatchObject({ valid: true, summary: { drivers: 2, users: 1, schedules: 0, variables: 1, files: 3 }, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('vscpd show', () => {
  it('prints the effective configuration with origins, secrets redacted, byte-stable', async () => {
    const dir = validConfig();
    const run = async (args: string[]): Promise<string> => {
      const io = memoryIo({ env: { ADMIN_HASH: HASH }, cwd: dir });
      expect(await main(['show', '-c', 'etc/vscpd.conf', ...args], io)).toBe(0);
      expect(io.err()).toBe('');
      return io.out();
    };
    const text = await run(['--effective', '--origin']);
    expect(text).toBe(await run(['--effective', '--origin']));
    expect(text).not.toContain(HASH);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`; effective configuration of ${join(dir, 'etc/vscpd.conf')}`);
    expect(lines).toContain('[driver.sim1]');
    expect(lines.find((l) => l.startsWith('password ='))).toMatch(/^password = \[redacted\] +; vscpd\.conf:6 \(hot\)$/);
    expect(lines.find((l) => l.startsWith('numberofnodes ='))).toMatch(/^numberofnodes = 2 +; conf\.d\/10-sim\.conf:3 config position 1 \(hot\)$/);
    expect(lines.find((l) => l.startsWith('interval0 ='))).toMatch(/^interval0 = 7 +; variable SIM1_INTERVAL0 \(variables\.ini:1\) \(hot\)$/);
    expect(lines.find((l) => l.startsWith('path ='))).toMatch(new RegExp(`^path = ${join(dir, 'etc/events.log')} +; vscpd\\.conf:10 \\(hot\\)$`));
    expect(lines.find((l) => l.startsWith('guid ='))).toMatch(/^guid = +; default \(daemon-restart\)$/);
    const plain = await run(['--effective']);
    expect(plain).not.toContain('; vscpd.conf:');
    expect(plain).toContain('\nnumberofnodes = 2\n');
    const json = JSON.parse(await run(['--json'])) as { sections: { name: string; keys: { key: string; value: unknown; origin: string }[] }[] };
    const admin = json.sections.find((s) => s.name === 'user.admin')!;
    expect(admin.keys.find((k) => k.key === 'password')).toMatchObject({ value: '[redacted]', origin: 'vscpd.conf:6' });
  });

  it('exit 1 with the problems on stderr for an invalid configuration', async () => {
    const dir = validConfig();
    const io = memoryIo({ env: {}, cwd: dir });
    expect(await main(['show', '-c', 'etc/vscpd.conf', '--effective'], io)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toContain('etc/vscpd.conf:6: [user.admin] password');
    expect(io.err()).toContain('invalid: 1 error; nothing to show');
  });
});

describe('vscpd passwd', () => {
  it('hashes the first line of stdin when it is not a terminal', async () => {
    const io = memoryIo({ stdin: ['sec', 'ret\nignored\n'] });
    expect(await main(['passwd'], io)).toBe(0);
    const line = io.out().trim();
    expect(line).toMatch(/^[0-9A-F]{32};[0-9A-F]{64}$/);
    expect(verifyPassword('secret', line)).toBe(true);
    expect(verifyPassword('secret\n', line)).toBe(false);
  });

  it('gives a new salt every time', async () => {
    const a = memoryIo({ stdin: ['pw\n'] });
    const b = memoryIo({ stdin: ['pw\n'] });
    await main(['passwd'], a);
    await main(['passwd'], b);
    expect(a.out()).not.toBe(b.out());
  });

  it('refuses an empty password', async () => {
    const io = memoryIo({ stdin: ['\n'] });
    expect(await main(['passwd'], io)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('vscpd passwd: empty password; nothing printed\n');
  });

  it('asks twice without echo on a terminal; backspace edits', async () => {
    const io = memoryIo({ tty: true, stdin: ['s3', 'cret\u007fT\r', 's3creT\r'] });
    expect(await main(['passwd'], io)).toBe(0);
    expect(io.err()).toBe('Password: \nRepeat password: \n');
    expect(verifyPassword('s3creT', io.out().trim())).toBe(true);
  });

  it('prints nothing when the two entries differ or on Ctrl-C', async () => {
    const differ = memoryIo({ tty: true, stdin: ['one\r', 'two\r'] });
    expect(await main(['passwd'], differ)).toBe(1);
    expect(differ.out()).toBe('');
    expect(differ.err()).toContain('the passwords differ');
    const cancelled = memoryIo({ tty: true, stdin: ['abc\u0003'] });
    expect(await main(['passwd'], cancelled)).toBe(1);
    expect(cancelled.out()).toBe('');
  });
});

describe('vscpd check --replace (Ansible validate)', () => {
  it('checks a candidate in the place of a file, in the context of the others', async () => {
    const dir = validConfig();
    const tmp = writeFiles(tempDir(), {
      'candidate-main': '[general]\nname = new\nvariables = variables.ini\ninclude = conf.d/*.conf\n[user.admin]\npassword = ${env:ADMIN_HASH}\n',
      'candidate-dropin': '[driver.log2]\ndriver = logger\npath = other.log\nformat = yaml\n',
    });
    const main1 = memoryIo({ env: { ADMIN_HASH: HASH }, cwd: dir });
    expect(await main(['check', '-c', 'etc/vscpd.conf', '--replace', `etc/vscpd.conf=${join(tmp, 'candidate-main')}`], main1)).toBe(0);
    expect(main1.out()).toBe('etc/vscpd.conf: valid (1 driver, 1 user, 1 variable, 3 files read)\n');

    // A new drop-in file that does not exist yet joins the include pattern it matches.
    const dropin = memoryIo({ env: { ADMIN_HASH: HASH }, cwd: dir });
    expect(await main(['check', '-c', 'etc/vscpd.conf', '--replace', `etc/conf.d/40-log.conf=${join(tmp, 'candidate-dropin')}`], dropin)).toBe(1);
    expect(dropin.out()).toBe([
      'etc/conf.d/40-log.conf:4: [driver.log2] format: must be text, xml or jsonl, got yaml',
      'etc/vscpd.conf: invalid: 1 error',
      '',
    ].join('\n'));

    const bad = memoryIo({ cwd: dir });
    expect(await main(['check', '--replace', 'no-equals-sign'], bad)).toBe(2);
    expect(bad.err()).toContain('--replace needs FILE=CANDIDATE, got "no-equals-sign"');
  });
});
