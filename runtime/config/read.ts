/*
 * Reading the configuration: the main file, its includes, the variable file and every
 * `${file:}` reference, each parsed with origins and hashed. This is the only stage that
 * touches the file system (read-only); what it produces, a ConfigSnapshot, is resolved into
 * the desired state without further reads.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { type DriverRef, classifyDriverRef } from './driver-ref.js';
import { parseGlobList } from './formats.js';
import { expandGlob, globMatches } from './glob.js';
import { type AgreedSections, type IniEntry, type IniSection, agreedSectionsOf, scanIni } from './ini.js';
import { NO_FILES, RunMemo, freezeSections } from './memo.js';
import { type ReferenceReader, resolveReferences } from './references.js';
import type { Problem, SourceLocation } from './types.js';

export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;
export const MAX_INCLUDED_FILES = 1000;

/** One key of a section, its value after references. */
export interface ConfEntry {
  /** Lower-case key. */
  key: string;
  rawKey: string;
  value: string;
  file: string;
  line: number;
  /** The value came through a reference: never shown. */
  secret: boolean;
  /** A reference could not be resolved (already reported): the key is present but has no value. */
  broken: boolean;
  /** Files read by `${file:}` references of this value. */
  files: string[];
}

export interface ConfSection {
  /** As written, e.g. `driver.mqtt1`. */
  name: string;
  file: string;
  line: number;
  entries: ConfEntry[];
}

export interface FileStatus {
  exists: boolean;
  isFile: boolean;
  readable: boolean;
  executable: boolean;
}

export interface ConfigSnapshot {
  /** The main configuration file (absolute). */
  configFile: string;
  /** Its folder: defaults of relative paths and paths shown in messages are relative to it. */
  baseDir: string;
  /** Every file read, with a sha256 of its bytes, in reading order. */
  files: { path: string; hash: string }[];
  /** Sections of the main file, then of each included file in order. */
  sections: ConfSection[];
  /** The declared variable file, when `[general] variables` names one that could be read. */
  variableFile: { path: string; sections: ConfSection[]; origin: SourceLocation } | null;
  /** Files the configuration names but the loader does not read (TLS files, driver modules, programs). */
  fileStatus: ReadonlyMap<string, FileStatus>;
  /**
   * Files the loader tried to read and could not (a literal include, the variable file, a
   * `${file:}` reference): a watcher should watch for them to appear.
   */
  missingFiles: string[];
  /** Problems found while reading; resolving the snapshot reports them again. */
  problems: Problem[];
}

export interface ReadOptions {
  /** Environment for `${env:…}`; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Candidates to validate in place: absolute target path → file whose content is read instead.
   * The target need not exist (a new drop-in file is matched by the include patterns). Problems
   * name the target. This is how `vscpd check --replace` checks Ansible's temporary copy.
   */
  replace?: ReadonlyMap<string, string>;
}

/** A path as shown inside messages: relative to the main file's folder when inside it. */
export function displayPath(path: string, baseDir: string): string {
  const rel = relative(baseDir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

type ReadResult = { ok: true; text: string; hash: string } | { ok: false; message: string };

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'does not exist';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a folder, not a file';
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
}

/** Reads a whole text file, bounded, UTF-8 checked. */
async function readTextFile(path: string, maxBytes: number): Promise<ReadResult> {
  // Look before opening: opening a FIFO or a device could block or never end.
  try {
    const st = await stat(path);
    if (!st.isFile()) return { ok: false, message: st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file' };
  } catch (e) {
    return { ok: false, message: errnoText(e) };
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    return { ok: false, message: errnoText(e) };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, message: st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file' };
    if (st.size > maxBytes) return { ok: false, message: `is ${st.size} bytes; at most ${maxBytes} are read` };
    // Read to the end whatever the size says (files under /proc report 0), but never past the bound.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(65536, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) return { ok: false, message: `is larger than ${maxBytes} bytes` };
    }
    const bytes = Buffer.concat(chunks, length);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, message: 'is not UTF-8 text' };
    }
    return { ok: true, text, hash: createHash('sha256').update(bytes).digest('hex') };
  } catch (e) {
    return { ok: false, message: errnoText(e) };
  } finally {
    await handle.close();
  }
}

async function fileStatus(path: string): Promise<FileStatus> {
  try {
    const st = await stat(path);
    const can = async (mode: number): Promise<boolean> => access(path, mode).then(() => true, () => false);
    const [readable, executable] = await Promise.all([can(constants.R_OK), st.isFile() ? can(constants.X_OK) : false]);
    return { exists: true, isFile: st.isFile(), readable, executable };
  } catch {
    return { exists: false, isFile: false, readable: false, executable: false };
  }
}

/** An entry without a reference: its value as written. */
function plainEntry(e: IniEntry, file: string, files: string[] = []): ConfEntry {
  return { key: e.key, rawKey: e.rawKey, value: e.value, file, line: e.line, secret: false, broken: false, files };
}

interface Scan {
  text: string;
  problems: Problem[];
  /** The scanned sections when some value holds a reference (resolved at every read). */
  sections: IniSection[] | null;
  /** When no value holds a reference: the sections as read, frozen and shared by the reads of this text. */
  plain: readonly ConfSection[] | null;
  agreed: AgreedSections | undefined;
}

/** What `driver = …` names (a pure function of the value and the folder), for recent reads. */
const driverRefs = new RunMemo<DriverRef>();

function driverRefOf(e: ConfEntry): DriverRef {
  const dir = dirname(e.file);
  const key = `${dir}\u0000${e.value}`;
  let ref = driverRefs.get(key);
  if (!ref) driverRefs.set(key, (ref = classifyDriverRef(e.value, dir)));
  return ref;
}

/** Scans of recent reads by file: a file whose text did not change is not scanned again. */
const scans = new RunMemo<Scan>();

/** The scan of a file's text; the problems are copies, the sections are only read (or frozen). */
function scanCached(text: string, file: string): { problems: Problem[]; sections: IniSection[] | null; plain: readonly ConfSection[] | null } {
  let hit = scans.get(file);
  if (!hit || hit.text !== text) {
    // An edit usually touches one section: the others, read back by the package before, are not decoded again.
    const doc = scanIni(text, file, hit?.agreed);
    const plain = doc.sections.every((s) => s.entries.every((e) => !e.value.includes('${')))
      ? freezeSections(doc.sections.map((s): ConfSection => ({ name: s.name, file, line: s.line, entries: s.entries.map((e) => plainEntry(e, file, NO_FILES)) })))
      : null;
    hit = { text, problems: doc.problems, sections: plain ? null : doc.sections, plain, agreed: agreedSectionsOf(doc) };
    scans.set(file, hit);
  }
  return { problems: hit.problems.map((p) => ({ ...p })), sections: hit.sections, plain: hit.plain };
}

/**
 * Reads the main file, its includes, the variable file and referenced files. Returns the
 * snapshot (absent only when the main file cannot be read) and every problem found so far.
 */
export async function readConfiguration(path: string, options: ReadOptions = {}): Promise<{ snapshot?: ConfigSnapshot; problems: Problem[] }> {
  const runs = [scans.begin(), driverRefs.begin()] as const;
  try {
    return await readFiles(path, options);
  } finally {
    scans.end(runs[0]);
    driverRefs.end(runs[1]);
  }
}

async function readFiles(path: string, options: ReadOptions): Promise<{ snapshot?: ConfigSnapshot; problems: Problem[] }> {
  const configFile = resolve(path);
  const baseDir = dirname(configFile);
  const env = options.env ?? process.env;
  const problems: Problem[] = [];
  const files: { path: string; hash: string }[] = [];
  const fileHashes = new Map<string, string>();
  const sections: ConfSection[] = [];
  const show = (p: string): string => displayPath(p, baseDir);
  const missingFiles = new Set<string>();
  const replace = new Map([...(options.replace ?? new Map<string, string>())].map(([t, c]) => [resolve(t), resolve(c)]));
  const readText = (p: string, max: number): Promise<ReadResult> => readTextFile(replace.get(p) ?? p, max);

  const reader: ReferenceReader = {
    async readFile(p) {
      const r = await readText(p, MAX_REFERENCED_FILE_BYTES);
      if (!r.ok) {
        missingFiles.add(p);
        return { ok: false, message: `${show(p)} ${r.message}` };
      }
      if (!fileHashes.has(p)) {
        fileHashes.set(p, r.hash);
        files.push({ path: p, hash: r.hash });
      }
      return { ok: true, text: r.text };
    },
  };

  /** Turns scanned sections into sections with resolved values. */
  const resolveSections = async (scanned: IniSection[], file: string): Promise<ConfSection[]> => {
    const out: ConfSection[] = [];
    const refs = { env, baseDir: dirname(file), reader, resolvePath: (b: string, p: string) => (isAbsolute(p) ? resolve(p) : resolve(b, p)) };
    for (const s of scanned) {
      const section: ConfSection = { name: s.name, file, line: s.line, entries: [] };
      for (const e of s.entries) {
        if (!e.value.includes('${')) {
          section.entries.push(plainEntry(e, file));
          continue;
        }
        const r = await resolveReferences(e.value, refs);
        if (r.ok) {
          section.entries.push({ key: e.key, rawKey: e.rawKey, value: r.value, file, line: e.line, secret: r.secret, broken: false, files: r.files });
        } else {
          problems.push({ severity: 'error', file, line: e.line, section: s.name, key: e.key, message: `[${s.name}] ${e.key}: ${r.message}` });
          section.entries.push({ key: e.key, rawKey: e.rawKey, value: '', file, line: e.line, secret: true, broken: true, files: [] });
        }
      }
      out.push(section);
    }
    return out;
  };

  const firstSection = new Map<string, ConfSection>();
  /** Which include line pulled each file in. */
  const includedAt = new Map<string, SourceLocation>();

  const readConfFile = async (file: string, stack: string[]): Promise<void> => {
    const r = await readText(file, MAX_CONFIG_FILE_BYTES);
    if (!r.ok) throw new Error(r.message);
    if (!fileHashes.has(file)) {
      fileHashes.set(file, r.hash);
      files.push({ path: file, hash: r.hash });
    }
    const scan = scanCached(r.text, file);
    problems.push(...scan.problems);
    const own = scan.plain ?? (await resolveSections(scan.sections ?? [], file));
    for (const s of own) {
      const lower = s.name.toLowerCase();
      const first = firstSection.get(lower);
      if (first && first.file !== file) {
        problems.push({
          severity: 'error', file, line: s.line, section: s.name,
          message: `section [${s.name}] is repeated; first at ${show(first.file)}:${first.line} (a section may appear once across all files)`,
        });
        continue;
      }
      firstSection.set(lower, s);
      sections.push(s);
    }
    // Includes of this file: `[general] include` in this file.
    const general = own.find((s) => s.name.toLowerCase() === 'general' && firstSection.get('general') === s);
    const include = general?.entries.find((e) => e.key === 'include');
    if (!include || include.broken || include.value.trim() === '') return;
    let patterns: string[];
    try {
      patterns = parseGlobList(include.value);
    } catch {
      return; // reported by the schema check of [general] include
    }
    for (const pattern of patterns) {
      const where = { file, line: include.line };
      const g = await expandGlob(pattern, dirname(file));
      if (!g.literal) {
        // A candidate for a file that does not exist yet joins the files its pattern matches.
        const extra = [...replace.keys()].filter((t) => !g.files.includes(t) && globMatches(pattern, dirname(file), t));
        if (extra.length) g.files = [...g.files, ...extra].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      }
      if (g.literal) {
        const st = await fileStatus(replace.get(g.files[0]!) ?? g.files[0]!);
        if (!st.exists) {
          missingFiles.add(g.files[0]!);
          problems.push({ severity: 'error', ...where, section: 'general', key: 'include', message: `[general] include: ${show(g.files[0]!)} does not exist` });
          continue;
        }
      }
      for (const inc of g.files) {
        if (stack.includes(inc)) {
          const chain = [...stack.slice(stack.indexOf(inc)), inc].map(show).join(' → ');
          problems.push({ severity: 'error', ...where, section: 'general', key: 'include', message: `[general] include: include cycle: ${chain}` });
          continue;
        }
        const before = includedAt.get(inc);
        if (before || inc === configFile) {
          problems.push({
            severity: 'warning', ...where, section: 'general', key: 'include',
            message: `[general] include: ${show(inc)} is already included${before ? ` (by ${show(before.file)}:${before.line})` : ''}; it is read once`,
          });
          continue;
        }
        if (includedAt.size >= MAX_INCLUDED_FILES) {
          problems.push({ severity: 'error', ...where, section: 'general', key: 'include', message: `[general] include: more than ${MAX_INCLUDED_FILES} included files` });
          return;
        }
        includedAt.set(inc, where);
        try {
          await readConfFile(inc, [...stack, inc]);
        } catch (e) {
          problems.push({ severity: 'error', ...where, section: 'general', key: 'include', message: `[general] include: ${show(inc)} ${(e as Error).message}` });
        }
      }
    }
  };

  try {
    await readConfFile(configFile, [configFile]);
  } catch (e) {
    problems.push({ severity: 'error', file: configFile, message: `cannot read the configuration: ${(e as Error).message}` });
    return { problems };
  }

  // The declared variable file.
  let variableFile: ConfigSnapshot['variableFile'] = null;
  const general = firstSection.get('general');
  const varEntry = general?.entries.find((e) => e.key === 'variables');
  if (varEntry && !varEntry.broken && varEntry.value.trim() !== '' && !/[\u0000-\u001f]/.test(varEntry.value)) {
    const varPath = resolve(dirname(varEntry.file), varEntry.value.trim());
    const r = await readText(varPath, MAX_CONFIG_FILE_BYTES);
    const where = { file: varEntry.file, line: varEntry.line };
    if (!r.ok) {
      missingFiles.add(varPath);
      problems.push({ severity: 'error', ...where, section: 'general', key: 'variables', message: `[general] variables: ${show(varPath)} ${r.message}` });
    } else {
      if (!fileHashes.has(varPath)) {
        fileHashes.set(varPath, r.hash);
        files.push({ path: varPath, hash: r.hash });
      }
      const scan = scanCached(r.text, varPath);
      problems.push(...scan.problems);
      variableFile = { path: varPath, sections: scan.plain ? [...scan.plain] : await resolveSections(scan.sections ?? [], varPath), origin: where };
    }
  }

  // Files named but not read: their existence is part of the verdict.
  const status = new Map<string, FileStatus>();
  const note = async (p: string): Promise<void> => {
    if (!status.has(p)) status.set(p, await fileStatus(p));
  };
  for (const s of sections) {
    const lower = s.name.toLowerCase();
    if (lower === 'tcpip') {
      for (const e of s.entries) {
        if ((e.key === 'tls_cert' || e.key === 'tls_key') && !e.broken && e.value.trim() !== '') {
          const p = resolve(dirname(e.file), e.value.trim());
          await note(p);
          // Hashed (never shown) so that a renewed certificate changes [tcpip] and is reloaded.
          const r = status.get(p)?.readable ? await readText(p, MAX_REFERENCED_FILE_BYTES) : undefined;
          if (r?.ok && !fileHashes.has(p)) {
            fileHashes.set(p, r.hash);
            files.push({ path: p, hash: r.hash });
          }
        }
      }
    } else if (lower.startsWith('driver.')) {
      const d = s.entries.find((e) => e.key === 'driver');
      if (!d || d.broken) continue;
      const ref = driverRefOf(d);
      if (ref.kind === 'module') await note(ref.ref);
      else if (ref.kind === 'exec' && ref.program) await note(ref.program);
    }
  }

  return {
    snapshot: { configFile, baseDir, files, sections, variableFile, fileStatus: status, missingFiles: [...missingFiles], problems: [...problems] },
    problems,
  };
}
