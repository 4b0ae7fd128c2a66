/*
 * The effective configuration as a user reads it (`vscpd show --effective`): every key with its
 * final value, where that value came from and its reload class; secrets as `[redacted]`. The
 * text form is INI in the loader's dialect and byte-stable for the same files.
 */
import { dirname } from 'node:path';
import { variableTypeToken } from '../variables/types.js';
import { formatIniValue } from './ini.js';
import { displayPath } from './read.js';
import { packageSchema } from './schema.js';
import type { DesiredState, EffectiveValue, ValueOrigin } from './types.js';

export const REDACTED = '[redacted]';

export interface EffectiveKey {
  key: string;
  /** The value, or `[redacted]`; null for an unset optional value. */
  value: string | number | boolean | null;
  secret: boolean;
  reload: EffectiveValue['reload'];
  /** Where the value came from, as text (`vscpd.conf:12`, `variable SIM1_ZONE0 (variables.ini:3)`, `default`). */
  origin: string;
  /** Earlier sources this value overrides, as text. */
  overrides: string[];
}

export interface EffectiveSection {
  /** `general`, `user.admin`, `driver.sim1` */
  name: string;
  keys: EffectiveKey[];
}

export interface EffectiveVariable {
  name: string;
  type: string;
  value: string;
  note: string;
  persistent: boolean;
  owner: number;
  rights: string;
  secret: boolean;
  origin: string;
}

export interface EffectiveView {
  configFile: string;
  hash: string;
  sections: EffectiveSection[];
  variables: EffectiveVariable[];
}

export function originText(o: ValueOrigin, baseDir: string): string {
  switch (o.kind) {
    case 'file':
      return `${displayPath(o.file, baseDir)}:${o.line}`;
    case 'config-string':
      return `${displayPath(o.file, baseDir)}:${o.line} config position ${o.position}`;
    case 'variable':
      return o.file ? `variable ${o.name} (${displayPath(o.file, baseDir)}:${o.line})` : `run-time variable ${o.name}`;
    case 'default':
      return 'default';
  }
}

/** Property order of the schema, then the other keys in natural order (`interval2` before `interval10`). */
function orderKeys(keys: string[], schemaOrder: readonly string[]): string[] {
  const pos = new Map(schemaOrder.map((k, i) => [k, i]));
  return [...keys].sort((a, b) => {
    const pa = pos.get(a);
    const pb = pos.get(b);
    if (pa !== undefined || pb !== undefined) return (pa ?? Infinity) - (pb ?? Infinity);
    return a.localeCompare(b, 'en', { numeric: true });
  });
}

function keyOf(key: string, e: EffectiveValue, baseDir: string): EffectiveKey {
  const value = e.secret ? REDACTED : e.value === undefined ? null : (e.value as string | number | boolean | null);
  return {
    key,
    value,
    secret: e.secret,
    reload: e.reload,
    origin: originText(e.origin, baseDir),
    overrides: (e.shadows ?? []).map((o) => originText(o, baseDir)),
  };
}

export function effectiveView(state: DesiredState, options: { schemaOrder?: (section: string) => readonly string[] } = {}): EffectiveView {
  const baseDir = dirname(state.configFile);
  const defs = packageSchema('vscpd-conf.schema.json').definitions as Record<string, { properties?: object }>;
  const order = options.schemaOrder ?? ((s: string) => Object.keys(defs[s]?.properties ?? {}));
  const sections: EffectiveSection[] = [];
  const global = (name: string, kind: string): void => {
    const prefix = `${name}.`;
    const entries = Object.entries(state.globalEffective).filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'));
    const map = new Map(entries.map(([k, v]) => [k.slice(prefix.length), v]));
    sections.push({ name, keys: orderKeys([...map.keys()], order(kind)).map((k) => keyOf(k, map.get(k)!, baseDir)) });
  };
  for (const s of ['general', 'tcpip', 'admin', 'automation']) global(s, s);
  for (const u of state.users) global(`user.${u.name}`, 'user');
  for (const s of state.schedules) global(`schedule.${s.name}`, 'schedule');
  for (const d of state.drivers) {
    const common = d.commonEffective ?? {};
    const commonKeys = orderKeys(Object.keys(common), order('driver')).map((k) => keyOf(k, common[k]!, baseDir));
    const ownOrder = Object.keys(d.effective);
    const own = orderKeys(ownOrder, []).map((k) => keyOf(k, d.effective[k]!, baseDir));
    sections.push({ name: `driver.${d.name}`, keys: [...commonKeys, ...own] });
  }
  const variables = state.variables.map((v) => ({
    name: v.name,
    type: variableTypeToken(v.type),
    value: v.secret ? REDACTED : v.value,
    note: v.note,
    persistent: v.persistent,
    owner: v.owner,
    rights: `0x${v.rights.toString(16)}`,
    secret: v.secret === true,
    origin: `${displayPath(v.origin.file, baseDir)}:${v.origin.line}`,
  }));
  return { configFile: state.configFile, hash: state.hash, sections, variables };
}

function valueText(v: EffectiveKey['value']): string {
  if (v === null) return '';
  return formatIniValue(typeof v === 'string' ? v : String(v));
}

/** The view as INI text; with `origins`, each line ends in `; origin (reload class)`. */
export function formatEffectiveIni(view: EffectiveView, options: { origins: boolean }): string {
  const out: string[] = [`; effective configuration of ${view.configFile}`, `; hash ${view.hash}`];
  const lines = (rows: [string, string][]): void => {
    const width = Math.min(48, Math.max(0, ...rows.map(([l]) => l.length)));
    for (const [l, c] of rows) out.push(options.origins && c ? `${l.padEnd(width)}  ; ${c}` : l);
  };
  for (const s of view.sections) {
    out.push('', `[${s.name}]`);
    lines(s.keys.map((k) => [
      `${k.key} = ${valueText(k.value)}`.trimEnd(),
      `${k.origin}${k.overrides.length ? `, overrides ${k.overrides.join(', ')}` : ''} (${k.reload})`,
    ]));
  }
  if (view.variables.length) {
    out.push('', '; ---- declared variables');
    for (const v of view.variables) {
      out.push('', `[${v.name}]`);
      const origin = options.origins ? v.origin : '';
      lines([
        ['type = ' + v.type, origin],
        [`value = ${formatIniValue(v.value)}`.trimEnd(), ''],
        ...(v.note ? [[`note = ${formatIniValue(v.note)}`, ''] as [string, string]] : []),
        [`persistent = ${v.persistent}`, ''],
        [`owner = ${v.owner}`, ''],
        [`rights = ${v.rights}`, ''],
      ]);
    }
  }
  return out.join('\n') + '\n';
}
