import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding vscpd's package.json. Code runs both from the sources (tests) and from
 * dist/ (the installed command); JSON files such as schemas are read from the package root
 * so both find the same files.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'runtime'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the vscpd package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
