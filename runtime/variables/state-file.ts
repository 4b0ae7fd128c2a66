/*
 * The runtime layer on disk: `<state_dir>/variables.json`.
 *
 *   {
 *     "format": "vscpd-variables", "version": 1, "written": "2026-11-25T10:11:12.345Z",
 *     "variables": [
 *       { "name": "MQTT1_HOST", "lastChange": "2026-11-25T10:11:12.000Z",
 *         "fields": { "type": 1, "value": "broker.lan", "note": "", "persistent": true, "owner": 0, "rights": 1860 },
 *         "base":   { "type": 1, "value": "localhost",  "note": "", "persistent": true, "owner": 0, "rights": 1860 } },
 *       { "name": "SIM1_DEBUG", "lastChange": "…", "fields": null, "base": { … } }
 *     ]
 *   }
 *
 * `fields` is the variable as changed at run time (null: removed at run time), `base` the
 * declaration it was made against (null: not declared). Values are plain text, never BASE64.
 *
 * Writes are atomic: a temporary file in the same folder is written and fsynced, renamed over
 * the state file, and the folder is fsynced, so a crash at any moment leaves the old or the new
 * file. A file that cannot be read at start is moved aside (`variables.json.broken-<time>`).
 */
import { readFile, readdir, rename, copyFile, unlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../support/atomic-write.js';
import type { Logger } from '../support/log.js';
import type { RuntimeState, VariableFields } from './model.js';
import { isKnownVariableType, normalizeVariableName, normalizeVariableValue, VariableType } from './types.js';

export const STATE_FILE_NAME = 'variables.json';
export const STATE_FORMAT = 'vscpd-variables';
export const STATE_VERSION = 1;
const TEMP_MARK = '.tmp-';
const BROKEN_MARK = '.broken-';

export interface StateRecord {
  name: string;
  state: RuntimeState;
}

export class StateFileError extends Error {
  override name = 'StateFileError';
}

// ---------------------------------------------------------------------------------------------
// encoding

interface FieldsJson {
  type: number;
  value: string;
  note: string;
  persistent: boolean;
  owner: number;
  rights: number;
}

function fieldsJson(f: VariableFields): FieldsJson {
  return { type: f.type, value: f.value, note: f.note, persistent: f.persistent, owner: f.owner, rights: f.rights };
}

/** The state file's text for these records (sorted by name, one record per line for readable diffs). */
export function encodeState(records: Iterable<StateRecord>, written: Date = new Date()): string {
  const rows: string[] = [];
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, state } of sorted) {
    rows.push(JSON.stringify({
      name,
      lastChange: state.lastChange.toISOString(),
      fields: state.fields ? fieldsJson(state.fields) : null,
      base: state.base ? fieldsJson(state.base) : null,
    }));
  }
  const head = `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"written":${JSON.stringify(written.toISOString())},"variables":[`;
  return rows.length ? `${head}\n${rows.join(',\n')}\n]}\n` : `${head}]}\n`;
}

export interface DecodedState {
  records: StateRecord[];
  /** Records that were skipped, each with why (lower-case fragments). */
  problems: string[];
}

/** Parses a state file. A file that is not a state file at all throws StateFileError; bad records are skipped and reported. */
export function decodeState(text: string): DecodedState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc) || doc['format'] !== STATE_FORMAT) throw new StateFileError(`not a ${STATE_FORMAT} file`);
  const version = doc['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new StateFileError('no valid format version');
  if (version > STATE_VERSION) {
    throw new StateFileError(`format version ${version} was written by a newer vscpd; this one reads version ${STATE_VERSION}`);
  }
  const list = doc['variables'];
  if (!Array.isArray(list)) throw new StateFileError('"variables" is not a list');

  const records: StateRecord[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, index) => {
    const where = `record ${index + 1}`;
    try {
      const record = decodeRecord(raw);
      if (seen.has(record.name)) throw new StateFileError(`${record.name} appears more than once`);
      seen.add(record.name);
      records.push(record);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  });
  return { records, problems };
}

function decodeRecord(raw: unknown): StateRecord {
  if (!isObject(raw)) throw new StateFileError('not an object');
  const rawName = raw['name'];
  if (typeof rawName !== 'string') throw new StateFileError('no name');
  const name = normalizeVariableName(rawName);
  if (name !== rawName) throw new StateFileError(`name ${JSON.stringify(rawName)} is not canonical`);
  const lastChange = new Date(typeof raw['lastChange'] === 'string' ? raw['lastChange'] : NaN);
  if (Number.isNaN(lastChange.getTime())) throw new StateFileError(`${name}: lastChange is not an ISO time`);
  const fields = raw['fields'] === null ? null : decodeFields(raw['fields'], `${name}: fields`);
  const base = raw['base'] === null ? null : decodeFields(raw['base'], `${name}: base`);
  if (!fields && !base) throw new StateFileError(`${name}: a removal without a declaration`);
  return { name, state: { base, fields, lastChange } };
}

function decodeFields(raw: unknown, where: string): VariableFields {
  if (!isObject(raw)) throw new StateFileError(`${where}: not an object`);
  const { type, value, note, persistent, owner, rights } = raw;
  if (typeof type !== 'number' || !isKnownVariableType(type) || type === VariableType.UNASSIGNED) {
    throw new StateFileError(`${where}: type ${String(type)} is unknown`);
  }
  if (typeof value !== 'string') throw new StateFileError(`${where}: value is not text`);
  if (typeof note !== 'string') throw new StateFileError(`${where}: note is not text`);
  if (typeof persistent !== 'boolean') throw new StateFileError(`${where}: persistent is not true or false`);
  if (typeof owner !== 'number' || !Number.isInteger(owner) || owner < 0 || owner > 0xffffffff) {
    throw new StateFileError(`${where}: owner is not a user id`);
  }
  if (typeof rights !== 'number' || !Number.isInteger(rights) || rights < 0 || rights > 0xfff) {
    throw new StateFileError(`${where}: rights are not 0..0xFFF`);
  }
  let canonical: string;
  try {
    canonical = normalizeVariableValue(type, value);
  } catch (e) {
    throw new StateFileError(`${where}: ${(e as Error).message}`);
  }
  return { type, value: canonical, note, persistent, owner, rights };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// disk

/**
 * Replaces the state file in `dir` with `text`, atomically and durably. The temporary file is
 * named so that loading recognises and removes one a crash left behind.
 */
export async function writeStateFile(dir: string, text: string): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE_NAME), text, { mode: 0o600, tempName: `${STATE_FILE_NAME}${TEMP_MARK}${process.pid}` });
}

export interface LoadStateOptions {
  log: Logger;
  /** Larger files are treated as damaged (bounded memory). */
  maxBytes: number;
  /** Never write: no quarantine, no clean-up (`vscpd plan` without a daemon). */
  readOnly: boolean;
  now?: Date;
}

/**
 * Reads the state file. Missing → no records. Damaged (unreadable, not a state file, too big)
 * → moved aside to `variables.json.broken-<time>`, an error is logged and no records are
 * returned. Single bad records are skipped; the file is then copied aside so nothing the user
 * had is lost when the next save rewrites it. Leftover temporary files of a crashed write are
 * removed.
 */
export async function loadStateFile(dir: string, options: LoadStateOptions): Promise<StateRecord[]> {
  const { log, readOnly } = options;
  const path = join(dir, STATE_FILE_NAME);
  if (!readOnly) await removeTemporaryFiles(dir, log);

  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StateFileError('not a regular file');
    if (info.size > options.maxBytes) throw new StateFileError(`${info.size} bytes is more than the limit of ${options.maxBytes}`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (!(e instanceof StateFileError)) {
      // Unreadable for another reason (permissions, I/O): do not move it, the next save would fail too.
      throw new StateFileError(`read ${path}: ${(e as Error).message}`);
    }
    await quarantine(path, e.message, options);
    return [];
  }

  let decoded: DecodedState;
  try {
    decoded = decodeState(text);
  } catch (e) {
    await quarantine(path, (e as Error).message, options);
    return [];
  }
  if (decoded.problems.length) {
    const copy = brokenName(path, options.now);
    for (const problem of decoded.problems) {
      log.error('Skipped a damaged record of the variable state file.', { file: path, problem });
    }
    if (!readOnly) {
      try {
        await copyFile(path, copy);
        log.error('Kept a copy of the variable state file as it was.', { copy });
      } catch (e) {
        log.error('Could not keep a copy of the variable state file.', { copy, error: (e as Error).message });
      }
    }
  }
  return decoded.records;
}

async function quarantine(path: string, reason: string, options: LoadStateOptions): Promise<void> {
  const { log, readOnly } = options;
  if (readOnly) {
    log.error('The variable state file is damaged; ignoring it.', { file: path, reason });
    return;
  }
  const aside = brokenName(path, options.now);
  try {
    await rename(path, aside);
    log.error('The variable state file is damaged; moved it aside and started without runtime values.', {
      file: path, movedTo: aside, reason,
    });
  } catch (e) {
    throw new StateFileError(`${path} is damaged (${reason}) and cannot be moved aside: ${(e as Error).message}`);
  }
}

function brokenName(path: string, now: Date = new Date()): string {
  return `${path}${BROKEN_MARK}${now.toISOString().replace(/[:.]/g, '-')}`;
}

async function removeTemporaryFiles(dir: string, log: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STATE_FILE_NAME + TEMP_MARK)) continue;
    try {
      await unlink(join(dir, name));
      log.warn('Removed a temporary file left by an interrupted save.', { file: join(dir, name) });
    } catch {
      // Another process may have taken it already; nothing to do.
    }
  }
}
