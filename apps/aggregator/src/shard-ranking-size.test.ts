// A shard answers its coordinator's merge (rankShard) over Durable Object RPC, whose arguments and
// return values have a size limit (32 MiB; 1 MiB before April 2025). The worst case, its best
// candidateCount(MAX_LIMIT) videos each with the longest title and the most, longest hashtags a
// signed event keeps, must stay within LIMITS.shardRankingBytes.
import { GROUPED_VIDEOS, LIMITS, MAX_LIMIT, SCORING, VIEW_FIELD_LIMITS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { candidateCount } from './ranking.ts';
import type { ShardRanking } from './shard-fleet.ts';
import { distinctViews, newStore, randomVideoId, registerVideos, signedVideo } from './testing.ts';

/**
 * The most bytes a value can take serialized: its JSON as UTF-8 (3 bytes a character for the
 * CJK text below), or as UTF-16 (2 bytes a code unit, how V8's serializer keeps a string that is
 * not Latin-1), whichever is larger.
 */
function serializedBytesAtMost(value: unknown): number {
  const json = JSON.stringify(value);
  return Math.max(new TextEncoder().encode(json).byteLength, 2 * json.length);
}

describe("a shard's ranking for the merge", () => {
  it('stays within LIMITS.shardRankingBytes for 1,000 candidates with the longest fields', async () => {
    const store = newStore();
    // Longer than a signed event keeps, in a script of 3 UTF-8 bytes a character: what the
    // clamps leave is the longest a candidate can carry.
    const record = signedVideo(`rank-size:${crypto.randomUUID()}`, {
      title: '中'.repeat(VIEW_FIELD_LIMITS.titleChars + 100),
      hashtags: Array.from(
        { length: VIEW_FIELD_LIMITS.hashtags + 10 },
        (_, i) => `${String(i).padStart(2, '0')}${'字'.repeat(VIEW_FIELD_LIMITS.hashtagChars)}`,
      ),
    });
    await registerVideos(store, record);
    await store.ingest(distinctViews(record.id, SCORING.minUniqueViewers + 5));
    const count = candidateCount(MAX_LIMIT);
    const ranking = await store.rankShard({ window: '24h', now: Date.now(), hidden: [], count });
    const [candidate] = ranking.candidates;
    expect(candidate?.title?.length).toBe(VIEW_FIELD_LIMITS.titleChars);
    expect(candidate?.hashtags).toHaveLength(VIEW_FIELD_LIMITS.hashtags);
    expect(candidate?.hashtags?.every((t) => t.length === VIEW_FIELD_LIMITS.hashtagChars)).toBe(true);

    // That candidate as every one of the most a shard returns (a merge asks each for this many).
    expect(count).toBe(GROUPED_VIDEOS);
    const worst: ShardRanking = {
      candidates: Array.from({ length: count }, () => ({
        ...(candidate as NonNullable<typeof candidate>),
        videoId: randomVideoId(),
        score: Number.MAX_VALUE,
        views: Number.MAX_SAFE_INTEGER,
        uniqueViewers: Number.MAX_SAFE_INTEGER,
        loops: Number.MAX_SAFE_INTEGER,
        avgCompletion: 0.123456789,
      })),
      rowsScanned: Number.MAX_SAFE_INTEGER,
    };
    expect(serializedBytesAtMost(worst)).toBeLessThanOrEqual(LIMITS.shardRankingBytes);
  });
});
