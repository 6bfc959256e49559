// Item 2 of issue 15: the same events through one object and through 8 shards give identical
// top-100 lists, hashtags and creators, in every window, with moderation applied: the merge is
// exact, not an estimate. The shards are real objects with their own rollups (each a store).
import { env } from 'cloudflare:workers';
import {
  compareRankKeys,
  type HiddenItem,
  MAX_LIMIT,
  MINUTE_MS,
  type NormalizedViewEvent,
  shardObjectNames,
  shardOf,
  WINDOWS,
} from '@openvine/trending-core';
import { seededRandom } from '@openvine/trending-core/demo-data';
import { describe, expect, it } from 'vitest';
import { candidateCount, labelRanking, type RankCandidate } from './ranking.ts';
import type { ShardRanking, ShardRankingRequest } from './shard-fleet.ts';
import { firstRoundCount, mergeShardRankings, mergeShards } from './shard-merge.ts';
import {
  type AggregatorStub,
  distinctViews,
  ingestAll,
  newAggregator,
  newStore,
  randomVideoId,
  registerVideos,
  signedVideo,
} from './testing.ts';

const SHARDS = 8;
/** More videos than a ranking groups (GROUPED_VIDEOS, 1,000): the shards' cut at 1,000 matters. */
const VIDEOS = 1_300;

interface Workload {
  records: ReturnType<typeof signedVideo>[];
  events: NormalizedViewEvent[];
  hidden: HiddenItem[];
}

/** Videos with 5..27 viewers over the last ~5 days; every 5th signed (10 creators, 6 hashtags). */
function workload(): Workload {
  const now = Date.now();
  const keys = crypto.randomUUID();
  const records: ReturnType<typeof signedVideo>[] = [];
  const events: NormalizedViewEvent[] = [];
  for (let k = 0; k < VIDEOS; k++) {
    let videoId = randomVideoId();
    if (k % 5 === 0) {
      const record = signedVideo(`${keys}:creator-${k % 10}`, {
        d: `clip-${k}`,
        title: `Clip ${k}`,
        hashtags: [`tag${k % 6}`, 'vine'],
      });
      records.push(record);
      videoId = record.id;
    }
    const viewers = 5 + ((k * 7) % 23);
    events.push(
      ...distinctViews(videoId, viewers, {
        viewerPrefix: `v${k}`,
        at: (j) => now - ((k * 37 + j * 11) % 7_000) * MINUTE_MS,
        extra: { completion: ((k % 10) + 1) / 10 },
      }),
    );
  }
  const creator = records[1]?.pubkey ?? '';
  const hidden: HiddenItem[] = [
    { kind: 'creator', value: creator, reason: 'test', at: now },
    { kind: 'hashtag', value: 'tag2', reason: 'test', at: now },
  ];
  return { records, events, hidden };
}

async function registerAll(stub: AggregatorStub, records: readonly ReturnType<typeof signedVideo>[]) {
  for (let i = 0; i < records.length; i += 50) await registerVideos(stub, ...records.slice(i, i + 50));
}

function storeNamed(name: string): AggregatorStub {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

// 1,300 signed videos registered and ranked in up to nine objects: about 15 s on a quiet 2-core
// machine, so these two get a hang guard of their own, above the suite's 20 s.
const HEAVY_MS = 90_000;

describe('shards and their merge', () => {
  it(
    'the same events through 1 shard and through 8 give identical top-100 lists, hashtags and creators',
    async () => {
      const { records, events, hidden } = workload();
      const one = newStore();
      const eight = shardObjectNames(crypto.randomUUID(), SHARDS).map(storeNamed);
      await registerAll(one, records);
      for (const shard of eight) await registerAll(shard, records);
      await ingestAll(one, events);
      for (let s = 0; s < SHARDS; s++)
        await ingestAll(
          eight[s] as AggregatorStub,
          events.filter((e) => shardOf(e.videoId, SHARDS) === s),
        );

      const now = Date.now();
      for (const window of WINDOWS) {
        const request = { window, now, hidden, count: candidateCount(MAX_LIMIT) };
        const alone = await one.rankShard(request);
        // The coordinator's two rounds, against every shard sending its best `count` (one round).
        const merged = await mergeShards(SHARDS, request, (s, part) =>
          (eight[s] as AggregatorStub).rankShard(part),
        );
        const oneRound = mergeShardRankings(
          await Promise.all(eight.map((s) => s.rankShard(request))),
          request.count,
        );
        expect(merged.candidates, window).toEqual(oneRound.candidates);
        const expected = labelRanking(alone.candidates, MAX_LIMIT);
        const actual = labelRanking(merged.candidates, MAX_LIMIT);
        // Enough to mean something: a full list, and groups drawn from over GROUPED_VIDEOS videos.
        // (The 1h window holds the few videos with 5 viewers in the last hour.)
        // In 7d every video ranks: more than the 1,000 each shard's part is cut to.
        if (window === '7d') expect(alone.candidates.length).toBe(candidateCount(MAX_LIMIT));
        if (window !== '1h') {
          expect(expected.videos.length).toBe(MAX_LIMIT);
          expect(expected.hashtags.length).toBeGreaterThan(0);
          expect(expected.creators.length).toBeGreaterThan(0);
        }
        expect(expected.videos.length).toBeGreaterThan(0);
        expect(actual.videos, window).toEqual(expected.videos);
        expect(actual.hashtags, window).toEqual(expected.hashtags);
        expect(actual.creators, window).toEqual(expected.creators);
        // Moderation is applied before the cut, in every shard.
        expect(actual.hashtags.map((h) => h.tag)).not.toContain('tag2');
      }
      // A second round's request: the store's candidates up to a given one, in the same order.
      const all = await one.rankShard({ window: '7d', now, hidden, count: candidateCount(MAX_LIMIT) });
      const cut = all.candidates[499] as RankCandidate;
      const atLeast = { score: cut.score, views: cut.views, videoId: cut.videoId };
      const upTo = await one.rankShard({
        window: '7d',
        now,
        hidden,
        count: candidateCount(MAX_LIMIT),
        atLeast,
      });
      expect(upTo.candidates).toEqual(all.candidates.slice(0, 500));
    },
    HEAVY_MS,
  );

  it(
    'a coordinator of 2 shards serves what one object holding every event serves',
    async () => {
      const { records, events } = workload();
      const coordinator = newAggregator();
      const alone = newStore();
      await registerAll(coordinator, records);
      await registerAll(alone, records);
      // All of it: each shard then holds more rankable videos in 7d than a list shows, so a merge
      // of the shards' lists alone (not of their best 1,000) would group different videos.
      await ingestAll(coordinator, events);
      await ingestAll(alone, events);
      for (const window of WINDOWS) {
        const [sharded, single] = [await coordinator.refresh(window), await alone.refresh(window)];
        expect(sharded.videos.length).toBeGreaterThan(0);
        expect(sharded.videos, window).toEqual(single.videos);
        expect(sharded.hashtags, window).toEqual(single.hashtags);
        expect(sharded.creators, window).toEqual(single.creators);
      }
      // The coordinator stores no events itself: its shards hold them all.
      expect((await coordinator.stats()).rows.viewers).toBe((await alone.stats()).rows.viewers);
    },
    HEAVY_MS,
  );
});

describe("the coordinator's two-round merge", () => {
  /** Shards holding `sizes[s]` candidates each, scores drawn so that `skew` of the best sit in shard 0. */
  function shardsOf(sizes: readonly number[], skew: number): RankCandidate[][] {
    const random = seededRandom(sizes.length * 7 + Math.round(skew * 100));
    return sizes.map((size, s) =>
      Array.from({ length: size }, (_, i): RankCandidate => {
        const best = s === 0 ? random() < skew : random() >= skew;
        // Ties on score and views are frequent, so the id decides often, as in the real order.
        const score = Math.round((best ? 100 : 0) + random() * 20);
        return {
          videoId: `${s}-${i.toString().padStart(5, '0')}`,
          score,
          views: Math.round(random() * 3),
          uniqueViewers: 5,
          avgCompletion: 1,
          loops: 0,
        };
      }).sort(compareRankKeys),
    );
  }

  /** What shard `s` answers: its best `count`, up to `atLeast` when asked so. */
  function ranker(shards: readonly RankCandidate[][], sent: number[]) {
    return async (s: number, request: ShardRankingRequest): Promise<ShardRanking> => {
      const all = shards[s] ?? [];
      const { atLeast } = request;
      const eligible = atLeast ? all.filter((c) => compareRankKeys(c, atLeast) <= 0) : all;
      const candidates = eligible.slice(0, request.count);
      sent[s] = (sent[s] ?? 0) + candidates.length;
      return { candidates, rowsScanned: 0 };
    };
  }

  const request: ShardRankingRequest = { window: '7d', now: 0, hidden: [], count: 1000 };

  it('equals every shard sending its best 1,000, however the best are spread', async () => {
    for (const [sizes, skew] of [
      [[3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000], 0.125],
      [[3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000], 0.9],
      [[5000, 40, 3000, 0, 3000, 3000, 10, 3000], 1],
      [[100, 200, 150, 90], 0.5],
    ] as const) {
      const shards = shardsOf(sizes, skew);
      const oneRound = mergeShardRankings(
        await Promise.all(shards.map((_, s) => ranker(shards, [])(s, request))),
        request.count,
      );
      const sent: number[] = [];
      const twoRounds = await mergeShards(shards.length, request, ranker(shards, sent));
      expect(twoRounds.candidates, `${sizes} ${skew}`).toEqual(oneRound.candidates);
    }
  });

  it('asks a second round only of a shard that can hold more of the best', async () => {
    const even = shardsOf([3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000], 0.125);
    const sentEven: number[] = [];
    await mergeShards(8, request, ranker(even, sentEven));
    // Spread evenly: one round, each shard sending 188 instead of 1,000.
    expect(sentEven).toEqual(Array(8).fill(firstRoundCount(1000, 8)));

    const skewed = shardsOf([3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000], 1);
    const sentSkewed: number[] = [];
    await mergeShards(8, request, ranker(skewed, sentSkewed));
    // Shard 0 holds all of the best: it alone is asked again.
    expect(sentSkewed.slice(1)).toEqual(Array(7).fill(firstRoundCount(1000, 8)));
    expect(sentSkewed[0]).toBeGreaterThan(1000);
  });
});
