import type { TrendingCreator, TrendingHashtag } from './response-schemas.ts';
import { round } from './scoring.ts';

/** How many of a window's best-scored videos its hashtags and creators are drawn from. */
export const GROUPED_VIDEOS = 1_000;
/** How many hashtags and creators a snapshot keeps (every limit is a slice of these). */
export const GROUPS_KEPT = 100;

export interface ScoredVideo {
  score: number;
  views: number;
  creatorPubkey?: string | undefined;
  hashtags?: readonly string[] | undefined;
}

interface Group {
  views: number;
  videoCount: number;
  scoreSum: number;
}

function add(groups: Map<string, Group>, key: string, video: ScoredVideo): void {
  const group = groups.get(key) ?? { views: 0, videoCount: 0, scoreSum: 0 };
  group.views += video.views;
  group.videoCount += 1;
  group.scoreSum += video.score;
  groups.set(key, group);
}

/**
 * Ranks groups by the summed score of their videos (a tag on many trending videos beats a tag on
 * one), then views, then key: the same videos always give the same order.
 */
function ranked(groups: Map<string, Group>): [string, Group][] {
  return [...groups]
    .sort(([ka, a], [kb, b]) => b.scoreSum - a.scoreSum || b.views - a.views || (ka < kb ? -1 : 1))
    .slice(0, GROUPS_KEPT);
}

/**
 * Trending hashtags and creators of a window, from its scored videos (best first; only the first
 * GROUPED_VIDEOS count): views summed, videos counted, scores averaged.
 */
export function groupTrending(videos: readonly ScoredVideo[]): {
  hashtags: TrendingHashtag[];
  creators: TrendingCreator[];
} {
  const tags = new Map<string, Group>();
  const creators = new Map<string, Group>();
  for (const video of videos.slice(0, GROUPED_VIDEOS)) {
    for (const tag of new Set(video.hashtags ?? [])) add(tags, tag, video);
    if (video.creatorPubkey) add(creators, video.creatorPubkey, video);
  }
  return {
    hashtags: ranked(tags).map(([tag, g]) => ({
      tag,
      views: g.views,
      videoCount: g.videoCount,
      avgViralScore: round(g.scoreSum / g.videoCount),
    })),
    creators: ranked(creators).map(([pubkey, g]) => ({
      pubkey,
      totalViews: g.views,
      videoCount: g.videoCount,
      avgViralScore: round(g.scoreSum / g.videoCount),
    })),
  };
}
