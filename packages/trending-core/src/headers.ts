import { isResponseFormat, type ResponseFormat } from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';
import { TTL_POLICY } from './ttl-policy.ts';
import { isTrendingWindow, type TrendingWindow } from './windows.ts';

/** Which layer of the cascade answered. */
export type CacheLayer = 'HIT-MEMORY' | 'HIT-EDGE' | 'HIT-DO' | 'HIT-KV' | 'MISS';

/** CORS on every response: any origin may read it, and these headers too. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
};

/**
 * A preflight's answer adds what browsers read only there (request headers, how long to remember
 * it; the methods are the path's own, set by the api's preflight from its route table); sent on
 * every response they would cost each hot-path response ~150 bytes.
 */
export const CORS_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
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
export function snapshotETag(
  snapshot: Pick<TrendingSnapshot, 'window' | 'generation' | 'computedAt'>,
  limit: number,
  format: ResponseFormat,
): string {
  return `"${format}-${snapshot.window}-${limit}-g${snapshot.generation}-${snapshot.computedAt.toString(36)}"`;
}

/** What a snapshot ETag names: enough to place a stored copy without any other header. */
export interface SnapshotTag {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
  generation: number;
  computedAt: number;
}

/** The inverse of snapshotETag; undefined for anything it did not make. */
export function parseSnapshotETag(etag: string): SnapshotTag | undefined {
  if (etag.length < 2 || etag[0] !== '"' || etag[etag.length - 1] !== '"') return undefined;
  const parts = etag.slice(1, -1).split('-');
  if (parts.length !== 5) return undefined;
  const [format, window, limitText, generationText, computedAtText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (!isResponseFormat(format) || !isTrendingWindow(window) || generationText[0] !== 'g') return undefined;
  const limit = Number(limitText);
  const generation = Number(generationText.slice(1));
  const computedAt = Number.parseInt(computedAtText, 36);
  // parseInt stops at the first character that is not a base-36 digit: a whole parse is as long.
  const whole = Number.isSafeInteger(computedAt) && computedAt.toString(36).length === computedAtText.length;
  if (!whole || !Number.isSafeInteger(limit) || !Number.isSafeInteger(generation)) return undefined;
  return { format, window, limit, generation, computedAt };
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
  /** trendingCacheTagValue of the answer's scope, window and generation. */
  cacheTag: string;
  layer: CacheLayer;
  stale: boolean;
  /** Seconds since the ranking was computed. */
  ageS: number;
  timings: readonly ServerTimingEntry[];
}

// Computed once: every hit's headers carry them, memory hits included.
const CACHE_CONTROL = cacheControlValue();
const CDN_CACHE_CONTROL = cdnCacheControlValue();

/**
 * The purge tags of a trending answer (Cloudflare's `Cache-Tag`): every trending answer of the
 * key scope, those of its window, those of its window and generation. A moderation change purges
 * every data center's edge by the window tags (cache-purge.ts); the scope ('' in production)
 * keeps another aggregator's purge (a staging one, a test's) off this one's entries.
 */
export function trendingCacheTags(scope: string, window: TrendingWindow, generation: number): string[] {
  return [`${scope}trending`, `${scope}trending-${window}`, `${scope}trending-${window}-g${generation}`];
}

/** The tag every answer of a window carries, whatever its generation: what a purge names. */
export function trendingWindowCacheTag(scope: string, window: TrendingWindow): string {
  return `${scope}trending-${window}`;
}

/** The `Cache-Tag` value of an answer (comma separated, as Cloudflare reads it). */
export function trendingCacheTagValue(scope: string, window: TrendingWindow, generation: number): string {
  return trendingCacheTags(scope, window, generation).join(',');
}

/**
 * The headers of a trending read that depend on its content alone (the rest are per request:
 * X-Cache, Age, Server-Timing). The edge layer stores exactly these with its entry, so that a hit
 * answers with a copy of them and sets only the per-request three.
 */
export function trendingContentHeaders(etag: string, cacheTag: string): Record<string, string> {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': CACHE_CONTROL,
    'CDN-Cache-Control': CDN_CACHE_CONTROL,
    'Cloudflare-CDN-Cache-Control': CDN_CACHE_CONTROL,
    'Cache-Tag': cacheTag,
    ETag: etag,
    ...CORS_HEADERS,
  };
}

/** The headers a trending read sets per request, on top of its content headers. */
export function trendingRequestHeaders(input: Omit<TrendingHeaderInput, 'etag' | 'cacheTag'>): {
  'X-Cache': string;
  'Server-Timing': string;
  Age: string;
} {
  return {
    'X-Cache': input.stale ? `${input.layer}, STALE` : input.layer,
    'Server-Timing': serverTimingValue(input.timings),
    Age: String(Math.max(0, Math.floor(input.ageS))),
  };
}

/** Every header a trending read carries, in one place. */
export function trendingHeaders(input: TrendingHeaderInput): Record<string, string> {
  return { ...trendingContentHeaders(input.etag, input.cacheTag), ...trendingRequestHeaders(input) };
}

/** RFC 9110 If-None-Match: `*`, or any listed tag equal under weak comparison. */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}
