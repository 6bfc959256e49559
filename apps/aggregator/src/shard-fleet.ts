import {
  aggregatorShardCount,
  type HiddenItem,
  isShardObjectName,
  type NormalizedViewEvent,
  type RankKey,
  shardObjectNameOf,
  shardObjectNames,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';
import type { RankCandidate } from './ranking.ts';
import type { IngestOutcome } from './rollups.ts';

/** A shard's part of a window's ranking: its best candidates, and the rows it read for them. */
export interface ShardRanking {
  candidates: RankCandidate[];
  rowsScanned: number;
}

/** What a coordinator asks a shard to rank: the window, the instant, what is hidden, how many. */
export interface ShardRankingRequest {
  window: TrendingWindow;
  now: number;
  hidden: HiddenItem[];
  count: number;
  /** A full rescan of the rollups rather than the running totals (rescan, the record check). */
  rescan?: boolean;
  /**
   * Only candidates that rank before this one or are it (rankByScore's order), up to `count`:
   * the second round of a coordinator's merge (shard-merge.ts).
   */
  atLeast?: RankKey;
}

/**
 * The shards of a coordinator (trending-core's shards.ts names them): a coordinator is the object
 * named by the aggregator name when AGGREGATOR_SHARDS is 2 or more; it counts nothing itself and
 * reaches its shards through its own namespace. `undefined` for every other object: a shard, or
 * the one object of an unsharded deployment, which stores and ranks as before shards existed.
 */
export function shardFleetOf(env: AggregatorEnv, name: string | undefined): ShardFleet | undefined {
  const count = aggregatorShardCount(env.AGGREGATOR_SHARDS);
  // The api refuses ingest (503 misconfigured) on a bad count; reads fail as loudly.
  if (count === null) throw new Error(`AGGREGATOR_SHARDS ${env.AGGREGATOR_SHARDS} is not a shard count`);
  if (count <= 1 || name === undefined || isShardObjectName(name)) return undefined;
  return new ShardFleet(env.AGGREGATOR, name, count);
}

export class ShardFleet {
  readonly names: readonly string[];

  constructor(
    private readonly namespace: AggregatorEnv['AGGREGATOR'],
    private readonly coordinator: string,
    readonly count: number,
  ) {
    this.names = shardObjectNames(coordinator, count);
  }

  private stub(name: string) {
    return this.namespace.get(this.namespace.idFromName(name));
  }

  /** Shard `index` (0 .. count - 1). */
  at(index: number) {
    return this.stub(this.names[index] as string);
  }

  /** Calls every shard at once; rejects if any shard fails (the caller's answer is then an error). */
  each<T>(call: (shard: ReturnType<ShardFleet['stub']>) => Promise<T>): Promise<T[]> {
    return Promise.all(this.names.map((name) => call(this.stub(name))));
  }

  /**
   * Ingests a batch through its shards: each video's events to its own shard, each shard's part
   * in one call, all at once. Each part commits whole or not at all; a batch that spans shards
   * can commit in some and fail in others (the caller then answers an error and the client
   * retries: keyed events count once). The queue consumer routes the same way (ingest-consumer.ts).
   */
  async ingest(events: readonly NormalizedViewEvent[]): Promise<IngestOutcome> {
    const outcomes = await this.perShard(
      events,
      (e) => e.videoId,
      (shard, part) => shard.ingest(part),
    );
    const duplicateIndexes = outcomes
      .flatMap(({ positions, result }) => result.duplicateIndexes.map((i) => positions[i] as number))
      .sort((a, b) => a - b);
    return {
      accepted: outcomes.reduce((n, { result }) => n + result.accepted, 0),
      duplicates: duplicateIndexes.length,
      duplicateIndexes,
    };
  }

  /**
   * Calls each shard once, at once, with the items of its videos (in their order), and gives each
   * result with the items' positions in `items`.
   */
  async perShard<T, R>(
    items: readonly T[],
    videoIdOf: (item: T) => string,
    call: (shard: ReturnType<ShardFleet['stub']>, part: T[]) => Promise<R>,
  ): Promise<{ positions: number[]; result: R }[]> {
    const parts = new Map<string, { items: T[]; positions: number[] }>();
    items.forEach((item, position) => {
      const name = shardObjectNameOf(this.coordinator, videoIdOf(item), this.count);
      const part = parts.get(name) ?? { items: [], positions: [] };
      part.items.push(item);
      part.positions.push(position);
      parts.set(name, part);
    });
    return Promise.all(
      [...parts].map(async ([name, part]) => ({
        positions: part.positions,
        result: await call(this.stub(name), part.items),
      })),
    );
  }

  /** The shard that holds `videoId`'s events. */
  forVideo(videoId: string) {
    return this.stub(shardObjectNameOf(this.coordinator, videoId, this.count));
  }
}
