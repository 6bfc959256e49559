import {
  type ResponseFormat,
  snapshotETag,
  type TrendingSnapshot,
  type TrendingWindow,
  toClientVinesResponse,
  toTrendingVideosResponse,
} from '@openvine/trending-core';

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
  const body =
    format === 'v1' ? toTrendingVideosResponse(snapshot, limit) : toClientVinesResponse(snapshot, limit);
  return {
    body: JSON.stringify(body),
    etag: snapshotETag(snapshot, limit, format),
    window: snapshot.window,
    generation: snapshot.generation,
    computedAt: snapshot.computedAt,
  };
}
