import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { DEAD_LETTER_QUEUE_NAME } from '../../packages/trending-core/src/ingest-message.ts';
import {
  AE_RECORD_BINDING,
  AE_STAND_IN,
  aeStandInWorker,
  recordDatasets,
} from '../../scripts/lib/ae-record.ts';
import { AGGREGATOR_TEST_ENTRY_BUNDLE, auxWorker } from '../../scripts/lib/aux-workers.ts';
import { faultyKv, KV_FAULTS_BINDING, KV_STAND_IN } from '../../scripts/lib/kv-fault.ts';
import {
  CONSUMER_BATCH_TIMEOUT_S_UNDER_TEST,
  FLUSH_MS_UNDER_TEST,
  INGEST_LIMIT_UNDER_TEST,
  TEST_INGEST_KEYS,
} from './test-limits.ts';
import { answerPurge, isPurgeRequest, PURGE_TOKEN, PURGE_ZONE, purgeRecord } from './test-purge.ts';
import { answerRecordQuery, RECORD_ACCOUNT, RECORD_TOKEN } from './test-record.ts';

// The api runs from source inside workerd; the aggregator and precompute Workers run beside it
// from their built bundles, with the bindings their wrangler.jsonc declare.
/** The plugin runs the Worker under test as `vitest-plugin-runner-<project name>`. */
const runnerOf = (project: string) => `vitest-plugin-runner-${project}`;

/**
 * precompute's Cloudflare API calls under test: the record's SQL (test-record.ts) and the purge by
 * tag (test-purge.ts), each configured as in production and answered by its stand-in in Node.
 */
function cloudflareApiUnderTest<T extends { bindings?: object }>(worker: T) {
  return {
    ...worker,
    bindings: {
      ...worker.bindings,
      AE_ACCOUNT_ID: RECORD_ACCOUNT,
      AE_API_TOKEN: RECORD_TOKEN,
      PURGE_ZONE_ID: PURGE_ZONE,
      PURGE_API_TOKEN: PURGE_TOKEN,
    },
    outboundService: (request: Request) =>
      isPurgeRequest(request) ? answerPurge(request) : answerRecordQuery(request),
  };
}

/**
 * The api's options from its wrangler.jsonc, as the plugin's `wrangler.configPath` would give
 * them. Derived here rather than through `wrangler.configPath`, so that a dataset binding can be
 * swapped for the Analytics Engine stand-in (recordDatasets): the plugin merges `miniflare`
 * options into the config's by key, which cannot take a dataset binding away. The api writes no
 * view record itself; the aggregator does, where it commits (its VIEW_EVENTS, below).
 */
function apiUnderTest() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions('./wrangler.jsonc');
  const { rootPath: _root, ...options } = workerOptions as typeof workerOptions & { rootPath?: string };
  return { options };
}

const api = apiUnderTest();

/**
 * The aggregator beside the api: its test entry (the production Worker with a fault seam in its
 * ingest consumer, armed through its `IngestFaults` entrypoint: apps/aggregator/src/test-entry.ts),
 * consuming the ingest queue and its dead letters as its wrangler.jsonc says, but delivering after
 * CONSUMER_BATCH_TIMEOUT_S_UNDER_TEST rather than 1 s. It writes the view record (VIEW_EVENTS) when
 * it commits a batch: bound to the stand-in (scripts/lib/ae-record-stand-in.js), so tests see every
 * point written.
 */
function aggregatorUnderTest() {
  const worker = recordDatasets(auxWorker('aggregator', {}, AGGREGATOR_TEST_ENTRY_BUNDLE), ['VIEW_EVENTS']);
  const consumers = Object.entries((worker.queueConsumers ?? {}) as Record<string, object>);
  return {
    ...worker,
    queueConsumers: Object.fromEntries(
      consumers.map(([queue, consumer]) => [
        queue,
        { ...consumer, maxBatchTimeout: CONSUMER_BATCH_TIMEOUT_S_UNDER_TEST },
      ]),
    ),
  };
}

/** precompute beside the api of project `name`, and the KV stand-in its TRENDING_KV goes through. */
function precomputeWithKvStandIn(name: string) {
  const precompute = faultyKv(
    cloudflareApiUnderTest(
      auxWorker('precompute', { API: { name: runnerOf(name), entrypoint: 'EdgeWarmer' } }),
    ),
    'TRENDING_KV',
  );
  return [precompute.worker, precompute.standIn];
}

/**
 * One vitest project of the api: the Worker under test with its test bindings (`bindings` adds
 * to them, e.g. the flush intervals) and the Workers beside it. Each project gets its own
 * Miniflare, so two projects may bind the same Worker differently.
 */
function apiProject(
  name: string,
  files: { include: string[]; exclude?: string[] },
  bindings: Record<string, string>,
): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest({
        // The production Worker behind the test-only headers (src/test-entry.ts).
        main: './src/test-entry.ts',
        miniflare: {
          ...api.options,
          // Budgets generous enough for a loaded CI machine: tests prove which layer answers, not
          // how fast (benchmarks do that); the hang tests still show a slow layer being skipped.
          bindings: {
            ...api.options.bindings,
            ADMIN_TOKEN: 'test-admin-token',
            VIEWER_KEY_SECRET: 'test-viewer-key-secret',
            // Two senders' ingest keys (src/ingest-keys.ts); testing.ts sends as the first.
            INGEST_KEYS: JSON.stringify(TEST_INGEST_KEYS),
            EDGE_BUDGET_MS: '1000',
            DO_BUDGET_MS: '1000',
            KV_BUDGET_MS: '1000',
            COMPUTE_BUDGET_MS: '5000',
            ...bindings,
          },
          // Tests read what the Analytics Engine stand-in received, and tell the KV stand-in which
          // of precompute's writes to refuse, through these bindings (src/testing.ts).
          serviceBindings: {
            ...api.options.serviceBindings,
            [AE_RECORD_BINDING]: { name: AE_STAND_IN, entrypoint: 'Record' },
            [KV_FAULTS_BINDING]: { name: KV_STAND_IN, entrypoint: 'Faults' },
            // What the purge API stand-in received (test-purge.ts), for src/testing.ts.
            PURGE_RECORD: purgeRecord,
            // The ingest consumer's fault seam (the aggregator's test entry), for src/testing.ts.
            INGEST_FAULTS: { name: 'trending-aggregator', entrypoint: 'IngestFaults' },
            // Shards that fail their rankings (the aggregator's test entry), for src/testing.ts.
            RANKING_FAULTS: { name: 'trending-aggregator', entrypoint: 'RankingFaults' },
          },
          // Tests put messages on the dead-letter queue as the queue does when retries run out.
          queueProducers: {
            ...(api.options.queueProducers as object),
            TEST_DEAD_LETTER_QUEUE: { queueName: DEAD_LETTER_QUEUE_NAME },
          },
          // A low ingest limit, so that a test can reach it (each test's aggregator is its own key).
          ratelimits: {
            ...api.options.ratelimits,
            INGEST_LIMITER: { namespace_id: '1001', simple: { limit: INGEST_LIMIT_UNDER_TEST, period: 60 } },
          },
          workers: [
            aggregatorUnderTest(),
            // precompute's API binding names `trending-api`; under test that Worker is the runner.
            // Its record (Analytics Engine's SQL API) and the purge API are stand-ins answering in
            // Node: test-record.ts, test-purge.ts.
            // It writes KV through the KV stand-in (scripts/lib/kv-fault-stand-in.js), so that a
            // test can have KV refuse its writes with a 429 as production KV does; the api reads
            // the same namespace.
            ...precomputeWithKvStandIn(name),
            aeStandInWorker(),
          ],
        },
      }),
    ],
    test: {
      name,
      include: files.include,
      exclude: [...configDefaults.exclude, ...(files.exclude ?? [])],
      // A hang guard, not a time limit: ingest answers once the queue consumer committed, and a
      // test of a dozen requests took over 20 s on a loaded 2-core machine (timing is the bench's).
      testTimeout: 60_000,
      // FUZZ_SEED=<n> runs src/fuzz.test.ts with another seed than CI's (to explore or replay).
      provide: { fuzzSeed: process.env.FUZZ_SEED ?? '' },
    },
  };
}

/** Tests that need the isolate's batches to wait, as they do in production (`*.flush.test.ts`). */
const FLUSH_TESTS = 'src/**/*.flush.test.ts';

export default defineConfig({
  test: {
    projects: [
      // Every batch sent at once: a test sees what a request recorded as soon as it is sent.
      apiProject(
        'api',
        { include: ['src/**/*.test.ts'], exclude: [FLUSH_TESTS] },
        { ACCESS_FLUSH_MS: '0', METRICS_FLUSH_MS: '0' },
      ),
      // Batches wait for their flush interval, with no later request to send them.
      apiProject(
        'api-flush',
        { include: [FLUSH_TESTS] },
        { ACCESS_FLUSH_MS: String(FLUSH_MS_UNDER_TEST), METRICS_FLUSH_MS: String(FLUSH_MS_UNDER_TEST) },
      ),
    ],
  },
});
