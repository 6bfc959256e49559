// The policy numbers a Worker's platform config must carry too (a cron, a rate limiter, vars)
// cannot be read from trending-core's table at deploy time: these tests check that each
// wrangler.jsonc says what the table says, so the two cannot drift apart.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_QUEUE_NAME,
  ingestQueueBinding,
  ingestQueueName,
} from '../../packages/trending-core/src/ingest-message.ts';
import { INTERVALS, LAYER_BUDGETS_MS, LIMITS } from '../../packages/trending-core/src/ttl-policy.ts';
import { withoutComments } from './stray-numbers.ts';

const MINUTE_MS = 60_000;

function wranglerConfig(app: string): Record<string, unknown> {
  const path = fileURLToPath(new URL(`../../apps/${app}/wrangler.jsonc`, import.meta.url));
  return JSON.parse(withoutComments(readFileSync(path, 'utf8'))) as Record<string, unknown>;
}

/**
 * The interval of a cron that fires every n minutes (`* * * * *`, `*\/n * * * *`); any other
 * schedule is not an interval this table can state.
 */
function cronIntervalMs(cron: string): number {
  const match = /^(\*|\*\/(\d+)) \* \* \* \*$/.exec(cron.trim());
  if (!match) throw new Error(`not an every-n-minutes cron: ${cron}`);
  return (match[2] ? Number(match[2]) : 1) * MINUTE_MS;
}

describe('wrangler.jsonc and the policy table', () => {
  it("precompute's cron fires every INTERVALS.precomputeCronMs, so the run lock ends before the next", () => {
    const { triggers } = wranglerConfig('precompute') as { triggers: { crons: string[] } };
    expect(triggers.crons.length).toBeGreaterThan(0);
    for (const cron of triggers.crons) expect(cronIntervalMs(cron)).toBe(INTERVALS.precomputeCronMs);
    expect(INTERVALS.runLockTtlMs).toBeLessThan(cronIntervalMs(triggers.crons[0] as string));
  });

  it("the api's ingest limiter is LIMITS.ingestPerClient", () => {
    const { ratelimits } = wranglerConfig('api') as {
      ratelimits: { name: string; simple: { limit: number; period: number } }[];
    };
    const limiter = ratelimits.find((r) => r.name === 'INGEST_LIMITER');
    expect(limiter?.simple).toEqual({
      limit: LIMITS.ingestPerClient.limit,
      period: LIMITS.ingestPerClient.periodS,
    });
  });

  it("the api's budget vars are LAYER_BUDGETS_MS", () => {
    const { vars } = wranglerConfig('api') as { vars: Record<string, string> };
    expect({
      edge: Number(vars.EDGE_BUDGET_MS),
      doSnapshot: Number(vars.DO_BUDGET_MS),
      kv: Number(vars.KV_BUDGET_MS),
      compute: Number(vars.COMPUTE_BUDGET_MS),
    }).toEqual(LAYER_BUDGETS_MS);
  });

  it('the aggregator consumes every ingest queue the api produces to, each as LIMITS.ingestQueue says', () => {
    const { queues } = wranglerConfig('aggregator') as {
      queues: { consumers: Record<string, unknown>[]; producers: { queue: string }[] };
    };
    const api = wranglerConfig('api') as { queues: { producers: { binding: string; queue: string }[] } };
    const groups = api.queues.producers.length;
    expect(groups).toBeGreaterThanOrEqual(1);
    expect(groups).toBeLessThanOrEqual(LIMITS.ingestQueue.maxGroups);
    // Group g is queue ingestQueueName(g) under binding ingestQueueBinding(g), in order.
    expect(api.queues.producers).toEqual(
      Array.from({ length: groups }, (_, g) => ({
        binding: ingestQueueBinding(g),
        queue: ingestQueueName(g),
      })),
    );
    const queue = LIMITS.ingestQueue;
    for (let g = 0; g < groups; g++) {
      expect(queues.consumers.find((c) => c.queue === ingestQueueName(g))).toEqual({
        queue: ingestQueueName(g),
        max_batch_size: queue.consumerBatchSize,
        max_batch_timeout: queue.consumerBatchTimeoutS,
        max_retries: queue.maxRetries,
        dead_letter_queue: DEAD_LETTER_QUEUE_NAME,
      });
    }
    expect(queues.consumers.map((c) => c.queue).sort()).toEqual(
      [...Array.from({ length: groups }, (_, g) => ingestQueueName(g)), DEAD_LETTER_QUEUE_NAME].sort(),
    );
    expect(queues.producers.map((p) => p.queue)).toEqual([DEAD_LETTER_QUEUE_NAME]);
    // More queues than shards would leave some empty.
    const shards = Number((wranglerConfig('api') as { vars: Record<string, string> }).vars.AGGREGATOR_SHARDS);
    expect(groups).toBeLessThanOrEqual(shards);
  });

  it('the api routes to as many shards as the aggregator merges (AGGREGATOR_SHARDS), at least 2', () => {
    const shards = (app: string) =>
      (wranglerConfig(app) as { vars: Record<string, string> }).vars.AGGREGATOR_SHARDS;
    expect(shards('api')).toBe(shards('aggregator'));
    // The multi-shard path is the one ./scripts/dev and every test run.
    expect(Number(shards('aggregator'))).toBeGreaterThanOrEqual(2);
  });

  it('reads cron intervals, and refuses a schedule that is not one', () => {
    expect(cronIntervalMs('* * * * *')).toBe(60_000);
    expect(cronIntervalMs('*/5 * * * *')).toBe(300_000);
    expect(() => cronIntervalMs('0 * * * *')).toThrow(/not an every-n-minutes cron/);
  });
});
