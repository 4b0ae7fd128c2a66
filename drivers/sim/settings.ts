/*
 * From validated settings to the simulated nodes: per-node keys (`zone0`, `interval1`, …) with
 * their defaults, node GUIDs and nicknames, decision matrices. Pure: reads no file.
 */
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import {
  type Guid, formatGuid, guidEquals, isZeroGuid, isZeroGuidExceptNickname, parseGuid, parseVscpNumber,
} from '../../runtime/protocol/index.js';
import type { SimSettings } from './settings.generated.js';

export const DM_ROWS = 8;
export const DM_ROW_SIZE = 8;
export const DM_SIZE = DM_ROWS * DM_ROW_SIZE;

/** Measurement classes a node can send (see the schema). */
export const MEASUREMENT_CLASSES = [10, 60, 65, 70, 1040, 1060] as const;

export interface NodeConfig {
  /** Node number n (the suffix of its keys). */
  node: number;
  zone: number;
  subzone: number;
  sensorIndex: number;
  unit: number;
  coding: number;
  /** Seconds between measurements; 0 = none. */
  intervalS: number;
  /** The full GUID the node sends with; guid[15] is its nickname. */
  guid: Guid;
  /** Absolute data-file path, or null for the built-in series. */
  path: string | null;
  measurementClass: number;
  measurementType: number;
  /** 64 bytes, registers 0x40–0x7F. */
  decisionMatrix: Uint8Array;
  level2: boolean;
}

export interface SimConfig {
  nodes: NodeConfig[];
  heartbeatIntervalMs: number;
  /** Per-node keys naming a node ≥ numberofnodes (ignored; worth a warning). */
  unusedKeys: string[];
}

const NODE_KEYS = ['zone', 'subzone', 'index', 'unit', 'coding', 'interval', 'guid', 'path',
  'measurementclass', 'measurementtype', 'decisionmatrix', 'blevel2'] as const;
const NODE_KEY_RE = new RegExp(`^(${NODE_KEYS.join('|')})(0|[1-9][0-9]{0,2})$`);

/** Parses the decision matrix text: up to 64 bytes, decimal or 0x-hex, commas and any white space. */
export function parseDecisionMatrix(text: string, key: string): Uint8Array {
  const dm = new Uint8Array(DM_SIZE);
  const t = text.trim();
  if (t === '') return dm;
  const tokens = t.split(',').map((x) => x.trim());
  if (tokens[tokens.length - 1] === '') tokens.pop();
  if (tokens.length > DM_SIZE) {
    throw new DriverConfigError(`${key}: has ${tokens.length} bytes; a decision matrix has at most ${DM_SIZE} (8 rows of 8)`, key);
  }
  tokens.forEach((tok, i) => {
    const row = Math.floor(i / DM_ROW_SIZE), col = i % DM_ROW_SIZE;
    if (tok === '') throw new DriverConfigError(`${key}: byte ${i} (row ${row}, column ${col}) is empty`, key);
    try {
      dm[i] = parseVscpNumber(tok, `byte ${i} (row ${row}, column ${col})`, 255);
    } catch (e) {
      throw new DriverConfigError(`${key}: ${(e as Error).message}`, key);
    }
  });
  return dm;
}

function num(s: SimSettings, key: string, fallback: number): number {
  const v = s[key];
  return typeof v === 'number' ? v : fallback;
}

/** The GUID of node n: all zero → interface GUID + nickname n+1; zero but bytes 14–15 → interface GUID + those. */
export function nodeGuid(configured: string | undefined, node: number, interfaceGuid: Guid, key: string): Guid {
  let g: Guid;
  try {
    g = parseGuid(configured ?? '', { strict: configured !== undefined && configured.trim() !== '' && configured.trim() !== '-' });
  } catch (e) {
    throw new DriverConfigError(`${key}: ${(e as Error).message}`, key);
  }
  if (isZeroGuid(g)) {
    const out = Uint8Array.from(interfaceGuid);
    out[14] = 0;
    out[15] = (node + 1) & 0xff;
    return out;
  }
  if (isZeroGuidExceptNickname(g)) {
    const out = Uint8Array.from(interfaceGuid);
    out[14] = g[14]!;
    out[15] = g[15]!;
    return out;
  }
  return g;
}

export function deriveConfig(s: SimSettings, interfaceGuid: Guid): SimConfig {
  const count = num(s, 'numberofnodes', 1);
  if (!Number.isInteger(count) || count < 1 || count > 255) {
    throw new DriverConfigError(`numberofnodes: must be 1..255, got ${String(s.numberofnodes)}`, 'numberofnodes');
  }
  const nodes: NodeConfig[] = [];
  for (let n = 0; n < count; n++) {
    const mclass = num(s, `measurementclass${n}`, 10);
    if (!(MEASUREMENT_CLASSES as readonly number[]).includes(mclass)) {
      throw new DriverConfigError(`measurementclass${n}: must be one of ${MEASUREMENT_CLASSES.join(', ')}, got ${mclass}`, `measurementclass${n}`);
    }
    const mtype = num(s, `measurementtype${n}`, 6);
    if (mclass < 512 && mtype > 255) {
      throw new DriverConfigError(`measurementtype${n}: must be 0..255 for the Level I class ${mclass}, got ${mtype}`, `measurementtype${n}`);
    }
    const guidKey = `guid${n}`;
    const guidText = s[guidKey];
    const pathValue = s[`path${n}`];
    const dmValue = s[`decisionmatrix${n}`];
    nodes.push({
      node: n,
      zone: num(s, `zone${n}`, 0),
      subzone: num(s, `subzone${n}`, 0),
      sensorIndex: num(s, `index${n}`, 0),
      unit: num(s, `unit${n}`, 0),
      coding: num(s, `coding${n}`, 0),
      intervalS: num(s, `interval${n}`, 30),
      guid: nodeGuid(typeof guidText === 'string' ? guidText : undefined, n, interfaceGuid, guidKey),
      path: typeof pathValue === 'string' && pathValue.trim() !== '' ? pathValue : null,
      measurementClass: mclass,
      measurementType: mtype,
      decisionMatrix: parseDecisionMatrix(typeof dmValue === 'string' ? dmValue : '', `decisionmatrix${n}`),
      level2: s[`blevel2${n}`] === true,
    });
  }
  // Level I nodes are addressed by nickname: two answering to the same one would be a mess.
  for (let i = 0; i < nodes.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = nodes[j]!, b = nodes[i]!;
      if (guidEquals(a.guid, b.guid)) {
        throw new DriverConfigError(`guid${b.node}: node ${b.node} has the same GUID as node ${a.node} (${formatGuid(b.guid)})`, `guid${b.node}`);
      }
      if (!a.level2 && !b.level2 && a.guid[15] === b.guid[15]) {
        throw new DriverConfigError(
          `guid${b.node}: node ${b.node} has nickname ${b.guid[15]}, already used by node ${a.node}; Level I nodes need distinct nicknames (the last GUID byte)`,
          `guid${b.node}`);
      }
    }
  }
  const unusedKeys: string[] = [];
  for (const key of Object.keys(s)) {
    const m = NODE_KEY_RE.exec(key);
    if (m && Number(m[2]) >= count && s[key] !== undefined) unusedKeys.push(key);
  }
  return { nodes, heartbeatIntervalMs: num(s, 'heartbeat_interval_ms', 30000), unusedKeys: unusedKeys.sort() };
}

/** `NumberOfNodes`, split on `;` or a line break as the original did. */
export function parseLegacyConfig(config: string): Record<string, string> {
  const tokens = config.split(/[;\r\n]/).map((t) => t.trim());
  const extra = tokens.slice(1).filter((t) => t !== '');
  if (extra.length) {
    throw new DriverConfigError(`config: the simulation driver takes one field, NumberOfNodes; got also "${extra.join(';')}"`, 'config');
  }
  return tokens[0] ? { numberofnodes: tokens[0] } : {};
}
