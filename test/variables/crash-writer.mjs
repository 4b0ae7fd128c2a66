// Child process of crash.test.ts: writes persistent variables in a tight loop until it is
// killed. Uses the compiled store (dist/), which `npm test` builds first.
//
// Each round i sets COUNTER_0..7 and BIG to i, and DECLARED to i (odd i) or removes it (even
// i), then waits for flush() and prints `durable i`. A store reopened after a kill must show
// one whole round: the last durable one or the one after it.
import { createVariableStore } from '../../dist/runtime/variables/store.js';
import { silentLogger } from '../../dist/runtime/support/log.js';

const [stateDir] = process.argv.slice(2);
const INT = 3;
const declaration = {
  name: 'DECLARED', type: 1, value: 'file', note: '', persistent: true, owner: 0, rights: 0x744,
  origin: { file: 'variables.ini', line: 1 },
};
const padding = 'x'.repeat(16 * 1024);

const store = await createVariableStore({ stateDir, log: silentLogger, saveDelayMs: 0 });
store.applyDeclared([declaration]);
let round = Number(store.get('COUNTER_0')?.value ?? '0');
process.stdout.write(`ready ${round}\n`);
for (;;) {
  round++;
  for (let k = 0; k < 8; k++) store.write({ name: `counter_${k}`, type: INT, value: String(round), persistent: true }, 'daemon');
  store.write({ name: 'big', value: `${round}:${padding}`, persistent: true }, 'daemon');
  if (round % 2 === 1) store.write({ name: 'declared', value: String(round) }, 'daemon');
  else if (store.get('declared')) store.remove('declared', 'daemon');
  await store.flush();
  process.stdout.write(`durable ${round}\n`);
}
