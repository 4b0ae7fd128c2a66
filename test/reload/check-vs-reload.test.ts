/*
 * The check verdict and the live-reload verdict can never differ: every case of the
 * configuration corpus is loaded by `vscpd check`'s code and, in the same folder, by a running
 * reconciler's reload; both must agree on valid/invalid and on every problem's file:line.
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../runtime/bus/index.js';
import { loadConfiguration } from '../../runtime/config/index.js';
import { FileConfigSource } from '../../runtime/daemon/config-source.js';
import { DriverHost, loadDefinition } from '../../runtime/drivers/host.js';
import { parseGuid } from '../../runtime/protocol/index.js';
import { Reconciler } from '../../runtime/reconcile/reconciler.js';
import { silentLogger } from '../../runtime/support/log.js';
import { createVariableStore, type RuntimeVariableStore } from '../../runtime/variables/store.js';
import { CORPUS_DIR, compareProblems, listCorpusCases } from '../config/corpus.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const cases = listCorpusCases();

describe('check verdict = live reload verdict, over the whole corpus', () => {
  // one workspace shaped like the corpus, so `../../drivers/x.mjs` in a case still resolves
  const root = mkdtempSync(join(tmpdir(), 'vscpd-corpus-replay-'));
  const live = join(root, 'corpus', 'live');
  const env: NodeJS.ProcessEnv = {};
  let variables: RuntimeVariableStore;
  let host: DriverHost;
  let reconciler: Reconciler;

  beforeAll(async () => {
    cpSync(join(CORPUS_DIR, '..', 'drivers'), join(root, 'drivers'), { recursive: true });
    mkdirSync(live, { recursive: true });
    variables = await createVariableStore({ stateDir: join(root, 'state'), log: silentLogger });
    const bus = new Bus({ daemonGuid: parseGuid('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:00'), defaultQueueSize: 100 });
    host = new DriverHost({
      bus, variables,
      credentials: { issue: (p) => ({ user: `drv_${p}`, password: 'x' }), revoke: () => undefined },
      tcpipEndpoint: () => ({ host: '127.0.0.1', port: 1 }),
      log: silentLogger, stateDir: join(root, 'state'),
      backoff: () => ({ minMs: 60_000, maxMs: 60_000, stableMs: 60_000 }),
      stopTimeoutMs: () => 500,
    });
    reconciler = new Reconciler({
      host, variables, source: new FileConfigSource(join(live, 'vscpd.conf'), env), log: silentLogger,
      stateDir: join(root, 'state'), loadDefinition: (d) => loadDefinition(d),
      // global sections (listeners, users) do not decide the verdict; leave the machine's ports alone
      applyGlobals: async () => undefined,
    });
  });

  afterAll(async () => {
    reconciler.close();
    await host.disposeAll();
    await variables.close();
    rmSync(root, { recursive: true, force: true });
  });

  it(`has at least 60 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of cases) {
    it(c.name, async () => {
      for (const f of readdirSync(live)) rmSync(join(live, f), { recursive: true, force: true });
      cpSync(c.dir, live, { recursive: true });
      for (const k of Object.keys(env)) delete env[k];
      Object.assign(env, c.env);
      const liveCase = { ...c, dir: live, configFile: join(live, 'vscpd.conf') };

      const checked = await loadConfiguration(liveCase.configFile, { env });
      const outcome = await reconciler.reload('cli');

      const checkValid = !checked.problems.some((p) => p.severity === 'error');
      expect(outcome.outcome === 'rejected' ? 'invalid' : 'valid').toBe(checkValid ? 'valid' : 'invalid');
      expect(checkValid).toBe(c.valid);
      // the same problems, file:line for file:line
      expect(compareProblems(liveCase, outcome.problems)).toEqual([]);
      expect(compareProblems(liveCase, checked.problems)).toEqual([]);
    });
  }
});
