import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSchemaAnnotations, loadConfiguration } from '../../runtime/config/index.js';
import { decodeMeasurementEvent } from '../../runtime/protocol/index.js';
import { driverHarness } from '../../test/support/driver-harness.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import definition from './index.js';
import type { SimSettings } from './settings.generated.js';

const here = import.meta.dirname;
const sample = readFileSync(join(here, 'sample.conf'), 'utf8');
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const schema = definition.schema as {
  properties: Record<string, Record<string, unknown>>;
  patternProperties: Record<string, Record<string, unknown>>;
};
/** `zone<n>` for the pattern `^zone(0|…)$`. */
const nodeKeys = Object.keys(schema.patternProperties).map((p) => /^\^([a-z0-9]+)\(/.exec(p)![1]!);

describe('sim documentation', () => {
  it('has a schema with description and x-reload on every field', () => {
    expect(checkSchemaAnnotations(definition.schema, 'driver')).toEqual([]);
    for (const [k, p] of [...Object.entries(schema.properties), ...Object.entries(schema.patternProperties)]) {
      expect(typeof p.description, k).toBe('string');
      expect(['hot', 'driver-restart'], k).toContain(p['x-reload']);
    }
  });

  it('shows sample.conf in the README, and both cover every key', () => {
    expect(readme).toContain('```ini\n' + sample + '```');
    for (const k of Object.keys(schema.properties)) {
      expect(readme, k).toContain(`| \`${k}\` |`);
      expect(sample, k).toMatch(new RegExp(`^${k} = `, 'm'));
    }
    for (const k of nodeKeys) {
      expect(readme, k).toContain(`| \`${k}<n>\` |`);
      expect(sample, k).toMatch(new RegExp(`^${k}[01] = `, 'm'));
    }
  });

  it('sample.conf passes the configuration check, and its nodes start', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\ninclude = ${join(here, 'sample.conf')}\n` });
    const result = await loadConfiguration(join(dir, 'vscpd.conf'));
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const d = result.state!.drivers.find((x) => x.name === 'sim1')!;
    expect(d.settings).toMatchObject({ numberofnodes: 2, interval0: 30, path1: join(here, 'data', 'humidity.txt'), measurementclass1: 1040 });
    const h = driverHarness({ name: 'sim1' });
    const sim = definition.create(h.ctx, d.settings as SimSettings);
    try {
      await sim.start();
      expect(h.health).toEqual([]);
      const values = h.emitted.filter((e) => e.vscpClass === 10 || e.vscpClass === 1040).map((e) => [e.vscpClass, decodeMeasurementEvent(e).value]);
      expect(values).toEqual([[10, 20.92], [1040, 45.5]]);
    } finally {
      await sim.stop();
      h.dispose();
    }
  });
});
