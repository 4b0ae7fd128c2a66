/*
 * runtime/config behind the reconciler's ConfigSource port, plus what the file watcher needs:
 * the folders to watch and a fingerprint of the files' content.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type ConfigSnapshot, readConfiguration, resolveDesiredState } from '../config/index.js';
import { hasGlob } from '../config/glob.js';
import type { ConfigSource, ReadResult, ResolveResult, VariableValues } from '../reconcile/reconciler.js';

export function fingerprintOf(files: readonly { path: string; hash: string }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.hash}\n`);
  return h.digest('hex');
}

/** Folders where an include glob of the configuration can pick up new files. */
export function includeFolders(snapshot: ConfigSnapshot): string[] {
  const out = new Set<string>();
  for (const s of snapshot.sections) {
    if (s.name.toLowerCase() !== 'general') continue;
    for (const e of s.entries) {
      if (e.key !== 'include') continue;
      for (const pattern of e.value.split(',').map((p) => p.trim()).filter(Boolean)) {
        const abs = isAbsolute(pattern) ? pattern : resolve(dirname(e.file), pattern);
        const parts = abs.split('/');
        const fixed: string[] = [];
        for (const part of parts.slice(0, -1)) {
          if (hasGlob(part)) break;
          fixed.push(part);
        }
        out.add(fixed.join('/') || '/');
      }
    }
  }
  return [...out];
}

/** The nearest folder that exists on the way up from `path` (a missing file can appear there). */
function existingFolder(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Folders to watch: include globs, and where named-but-missing files (an include, the variable file) would appear. */
function watchFolders(snapshot: ConfigSnapshot): string[] {
  // an include folder that does not exist yet is watched from its nearest existing parent
  const includes = includeFolders(snapshot).map((d) => (existsSync(d) ? d : existingFolder(d)));
  return [...new Set([...includes, ...snapshot.missingFiles.map(existingFolder)])];
}

export class FileConfigSource implements ConfigSource<ConfigSnapshot> {
  private lastFiles: string[] = [];
  private lastFolders: string[] = [];

  constructor(readonly configFile: string, private readonly env: NodeJS.ProcessEnv = process.env) {}

  async read(): Promise<ReadResult<ConfigSnapshot>> {
    const { snapshot, problems } = await readConfiguration(this.configFile, { env: this.env });
    if (snapshot) {
      this.lastFiles = snapshot.files.map((f) => f.path);
      this.lastFolders = watchFolders(snapshot);
    }
    return { ...(snapshot ? { snapshot } : {}), problems, files: snapshot?.files ?? [] };
  }

  async resolve(snapshot: ConfigSnapshot, variables: VariableValues): Promise<ResolveResult> {
    return resolveDesiredState(snapshot, { runtimeVariables: variables });
  }

  async fingerprint(): Promise<{ path: string; hash: string }[]> {
    const { snapshot } = await readConfiguration(this.configFile, { env: this.env });
    return snapshot?.files ?? [];
  }

  /** A fingerprint for the watcher; null while the main file is missing. */
  async watchFingerprint(): Promise<string | null> {
    if (!existsSync(this.configFile)) return null;
    const { snapshot, problems } = await readConfiguration(this.configFile, { env: this.env });
    if (!snapshot) return `unreadable:${problems.map((p) => p.message).join('|')}`;
    this.lastFiles = snapshot.files.map((f) => f.path);
    this.lastFolders = watchFolders(snapshot);
    return fingerprintOf(snapshot.files);
  }

  watchedInputs(): { files: string[]; folders: string[] } {
    return { files: [this.configFile, ...this.lastFiles], folders: this.lastFolders };
  }
}
