// Event text codec throughput (the TCP/IP hot path: SEND parses, RETR/RCVLOOP formats).
// Plain ESM against the compiled code: `npm run build && node test/bench/protocol.bench.mjs`.
// Prints one JSON object; VSCPD_PROTOCOL_MODULE points it at another build of runtime/protocol.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const modulePath = process.env.VSCPD_PROTOCOL_MODULE ?? join(here, '..', '..', 'dist', 'runtime', 'protocol', 'index.js');
const p = await import(pathToFileURL(modulePath).href);

const LINES = {
  send_short: '0,20,3,,,,-,0,1,35',
  retr_8_bytes: '96,10,6,7,2018-08-30T12:34:56Z,3340221456,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00,0x89,0x82,0x08,0x2C,0x00,0x01,0x02,0x03',
  retr_64_bytes: '96,1040,6,7,2018-08-30T12:34:56Z,3340221456,FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:07:00:00,' +
    Array.from({ length: 64 }, (_, i) => '0x' + i.toString(16).toUpperCase().padStart(2, '0')).join(','),
};

/** Runs fn in batches for about `ms` and returns operations per second (best of 3 rounds). */
function measure(fn, ms = 700) {
  for (let i = 0; i < 20000; i++) fn(i); // warm up
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1000000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 2000; i++) fn(i);
      n += 2000;
      now = process.hrtime.bigint();
    }
    best = Math.max(best, n / (Number(now - start) / 1e9));
  }
  return Math.round(best);
}

let sink = 0;
const results = {};
for (const [name, line] of Object.entries(LINES)) {
  results[`parse_${name}_per_s`] = measure(() => {
    sink += p.parseEvent(line).data.length;
  });
  const event = p.parseEvent(line);
  p.stampEvent(event, Date.UTC(2018, 7, 30, 12, 34, 56));
  results[`format_${name}_per_s`] = measure(() => {
    sink += p.formatEvent(event).length;
  });
}
const roundTrip = LINES.retr_8_bytes;
results.round_trip_retr_8_bytes_per_s = measure(() => {
  sink += p.formatEvent(p.parseEvent(roundTrip)).length;
});

console.log(JSON.stringify({ benchmark: 'protocol', node: process.version, ...results, sink: sink > 0 }));
