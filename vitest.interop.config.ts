import { defineConfig } from 'vitest/config';

// `npm run test:interop`: suites against real peers installed from Debian packages
// (mosquitto, socat, …); .ci/run installs them first.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    passWithNoTests: true,
  },
});
