import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tmp.js';
import { Automation } from '../automation/automation.js';
import { parseGuid } from '../protocol/index.js';
import { silentLogger } from '../support/log.js';
import { packageRoot } from '../support/package-root.js';
import { DAEMON_VERSION, type StockVariableSource, isStockName, readStockVariable, readStockVariables } from './stock.js';
import { createVariableStore } from './store.js';
import { VariableType, normalizeVariableValue } from './types.js';

const context = (source: StockVariableSource = {}, count = 0) => ({
  source, createdAt: new Date(Date.now() - 5000), stateDir: '/var/lib/vscpd', variableCount: () => count,
});

describe('stock variables', () => {
  it('report the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(DAEMON_VERSION.text).toBe(pkg.version);
    const [major, minor, release] = pkg.version.split('.').map((p) => Number.parseInt(p, 10));
    expect(readStockVariable('VSCP.VERSION.MAJOR', context())?.value).toBe(String(major));
    expect(readStockVariable('VSCP.VERSION.MINOR', context())?.value).toBe(String(minor));
    expect(readStockVariable('VSCP.VERSION.RELEASE', context())?.value).toBe(String(release));
    expect(readStockVariable('VSCP.VERSION.STR', context())?.value).toBe(pkg.version);
  });

  it('hold values valid for their types', () => {
    const all = readStockVariables(context({
      guid: () => 'FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:01',
      daemonName: () => 'Home',
      startedAt: () => new Date(Date.now() - 61_000),
      tcpipAddresses: () => ['127.0.0.1:9598'],
      clientCount: () => 4,
      driverCount: () => 2,
      userCount: () => 1,
      logLevel: () => 'info',
      clientBufferSize: () => 1024,
      configGeneration: () => 7,
      automation: () => ({
        enabled: true, heartbeat: '*/30 * * * * *', lastHeartbeat: new Date('2026-01-02T03:04:05.678Z'),
        capabilities: null, lastCapabilities: null, timeEvents: false, answerProbes: true,
      }),
    }, 12));
    expect(all.map((v) => v.name)).toEqual([...all.map((v) => v.name)].sort());
    for (const v of all) {
      expect(isStockName(v.name), v.name).toBe(true);
      expect(v.note, v.name).not.toBe('');
      if (v.value !== '') expect(normalizeVariableValue(v.type, v.value), v.name).toBe(v.value);
    }
    const value = (name: string) => all.find((v) => v.name === name)?.value;
    expect(value('VSCP.UPTIME')).toBe('61');
    expect(value('VSCP.VARIABLE.COUNT')).toBe('12');
    expect(value('VSCP.LOGLEVEL')).toBe('3');
    expect(value('VSCP.LOGLEVEL.STR')).toBe('info');
    expect(value('VSCP.TCPIP.ADDRESS')).toBe('127.0.0.1:9598');
    expect(value('VSCP.TCPIP.ADDESS')).toBe('127.0.0.1:9598');
    expect(value('VSCP.DAEMON.NAME')).toBe('Home');
    expect(value('VSCP.CONFIG.GENERATION')).toBe('7');
    expect(value('VSCP.AUTOMATION.HEARTBEAT.LAST')).toBe('2026-01-02T03:04:05');
    expect(value('VSCP.AUTOMATION.HEARTBEAT.ENABLE')).toBe('true');
    expect(value('VSCP.AUTOMATION.TIMEEVENTS.ENABLE')).toBe('false');
    expect(value('VSCP.HOST.ROOT.PATH')).toBe('/var/lib/vscpd');
  });

  it('hide a variable whose source fails', () => {
    const v = readStockVariable('VSCP.CLIENT.COUNT', context({ clientCount: () => { throw new Error('down'); } }));
    expect(v).toBeUndefined();
  });
});

describe('stock variables fed by the automation', () => {
  let automation: Automation | undefined;
  afterEach(() => automation?.stop());

  it('report its heartbeat settings', async () => {
    automation = new Automation({
      settings: { enable: true, heartbeat: '0 0 * * * *', capabilities: null, timeEvents: true, answerProbes: false },
      schedules: [],
      emit: () => undefined,
      info: () => ({ name: 'x', guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:00:00:00:00:00:00:01'), ipv4: [], tcpipPort: 9598, capabilities: 0n }),
      log: silentLogger,
    });
    automation.start();
    const a = automation;
    const store = await createVariableStore({ stateDir: tempDir(), log: silentLogger, stock: { automation: () => a.status() } });
    expect(store.get('vscp.automation.heartbeat.cron')?.value).toBe('0 0 * * * *');
    expect(store.get('vscp.automation.heartbeat.last')).toMatchObject({ type: VariableType.DATETIME, value: '' });
    expect(store.get('vscp.automation.timeevents.enable')?.value).toBe('true');
    expect(store.get('vscp.automation.probes.enable')?.value).toBe('false');
    await store.close();
  });
});
