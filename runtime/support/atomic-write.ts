import { open, rename, mkdir, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permissions of the new file; default 0o600. */
  mode?: number;
  /**
   * Name of the temporary file in the target's folder; default a unique hidden name. A reader
   * that removes what a crashed write left behind gives a name it recognises (one writer at a
   * time then, since the name is fixed).
   */
  tempName?: string;
}

/**
 * Replaces `path` with `content` so that a crash at any moment leaves the old or the new file,
 * never a broken one: write a temporary file beside it, fsync, rename over, fsync the folder.
 * `options` may be just the mode.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: number | AtomicWriteOptions = {}): Promise<void> {
  const o: AtomicWriteOptions = typeof options === 'number' ? { mode: options } : options;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, o.tempName ?? `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fh = await open(tmp, 'w', o.mode ?? 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // some file systems cannot fsync a folder; the rename is still atomic
  } finally {
    await dh.close();
  }
}
