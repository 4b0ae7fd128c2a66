// `npm run bench`: runs every test/bench/*.bench.mjs (after the build), one at a time so they
// do not compete for the two cores, and writes bench-results/latest.json.
//   node test/bench/run.mjs [name…]     only the benchmarks whose file name contains a name
//                                       (the others keep their last results in latest.json)
// Each benchmark is a plain ESM script against dist/ that prints one JSON object (its last
// line of output that parses as JSON is taken).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`);
  process.exit(1);
}

function run(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', join(here, file)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const json = out.trim().split('\n').reverse().map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((v) => v && typeof v === 'object');
      if (code !== 0 || !json) resolve({ ok: false, seconds, error: `exit ${code ?? signal}${json ? '' : ', no JSON result'}`, output: out.slice(-2000) });
      else resolve({ ok: true, seconds, result: json });
    });
  });
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(totalmem() / 1e9),
  benchmarks: {},
};

let failed = 0;
for (const file of files) {
  const name = basename(file, '.bench.mjs');
  process.stderr.write(`== ${name}\n`);
  const r = await run(file);
  report.benchmarks[name] = r.ok ? { seconds: r.seconds, ...r.result } : { seconds: r.seconds, error: r.error, output: r.output };
  if (!r.ok) failed++;
  process.stderr.write(r.ok ? `${JSON.stringify(r.result)}\n` : `FAILED: ${r.error}\n`);
}

const outDir = join(root, 'bench-results');
mkdirSync(outDir, { recursive: true });
const target = join(outDir, 'latest.json');
// a partial run keeps the other benchmarks' last results
if (filters.length > 0 && existsSync(target)) {
  try {
    const previous = JSON.parse(readFileSync(target, 'utf8'));
    report.benchmarks = { ...previous.benchmarks, ...report.benchmarks };
  } catch {
    // a damaged file is replaced
  }
}
writeFileSync(target + '.tmp', JSON.stringify(report, null, 2) + '\n');
renameSync(target + '.tmp', target);
process.stderr.write(`Wrote ${target} (${files.length - failed} of ${files.length} benchmarks ran).\n`);
process.exit(failed ? 1 : 0);
