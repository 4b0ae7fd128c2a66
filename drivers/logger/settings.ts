/*
 * From validated settings to what the logger runs with: the output format (the original
 * `vscpworksfmt` switch and the newer `format` key), the parsed filter, rotation limits.
 */
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { type VscpFilter, parseFilterMask } from '../../runtime/protocol/index.js';
import type { LoggerSettings } from './settings.generated.js';

export type LogFormat = 'text' | 'xml' | 'jsonl';

export interface LoggerConfig {
  path: string;
  rewrite: boolean;
  format: LogFormat;
  filter: VscpFilter;
  utc: boolean;
  rotateSizeBytes: number;
  rotateKeep: number;
  bufferMaxBytes: number;
  retryIntervalMs: number;
  rotationCheckMs: number;
}

export function deriveConfig(s: LoggerSettings): LoggerConfig {
  if (typeof s.path !== 'string' || s.path.trim() === '') {
    throw new DriverConfigError('path: a log file path is required (e.g. path = /var/log/vscpd/events.log)', 'path');
  }
  const legacyXml = s.vscpworksfmt === true;
  let format: LogFormat;
  if (s.format === undefined) {
    format = legacyXml ? 'xml' : 'text';
  } else {
    if (legacyXml && s.format !== 'xml') {
      throw new DriverConfigError(
        `format: is ${s.format} but vscpworksfmt = true asks for xml; remove vscpworksfmt or set format = xml`, 'format');
    }
    format = s.format;
  }
  let filter: VscpFilter;
  try {
    filter = parseFilterMask(s.filter ?? '', s.mask ?? '');
  } catch (e) {
    const message = (e as Error).message;
    const key = message.startsWith('mask') ? 'mask' : 'filter';
    throw new DriverConfigError(`${key}: ${message}; expected priority,class,type,GUID`, key);
  }
  return {
    path: s.path,
    rewrite: s.rewrite ?? false,
    format,
    filter,
    utc: s.time === 'utc',
    rotateSizeBytes: s.rotate_size_bytes ?? 0,
    rotateKeep: s.rotate_keep ?? 5,
    bufferMaxBytes: s.buffer_max_bytes ?? 16 * 1024 * 1024,
    retryIntervalMs: s.retry_interval_ms ?? 5000,
    rotationCheckMs: s.rotation_check_ms ?? 1000,
  };
}

const POSITIONS = ['path', 'rewrite', 'vscpworksfmt', 'filter', 'mask'] as const;
const BOOLEAN_POSITIONS = new Set(['rewrite', 'vscpworksfmt']);

/**
 * The original `path;rewrite;vscpworksfmt;filter;mask` string. An empty field sets nothing.
 * Booleans are `true`/`false` in any case; anything else is handed on unchanged so the schema
 * check rejects it with its origin, instead of the original's "contains TRUE" rule (which read
 * `untrue` as true).
 */
export function parseLegacyConfig(config: string): Record<string, string> {
  const out: Record<string, string> = {};
  const tokens = config.split(';');
  if (tokens.length > POSITIONS.length) {
    // The filter/mask GUIDs use ':' and ',', never ';', so extra fields are a mistake.
    throw new DriverConfigError(
      `config: has ${tokens.length} fields; expected at most ${POSITIONS.length}: path;rewrite;vscpworksfmt;filter;mask`, 'config');
  }
  tokens.forEach((raw, i) => {
    const key = POSITIONS[i]!;
    const value = raw.trim();
    if (value === '') return;
    out[key] = BOOLEAN_POSITIONS.has(key) && /^(true|false)$/i.test(value) ? value.toLowerCase() : value;
  });
  return out;
}
