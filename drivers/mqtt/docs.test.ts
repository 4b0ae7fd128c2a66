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
const defaults = Object.fromEntries(keys.filter((k) => schema.properties[k]!.default !== undefined).map((k) => [k, schema.properties[k]!.default]));

async function load(files: Record<string, string>) {
  const dir = tempDir();
  writeFiles(dir, files);
  return loadConfiguration(join(dir, 'vscpd.conf'));
}

describe('mqtt documentation', () => {
  it('has a schema with description and x-reload on every field', () => {
    expect(checkSchemaAnnotations(definition.schema, 'driver')).toEqual([]);
  });

  it('shows sample.conf in the README, and both cover every key', () => {
    expect(readme).toContain('```ini\n' + sample + '```');
    for (const k of keys) {
      expect(readme, k).toContain(`| \`${k}\` |`);
      // TLS file paths have no default and need tls = true, so the sample shows them commented out.
      expect(sample, k).toMatch(new RegExp(`^(# )?${k} =`, 'm'));
    }
  });

  it('sample.conf passes the configuration check', async () => {
    const dir = tempDir();
    const result = await load({ 'vscpd.conf': `[general]\nstate_dir = ${join(dir, 'state')}\ninclude = ${join(here, 'sample.conf')}\n` });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const d = result.state!.drivers.find((x) => x.name === 'mqtt1')!;
    expect(d.settings).toEqual({ ...defaults, type: 'both', topic: 'vscp/{guid}/{class}/{type}', qos: 1, protocol_version: 5 });
  });
});

describe('legacy configuration through the loader (vscp-drivers.md §15.6)', () => {
  it('M1: the config string sets session id, type, topic and host', async () => {
    const result = await load({ 'vscpd.conf': '[driver.mqtt1]\ndriver = mqtt\nconfig = mysession1;publish;vscp;localhost:1883\n' });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.state!.drivers[0]!.settings).toMatchObject({ sessionid: 'mysession1', type: 'publish', topic: 'vscp', host: 'localhost:1883', keepalive: 60 });
  });

  it('M7 (fixed): the <prefix>_type variable overrides the config string', async () => {
    const result = await load({
      'vscpd.conf': '[general]\nvariables = variables.ini\n[driver.mqtt1]\ndriver = mqtt\nconfig = mysession1;subscribe;vscp;localhost:1883\n',
      'variables.ini': '[mqtt1_type]\nvalue = publish\n',
    });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.state!.drivers[0]!.settings).toMatchObject({ type: 'publish', sessionid: 'mysession1' });
  });

  it('takes the documented `_user` variable', async () => {
    const result = await load({
      'vscpd.conf': '[general]\nvariables = variables.ini\n[driver.mqtt1]\ndriver = mqtt\n',
      'variables.ini': '[mqtt1_user]\nvalue = bob\n[mqtt1_password]\nvalue = pw\n',
    });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.state!.drivers[0]!.settings).toMatchObject({ user: 'bob', password: 'pw' });
  });

  it('reports a bad type in the config string at its file and line', async () => {
    const result = await load({ 'vscpd.conf': '[driver.mqtt1]\ndriver = mqtt\nconfig = s;publisher;vscp\n' });
    const errors = result.problems.filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3 });
    expect(errors[0]!.message).toMatch(/type/);
  });

  it('reports what only the driver can check with the origin of the key', async () => {
    const result = await load({ 'vscpd.conf': '[driver.mqtt1]\ndriver = mqtt\ntype = publish\n\ntopic = vscp/#\n' });
    const errors = result.problems.filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 5 });
    expect(errors[0]!.message).toMatch(/wildcards, which cannot be published to/);
  });
});
