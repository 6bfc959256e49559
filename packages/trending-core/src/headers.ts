import type { ResponseFormat } from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';
import { TTL_POLICY } from './ttl-policy.ts';

/** Which layer of the cascade answered. */
export type CacheLayer = 'HIT-MEMORY' | 'HIT-EDGE' | 'HIT-DO' | 'HIT-KV' | 'MISS';

/** CORS on every response: any origin may read it, and these headers too. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
};

/**
 * A preflight's answer adds what browsers read only there (methods, request headers, how long to
 * remember it); sent on every response they would cost each hot-path response ~150 bytes.
 */
export const CORS_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization, If-None-Match, User-Agent',
  'Access-Control-Max-Age': String(TTL_POLICY.corsPreflight.maxAgeS),
};

/** `public, max-age=60, s-maxage=300, stale-while-revalidate=240`, from the TTL table. */
export function cacheControlValue(): string {
  return `public, max-age=${TTL_POLICY.browser.maxAgeS}, s-maxage=${TTL_POLICY.cdn.sMaxAgeS}, stale-while-revalidate=${TTL_POLICY.cdn.staleWhileRevalidateS}`;
}

/** CDN-facing variant: the edge keeps what browsers keep for 60 s for the full s-maxage. */
export function cdnCacheControlValue(): string {
  return `public, max-age=${TTL_POLICY.cdn.sMaxAgeS}, stale-while-revalidate=${TTL_POLICY.cdn.staleWhileRevalidateS}`;
}

/**
 * A strong validator from what identifies the content exactly: the window's generation, the
 * computation time, the limit and the format. No hashing on the hot path.
 */
export function snapshotETag(snapshot: TrendingSnapshot, limit: number, format: ResponseFormat): string {
  return `"${format}-${snapshot.window}-${limit}-g${snapshot.generation}-${snapshot.computedAt.toString(36)}"`;
}

export interface ServerTimingEntry {
  name: string;
  durMs: number;
  desc?: string;
}

export function serverTimingValue(entries: readonly ServerTimingEntry[]): string {
  return entries
    .map((e) => `${e.name};dur=${e.durMs.toFixed(1)}${e.desc ? `;desc="${e.desc}"` : ''}`)
    .join(', ');
}

export interface TrendingHeaderInput {
  etag: string;
  layer: CacheLayer;
  stale: boolean;
  /** Seconds since the ranking was computed. */
  ageS: number;
  timings: readonly ServerTimingEntry[];
}

/** Every header a trending read carries, in one place. */
// Computed once: trendingHeaders runs on every hit, memory hits included.
const CACHE_CONTROL = cacheControlValue();
const CDN_CACHE_CONTROL = cdnCacheControlValue();

export function trendingHeaders(input: TrendingHeaderInput): Record<string, string> {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': CACHE_CONTROL,
    'CDN-Cache-Control': CDN_CACHE_CONTROL,
    'Cloudflare-CDN-Cache-Control': CDN_CACHE_CONTROL,
    ETag: input.etag,
    'X-Cache': input.stale ? `${input.layer}, STALE` : input.layer,
    'Server-Timing': serverTimingValue(input.timings),
    Age: String(Math.max(0, Math.floor(input.ageS))),
    ...CORS_HEADERS,
  };
}

/** RFC 9110 If-None-Match: `*`, or any listed tag equal under weak comparison. */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}
