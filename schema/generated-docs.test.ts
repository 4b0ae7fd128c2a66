import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated configuration reference', () => {
  it('matches the JSON Schemas (run `node scripts/gen-docs.mjs` after editing a schema)', () => {
    let output = '';
    let code = 0;
    try {
      execFileSync(process.execPath, ['scripts/gen-docs.mjs', '--check'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: string };
      code = err.status;
      output = err.stderr;
    }
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
