/*
 * Applying a plan's driver part through the driver host.
 *
 * Order: stops first (so exclusive devices come free), then restarts, reconfigurations and
 * starts. Policy `per-driver`: a new definition that fails to start is rolled back to the
 * previous one and the rest applies. Policy `atomic`: any failure undoes everything this apply did.
 */
import type { DesiredState, DriverDesired } from '../config/types.js';
import type { DriverDefinition } from '../drivers/contract.js';
import type { DriverHost } from '../drivers/host.js';
import type { DriverRuntime, DriverState } from '../drivers/runtime.js';
import type { DriverAction, DriverPlanItem } from './plan.js';

export type DriverOutcome = 'ok' | 'failed' | 'rolled_back';

export interface DriverResult {
  name: string;
  prefix: string;
  action: DriverAction;
  outcome: DriverOutcome;
  /** What failed (start error), when outcome is not ok. */
  error?: string;
  /** The driver's state after the apply. */
  state: DriverState | 'removed';
}

export interface ApplyDriversOptions {
  host: DriverHost;
  plan: DriverPlanItem[];
  desired: DesiredState;
  policy: 'per-driver' | 'atomic';
  loadDefinition: (d: DriverDesired) => Promise<DriverDefinition>;
  /** How many drivers start or stop at the same time. */
  concurrency?: number;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

type Undo = () => Promise<void>;

export async function applyDrivers(o: ApplyDriversOptions): Promise<DriverResult[]> {
  const { host } = o;
  const limit = o.concurrency ?? 32;
  const wanted = new Map(o.desired.drivers.map((d) => [d.prefix.toLowerCase(), d]));
  const results = new Map<string, DriverResult>();
  const undos: Undo[] = [];
  const stateOf = (prefix: string): DriverState | 'removed' => host.get(prefix)?.state ?? 'removed';
  const record = (item: DriverPlanItem, outcome: DriverOutcome, error?: string) => {
    results.set(item.prefix.toLowerCase(), {
      name: item.name, prefix: item.prefix, action: item.action, outcome,
      ...(error ? { error } : {}), state: stateOf(item.prefix),
    });
  };
  const phase = (action: DriverAction) => o.plan.filter((i) => i.action === action);

  // 1. stops: removed drivers are disposed, disabled ones stopped (they keep their bus client)
  await mapLimit(phase('stop'), limit, async (item) => {
    const runtime = host.get(item.prefix);
    if (!runtime) return record(item, 'ok');
    const before = runtime.desired;
    const definition = runtime.definition;
    const next = wanted.get(item.prefix.toLowerCase());
    if (next) {
      const nextDef = await o.loadDefinition(next);
      await runtime.stop('disabled (enable = false)');
      runtime.adopt(next, nextDef);
      runtime.markDisabled();
      undos.push(async () => {
        runtime.adopt(before, definition);
        await runtime.start(true);
      });
    } else {
      await host.remove(item.prefix);
      undos.push(async () => {
        await host.add(before, definition);
      });
    }
    record(item, 'ok');
  });

  /** Stops the old definition and starts the new one; a failing start is rolled back per the policy. */
  const replace = async (item: DriverPlanItem, runtime: DriverRuntime, desired: DriverDesired, definition: DriverDefinition): Promise<void> => {
    const before = runtime.desired;
    const beforeDef = runtime.definition;
    const restoreBefore: Undo = async () => {
      await runtime.replace(before, beforeDef, true);
    };
    const outcome = await runtime.replace(desired, definition, false);
    if (outcome.ok) {
      undos.push(restoreBefore);
      return record(item, 'ok');
    }
    if (o.policy === 'per-driver') {
      await restoreBefore();
      return record(item, 'rolled_back', outcome.error);
    }
    // atomic: the old definition comes back with the rest of the undo
    undos.push(restoreBefore);
    record(item, 'failed', outcome.error);
  };

  /** The definition a desired driver names, or null after recording why it could not be loaded. */
  const definitionFor = async (item: DriverPlanItem, desired: DriverDesired): Promise<DriverDefinition | null> => {
    try {
      return await o.loadDefinition(desired);
    } catch (e) {
      record(item, 'failed', (e as Error).message);
      return null;
    }
  };

  // 2. restarts: stop the old definition, start the new one
  await mapLimit(phase('restart'), limit, async (item) => {
    const runtime = host.get(item.prefix)!;
    const desired = wanted.get(item.prefix.toLowerCase())!;
    const definition = await definitionFor(item, desired);
    if (definition) await replace(item, runtime, desired, definition);
  });

  // 3. hot reconfigurations (a driver that answers 'restart' is restarted instead)
  await mapLimit(phase('reconfigure'), limit, async (item) => {
    const runtime = host.get(item.prefix)!;
    const desired = wanted.get(item.prefix.toLowerCase())!;
    const before = runtime.desired;
    const beforeDef = runtime.definition;
    if ((await runtime.reconfigure(desired, item.changed)) === 'applied') {
      undos.push(async () => {
        if ((await runtime.reconfigure(before, item.changed)) !== 'applied') await runtime.replace(before, beforeDef, true);
      });
      return record(item, 'ok');
    }
    await replace(item, runtime, desired, runtime.definition);
  });

  // 4. starts: new drivers, and disabled ones that were enabled
  await mapLimit(phase('start'), limit, async (item) => {
    const desired = wanted.get(item.prefix.toLowerCase())!;
    const definition = await definitionFor(item, desired);
    if (!definition) return;
    const existing = host.get(item.prefix);
    if (existing) {
      const before = existing.desired;
      const beforeDef = existing.definition;
      existing.adopt(desired, definition);
      const outcome = await existing.start(o.policy === 'per-driver');
      undos.push(async () => {
        await existing.stop('rolled back');
        existing.adopt(before, beforeDef);
        existing.markDisabled();
      });
      return record(item, outcome.ok ? 'ok' : 'failed', outcome.error);
    }
    const outcome = await host.add(desired, definition);
    undos.push(async () => {
      await host.remove(item.prefix);
    });
    // a new driver that fails to start has no previous definition: it stays, retried with backoff
    record(item, outcome.ok ? 'ok' : 'failed', outcome.error);
  });

  const failed = [...results.values()].some((r) => r.outcome !== 'ok');
  if (failed && o.policy === 'atomic') {
    for (const undo of undos.reverse()) await undo();
    for (const r of results.values()) {
      if (r.outcome === 'ok') r.outcome = 'rolled_back';
      r.state = stateOf(r.prefix);
    }
  } else {
    for (const r of results.values()) r.state = stateOf(r.prefix);
  }
  return [...results.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
}
