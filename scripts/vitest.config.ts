import { defineConfig } from 'vitest/config';

// The summary's own tests, in Node. They run the real vitest on fixture projects they write to a
// temporary directory (never matched by any suite's include), then the real test-summary.ts.
export default defineConfig({
  test: {
    name: 'scripts',
    environment: 'node',
    include: ['lib/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
