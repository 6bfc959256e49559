// The aggregator Worker as tests run it, never deployed: its own suite's `main` (vitest.config.ts)
// and the bundle the api's tests load beside the api (dist/test-entry). Three differences from the
// production Worker (index.ts):
// - the TrendingAggregator's SQL storage is wrapped in the test-only 2 MB guard
//   (testing-sql-guard.ts): production SQLite refuses any string, blob or row over 2 MB and the
//   local runtime does not, so a statement that would throw in production throws here;
// - its shards can be made to fail their rankings (a shard out of reach), armed by the api's
//   tests through the `RankingFaults` entrypoint;
// - the ingest consumer has a fault seam the tests arm through the `IngestFaults` entrypoint (a
//   service binding only the test config creates), and the bench through a var of its own
//   (TEST_REDELIVER_SHARE, bench/src/scenarios/scale.ts). Production code has no hook for either.

import { WorkerEntrypoint } from 'cloudflare:workers';
import type { TrendingWindow } from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';
import worker from './index.ts';
import { handleQueue } from './queue-handler.ts';
import type { ShardRanking, ShardRankingRequest } from './shard-fleet.ts';
import { guardSql } from './testing-sql-guard.ts';
import { TrendingAggregator as ProductionAggregator } from './trending-aggregator.ts';

export { DeadLetterStore, MetricsAggregator } from './index.ts';

/** Shard objects whose rankings of some windows fail, as a shard out of reach does, by object name. */
const failingRankings = new Map<string, ReadonlySet<TrendingWindow>>();

export class TrendingAggregator extends ProductionAggregator {
  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    const guarded = guardSql(ctx.storage.sql).sql;
    // An own property shadows the storage's `sql` getter: the object, and runInDurableObject's
    // `state`, both see the guarded one.
    Object.defineProperty(ctx.storage, 'sql', { value: guarded, configurable: true });
    super(ctx, env);
  }

  override async rankShard(request: ShardRankingRequest): Promise<ShardRanking> {
    if (failingRankings.get(this.ctx.id.name ?? '')?.has(request.window))
      throw new Error(`test fault: shard ${this.ctx.id.name} did not answer its ${request.window} ranking`);
    return super.rankShard(request);
  }
}

/** For the api's tests: shards that fail their rankings, as one out of reach does. */
export class RankingFaults extends WorkerEntrypoint<AggregatorEnv> {
  /** The shard objects `objects` fail every ranking of `windows` until repaired (`windows` empty). */
  failRankings(objects: string[], windows: TrendingWindow[]): void {
    for (const object of objects) {
      if (windows.length === 0) failingRankings.delete(object);
      else failingRankings.set(object, new Set(windows));
    }
  }
}

/** Shard objects whose next commits crash the consumer right after committing, and how many. */
const crashesAfterCommit = new Map<string, number>();

/** For tests: faults of the ingest consumer, by shard object (each test's own aggregator). */
export class IngestFaults extends WorkerEntrypoint<AggregatorEnv> {
  /**
   * The next `times` deliveries that commit events of `object` throw after the commit and
   * before the ack, as a consumer killed at that instant: the queue redelivers the messages.
   */
  crashAfterCommit(object: string, times = 1): void {
    crashesAfterCommit.set(object, times);
  }

  /** Crashes still armed for `object` (0 once they all happened). */
  crashesLeft(object: string): number {
    return crashesAfterCommit.get(object) ?? 0;
  }
}

/**
 * The bench's redeliveries (TEST_REDELIVER_SHARE, e.g. 0.1): a commit throws after committing and
 * before acking, as a consumer killed at that instant, whenever the messages so crashed are fewer
 * than the share of the messages seen, so that the queue redelivers that share of the messages
 * (give or take one commit's), whatever the deliveries' sizes. A message is crashed on at most
 * once, so none reaches the dead letters.
 */
const seenMessages = new Set<string>();
const crashedMessages = new Set<string>();

function crashShare(share: number, messageIds: readonly string[]): void {
  for (const id of messageIds) seenMessages.add(id);
  if (messageIds.some((id) => crashedMessages.has(id))) return;
  if (crashedMessages.size >= share * seenMessages.size) return;
  for (const id of messageIds) crashedMessages.add(id);
  throw new Error(`test fault: ${crashedMessages.size} messages crashed after committing, before acking`);
}

type BenchEnv = AggregatorEnv & { TEST_REDELIVER_SHARE?: string };

export default {
  fetch: worker.fetch,
  async queue(batch, env: BenchEnv): Promise<void> {
    const share = Number(env.TEST_REDELIVER_SHARE ?? 0);
    await handleQueue(batch, env, {
      afterCommit(object, messageIds) {
        if (share > 0) crashShare(share, messageIds);
        const left = crashesAfterCommit.get(object) ?? 0;
        if (left === 0) return;
        crashesAfterCommit.set(object, left - 1);
        throw new Error(`test fault: the consumer crashed after committing ${object}, before acking`);
      },
    });
  },
} satisfies ExportedHandler<AggregatorEnv>;
