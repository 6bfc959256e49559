import { defineConfig } from 'vitest/config';

// The browser test runs in Node (it drives Chromium), not inside workerd.
export default defineConfig({
  test: {
    name: 'api-browser',
    include: ['browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
