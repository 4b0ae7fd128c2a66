/*
 * Where driver definitions come from: the built-in drivers (one folder each under drivers/,
 * listed here and nowhere else), JavaScript modules named by path, and `exec:` programs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DriverDefinition } from './contract.js';

/** Built-in driver ids: folder = id = registry key. */
export const BUILTIN_DRIVER_IDS = ['sim', 'logger', 'tcpiplink', 'mqtt'] as const;

/** Drivers of the original daemon that are planned but not part of this build. */
export const PLANNED_DRIVER_IDS = ['lmsensors', 'wire1', 'rpigpio', 'rawethernet', 'socketcan', 'btproximity'] as const;

export class DriverLoadError extends Error {
  override name = 'DriverLoadError';
}

function isDefinition(value: unknown): value is DriverDefinition {
  const v = value as Partial<DriverDefinition> | null;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.create === 'function' &&
    typeof v.schema === 'object' && v.schema !== null && typeof v.metadata === 'object';
}

async function importDefinition(url: string, what: string): Promise<DriverDefinition> {
  let mod: { default?: unknown; driver?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown; driver?: unknown };
  } catch (e) {
    throw new DriverLoadError(`${what}: cannot load: ${(e as Error).message}`);
  }
  const def = mod.default ?? mod.driver;
  if (!isDefinition(def)) {
    throw new DriverLoadError(`${what}: the module does not export a driver definition (default export with id, metadata, schema, create)`);
  }
  return def;
}

const builtinCache = new Map<string, Promise<DriverDefinition>>();

export function isBuiltinDriver(id: string): boolean {
  return (BUILTIN_DRIVER_IDS as readonly string[]).includes(id);
}

/** Loads a built-in definition; throws DriverLoadError for an unknown or planned id. */
export function loadBuiltinDriver(id: string): Promise<DriverDefinition> {
  let p = builtinCache.get(id);
  if (!p) {
    if (!isBuiltinDriver(id)) {
      const planned = (PLANNED_DRIVER_IDS as readonly string[]).includes(id);
      const msg = planned
        ? `driver \`${id}\` is not available in this version yet; available: ${BUILTIN_DRIVER_IDS.join(', ')}`
        : `unknown driver \`${id}\`; built-in drivers: ${BUILTIN_DRIVER_IDS.join(', ')} (or a ./path/to/module.js, or exec:/path/to/program)`;
      return Promise.reject(new DriverLoadError(msg));
    }
    const url = new URL(`../../drivers/${id}/index.js`, import.meta.url);
    p = existsSync(fileURLToPath(url)) || existsSync(fileURLToPath(url).replace(/\.js$/, '.ts'))
      ? importDefinition(url.href, `driver \`${id}\``)
      : Promise.reject(new DriverLoadError(`driver \`${id}\` is missing from this installation (${fileURLToPath(url)})`));
    builtinCache.set(id, p);
  }
  return p;
}

/** Loads a driver module by absolute path (`driver = ./my-driver.js` in vscpd.conf). */
export function loadModuleDriver(absolutePath: string): Promise<DriverDefinition> {
  if (!existsSync(absolutePath)) return Promise.reject(new DriverLoadError(`driver module ${absolutePath} does not exist`));
  return importDefinition(pathToFileURL(absolutePath).href, `driver module ${absolutePath}`);
}
