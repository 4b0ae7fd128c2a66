/*
 * Generations: a number and a hash per applied configuration, kept in state_dir with the
 * content of the files that made it (the last good configuration), so a user can see what ran
 * and compare it with what is on disk.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredState } from '../config/types.js';
import { writeFileAtomic } from '../support/atomic-write.js';

export interface GenerationRecord {
  generation: number;
  hash: string;
  appliedAt: string;
  files: { path: string; hash: string }[];
}

export class GenerationStore {
  constructor(private readonly stateDir: string) {}

  private get recordPath(): string {
    return join(this.stateDir, 'generation.json');
  }

  async read(): Promise<GenerationRecord | null> {
    try {
      const data = JSON.parse(await readFile(this.recordPath, 'utf8')) as Partial<GenerationRecord>;
      if (typeof data.generation !== 'number' || typeof data.hash !== 'string') return null;
      return { generation: data.generation, hash: data.hash, appliedAt: String(data.appliedAt ?? ''), files: data.files ?? [] };
    } catch {
      return null;
    }
  }

  /** Records the generation and keeps a copy of the declared files it was built from. */
  async write(record: GenerationRecord, state: DesiredState): Promise<void> {
    const declared = new Set([state.configFile, ...(state.general.variables ? [state.general.variables] : [])]);
    const copies: Record<string, string> = {};
    for (const f of record.files) {
      // only configuration files: ${file:} secrets are never copied
      if (!declared.has(f.path) && !f.path.endsWith('.conf') && !f.path.endsWith('.ini')) continue;
      try {
        copies[f.path] = await readFile(f.path, 'utf8');
      } catch {
        // the file changed or went away after loading; the hash still records what ran
      }
    }
    await writeFileAtomic(join(this.stateDir, 'last-good.json'), JSON.stringify({ ...record, content: copies }, null, 1));
    await writeFileAtomic(this.recordPath, JSON.stringify(record, null, 1));
  }
}
