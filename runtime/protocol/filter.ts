import { type Guid, formatGuid, parseGuid, zeroGuid } from './guid.js';
import { ProtocolError } from './errors.js';
import { type VscpEvent, priorityOf } from './event.js';
import { parseVscpNumber } from './numbers.js';

/**
 * Level II filter and mask (`vscpEventFilter`). An event passes iff for priority (0–7),
 * class, type and each GUID byte: `((event XOR filter) AND mask) == 0`. An all-zero mask
 * accepts everything.
 */
export interface VscpFilter {
  filterPriority: number;
  filterClass: number;
  filterType: number;
  filterGuid: Guid;
  maskPriority: number;
  maskClass: number;
  maskType: number;
  maskGuid: Guid;
}

/** One half of a filter: what `SFLT` or `SMSK` sets. */
export interface FilterPart {
  priority: number;
  vscpClass: number;
  vscpType: number;
  guid: Guid;
}

export function openFilter(): VscpFilter {
  return {
    filterPriority: 0, filterClass: 0, filterType: 0, filterGuid: zeroGuid(),
    maskPriority: 0, maskClass: 0, maskType: 0, maskGuid: zeroGuid(),
  };
}

export function isOpenFilter(f: VscpFilter): boolean {
  return f.maskPriority === 0 && f.maskClass === 0 && f.maskType === 0 && f.maskGuid.every((b) => b === 0);
}

export function filterAccepts(f: VscpFilter, event: VscpEvent): boolean {
  if (((f.filterClass ^ event.vscpClass) & f.maskClass) !== 0) return false;
  if (((f.filterType ^ event.vscpType) & f.maskType) !== 0) return false;
  if (((f.filterPriority ^ priorityOf(event.head)) & f.maskPriority) !== 0) return false;
  const fg = f.filterGuid, mg = f.maskGuid, g = event.guid;
  for (let i = 0; i < 16; i++) if (((fg[i]! ^ g[i]!) & mg[i]!) !== 0) return false;
  return true;
}

/**
 * `priority,class,type,GUID` (SFLT/SMSK and `_filter`/`_mask` settings). Missing trailing
 * fields are 0 unless `requireAll` (the TCP commands need all four).
 */
export function parseFilterPart(text: string, what = 'filter', requireAll = false): FilterPart {
  const tokens = text.trim() === '' ? [] : text.trim().split(',');
  if (tokens.length > 4) throw new ProtocolError(`${what} "${text}" has ${tokens.length} fields; expected priority,class,type,GUID`);
  if (requireAll && tokens.length !== 4) {
    throw new ProtocolError(`${what} "${text}" needs all four fields priority,class,type,GUID`);
  }
  const num = (i: number, name: string, max: number): number => {
    const tok = tokens[i];
    return tok === undefined || tok.trim() === '' ? 0 : parseVscpNumber(tok, `${what} ${name}`, max);
  };
  let guid: Guid;
  try {
    guid = parseGuid(tokens[3] ?? '');
  } catch (e) {
    throw new ProtocolError(`${what}: ${(e as Error).message}`);
  }
  return { priority: num(0, 'priority', 7), vscpClass: num(1, 'class', 0xffff), vscpType: num(2, 'type', 0xffff), guid };
}

export function formatFilterPart(p: FilterPart): string {
  return `${p.priority},${p.vscpClass},${p.vscpType},${formatGuid(p.guid)}`;
}

export function makeFilter(filter: FilterPart, mask: FilterPart): VscpFilter {
  return {
    filterPriority: filter.priority, filterClass: filter.vscpClass, filterType: filter.vscpType, filterGuid: filter.guid,
    maskPriority: mask.priority, maskClass: mask.vscpClass, maskType: mask.vscpType, maskGuid: mask.guid,
  };
}

export function filterPart(f: VscpFilter): FilterPart {
  return { priority: f.filterPriority, vscpClass: f.filterClass, vscpType: f.filterType, guid: f.filterGuid };
}

export function maskPart(f: VscpFilter): FilterPart {
  return { priority: f.maskPriority, vscpClass: f.maskClass, vscpType: f.maskType, guid: f.maskGuid };
}

/** Builds a filter from the two setting strings; either may be empty (all zero). */
export function parseFilterMask(filterText: string, maskText: string): VscpFilter {
  return makeFilter(parseFilterPart(filterText, 'filter'), parseFilterPart(maskText, 'mask'));
}

/** The combined 8-field form `fpri,fclass,ftype,fGUID,mpri,mclass,mtype,mGUID`. */
export function parseCombinedFilter(text: string): VscpFilter {
  const tokens = text.trim().split(',');
  if (tokens.length !== 8) throw new ProtocolError(`filter/mask "${text}" needs 8 fields: fpri,fclass,ftype,fGUID,mpri,mclass,mtype,mGUID`);
  return parseFilterMask(tokens.slice(0, 4).join(','), tokens.slice(4).join(','));
}
