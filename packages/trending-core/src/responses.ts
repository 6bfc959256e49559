import type {
  ClientCreatorsResponse,
  ClientHashtagsResponse,
  ClientVinesResponse,
  TrendingSnapshot,
  TrendingVideosResponse,
} from './response-schemas.ts';
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

/** The app's trending hashtags (`views` and `videoCount` JSON integers, as its parser needs). */
export function toClientHashtagsResponse(snapshot: TrendingSnapshot, limit: number): ClientHashtagsResponse {
  const hashtags = (snapshot.hashtags ?? []).slice(0, limit).map((h) => ({
    tag: h.tag,
    views: Math.trunc(h.views),
    videoCount: Math.trunc(h.videoCount),
    avgViralScore: h.avgViralScore,
  }));
  return {
    hashtags,
    algorithm: ALGORITHM,
    updatedAt: snapshot.computedAt,
    period: snapshot.window,
    totalHashtags: hashtags.length,
  };
}

/** The app's top creators (`totalViews` and `videoCount` JSON integers). */
export function toClientCreatorsResponse(snapshot: TrendingSnapshot, limit: number): ClientCreatorsResponse {
  const creators = (snapshot.creators ?? []).slice(0, limit).map((c) => ({
    pubkey: c.pubkey,
    totalViews: Math.trunc(c.totalViews),
    videoCount: Math.trunc(c.videoCount),
    avgViralScore: c.avgViralScore,
  }));
  return {
    creators,
    algorithm: ALGORITHM,
    updatedAt: snapshot.computedAt,
    period: snapshot.window,
    totalCreators: creators.length,
  };
}
