import type { ClientVinesResponse, TrendingSnapshot, TrendingVideosResponse } from './schemas.ts';
import { ALGORITHM } from './scoring.ts';

/** Every limit is a slice of the one top-100 computed per window. */
export function toTrendingVideosResponse(snapshot: TrendingSnapshot, limit: number): TrendingVideosResponse {
  return {
    window: snapshot.window,
    limit,
    generatedAt: new Date(snapshot.computedAt).toISOString(),
    videos: snapshot.videos.slice(0, limit),
  };
}

/**
 * The shape the OpenVine mobile app parses: `views` and `uniqueViewers` must be JSON integers
 * (its Dart parser throws on 12.0 and shows an empty list), and it reads `completionRate`.
 */
export function toClientVinesResponse(snapshot: TrendingSnapshot, limit: number): ClientVinesResponse {
  const vines = snapshot.videos.slice(0, limit).map((video) => ({
    eventId: video.videoId,
    views: Math.trunc(video.views),
    score: video.score,
    uniqueViewers: Math.trunc(video.uniqueViewers),
    avgCompletion: video.avgCompletion,
    completionRate: video.avgCompletion,
    ...(video.title === undefined ? {} : { title: video.title }),
    ...(video.creatorPubkey === undefined ? {} : { creatorPubkey: video.creatorPubkey }),
    ...(video.hashtags === undefined ? {} : { hashtags: video.hashtags }),
  }));
  return {
    vines,
    algorithm: ALGORITHM,
    updatedAt: snapshot.computedAt,
    period: snapshot.window,
    totalVines: vines.length,
  };
}
