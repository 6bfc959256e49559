// StrykerJS on trending-core: `pnpm test:mutations` here, or `pnpm mutations:core` at the root.
// Slow (minutes), so not part of ./scripts/test or CI. See README.md for the score and threshold.
export default {
  testRunner: 'vitest',
  // Processes, as `vitest run` uses, not threads: schemas.test.ts sets process.env.TZ to check
  // that zone-less timestamps are read as UTC, and a worker thread cannot change the time zone.
  vitest: { pool: 'forks' },
  // pnpm keeps each package's dependencies apart, so Stryker's default plugin glob (the folder
  // next to @stryker-mutator/core) does not see the runner: name it by its resolved file.
  plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
  // Tests and re-exports are not mutated; demo-data.ts is the synthetic workload for local seeding
  // and benches (word lists, PRNG constants, distribution shapes): its mutants change which fake
  // data comes out, not a behaviour any user or Worker depends on.
  // api-docs.ts is the API document's prose (descriptions, and the JSON Schema shown for lenient
  // fields): it changes no parsing, and apps/api/src/openapi.test.ts checks the document.
  mutate: ['src/**/*.ts', '!src/**/*.test.ts', '!src/index.ts', '!src/demo-data.ts', '!src/api-docs.ts'],
  // Keep the tsconfigs out of the sandbox (.stryker-tmp/sandbox-*): there `extends:
  // ../../tsconfig.base.json` would point nowhere and Vite's transform fails, and Stryker's own fix
  // (rewriting the paths) needs the TypeScript compiler API, which TypeScript 7 (the native
  // compiler this repo uses) no longer ships. Without them Vite finds this package's real
  // tsconfig.json above the sandbox. Vitest does not type-check; `check:types` does.
  ignorePatterns: ['/tsconfig*.json'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Score 97.91: the 15 survivors are equivalent mutants (README.md), so ~98 is the ceiling;
  // break at 95 fails when a test file is lost or goes hollow (without metrics.test.ts: ~83).
  thresholds: { high: 97, low: 95, break: 95 },
};
