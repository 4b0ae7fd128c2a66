// Variable store figures (not a test): node test/variables/bench.mjs after `npm run build`.
// Prints one JSON object; numbers are wall-clock on the machine it runs on.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVariableStore } from '../../dist/runtime/variables/store.js';
import { silentLogger } from '../../dist/runtime/support/log.js';

const dirs = [];
const dir = () => { const d = mkdtempSync(join(tmpdir(), 'vscpd-bench-')); dirs.push(d); return d; };
const ms = (t0) => Math.round((performance.now() - t0) * 100) / 100;
const decl = (i, value = String(i)) => ({
  name: `DRV${i % 100}_KEY${i}`, type: 3, value, note: '', persistent: i % 10 === 0, owner: 0, rights: 0x744,
  origin: { file: 'variables.ini', line: i + 1 },
});
const out = {};

{ // writes in memory
  const store = await createVariableStore({ stateDir: dir(), log: silentLogger });
  const n = 200_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) store.write({ name: `V${i % 1000}`, type: 3, value: String(i) }, 'tcpip');
  out.writesPerSecond = Math.round(n / (ms(t0) / 1000));
  t0 = performance.now();
  for (let i = 0; i < n; i++) store.get(`v${i % 1000}`);
  out.getsPerSecond = Math.round(n / (ms(t0) / 1000));
  await store.close();
}

{ // persistent writes: a burst is one save
  const store = await createVariableStore({ stateDir: dir(), log: silentLogger });
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) store.write({ name: `P${i % 100}`, value: String(i), persistent: true }, 'tcpip');
  await store.flush();
  out.burst10000PersistentWrites = { ms: ms(t0), saves: store.status().saves };
  await store.close();
}

for (const count of [100, 1000, 10_000]) { // cost of one durable save by state size
  const stateDir = dir();
  const store = await createVariableStore({ stateDir, log: silentLogger });
  for (let i = 0; i < count; i++) store.write({ name: `P${i}`, value: `value number ${i}`, persistent: true }, 'tcpip');
  await store.flush();
  const rounds = 20;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) { store.writeValue('P0', String(r), 'tcpip'); await store.flush(); }
  out[`flushMs_${count}Persisted`] = Math.round((ms(t0) / rounds) * 100) / 100;
  out[`stateFileBytes_${count}Persisted`] = statSync(join(stateDir, 'variables.json')).size;
  await store.close();
  const t1 = performance.now();
  const again = await createVariableStore({ stateDir, log: silentLogger });
  out[`loadMs_${count}Persisted`] = ms(t1);
  await again.close();
}

{ // 100,000 declared variables
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const store = await createVariableStore({ stateDir: dir(), log: silentLogger });
  const declared = Array.from({ length: 100_000 }, (_, i) => decl(i));
  let t0 = performance.now();
  store.applyDeclared(declared);
  out.applyDeclared100k = ms(t0);
  global.gc?.();
  out.heapMiB100kDeclared = Math.round((process.memoryUsage().heapUsed - heap0) / 1048576);
  for (let i = 0; i < 1000; i++) store.writeValue(`DRV${i % 100}_KEY${i}`, String(-i), 'tcpip');
  const changed = declared.map((d, i) => (i % 100 === 0 ? decl(i, '7') : d));
  t0 = performance.now();
  store.planDeclared(changed);
  out.planDeclared100k = ms(t0);
  t0 = performance.now();
  store.applyDeclared(changed);
  out.reload100kWith1000Changed = ms(t0);
  t0 = performance.now();
  store.list();
  out.list100k = ms(t0);
  t0 = performance.now();
  store.snapshot();
  out.snapshot100k = ms(t0);
  await store.close();
}

for (const d of dirs) rmSync(d, { recursive: true, force: true });
console.log(JSON.stringify(out, null, 2));
