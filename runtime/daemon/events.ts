/*
 * VSCP events that announce configuration reloads and driver state changes on the bus, so VSCP
 * tooling sees them natively. They use CLASS2.VSCPD (65535, daemon-internal) with two types
 * that the 2018 table leaves free; docs/reload.md documents the layout.
 *
 *   65535,100 CONFIGURATION RELOADED
 *     [0..3] generation (u32, MSB first)   [4] outcome: 0 applied, 1 unchanged, 2 partial,
 *     3 rejected, 4 failed   [5] trigger: 0 startup, 1 watcher, 2 signal, 3 admin, 4 cli,
 *     5 variable   [6..7] drivers started  [8..9] stopped  [10..11] restarted
 *     [12..13] reconfigured  [14..15] failed   (all u16, MSB first)
 *   65535,101 DRIVER STATE CHANGED
 *     [0] new state  [1] previous state (0 pending, 1 starting, 2 running, 3 degraded,
 *     4 backoff, 5 config_error, 6 stopping, 7 stopped)   [2..] driver name, UTF-8, NUL,
 *     then the reason, UTF-8 (cut to fit 512 bytes)
 */
import { CLASS2, type Guid, type VscpEvent, createEvent, PRIORITY_NORMAL, withPriority } from '../protocol/index.js';
import { DRIVER_STATES, type DriverStateChange } from '../drivers/runtime.js';
import type { ReloadOutcome, ReloadOutcomeKind, ReloadTrigger } from '../reconcile/reconciler.js';

export const VSCPD_TYPE_CONFIG_RELOADED = 100;
export const VSCPD_TYPE_DRIVER_STATE = 101;

const OUTCOMES: readonly ReloadOutcomeKind[] = ['applied', 'unchanged', 'partial', 'rejected', 'failed'];
const TRIGGERS: readonly ReloadTrigger[] = ['startup', 'watcher', 'signal', 'admin', 'cli', 'variable'];

function u16(n: number): [number, number] {
  const v = Math.min(0xffff, n);
  return [(v >> 8) & 0xff, v & 0xff];
}

export function reloadEvent(outcome: ReloadOutcome, guid: Guid): VscpEvent {
  const count = (action: string, ok = true) => outcome.drivers.filter((d) => d.action === action && (d.outcome === 'ok') === ok).length;
  const failed = outcome.drivers.filter((d) => d.outcome !== 'ok').length;
  const g = outcome.generation >>> 0;
  const data = [
    (g >>> 24) & 0xff, (g >>> 16) & 0xff, (g >>> 8) & 0xff, g & 0xff,
    OUTCOMES.indexOf(outcome.outcome), TRIGGERS.indexOf(outcome.trigger),
    ...u16(count('start')), ...u16(count('stop')), ...u16(count('restart')), ...u16(count('reconfigure')), ...u16(failed),
  ];
  return createEvent({ head: withPriority(0, PRIORITY_NORMAL), vscpClass: CLASS2.VSCPD, vscpType: VSCPD_TYPE_CONFIG_RELOADED, guid, data });
}

export function driverStateEvent(change: DriverStateChange, guid: Guid): VscpEvent {
  const enc = new TextEncoder();
  const name = enc.encode(change.name).slice(0, 200);
  const reason = enc.encode(change.reason ?? '').slice(0, 512 - 3 - name.length);
  const data = new Uint8Array(3 + name.length + reason.length);
  data[0] = DRIVER_STATES.indexOf(change.to);
  data[1] = DRIVER_STATES.indexOf(change.from);
  data.set(name, 2);
  data[2 + name.length] = 0;
  data.set(reason, 3 + name.length);
  return createEvent({ head: withPriority(0, PRIORITY_NORMAL), vscpClass: CLASS2.VSCPD, vscpType: VSCPD_TYPE_DRIVER_STATE, guid, data });
}
