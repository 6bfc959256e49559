import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { auxWorker } from '../../scripts/lib/aux-workers.ts';
import { INGEST_LIMIT_UNDER_TEST } from './test-limits.ts';
import { answerRecordQuery, RECORD_ACCOUNT, RECORD_TOKEN } from './test-record.ts';

// The api runs from source inside workerd; the aggregator and precompute Workers run beside it
// from their built bundles, with the bindings their wrangler.jsonc declare.
/** The plugin runs the Worker under test as `vitest-plugin-runner-<project name>`. */
const API_RUNNER = 'vitest-plugin-runner-api';

function recordUnderTest<T extends { bindings?: object }>(worker: T) {
  return {
    ...worker,
    bindings: { ...worker.bindings, AE_ACCOUNT_ID: RECORD_ACCOUNT, AE_API_TOKEN: RECORD_TOKEN },
    outboundService: answerRecordQuery,
  };
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        // Budgets generous enough for a loaded CI machine: tests prove which layer answers, not
        // how fast (benchmarks do that); the hang tests still show a slow layer being skipped.
        bindings: {
          ADMIN_TOKEN: 'test-admin-token',
          TEST_SEAMS: '1',
          EDGE_BUDGET_MS: '1000',
          DO_BUDGET_MS: '1000',
          KV_BUDGET_MS: '1000',
          COMPUTE_BUDGET_MS: '5000',
          ACCESS_FLUSH_MS: '0',
          METRICS_FLUSH_MS: '0',
        },
        // A low ingest limit, so that a test can reach it (each test's aggregator is its own key).
        ratelimits: {
          INGEST_LIMITER: { namespace_id: '1001', simple: { limit: INGEST_LIMIT_UNDER_TEST, period: 60 } },
        },
        workers: [
          auxWorker('aggregator'),
          // precompute's API binding names `trending-api`; under test that Worker is the runner.
          // Its record (Analytics Engine's SQL API) is a stand-in answering in Node: test-record.ts.
          recordUnderTest(auxWorker('precompute', { API: { name: API_RUNNER, entrypoint: 'EdgeWarmer' } })),
        ],
      },
    }),
  ],
  test: {
    name: 'api',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
