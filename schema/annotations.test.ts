import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkSchemaAnnotations, schemaAjv } from '../runtime/config/schema.js';
import { FORMATS } from '../runtime/config/formats.js';

type Schema = Record<string, unknown>;
const root = join(import.meta.dirname, '..');
const read = (p: string): Schema => JSON.parse(readFileSync(p, 'utf8')) as Schema;

const conf = read(join(root, 'schema', 'vscpd-conf.schema.json'));
const variables = read(join(root, 'schema', 'variables.schema.json'));
const driverSchemas = existsSync(join(root, 'drivers'))
  ? readdirSync(join(root, 'drivers')).filter((id) => existsSync(join(root, 'drivers', id, 'schema.json'))).map((id) => ({ id, schema: read(join(root, 'drivers', id, 'schema.json')) }))
  : [];

/** Every section schema of the tree: vscpd.conf sections, the variable section, each driver. */
const sections: { name: string; schema: Schema; kind: 'section' | 'driver' }[] = [
  ...Object.entries(conf.definitions as Record<string, Schema>).map(([name, schema]) => ({ name: `vscpd.conf [${name}]`, schema, kind: 'section' as const })),
  { name: 'variable file [NAME]', schema: (variables.definitions as Record<string, Schema>).variable!, kind: 'section' },
  ...driverSchemas.map(({ id, schema }) => ({ name: `drivers/${id}/schema.json`, schema, kind: 'driver' as const })),
];

/** A strict ajv: unknown keywords and formats are errors (catches typos such as "minimun"). */
function strictAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  for (const k of ['x-reload', 'x-secret', 'x-positional', 'x-section', 'x-default-text']) ajv.addKeyword(k);
  for (const f of Object.keys(FORMATS)) ajv.addFormat(f, true);
  return ajv;
}

describe('schema annotations', () => {
  it('covers the built-in drivers that exist', () => {
    expect(sections.length).toBeGreaterThanOrEqual(8);
  });

  for (const s of sections) {
    it(`${s.name}: every field has a description, a type and x-reload`, () => {
      expect(checkSchemaAnnotations(s.schema, s.kind)).toEqual([]);
    });
    it(`${s.name}: compiles under strict ajv with the registered formats`, () => {
      expect(() => strictAjv().compile(s.schema)).not.toThrow();
      expect(() => schemaAjv().compile(s.schema)).not.toThrow();
    });
  }

  it('the whole vscpd.conf and variable schemas compile', () => {
    expect(() => strictAjv().compile(conf)).not.toThrow();
    expect(() => strictAjv().compile(variables)).not.toThrow();
  });

  it('every default satisfies its own field', () => {
    for (const s of sections) {
      for (const [key, field] of Object.entries({ ...(s.schema.properties as object), ...(s.schema.patternProperties as object) }) as [string, Schema][]) {
        if (!('default' in field)) continue;
        const validate = schemaAjv().compile(field);
        expect(validate(field.default), `${s.name} ${key} default ${JSON.stringify(field.default)}`).toBe(true);
      }
    }
  });

  it('rejects a field without x-reload or description, daemon-restart or common keys in a driver schema', () => {
    const base = { type: 'object', additionalProperties: false, description: 'x' };
    expect(checkSchemaAnnotations({ ...base, properties: { a: { type: 'integer', description: 'A.' } } }, 'driver'))
      .toEqual(['properties.a: missing x-reload']);
    expect(checkSchemaAnnotations({ ...base, properties: { a: { type: 'integer', 'x-reload': 'hot' } } }, 'driver'))
      .toEqual(['properties.a: missing description']);
    expect(checkSchemaAnnotations({ ...base, properties: { a: { type: 'integer', description: 'A.', 'x-reload': 'daemon-restart' } } }, 'driver')[0])
      .toMatch(/^properties\.a\.x-reload: must be equal to one of the allowed values/);
    expect(checkSchemaAnnotations({ ...base, properties: { guid: { type: 'string', description: 'G.', 'x-reload': 'hot' } } }, 'driver')[0])
      .toMatch(/field name "guid" is not allowed/);
    expect(checkSchemaAnnotations({ ...base, patternProperties: { '^a[0-9]$': { type: 'integer', description: 'A.' } }, properties: {} }, 'driver'))
      .toEqual(['patternProperties.^a[0-9]$: missing x-reload']);
    expect(checkSchemaAnnotations({ ...base, 'x-positional': ['nope'], properties: {} }, 'driver'))
      .toEqual(['x-positional: nope is not a field of the schema']);
    expect(checkSchemaAnnotations({ type: 'object', properties: {} }, 'driver')).toEqual(['schema: missing additionalProperties']);
    // daemon-restart is fine for the daemon's own sections
    expect(checkSchemaAnnotations({ ...base, properties: { a: { type: 'integer', description: 'A.', 'x-reload': 'daemon-restart' } } }, 'section')).toEqual([]);
  });
});
