#!/usr/bin/env node
// Entry point of the `vscpd` command; the CLI itself is compiled to dist/ by `npm ci` (prepare).
import { main } from '../dist/runtime/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`vscpd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
