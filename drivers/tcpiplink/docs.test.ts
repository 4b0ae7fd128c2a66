import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSchemaAnnotations, loadConfiguration } from '../../runtime/config/index.js';
import { driverHarness } from '../../test/support/driver-harness.js';
import { tempDir, writeFiles } from '../../test/support/tmp.js';
import definition from './index.js';
import { HOT_KEYS } from './settings.js';

const here = import.meta.dirname;
const sample = readFileSync(join(here, 'sample.conf'), 'utf8');
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const schema = definition.schema as { properties: Record<string, Record<string, unknown>>; 'x-positional': string[] };
const keys = Object.keys(schema.properties);

describe('tcpiplink documentation', () => {
  it('has a schema with description and x-reload on every field, and reconfigures exactly the hot ones', () => {
    expect(checkSchemaAnnotations(definition.schema, 'driver')).toEqual([]);
    for (const [k, p] of Object.entries(schema.properties)) {
      expect(typeof p.description, k).toBe('string');
      expect(['hot', 'driver-restart'], k).toContain(p['x-reload']);
    }
    const hot = keys.filter((k) => schema.properties[k]!['x-reload'] === 'hot');
    expect(new Set(hot)).toEqual(HOT_KEYS);
    expect(schema['x-positional']).toEqual(['host_remote', 'port_remote', 'user_remote', 'password_remote', 'rxfilter', 'rxmask', 'txfilter', 'txmask', 'responsetimeout']);
  });

  it('shows sample.conf in the README, and both cover every key', () => {
    expect(readme).toContain('```ini\n' + sample + '```');
    for (const k of keys) {
      expect(readme, k).toContain(`| \`${k}\` |`);
      expect(sample, k).toMatch(new RegExp(`^(# )?${k} =`, 'm'));
    }
    for (const lib of definition.metadata.legacyLibraries ?? []) if (lib !== 'vscp2drv_tcpiplink.so') expect(readme, lib).toContain(lib);
  });

  it('sample.conf passes the configuration check with the documented defaults', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\ninclude = ${join(here, 'sample.conf')}\n` });
    const result = await loadConfiguration(join(dir, 'vscpd.conf'));
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const d = result.state!.drivers.find((x) => x.name === 'link1')!;
    const defaults = Object.fromEntries(keys.filter((k) => schema.properties[k]!.default !== undefined).map((k) => [k, schema.properties[k]!.default]));
    expect(d.settings).toEqual({
      ...defaults, host_remote: '192.168.1.20', user_remote: 'link', password_remote: 'change-me',
      rxfilter: '0,0,0,-', rxmask: '0,0,0,-', txfilter: '0,0,0,-', txmask: '0,0,0,-',
    });
    const h = driverHarness({ name: 'link1' });
    try {
      expect(() => definition.create(h.ctx, d.settings as never)).not.toThrow();
    } finally {
      h.dispose();
    }
  });
});
