#!/usr/bin/env node
// Generates the configuration reference from the JSON Schemas:
//   schema/vscpd-conf.schema.json  → docs/reference/vscpd-conf.md
//   schema/variables.schema.json   → docs/reference/variables.md
//   drivers/<id>/schema.json       → docs/reference/drivers/<id>.md
// The output is committed; `--check` exits 1 when a committed file differs (CI/tests).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const banner = '<!-- Generated from the JSON Schemas by `npm run gen:docs` (node scripts/gen-docs.mjs). Do not edit by hand. -->\n\n';
const readJson = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const formats = readJson('schema/meta/formats.json').formats;

const RELOAD = {
  hot: 'hot',
  'driver-restart': 'driver restart',
  'daemon-restart': 'daemon restart',
};

/** Text safe inside a Markdown table cell. */
function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A value as it is written in an INI file. */
function iniValue(v) {
  if (v === undefined) return '';
  if (typeof v === 'string') return v === '' ? '*(empty)*' : `\`${v}\``;
  return `\`${String(v)}\``;
}

/** `^interval(0|[1-9][0-9]{0,2})$` → `interval<n>`; other patterns as they are. */
function patternName(pattern) {
  const m = /^\^([A-Za-z0-9_]+?)([([][0-9|()[\]{},-]*)\$$/.exec(pattern);
  return m ? `${m[1]}<n>` : `/${pattern}/`;
}

/** Where the table of formats is, relative to the page being written. */
let formatLink = '';

function typeText(field) {
  const t = Array.isArray(field.type) ? field.type.join(' or ') : field.type ?? (field.enum ? typeof field.enum[0] : 'string');
  const parts = [t];
  if (field.format) parts.push(`([${field.format}](${formatLink}#value-formats))`);
  return parts.join(' ');
}

function allowedText(field) {
  const out = [];
  if (Array.isArray(field.enum)) out.push(`one of ${field.enum.map((e) => `\`${e}\``).join(', ')}`);
  if (typeof field.minimum === 'number' && typeof field.maximum === 'number') out.push(`${field.minimum}–${field.maximum}`);
  else if (typeof field.minimum === 'number') out.push(`≥ ${field.minimum}`);
  else if (typeof field.maximum === 'number') out.push(`≤ ${field.maximum}`);
  if (typeof field.maxLength === 'number') out.push(`at most ${field.maxLength} characters`);
  if (field.minLength === 1) out.push('not empty');
  if (field.pattern) out.push(`matches \`${field.pattern}\``);
  return out.join('; ');
}

/** One table of the fields of a section schema. */
function fieldTable(schema) {
  const required = new Set(schema.required ?? []);
  const rows = [
    ...Object.entries(schema.properties ?? {}).map(([k, f]) => [k, f]),
    ...Object.entries(schema.patternProperties ?? {}).map(([p, f]) => [patternName(p), f]),
  ];
  if (!rows.length) return '*No keys.*\n';
  const out = ['| key | type | default | reload | description |', '|---|---|---|---|---|'];
  for (const [key, f] of rows) {
    const notes = [];
    const allowed = allowedText(f);
    if (allowed) notes.push(`Allowed: ${allowed}.`);
    if (f.examples?.length) notes.push(`Example: ${f.examples.map((e) => `\`${e}\``).join(', ')}.`);
    if (f['x-secret']) notes.push('Secret: never shown or logged.');
    const dflt = required.has(key) ? '*required*' : f['x-default-text'] !== undefined ? `\`${f['x-default-text']}\`` : 'default' in f ? iniValue(f.default) : '—';
    out.push(`| \`${key}\` | ${cell(typeText(f))} | ${cell(dflt)} | ${RELOAD[f['x-reload']] ?? cell(f['x-reload'])} | ${cell([f.description, ...notes].join(' '))} |`);
  }
  return out.join('\n') + '\n';
}

function reloadLegend() {
  return [
    'Reload classes: **hot**: applied while the daemon runs, without restarting anything else;',
    '**driver restart**: the driver is stopped and started again (other drivers are untouched);',
    '**daemon restart**: applied at the next start of the daemon; a reload reports it as `restart_required`.',
    '',
  ].join('\n');
}

function confReference() {
  formatLink = '';
  const schema = readJson('schema/vscpd-conf.schema.json');
  const defs = schema.definitions;
  const out = [banner, '# vscpd.conf reference', '', schema.description, '', 'How the file is read (INI dialect, includes, references, precedence): [configuration.md](../configuration.md).', '', reloadLegend()];
  for (const name of ['general', 'tcpip', 'admin', 'automation', 'user', 'schedule', 'driver']) {
    const d = defs[name];
    out.push(`## [${d['x-section']}]`, '', d.description, '', fieldTable(d));
    if (name === 'driver') {
      out.push('Every other key of a driver section belongs to the driver: see the driver references below.', '');
      const ids = driverIds();
      if (ids.length) out.push(ids.map((id) => `- [${id}](drivers/${id}.md)`).join('\n'), '');
    }
  }
  out.push('## Value formats', '', 'INI values are text. Integers are decimal or `0x`-hex; booleans are `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0`; enumerated words match in any case. Strings with a format:', '');
  out.push('| format | meaning |', '|---|---|');
  for (const [name, f] of Object.entries(formats)) out.push(`| \`${name}\` | ${cell(f.description)} |`);
  out.push('');
  return out.join('\n');
}

function variablesReference() {
  formatLink = 'vscpd-conf.md';
  const schema = readJson('schema/variables.schema.json');
  const v = schema.definitions.variable;
  return [
    banner, '# Variable file reference', '', schema.description, '',
    'Variables at run time (layers, persistence, VAR commands, BASE64): [variables.md](../variables.md).', '',
    `## [NAME]`, '', v.description, '', fieldTable(v),
  ].join('\n');
}

function driverIds() {
  const dir = join(root, 'drivers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((id) => existsSync(join(dir, id, 'schema.json'))).sort();
}

function driverReference(id) {
  formatLink = '../vscpd-conf.md';
  const schema = readJson(`drivers/${id}/schema.json`);
  const out = [banner, `# Driver \`${id}\``, '', schema.description ?? '', ''];
  out.push(`\`driver = ${id}\` in a \`[driver.NAME]\` section. Besides the common keys (\`driver\`, \`enable\`, \`guid\`, \`config\`, \`queue_size\`: [vscpd-conf.md](../vscpd-conf.md#drivername)), the section takes the keys below; a variable \`NAME_<key>\` overrides a key (NAME = the section name, spaces as \`_\`).`, '');
  const positional = schema['x-positional'];
  if (Array.isArray(positional) && positional.length) {
    out.push(`Legacy configuration string: \`config = ${positional.join(';')}\` (position 1 is \`${positional[0]}\`; empty positions keep the earlier value).`, '');
  }
  out.push(reloadLegend(), fieldTable(schema));
  if (existsSync(join(root, 'drivers', id, 'README.md'))) out.push(`More: [drivers/${id}/README.md](../../../drivers/${id}/README.md).`, '');
  return out.join('\n');
}

/** Every generated file: [relative path, text]. */
export function outputs() {
  const out = [
    ['docs/reference/vscpd-conf.md', confReference()],
    ['docs/reference/variables.md', variablesReference()],
    ...driverIds().map((id) => [`docs/reference/drivers/${id}.md`, driverReference(id)]),
  ];
  return out.map(([p, text]) => [p, text.replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n')]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  const expected = new Set();
  for (const [rel, text] of outputs()) {
    expected.add(rel);
    const path = join(root, rel);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === text) continue;
    if (check) {
      stale++;
      process.stderr.write(`stale: ${rel} (run npm run gen:docs)\n`);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      process.stdout.write(`wrote ${rel}\n`);
    }
  }
  // A driver that was removed leaves no page behind.
  const driversDir = join(root, 'docs', 'reference', 'drivers');
  if (existsSync(driversDir)) {
    for (const f of readdirSync(driversDir)) {
      const rel = `docs/reference/drivers/${f}`;
      if (!expected.has(rel)) {
        stale++;
        process.stderr.write(`stale: ${rel} has no schema any more (delete it)\n`);
      }
    }
  }
  process.exitCode = stale ? 1 : 0;
}
