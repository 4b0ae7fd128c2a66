import { defineConfig } from 'vitest/config';

// `npm test`: everything that needs nothing but Node. Interop suites (Debian packages, root,
// network namespaces) live in test/interop and run with `npm run test:interop`.
export default defineConfig({
  test: {
    include: ['runtime/**/*.test.ts', 'drivers/**/*.test.ts', 'schema/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/interop/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
