import {
  type ResponseFormat,
  snapshotETag,
  type TrendingSnapshot,
  type TrendingWindow,
  toClientCreatorsResponse,
  toClientHashtagsResponse,
  toClientVinesResponse,
  toTrendingVideosResponse,
} from '@openvine/trending-core';

const SERIALIZERS: Record<ResponseFormat, (snapshot: TrendingSnapshot, limit: number) => unknown> = {
  v1: toTrendingVideosResponse,
  vines: toClientVinesResponse,
  hashtags: toClientHashtagsResponse,
  creators: toClientCreatorsResponse,
};

/** A serialized response body and what identifies it: what layers 0 and 1 hold. */
export interface CachedBody {
  body: string;
  etag: string;
  window: TrendingWindow;
  generation: number;
  /** Epoch ms when the ranking inside was computed: freshness is measured from it. */
  computedAt: number;
}

/** Serializes once per (format, limit): every limit is a slice of the window's top-100. */
export function toCachedBody(snapshot: TrendingSnapshot, format: ResponseFormat, limit: number): CachedBody {
  return {
    body: JSON.stringify(SERIALIZERS[format](snapshot, limit)),
    etag: snapshotETag(snapshot, limit, format),
    window: snapshot.window,
    generation: snapshot.generation,
    computedAt: snapshot.computedAt,
  };
}
