import { defineConfig } from 'vitest/config';

// The simulation's tests (src/sim), in Node: pure computation, no Workers and no network.
export default defineConfig({
  test: {
    name: 'bench',
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // Each simulation takes seconds of CPU; the machine is shared.
    testTimeout: 120_000,
  },
});
