import {
  LIMITS,
  parseSnapshotETag,
  type SnapshotTag,
  trendingCacheTagValue,
  trendingContentHeaders,
} from '@openvine/trending-core';
import type { CachedBody } from './cached-body.ts';

/**
 * The one header an entry stores for the read path alone (never sent to a client): when this data
 * center stored it. What the entry holds (window, generation, computation) is named by its ETag
 * (trending-core's snapshotETag), so it needs no other copy of it.
 */
const STORED_AT = 'x-trending-stored-at';

/**
 * Parsed ETags, by ETag: every hit of an entry carries the same one, so each is parsed once per
 * isolate rather than on every hit. Bounded: cleared when full (a few windows' worth of keys).
 */
const parsedTags = new Map<string, SnapshotTag | undefined>();

function tagOf(etag: string): SnapshotTag | undefined {
  if (parsedTags.has(etag)) return parsedTags.get(etag);
  const tag = parseSnapshotETag(etag);
  if (parsedTags.size >= LIMITS.parsedETags) parsedTags.clear();
  parsedTags.set(etag, tag);
  return tag;
}

/** An edge entry found: what identifies it, and its body, not read until asked for. */
export interface EdgeEntry extends Omit<CachedBody, 'body'> {
  /** Epoch ms when this data center stored the entry: its freshness counts from here. */
  storedAt: number;
  /** The body as a stream, to pass through to the client untouched (read it once, or drop it). */
  body: ReadableStream | null;
  /**
   * The stored headers: the response's content headers (trendingContentHeaders), with the entry's
   * own lifetime as Cache-Control and STORED_AT beside them. A hit answers with a copy
   * (edgeAnswerHeaders).
   */
  headers: Headers;
  /** Reads the body into a CachedBody (to fill isolate memory). */
  read(): Promise<CachedBody>;
  /** Releases the unread body of an entry that is not served. */
  drop(): void;
}

/**
 * Layer 1: `caches.default`, one data center's cache. An entry is stored with the answer's own
 * content headers, so the cache keeps it for their `s-maxage` (300 s) and a hit answers with a
 * copy of them; the Cache API ignores stale-while-revalidate, so freshness (30 s from when the
 * entry was stored, its `x-trending-stored-at`) and expiry (its snapshot's age budget, 300 s from
 * computedAt) are judged by the read path (freshness.ts), which drops an expired entry.
 */
export const edgeCache = {
  async get(url: string): Promise<EdgeEntry | undefined> {
    const response = await caches.default.match(url);
    if (!response) return undefined;
    const etag = response.headers.get('etag');
    const tag = etag ? tagOf(etag) : undefined;
    const storedAt = Number(response.headers.get(STORED_AT));
    if (!etag || !tag || !Number.isFinite(storedAt)) {
      await response.body?.cancel();
      return undefined;
    }
    const meta = { etag, generation: tag.generation, computedAt: tag.computedAt, window: tag.window };
    return {
      ...meta,
      storedAt,
      body: response.body,
      headers: response.headers,
      read: async () => ({ ...meta, body: await response.text() }),
      drop: () => {
        response.body?.cancel().catch(() => {});
      },
    };
  },

  /**
   * Stores an entry with its content headers, `Cache-Tag` included: Cloudflare's purge by tag
   * drops Cache API entries by the tags they were stored with (`scope`: the key scope's tags).
   */
  async put(url: string, value: CachedBody, scope: string, now = Date.now()): Promise<void> {
    await caches.default.put(
      url,
      new Response(value.body, {
        headers: {
          ...trendingContentHeaders(value.etag, trendingCacheTagValue(scope, value.window, value.generation)),
          [STORED_AT]: String(now),
        },
      }),
    );
  },

  /**
   * An answer from an entry: its body and a copy of its stored headers (copied by the runtime,
   * not rebuilt), with STORED_AT removed and `perRequest` set.
   */
  answer(
    stored: Headers,
    body: ReadableStream | null,
    status: number,
    perRequest: Record<string, string>,
  ): Response {
    const response = new Response(body, { status, headers: stored });
    const { headers } = response;
    headers.delete(STORED_AT);
    for (const name in perRequest) headers.set(name, perRequest[name] as string);
    return response;
  },

  async delete(url: string): Promise<boolean> {
    return caches.default.delete(url);
  },
};
