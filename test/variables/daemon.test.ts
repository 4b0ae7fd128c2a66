/*
 * Variables through the whole daemon: a client changes a declared persistent variable over
 * TCP/IP, the user edits the variable file, the daemon reloads and restarts. What the user did
 * not touch in the file keeps its runtime value; what the user changed wins.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VscpClient } from '../../runtime/tcpip/client.js';
import { TEST_PASSWORD, TEST_USER, baseConf, startDaemon, type InProcessDaemon } from '../support/daemon-harness.js';

const conf = baseConf().replace('state_dir = ./state', 'state_dir = ./state\nvariables = variables.ini\nwatch = false');

function variablesIni(keep: string, other: string): string {
  return [
    '[keep_me]', 'type = string', `value = ${keep}`, 'persistent = true', '',
    '[other]', 'type = int', `value = ${other}`, '',
  ].join('\n');
}

async function client(d: InProcessDaemon): Promise<VscpClient> {
  const c = await VscpClient.connect({ host: '127.0.0.1', port: d.tcpipPort() });
  await c.login(TEST_USER, TEST_PASSWORD);
  return c;
}

async function read(d: InProcessDaemon, name: string): Promise<string> {
  const c = await client(d);
  try {
    return await c.readValue(name);
  } finally {
    c.close();
  }
}

describe('variables in the running daemon', () => {
  it('keep runtime values through unrelated reloads and restarts; edits in the file win', async () => {
    let d = await startDaemon({ 'vscpd.conf': conf, 'variables.ini': variablesIni('from the file', '1') });
    const dir = d.dir;
    const c = await client(d);
    await c.writeValue('keep_me', 'set at run time');
    await c.writeVariable({ name: 'created', type: 'string', value: 'made over TCP/IP', persistent: true });
    c.close();

    // An unrelated edit: only `other` changes.
    d.write('variables.ini', variablesIni('from the file', '2'));
    const outcome = await d.daemon.reload('cli');
    expect(outcome.outcome).toBe('applied');
    expect(outcome.plan?.variables).toEqual({ added: [], removed: [], changed: ['OTHER'], conflicts: [] });
    expect(await read(d, 'keep_me')).toBe('set at run time');
    expect(await read(d, 'other')).toBe('2');

    // A restart keeps the persistent runtime values.
    await d.stop();
    d = await startDaemon({}, { dir });
    expect(await read(d, 'keep_me')).toBe('set at run time');
    expect(await read(d, 'created')).toBe('made over TCP/IP');

    // The user edits keep_me in the file while the daemon is stopped: the file wins at start.
    await d.stop();
    const edited = variablesIni('edited in the file', '2');
    d = await startDaemon({ 'variables.ini': edited }, { dir });
    expect(await read(d, 'keep_me')).toBe('edited in the file');
    expect(await read(d, 'created')).toBe('made over TCP/IP');
    expect(d.logs.join('')).toMatch(/file value wins.*KEEP_ME/);
    expect(d.logs.join('')).not.toContain('set at run time');
    await d.stop();

    // The daemon never wrote the declared file.
    expect(readFileSync(join(dir, 'variables.ini'), 'utf8')).toBe(edited);
  });

  it('report a conflict in the plan when the file changes a value changed at run time', async () => {
    const d = await startDaemon({ 'vscpd.conf': conf, 'variables.ini': variablesIni('from the file', '1') });
    const c = await client(d);
    await c.writeValue('keep_me', 'set at run time');
    c.close();
    d.write('variables.ini', variablesIni('new in the file', '1'));
    const outcome = await d.daemon.reload('cli');
    expect(outcome.plan?.variables.conflicts).toEqual([{ name: 'KEEP_ME', fileValue: 'new in the file', runtimeValue: 'set at run time' }]);
    expect(await read(d, 'keep_me')).toBe('new in the file');
  });
});
