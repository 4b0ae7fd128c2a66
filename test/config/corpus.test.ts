import { describe, expect, it } from 'vitest';
import { effectiveView } from '../../runtime/config/effective.js';
import { loadConfiguration } from '../../runtime/config/resolve.js';
import { main } from '../../runtime/cli/main.js';
import { compareProblems, compareValues, listCorpusCases } from './corpus.js';
import { memoryIo } from './memory-io.js';

const cases = listCorpusCases();

describe('configuration corpus', () => {
  it('has at least 60 broken configurations and valid ones with expected values', () => {
    expect(cases.filter((c) => !c.valid).length).toBeGreaterThanOrEqual(60);
    expect(cases.filter((c) => c.valid && c.values.length > 0).length).toBeGreaterThanOrEqual(5);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.valid ? 'valid' : 'invalid'} with every problem at its file:line`, async () => {
      const result = await loadConfiguration(c.configFile, { env: c.env });
      expect(compareProblems(c, result.problems)).toEqual([]);
      expect(result.state !== undefined).toBe(c.valid);
      expect(compareValues(c, result.state, effectiveView)).toEqual([]);

      // `vscpd check` gives the same verdict, and no value from the environment leaks.
      const io = memoryIo({ env: c.env, cwd: c.dir });
      const code = await main(['check', '-c', c.configFile], io);
      expect(code).toBe(c.valid ? 0 : 1);
      for (const value of Object.values(c.env)) {
        if (value.length >= 4) expect(io.out() + io.err()).not.toContain(value);
      }
    });
  }
});
