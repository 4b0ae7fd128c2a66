import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tmp.js';
import { writeFileAtomic } from './atomic-write.js';

describe('atomic write', () => {
  it('replaces the file and leaves no temporary file', async () => {
    const dir = tempDir();
    await writeFileAtomic(join(dir, 'x.json'), 'one');
    await writeFileAtomic(join(dir, 'x.json'), Buffer.from('two'));
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['x.json']);
    expect(statSync(join(dir, 'x.json')).mode & 0o777).toBe(0o600);
  });

  it('creates the folder and gives the file the mode asked for', async () => {
    const dir = join(tempDir(), 'a', 'b');
    await writeFileAtomic(join(dir, 'plain'), 'x', 0o640);
    await writeFileAtomic(join(dir, 'named'), 'y', { mode: 0o640, tempName: 'named.partial' });
    expect(readdirSync(dir).sort()).toEqual(['named', 'plain']);
    expect(statSync(join(dir, 'plain')).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, 'named')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(dir, 'named'), 'utf8')).toBe('y');
  });

  it('fails cleanly when the target cannot be replaced', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x.json', 'inner'), { recursive: true });
    await expect(writeFileAtomic(join(dir, 'x.json'), 'data')).rejects.toThrow();
    await expect(writeFileAtomic(join(dir, 'x.json'), 'data', { tempName: 'x.json.tmp' })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('writes through the temporary name it is given', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x.json.tmp', 'blocker'), { recursive: true });
    await expect(writeFileAtomic(join(dir, 'x.json'), 'data', { tempName: 'x.json.tmp' })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['x.json.tmp']);
  });
});
