/*
 * The file watcher: any change in a folder that holds a configuration file (vscpd.conf, an
 * include, the variable file, a ${file:} reference) leads, after a quiet period, to a content
 * check; only content that differs from what was last loaded asks for a reload. So editors'
 * atomic renames, `sed -i`, `git checkout`, Ansible's temp-file-and-rename and bursts of saves
 * end in one reload of the final content, and a save that changes nothing does nothing.
 *
 * chokidar 5 has no globs: we watch folders and decide by content.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../support/log.js';

export interface WatchedInputs {
  /** Files the configuration is made of (absolute). */
  files: string[];
  /** Folders where a new file can change the configuration (include globs). */
  folders: string[];
}

export interface ConfigWatcherOptions {
  /** What to watch now; asked again after every reload. */
  inputs: () => WatchedInputs;
  /** A hash over the content of every input as it is on disk now; null when a file is missing. */
  fingerprint: () => Promise<string | null>;
  /** Called when the content differs from the last loaded one; resolves when the reload finished. */
  onChange: () => Promise<unknown>;
  log: Logger;
  /** Quiet period after the last file event. */
  debounceMs?: number;
  /** How long a missing file may stay missing (delete-then-recreate) before the change is reported. */
  missingGraceMs?: number;
}

export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private watched = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private missingSince: number | null = null;
  private baseline: string | null = null;
  private checking = false;
  private again = false;
  private closed = false;
  private readonly debounceMs: number;
  private readonly missingGraceMs: number;

  constructor(private readonly o: ConfigWatcherOptions) {
    this.debounceMs = o.debounceMs ?? 100;
    this.missingGraceMs = o.missingGraceMs ?? 2000;
  }

  async start(baseline: string | null): Promise<void> {
    this.baseline = baseline;
    this.watcher = watch([], {
      ignoreInitial: true,
      depth: 0,
      atomic: true,
      persistent: true,
    });
    this.watcher.on('all', () => this.schedule());
    this.watcher.on('error', (e) => this.o.log.warn('File watcher error.', { error: (e as Error).message }));
    await this.refresh();
    await new Promise<void>((resolve) => {
      if (!this.watcher) return resolve();
      this.watcher.once('ready', () => resolve());
      // 'ready' only fires once; if it fired already the timeout ends the wait
      setTimeout(resolve, 500).unref();
    });
  }

  /** The content that is loaded now (after any reload, whatever triggered it). */
  setBaseline(fingerprint: string | null): void {
    this.baseline = fingerprint;
  }

  /** Watches the folders of the current inputs (call after a reload). */
  async refresh(): Promise<void> {
    if (!this.watcher) return;
    const inputs = this.o.inputs();
    const dirs = new Set<string>(inputs.folders);
    for (const f of inputs.files) dirs.add(f.replace(/\/[^/]*$/, '') || '/');
    const add = [...dirs].filter((d) => !this.watched.has(d));
    const remove = [...this.watched].filter((d) => !dirs.has(d));
    if (add.length) this.watcher.add(add);
    if (remove.length) this.watcher.unwatch(remove);
    this.watched = dirs;
  }

  private schedule(delay = this.debounceMs): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check();
    }, delay);
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    try {
      const fp = await this.o.fingerprint();
      if (fp === null) {
        // a file is missing: give delete-then-recreate a moment before reporting
        this.missingSince ??= Date.now();
        if (Date.now() - this.missingSince < this.missingGraceMs) {
          this.schedule(Math.min(200, this.missingGraceMs));
          return;
        }
      } else {
        this.missingSince = null;
      }
      // the set of folders can change without a reload (a new include folder was created)
      if ((fp !== null && fp === this.baseline) || (fp === null && this.baseline === 'missing')) {
        await this.refresh();
        return;
      }
      this.baseline = fp ?? 'missing';
      this.o.log.info('Configuration files changed; reloading.');
      await this.o.onChange();
      await this.refresh();
    } catch (e) {
      this.o.log.error('Checking the configuration files failed.', { error: (e as Error).message });
    } finally {
      this.checking = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    this.watcher = null;
  }
}
