/**
 * Ingest events per client per minute under test: vitest.config.ts sets it, a test reaches it
 * (10 batches of 100), and it is above what any other test sends from one client (the most: a
 * replay of 995 events from one phone, events.test.ts).
 */
export const INGEST_LIMIT_UNDER_TEST = 1_000;

/**
 * Miniflare's simple rate limiter counts in windows of the period aligned to the wall clock:
 * a request falls in window floor(Date.now() / (period * 1000)) and every count starts again at
 * 0 when that changes (miniflare's workers/ratelimit/ratelimit-object.worker.js). The limiter runs
 * in the same workerd process as the tests, so it reads the same clock.
 */
export const LIMITER_WINDOW_MS = 60_000;

/**
 * How long a test that fills the limit may take: when the limit counted requests, its 253
 * requests took 3.5 s on an idle 2-core machine and 7 to 11 s with that machine loaded (load
 * average 8); the event limit is reached in a few dozen requests, so a test started with this
 * much of its window left ends in it with room to spare.
 */
export const LIMITER_TEST_BUDGET_MS = 30_000;

/**
 * Waits, when less than LIMITER_TEST_BUDGET_MS of the current limiter window is left, until the
 * next window has begun (at most that long), and returns the window the test then starts in.
 * A test that reaches the limit is then correct whatever second it starts at.
 */
export async function startInFreshLimiterWindow(): Promise<number> {
  const left = LIMITER_WINDOW_MS - (Date.now() % LIMITER_WINDOW_MS);
  if (left < LIMITER_TEST_BUDGET_MS) {
    // 50 ms past the boundary: workerd's clock only moves at I/O, so land clearly after it.
    await new Promise((resolve) => setTimeout(resolve, left + 50));
  }
  return Math.floor(Date.now() / LIMITER_WINDOW_MS);
}

/**
 * METRICS_FLUSH_MS and ACCESS_FLUSH_MS in the api-flush project (vitest.config.ts): long enough
 * that a burst of requests shares batches, short enough to wait for a few of them.
 */
export const FLUSH_MS_UNDER_TEST = 300;

/** INGEST_KEYS under test (vitest.config.ts): sender name to key. */
export const TEST_INGEST_KEYS = {
  'test-pipeline': 'test-ingest-key-pipeline',
  'test-worker': 'test-ingest-key-worker',
};

/**
 * The ingest queue consumers' batch timeout under test (vitest.config.ts; production: 1 s,
 * LIMITS.ingestQueue.consumerBatchTimeoutS). Tests wait for the consumer deterministically
 * (testing.ts untilCommitted), so this only sets how long each wait takes: 0, a delivery as soon as
 * a message arrives, since the suite ingests thousands of times (one test posts 300 requests one
 * after the other). Messages that arrive while a delivery runs still share the next one.
 */
export const CONSUMER_BATCH_TIMEOUT_S_UNDER_TEST = 0;
