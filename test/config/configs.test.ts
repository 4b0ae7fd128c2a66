import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../runtime/config/resolve.js';
import { formatProblem } from '../../runtime/config/types.js';
import { tempDir, writeFiles } from '../support/tmp.js';

const root = join(import.meta.dirname, '..', '..');
const HASH = '23619526388F2FCC78D6B1DEEF0ADBF8;60A8BD7AA865FF5CAE2333AC3C2C152F4231EED899F3735CCAD7B293B75A2C02';

describe('the default configuration (configs/)', () => {
  it('passes check; its one warning says that nobody can log in until a user is added', async () => {
    const file = join(root, 'configs', 'vscpd.conf');
    const r = await loadConfiguration(file, { env: {} });
    expect(r.problems.map(formatProblem)).toEqual([
      `${file}: warning: no [user.NAME] section: nobody can log in over TCP/IP; add one with a password hash from \`vscpd passwd\` (see docs/configuration.md)`,
    ]);
    const s = r.state!;
    expect(s.users).toEqual([]);
    expect(s.tcpip.listen).toEqual([{ host: '127.0.0.1', port: 9598 }]);
    expect(s.admin.listen).toEqual({ host: '127.0.0.1', port: 9599 });
    // Runs without root: state inside the configuration folder, the log file inside the state.
    expect(s.general.stateDir).toBe(join(root, 'configs', 'state'));
    const log = s.drivers.find((d) => d.kind === 'builtin' && d.ref === 'logger')!;
    expect(log.settings.path).toBe(join(root, 'configs', 'state', 'events.log'));
    const sim = s.drivers.find((d) => d.kind === 'builtin' && d.ref === 'sim')!;
    expect(sim.settings.numberofnodes).toBe(2);
    expect(sim.settings.zone1).toBe(2);
    expect(sim.effective.zone1!.origin).toMatchObject({ kind: 'variable', name: 'SIM1_ZONE1' });
  });

  it('configs/examples passes check with the admin hash from the environment, and fails without it', async () => {
    const file = join(root, 'configs', 'examples', 'vscpd.conf');
    const ok = await loadConfiguration(file, { env: { VSCPD_ADMIN_HASH: HASH } });
    expect(ok.problems.map(formatProblem)).toEqual([]);
    expect(ok.state!.drivers.map((d) => d.name)).toEqual(['sim1', 'jsonlog', 'mqtt1']);
    expect(ok.state!.users.map((u) => [u.name, u.privilege])).toEqual([['admin', 15], ['viewer', 6]]);
    const missing = await loadConfiguration(file, { env: {} });
    expect(missing.state).toBeUndefined();
    expect(missing.problems.map((p) => `${p.file?.slice(root.length + 1)}:${p.line}`)).toEqual(['configs/examples/conf.d/10-users.conf:4']);
  });
});

describe("every built-in driver's sample.conf", () => {
  const ids = readdirSync(join(root, 'drivers')).filter((id) => existsSync(join(root, 'drivers', id, 'sample.conf')));

  it('exists for the built-in drivers written so far', () => {
    expect(ids.length).toBeGreaterThanOrEqual(2);
  });

  for (const id of ids) {
    it(`drivers/${id}/sample.conf passes check`, async () => {
      const sample = join(root, 'drivers', id, 'sample.conf');
      const dir = writeFiles(tempDir(), { 'vscpd.conf': `[tcpip]\nenable = false\n[general]\ninclude = ${sample}\n` });
      const r = await loadConfiguration(join(dir, 'vscpd.conf'), { env: {} });
      expect(r.problems.map(formatProblem)).toEqual([]);
      expect(r.state!.drivers.length).toBeGreaterThanOrEqual(1);
      expect(r.state!.drivers.every((d) => d.kind === 'builtin' && d.ref === id)).toBe(true);
    });
  }
});
