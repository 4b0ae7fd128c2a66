/*
 * The VAR family. The store holds plain text; `[tcpip] variable_encoding` decides how values
 * and notes travel:
 * - base64 (default, as v13): values of string-class types (string, html, json, …) and all
 *   notes are BASE64 (UTF-8) in both directions; a BLOB's value is BASE64 already and travels
 *   as it is; other types (int, event, guid, …) travel in their text form.
 * - plain: everything as text. Line breaks inside a value are sent as `\n`/`\r` (a line-based
 *   protocol cannot carry them); use base64 for such values.
 *
 * Where v13 was buggy the documented intent is followed: LENGTH does not delete, errors are a
 * single `-OK` line (no `+OK - Success.` after them), WRITEVALUE takes the whole rest of the
 * line, READNOTE/READRESET/READREMOVE answer a data line like READVALUE (v13 prefixed it with
 * `+OK - `, which made two status lines).
 */
import { Script, createContext } from 'node:vm';
import { ProtocolError, parseVscpNumber } from '../protocol/index.js';
import { type Variable, VariableError } from '../variables/contract.js';
import {
  VariableType, VariableValueError, isStringClassType, normalizeVariableName, variableTypeFromToken,
} from '../variables/types.js';
import { Reply } from './replies.js';
import type { Session } from './session.js';

class WireError extends Error {
  override name = 'WireError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict BASE64 of UTF-8 text (missing `=` padding tolerated). */
export function decodeBase64Text(text: string): string {
  let t = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) throw new WireError('not BASE64');
  if (t.length % 4 !== 0) {
    if (t.includes('=')) throw new WireError('not BASE64');
    t += '='.repeat(4 - (t.length % 4));
  }
  try {
    return utf8.decode(Buffer.from(t, 'base64'));
  } catch {
    throw new WireError('BASE64 content is not UTF-8 text');
  }
}

export function encodeBase64Text(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function escapeLineBreaks(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/\r/g, '\\r').replace(/\n/g, '\\n') : text;
}

function travelsBase64(s: Session, type: number): boolean {
  return s.ctx.settings().variableEncoding === 'base64' && isStringClassType(type) && type !== VariableType.BLOB;
}

function base64Mode(s: Session): boolean {
  return s.ctx.settings().variableEncoding === 'base64';
}

/** A value as it travels in this session's encoding. */
export function wireValue(s: Session, v: Pick<Variable, 'type' | 'value'>): string {
  return travelsBase64(s, v.type) ? encodeBase64Text(v.value) : escapeLineBreaks(v.value);
}

function wireNote(s: Session, note: string): string {
  return base64Mode(s) ? encodeBase64Text(note) : escapeLineBreaks(note);
}

function valueFromWire(s: Session, type: number, text: string): string {
  return travelsBase64(s, type) ? decodeBase64Text(text) : text;
}

function noteFromWire(s: Session, text: string): string {
  return base64Mode(s) ? decodeBase64Text(text) : text;
}

/** `YYYY-MM-DDTHH:MM:SS`, UTC (v13 printed local time in the same shape). */
function lastChangeText(d: Date): string {
  return d.toISOString().slice(0, 19);
}

function splitFirst(text: string): [string, string] {
  const m = /^(\S*)\s*([\s\S]*)$/.exec(text)!;
  return [m[1]!, m[2]!];
}

function refuse(s: Session, e: unknown): void {
  if (e instanceof VariableError) {
    s.log.debug('Variable command refused.', { code: e.code, error: e.message });
    switch (e.code) {
      case 'not-found': return s.reply(Reply.VAR_UNDEFINED);
      case 'stock': return s.reply(Reply.VAR_STOCK);
      case 'read-only': return s.reply(Reply.VAR_READ_ONLY);
      case 'type-change': return s.reply(Reply.VAR_TYPE_CHANGE);
      case 'save-failed': return s.reply(Reply.VAR_NOT_SAVED);
      default: return s.reply(Reply.INVALID);
    }
  }
  if (e instanceof VariableValueError || e instanceof WireError || e instanceof ProtocolError) {
    s.log.debug('Variable command refused.', { error: e.message });
    return s.reply(Reply.INVALID);
  }
  throw e;
}

type Handler = (s: Session, rest: string) => void | Promise<void>;

const SUBCOMMANDS: Record<string, Handler> = {
  LIST: list,
  READ: (s, rest) => withVariable(s, rest, (v) => {
    s.data(`${v.name};${v.type};${v.owner};${v.rights};${v.persistent};${lastChangeText(v.lastChange)};${wireValue(s, v)};${wireNote(s, v.note)}`);
  }),
  READVALUE: (s, rest) => withVariable(s, rest, (v) => s.data(wireValue(s, v))),
  READNOTE: (s, rest) => withVariable(s, rest, (v) => s.data(wireNote(s, v.note))),
  LENGTH: (s, rest) => withVariable(s, rest, (v) => s.data(String(wireValue(s, v).length))),
  WRITE: write,
  WRITEVALUE: (s, rest) => {
    const [name, value] = splitFirst(rest);
    const v = lookup(s, name);
    if (!v) return;
    s.ctx.variables.writeValue(v.name, valueFromWire(s, v.type, value), 'tcpip');
    s.reply(Reply.SUCCESS);
  },
  WRITENOTE: (s, rest) => {
    const [name, note] = splitFirst(rest);
    const v = lookup(s, name);
    if (!v) return;
    s.ctx.variables.writeNote(v.name, noteFromWire(s, note), 'tcpip');
    s.reply(Reply.SUCCESS);
  },
  RESET: (s, rest) => {
    const v = lookup(s, splitFirst(rest)[0]);
    if (!v) return;
    s.ctx.variables.reset(v.name, 'tcpip');
    s.reply(Reply.SUCCESS);
  },
  READRESET: (s, rest) => {
    const v = lookup(s, splitFirst(rest)[0]);
    if (!v) return;
    s.ctx.variables.reset(v.name, 'tcpip');
    s.data(wireValue(s, v));
    s.reply(Reply.SUCCESS);
  },
  REMOVE: (s, rest) => {
    const v = lookup(s, splitFirst(rest)[0]);
    if (!v) return;
    s.ctx.variables.remove(v.name, 'tcpip');
    s.reply(Reply.SUCCESS);
  },
  READREMOVE: (s, rest) => {
    const v = lookup(s, splitFirst(rest)[0]);
    if (!v) return;
    const removed = s.ctx.variables.remove(v.name, 'tcpip');
    s.data(wireValue(s, removed));
    s.reply(Reply.SUCCESS);
  },
  LOAD: async (s) => {
    const reload = s.ctx.requestReload;
    if (!reload) return s.reply(Reply.NOT_SUPPORTED);
    try {
      await reload();
    } catch (e) {
      s.log.warn('Reload of the variable file failed.', { error: (e as Error).message });
      return s.reply(Reply.VAR_NOT_LOADED);
    }
    s.reply(Reply.SUCCESS);
  },
  SAVE: async (s, rest) => {
    // the daemon saves to its state folder; a path (v13: below its root folder) is only checked
    if (rest.includes('..')) return s.reply(Reply.INVALID_PATH);
    try {
      await s.ctx.variables.flush();
    } catch (e) {
      s.log.warn('Saving variables failed.', { error: (e as Error).message });
      return s.reply(Reply.VAR_NOT_SAVED);
    }
    s.reply(Reply.SUCCESS);
  },
};

export function runVar(s: Session, arg: string): void | Promise<void> {
  const [word, rest] = splitFirst(arg);
  const handler = SUBCOMMANDS[word.toUpperCase()];
  if (!handler) return s.reply(Reply.UNKNOWN);
  try {
    const r = handler(s, rest);
    if (r) return r.catch((e: unknown) => refuse(s, e));
  } catch (e) {
    refuse(s, e);
  }
}

/** The variable `name`, or undefined after answering why not. */
function lookup(s: Session, name: string): Variable | undefined {
  if (name === '') {
    s.reply(Reply.INVALID);
    return undefined;
  }
  const v = s.ctx.variables.get(normalizeVariableName(name));
  if (!v) s.reply(Reply.VAR_UNDEFINED);
  return v;
}

function withVariable(s: Session, rest: string, fn: (v: Variable) => void): void {
  const v = lookup(s, splitFirst(rest)[0]);
  if (!v) return;
  fn(v);
  s.reply(Reply.SUCCESS);
}

// --- VAR LIST ---------------------------------------------------------------------------------

/** Regular expressions come from the network: they run in a separate context with a time limit. */
const REGEX_TIME_LIMIT_MS = 100;
const MAX_PATTERN_LENGTH = 512;
const regexContext = createContext({ names: [] as string[], source: '', result: [] as number[] });
const regexScript = new Script(
  'result = []; { const re = new RegExp(source, "i"); for (let i = 0; i < names.length; i++) if (re.test(names[i])) result.push(i); }',
);

function matchNames(source: string, names: string[]): Set<number> {
  if (source.length > MAX_PATTERN_LENGTH) throw new WireError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  const ctx = regexContext as { names: string[]; source: string; result: number[] };
  ctx.names = names;
  ctx.source = source;
  try {
    regexScript.runInContext(regexContext, { timeout: REGEX_TIME_LIMIT_MS });
    return new Set(Array.from(ctx.result));
  } catch (e) {
    throw new WireError(`pattern ${JSON.stringify(source)}: ${(e as Error).message}`);
  } finally {
    ctx.names = [];
  }
}

/** `VAR LIST [regex [type]]` → `N rows.`, `ordinal;NAME;type;owner;rights;persistent;lastchange` rows. */
function list(s: Session, rest: string): void {
  const tokens = rest.split(/\s+/).filter((t) => t !== '');
  if (tokens.length > 2) return s.reply(Reply.INVALID);
  const type = tokens[1] !== undefined ? variableTypeFromToken(tokens[1]) : undefined;
  let vars = s.ctx.variables.list(undefined, type);
  const source = tokens[0];
  if (source !== undefined && source !== '(.*)' && source !== '.*' && source !== '*') {
    const keep = matchNames(source, vars.map((v) => v.name));
    vars = vars.filter((_, i) => keep.has(i));
  }
  s.data(`${vars.length} rows.`);
  vars.forEach((v, i) => s.data(`${i};${v.name};${v.type};${v.owner};${v.rights};${v.persistent};${lastChangeText(v.lastChange)}`));
  s.reply(Reply.SUCCESS);
}

// --- VAR WRITE --------------------------------------------------------------------------------

function parseBool(text: string): boolean {
  switch (text.trim().toLowerCase()) {
    case 'true': case 'yes': case '1': return true;
    case 'false': case 'no': case '0': return false;
    default: throw new WireError(`persistence "${text}" is not true or false`);
  }
}

/**
 * `VAR WRITE name;type;persistence;owner;rights;value;note`. Only the name is required (the
 * documented intent; v13 needed the first six fields); an empty or missing field keeps the
 * existing setting, or takes the default for a new variable (type string, not persistent,
 * owner = the logged-in user, rights 0x744, the type's reset value). To empty a value use
 * WRITEVALUE with nothing after the name, or RESET. In plain encoding a value may contain `;`
 * when a note follows: the note is the last field.
 */
function write(s: Session, rest: string): void {
  const fields = rest.split(';');
  const name = normalizeVariableName(fields[0]!);
  const b64 = base64Mode(s);
  if (b64 && fields.length > 7) throw new WireError('too many fields');
  let valueText: string | undefined;
  let noteText: string | undefined;
  if (fields.length > 7) {
    valueText = fields.slice(5, -1).join(';');
    noteText = fields[fields.length - 1];
  } else {
    valueText = fields[5];
    noteText = fields[6];
  }
  const store = s.ctx.variables;
  const existing = store.get(name);
  const typeText = (fields[1] ?? '').trim();
  const type = typeText === '' ? existing?.type ?? VariableType.STRING : variableTypeFromToken(typeText);
  const persistentText = (fields[2] ?? '').trim();
  const ownerText = (fields[3] ?? '').trim();
  const rightsText = (fields[4] ?? '').trim();
  let owner: number | undefined;
  if (ownerText !== '') {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(ownerText)) owner = parseVscpNumber(ownerText, 'owner', 0xffffffff);
    else {
      const u = s.ctx.users.get(ownerText);
      if (!u) throw new WireError(`owner "${ownerText}" is no user`);
      owner = u.id;
    }
  } else if (!existing) {
    owner = s.user!.id;
  }
  const value = valueText !== undefined && valueText !== '' ? valueFromWire(s, type, valueText) : undefined;
  store.write({
    name,
    type,
    value,
    note: noteText === undefined ? undefined : noteFromWire(s, noteText),
    persistent: persistentText === '' ? undefined : parseBool(persistentText),
    owner,
    rights: rightsText === '' ? undefined : parseVscpNumber(rightsText, 'rights', 0xfff),
  }, 'tcpip');
  s.reply(Reply.SUCCESS);
}
