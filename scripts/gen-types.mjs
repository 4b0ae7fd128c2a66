#!/usr/bin/env node
// Generates TypeScript types from the JSON Schemas: schema/*.schema.json → schema/types/*.ts and
// drivers/<id>/schema.json → drivers/<id>/settings.generated.ts. The output is committed;
// `--check` exits 1 when a committed file differs from what the schemas give (CI/tests).
import { compile } from 'json-schema-to-typescript';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const banner = '// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.\n';

function pascal(text) {
  return text.replace(/(^|[^a-zA-Z0-9]+)([a-zA-Z0-9])/g, (_, __, c) => c.toUpperCase());
}

/** Every schema that gets a types file: [schema path, output path, root type name]. */
export function targets() {
  const out = [];
  const schemaDir = join(root, 'schema');
  if (existsSync(schemaDir)) {
    for (const f of readdirSync(schemaDir).sort()) {
      if (!f.endsWith('.schema.json')) continue;
      const name = basename(f, '.schema.json');
      out.push([join(schemaDir, f), join(schemaDir, 'types', `${name}.ts`), pascal(name)]);
    }
  }
  const driversDir = join(root, 'drivers');
  if (existsSync(driversDir)) {
    for (const id of readdirSync(driversDir).sort()) {
      const schema = join(driversDir, id, 'schema.json');
      if (existsSync(schema)) out.push([schema, join(driversDir, id, 'settings.generated.ts'), `${pascal(id)}Settings`]);
    }
  }
  return out;
}

async function generate(schemaPath, typeName) {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  // The title would rename the root type; the file decides the name.
  const { title: _title, ...rest } = schema;
  const ts = await compile(rest, typeName, {
    bannerComment: '',
    additionalProperties: false,
    cwd: dirname(schemaPath),
    declareExternallyReferenced: true,
    format: true,
    strictIndexSignatures: false,
  });
  return banner + ts;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [schemaPath, outPath, typeName] of targets()) {
  const text = await generate(schemaPath, typeName);
  const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : null;
  if (current === text) continue;
  if (check) {
    stale++;
    process.stderr.write(`stale: ${outPath.slice(root.length + 1)} (run npm run gen:types)\n`);
  } else {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, text);
    process.stdout.write(`wrote ${outPath.slice(root.length + 1)}\n`);
  }
}
process.exitCode = stale ? 1 : 0;
