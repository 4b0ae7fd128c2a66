import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSchemaAnnotations, loadConfiguration } from '../../runtime/config/index.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import definition from './index.js';

const here = import.meta.dirname;
const sample = readFileSync(join(here, 'sample.conf'), 'utf8');
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const schema = definition.schema as { properties: Record<string, Record<string, unknown>> };
const keys = Object.keys(schema.properties);

describe('logger documentation', () => {
  it('has a schema with description and x-reload on every field', () => {
    expect(checkSchemaAnnotations(definition.schema, 'driver')).toEqual([]);
    for (const [k, p] of Object.entries(schema.properties)) {
      expect(typeof p.description, k).toBe('string');
      expect(['hot', 'driver-restart'], k).toContain(p['x-reload']);
    }
  });

  it('shows sample.conf in the README, and both cover every key', () => {
    expect(readme).toContain('```ini\n' + sample + '```');
    for (const k of keys) {
      expect(readme, k).toContain(`| \`${k}\` |`);
      expect(sample, k).toMatch(new RegExp(`^${k} = `, 'm'));
    }
  });

  it('sample.conf passes the configuration check with the documented defaults', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\ninclude = ${join(here, 'sample.conf')}\n` });
    const result = await loadConfiguration(join(dir, 'vscpd.conf'));
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const d = result.state!.drivers.find((x) => x.name === 'logger1')!;
    const defaults = Object.fromEntries(keys.filter((k) => schema.properties[k]!.default !== undefined).map((k) => [k, schema.properties[k]!.default]));
    expect(d.settings).toEqual({ ...defaults, path: '/var/log/vscpd/events.log', format: 'text' });
  });
});
