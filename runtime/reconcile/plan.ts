/*
 * The plan: what applying a desired state to the running daemon would do. `vscpd plan` prints
 * it and the reload applies exactly it, so the plan predicts the apply set for set.
 */
import type { DesiredState, DriverDesired, EffectiveValue } from '../config/types.js';
import type { ReloadClass } from '../drivers/contract.js';
import type { DeclaredApplyResult } from '../variables/contract.js';

export type DriverAction = 'start' | 'stop' | 'reconfigure' | 'restart';

export interface DriverPlanItem {
  name: string;
  prefix: string;
  action: DriverAction;
  /** Keys whose value changed (driver keys, or `driver`, `guid`, `queue_size`, `enable`). */
  changed: string[];
  /** Why, in words: "mode changed (driver-restart)". */
  reason: string;
}

export interface GlobalPlanItem {
  section: string;
  /** Keys applied live. */
  hot: string[];
  /** Keys that take effect at the next daemon restart. */
  restartRequired: string[];
}

export interface Plan {
  fromHash: string | null;
  toHash: string;
  drivers: DriverPlanItem[];
  /** Prefixes of drivers that stay as they are. */
  unchanged: string[];
  globals: GlobalPlanItem[];
  variables: DeclaredApplyResult;
  /** `section.key` of every changed daemon-restart field. */
  restartRequired: string[];
  /** Number of changes; 0 = nothing to do. */
  changes: number;
}

/** What a driver runs now, as the plan needs it. */
export interface RunningDriver {
  desired: DriverDesired;
  /** The definition has `reconfigure` (decided by the instance; unknown before it runs). */
  canReconfigure: boolean;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

function changedKeys(before: Record<string, EffectiveValue>, after: Record<string, EffectiveValue>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !same(before[k]?.value, after[k]?.value)).sort();
}

function reloadOf(key: string, before: DriverDesired, after: DriverDesired): ReloadClass {
  return after.effective[key]?.reload ?? before.effective[key]?.reload ?? 'driver-restart';
}

/** Compares one driver's running definition with the desired one. */
export function planDriver(running: RunningDriver | undefined, desired: DriverDesired | undefined): DriverPlanItem | null {
  if (!running && !desired) return null;
  if (!running) {
    const d = desired!;
    return d.enable ? { name: d.name, prefix: d.prefix, action: 'start', changed: [], reason: 'new driver' } : null;
  }
  const before = running.desired;
  if (!desired) {
    return before.enable ? { name: before.name, prefix: before.prefix, action: 'stop', changed: [], reason: 'removed from the configuration' } : null;
  }
  if (before.hash === desired.hash) return null;
  const base = { name: desired.name, prefix: desired.prefix };
  if (!desired.enable) {
    return before.enable ? { ...base, action: 'stop', changed: ['enable'], reason: 'disabled (enable = false)' } : null;
  }
  if (!before.enable) return { ...base, action: 'start', changed: ['enable'], reason: 'enabled' };
  const structural: string[] = [];
  if (before.kind !== desired.kind || before.ref !== desired.ref) structural.push('driver');
  if (before.guid !== desired.guid) structural.push('guid');
  if (before.queueSize !== desired.queueSize) structural.push('queue_size');
  if (before.kind === 'exec' && (before.legacyConfig ?? '') !== (desired.legacyConfig ?? '')) structural.push('config');
  const keys = changedKeys(before.effective, desired.effective);
  const changed = [...structural, ...keys];
  if (changed.length === 0) {
    // the hash covers more than the values (a referenced file's content, …): restart to be safe
    return { ...base, action: 'restart', changed: [], reason: 'definition changed (referenced content)' };
  }
  if (structural.length > 0) {
    return { ...base, action: 'restart', changed, reason: `${structural.join(', ')} changed` };
  }
  const cold = keys.filter((k) => reloadOf(k, before, desired) !== 'hot');
  if (cold.length === 0 && running.canReconfigure) {
    return { ...base, action: 'reconfigure', changed, reason: `${keys.join(', ')} changed (hot)` };
  }
  const why = cold.length > 0
    ? `${cold.join(', ')} changed (${cold.map((k) => reloadOf(k, before, desired)).filter((v, i, a) => a.indexOf(v) === i).join(', ')})`
    : `${keys.join(', ')} changed (the driver cannot reconfigure in place)`;
  return { ...base, action: 'restart', changed, reason: why };
}

/** Global keys grouped by section, from `section.key` names. */
function globalChanges(before: DesiredState | null, after: DesiredState): GlobalPlanItem[] {
  if (!before) return [];
  const keys = new Set([...Object.keys(before.globalEffective), ...Object.keys(after.globalEffective)]);
  const bySection = new Map<string, GlobalPlanItem>();
  for (const key of [...keys].sort()) {
    const a = before.globalEffective[key];
    const b = after.globalEffective[key];
    if (same(a?.value, b?.value)) continue;
    const dot = key.lastIndexOf('.');
    const section = dot > 0 ? key.slice(0, dot) : key;
    const item = bySection.get(section) ?? { section, hot: [], restartRequired: [] };
    const reload = b?.reload ?? a?.reload ?? 'hot';
    (reload === 'daemon-restart' ? item.restartRequired : item.hot).push(key);
    bySection.set(section, item);
  }
  // sections whose content changed without a key-level difference (users and schedules are lists)
  for (const [section, hash] of Object.entries(after.sectionHashes)) {
    if (before.sectionHashes[section] !== hash && ![...bySection.keys()].some((s) => s === section || s.startsWith(section + '.'))) {
      bySection.set(section, { section, hot: [section], restartRequired: [] });
    }
  }
  for (const section of Object.keys(before.sectionHashes)) {
    if (!(section in after.sectionHashes) && !bySection.has(section)) bySection.set(section, { section, hot: [section], restartRequired: [] });
  }
  return [...bySection.values()];
}

export function computePlan(
  running: ReadonlyMap<string, RunningDriver>,
  applied: DesiredState | null,
  desired: DesiredState,
  variables: DeclaredApplyResult,
): Plan {
  const wanted = new Map(desired.drivers.map((d) => [d.prefix.toLowerCase(), d]));
  const drivers: DriverPlanItem[] = [];
  const unchanged: string[] = [];
  for (const key of new Set([...running.keys(), ...wanted.keys()])) {
    const item = planDriver(running.get(key), wanted.get(key));
    if (item) drivers.push(item);
    else unchanged.push((wanted.get(key) ?? running.get(key)!.desired).prefix);
  }
  // tcpip endpoint changes reach exec drivers only through their environment
  const globals = globalChanges(applied, desired);
  if (globals.some((g) => g.section === 'tcpip' && g.hot.some((k) => k === 'tcpip.listen' || k === 'tcpip.enable'))) {
    for (const d of desired.drivers) {
      if (d.kind !== 'exec' || !d.enable || drivers.some((i) => i.prefix === d.prefix)) continue;
      const at = unchanged.indexOf(d.prefix);
      if (at >= 0) unchanged.splice(at, 1);
      drivers.push({ name: d.name, prefix: d.prefix, action: 'restart', changed: ['tcpip.listen'], reason: 'the TCP/IP endpoint it connects to changed' });
    }
  }
  drivers.sort((a, b) => a.prefix.localeCompare(b.prefix));
  const restartRequired = globals.flatMap((g) => g.restartRequired);
  const variableChanges = variables.added.length + variables.removed.length + variables.changed.length;
  const globalChangesCount = globals.reduce((n, g) => n + g.hot.length + g.restartRequired.length, 0);
  return {
    fromHash: applied?.hash ?? null,
    toHash: desired.hash,
    drivers,
    unchanged: unchanged.sort(),
    globals,
    variables,
    restartRequired,
    changes: drivers.length + variableChanges + globalChangesCount,
  };
}
