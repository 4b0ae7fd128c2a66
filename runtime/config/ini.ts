/*
 * The INI dialect of vscpd.conf and the variable file.
 *
 * A line scan finds sections, keys and values with their line numbers and reports what the
 * `ini` package would take silently (a repeated key, a repeated section, a line without `=`,
 * `=value`, a malformed header). The values themselves come from the `ini` package: the scan
 * hands it a normalised text in which every character the package would misread is escaped,
 * and checks that both agree.
 *
 * Grammar, line by line (CRLF, LF and CR end a line; a leading BOM is ignored):
 * - blank, or whitespace only: ignored;
 * - `;` or `#` as the first non-blank character: a comment;
 * - `[name]`, optionally followed by blanks and a comment: a section header. Names are trimmed,
 *   non-empty and contain none of `[ ] \ ; # = " '` or control characters;
 * - `key = value`: a key is letters, digits, `_`, `-` and `.`; keys are case-insensitive.
 *   An unquoted value runs to the end of the line or to a `;` or `#` that follows a blank
 *   (an inline comment) and is trimmed; any other `;` and `#` belong to the value, so
 *   `config = a;b;c` and `password = SALT;HASH` keep theirs. A value that starts with `"` is a
 *   JSON string (`\"`, `\\`, `\n`, `\u00e9` escapes); one that starts with `'` runs to the next
 *   `'` literally. Only blanks and a comment may follow the closing quote;
 * - anything else is an error.
 */
import * as ini from 'ini';
import type { Problem } from './types.js';

export interface IniEntry {
  /** Lower-case key. */
  key: string;
  /** The key as written. */
  rawKey: string;
  value: string;
  line: number;
  /** The value was quoted in the file. */
  quoted: boolean;
}

export interface IniSection {
  /** Trimmed section name as written (`driver.mqtt1`). */
  name: string;
  line: number;
  entries: IniEntry[];
}

export interface IniDocument {
  file: string;
  sections: IniSection[];
  problems: Problem[];
}

/** Longest line accepted; files are hostile input. */
export const MAX_LINE_CHARS = 65536;

const KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// eslint-disable-next-line no-control-regex
const BAD_NAME_CHAR_RE = /[[\]\\;#="'\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Where a comment starts in `text` (`;`/`#` at the start or after a blank), or -1. */
function commentStart(text: string, lineStartIsBlank: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === ';' || c === '#') && (i === 0 ? lineStartIsBlank : isBlank(text[i - 1]))) return i;
  }
  return -1;
}

/** True when `rest` is blanks, optionally followed by a comment. */
function onlyCommentFollows(rest: string): boolean {
  const t = rest.replace(/^[ \t]+/, '');
  return t === '' || t.startsWith(';') || t.startsWith('#');
}

type ValueScan = { ok: true; value: string; quoted: boolean } | { ok: false; message: string };

/** Reads the value part of a line (everything after the first `=`). */
function scanValue(afterEquals: string): ValueScan {
  let lead = 0;
  while (isBlank(afterEquals[lead])) lead++;
  const text = afterEquals.slice(lead);
  const q = text[0];
  if (q === '"') {
    // A JSON string: find the closing quote that is not escaped.
    let i = 1;
    for (; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') break;
    }
    if (i >= text.length) return { ok: false, message: 'unterminated quoted value: a value that starts with " must end with "' };
    if (!onlyCommentFollows(text.slice(i + 1))) {
      return { ok: false, message: 'text after the closing quote; only a comment may follow a quoted value' };
    }
    try {
      return { ok: true, value: JSON.parse(text.slice(0, i + 1)) as string, quoted: true };
    } catch {
      return { ok: false, message: 'bad escape in a "quoted" value; allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX (or use \'single quotes\' for literal text)' };
    }
  }
  if (q === "'") {
    const end = text.indexOf("'", 1);
    if (end < 0) return { ok: false, message: "unterminated quoted value: a value that starts with ' must end with '" };
    if (!onlyCommentFollows(text.slice(end + 1))) {
      return { ok: false, message: 'text after the closing quote; only a comment may follow a quoted value' };
    }
    return { ok: true, value: text.slice(1, end), quoted: true };
  }
  const cut = commentStart(text, lead > 0);
  return { ok: true, value: (cut >= 0 ? text.slice(0, cut) : text).trim(), quoted: false };
}

/** Splits text into lines the way the scan counts them. */
export function splitLines(text: string): string[] {
  return (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\n|\r/);
}

/**
 * Scans one INI file. `file` (absolute path) is put into every problem. Values come from the
 * `ini` package (see {@link packageText}). `reuse`, what {@link agreedSectionsOf} gave for an
 * earlier scan of the same file, spares decoding again the sections that did not change.
 */
export function scanIni(text: string, file: string, reuse?: AgreedSections): IniDocument {
  const problems: Problem[] = [];
  const sections: IniSection[] = [];
  const seenSections = new Map<string, IniSection>();
  const err = (line: number, message: string, section?: string): void => {
    problems.push({ severity: 'error', file, line, message, ...(section ? { section } : {}) });
  };
  let current: IniSection | null = null;
  /** Keys of `current`, lower-case → line. */
  let keys = new Map<string, number>();
  /** After a bad header, the keys below it belong to no section: skip them quietly. */
  let skipping = false;
  let keyOutsideReported = false;

  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!;
    if (line.length > MAX_LINE_CHARS) {
      err(lineNo, `line is longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    if (CONTROL_RE.test(line)) {
      err(lineNo, 'line contains a control character; only printable text and tabs are allowed');
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) continue;

    if (trimmed.startsWith('[')) {
      const close = trimmed.indexOf(']');
      const name = close > 0 ? trimmed.slice(1, close).trim() : '';
      let problem: string | null = null;
      if (close < 0) problem = 'malformed section header: missing `]`; expected [name]';
      else if (!onlyCommentFollows(trimmed.slice(close + 1))) problem = 'malformed section header: text after `]`; only a comment may follow [name]';
      else if (name === '') problem = 'malformed section header: empty name; expected [name]';
      else if (BAD_NAME_CHAR_RE.test(name)) problem = `malformed section header [${name}]: names may not contain [ ] \\ ; # = " ' or control characters`;
      else if (name === '__proto__') problem = 'section name __proto__ is reserved';
      if (problem) {
        err(lineNo, problem);
        current = null;
        skipping = true;
        continue;
      }
      const first = seenSections.get(name.toLowerCase());
      if (first) {
        err(lineNo, `section [${name}] is repeated; first at line ${first.line} (a section may appear once)`, name);
        current = null;
        skipping = true;
        continue;
      }
      current = { name, line: lineNo, entries: [] };
      seenSections.set(name.toLowerCase(), current);
      sections.push(current);
      keys = new Map();
      skipping = false;
      continue;
    }

    const eq = line.indexOf('=');
    if (eq < 0) {
      err(lineNo, `expected key = value, a [section] header or a comment, got "${trimmed.length > 40 ? trimmed.slice(0, 40) + '…' : trimmed}"`, current?.name);
      continue;
    }
    const rawKey = line.slice(0, eq).trim();
    if (rawKey === '') {
      err(lineNo, 'key without a name: expected key = value', current?.name);
      continue;
    }
    if (!KEY_RE.test(rawKey) || rawKey === '__proto__') {
      err(lineNo, `bad key name "${rawKey}": keys use letters, digits, _ - and .`, current?.name);
      continue;
    }
    if (!current) {
      if (!skipping && !keyOutsideReported) {
        err(lineNo, `key \`${rawKey}\` is outside of any section; put it below a [section] header`);
        keyOutsideReported = true;
      }
      continue;
    }
    const key = rawKey.toLowerCase();
    const firstLine = keys.get(key);
    if (firstLine !== undefined) {
      err(lineNo, `[${current.name}] key \`${key}\` is repeated; first at line ${firstLine} (a key may appear once per section)`, current.name);
      continue;
    }
    const scanned = scanValue(line.slice(eq + 1));
    if (!scanned.ok) {
      err(lineNo, `[${current.name}] ${key}: ${scanned.message}`, current.name);
      keys.set(key, lineNo);
      continue;
    }
    keys.set(key, lineNo);
    current.entries.push({ key, rawKey, value: scanned.value, line: lineNo, quoted: scanned.quoted });
  }

  const doc: IniDocument = { file, sections, problems };
  takeValuesFromPackage(doc, reuse);
  return doc;
}

/** Escapes a section name so that the package neither nests it at dots nor cuts it. */
function escapeSectionName(name: string): string {
  return name.replace(/\./g, '\\.');
}

const ESCAPED_RE = /[\\;#]/;
const ESCAPED_ALL_RE = /[\\;#]/g;

/** Escapes a value so that the package gives it back unchanged. */
export function escapeValue(value: string): string {
  const needsQuotes = value !== value.trim() || value.startsWith('"') || value.startsWith("'");
  if (needsQuotes) return JSON.stringify(value);
  return ESCAPED_RE.test(value) ? value.replace(ESCAPED_ALL_RE, '\\$&') : value;
}

/** The text handed to the `ini` package for one scanned section: its header and a line per entry. */
function sectionText(s: IniSection): string {
  let out = `[${escapeSectionName(s.name)}]\n`;
  for (const e of s.entries) out += `${e.key} = ${escapeValue(e.value)}\n`;
  return out;
}

/** The text handed to the `ini` package for a scanned document: one line per header and entry. */
export function packageText(doc: Pick<IniDocument, 'sections'>): string {
  return doc.sections.map(sectionText).join('') || '\n';
}

/**
 * Sections of a scanned document the package read back exactly as the scan did, by their name,
 * keys and values. While no value holds a line break, every section is independent in the
 * package's reading (one line per entry, no name can nest under another: dots are escaped), so a
 * section met again reads back the same, and a rescan decodes only the sections that changed.
 */
export type AgreedSections = ReadonlySet<string>;

const agreedSections = new WeakMap<IniDocument, AgreedSections>();

/** What {@link scanIni} can reuse from this scan in a later scan of the same file. */
export function agreedSectionsOf(doc: IniDocument): AgreedSections | undefined {
  return agreedSections.get(doc);
}

const LINE_BREAK_RE = /[\r\n]/;

/** Decodes the escaped text with the package and checks it against the scan. */
function takeValuesFromPackage(doc: IniDocument, reuse?: AgreedSections): void {
  // A value with a line break can make the package see lines of its own: read the whole text then.
  const independent = doc.sections.every((s) => s.entries.every((e) => !LINE_BREAK_RE.test(e.value)));
  const keys = independent ? doc.sections.map((s) => JSON.stringify([s.name, s.entries.map((e) => [e.key, e.value])])) : [];
  const reused = (i: number): boolean => independent && reuse?.has(keys[i]!) === true;
  const missing = doc.sections.filter((_, i) => !reused(i));
  const decoded = ini.decode(missing.map(sectionText).join('') || '\n') as Record<string, Record<string, unknown>>;
  const agreed = new Set<string>();
  doc.sections.forEach((s, i) => {
    if (reused(i)) {
      agreed.add(keys[i]!);
      return;
    }
    const values = decoded[s.name];
    let same = true;
    for (const e of s.entries) {
      const raw = values?.[e.key];
      const value = raw === undefined ? undefined : String(raw);
      if (value !== e.value) {
        // The scan and the package disagree: a bug in the escaping, never the user's fault.
        // Refuse the file rather than run a value nobody wrote.
        doc.problems.push({
          severity: 'error', file: doc.file, line: e.line, section: s.name, key: e.key,
          message: `[${s.name}] ${e.key}: internal: the INI reader and the line scan disagree on this value; please report it`,
        });
        same = false;
        continue;
      }
      e.value = value;
    }
    if (independent && same) agreed.add(keys[i]!);
  });
  if (independent) agreedSections.set(doc, agreed);
}

/** Writes a value so that the scan reads it back unchanged (quoted only when needed). */
export function formatIniValue(value: string): string {
  const plain =
    value === value.trim() &&
    !/^["']/.test(value) &&
    !/^[;#]/.test(value) &&
    !/[ \t][;#]/.test(value) &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
  return plain ? value : JSON.stringify(value);
}
