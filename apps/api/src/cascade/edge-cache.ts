import { TTL_POLICY } from '@openvine/trending-core';
import type { CachedBody } from './cached-body.ts';

const GENERATION = 'x-trending-generation';
const COMPUTED_AT = 'x-trending-computed-at';
const WINDOW = 'x-trending-window';
const STORED_AT = 'x-trending-stored-at';

/** An edge entry found: what identifies it, and its body, not read until asked for. */
export interface EdgeEntry extends Omit<CachedBody, 'body'> {
  /** Epoch ms when this data center stored the entry: its freshness counts from here. */
  storedAt: number;
  /** The body as a stream, to pass through to the client untouched (read it once, or drop it). */
  body: ReadableStream | null;
  /** Reads the body into a CachedBody (to fill isolate memory). */
  read(): Promise<CachedBody>;
  /** Releases the unread body of an entry that is not served. */
  drop(): void;
}

/**
 * Layer 1: `caches.default`, one data center's cache. The Cache API ignores
 * stale-while-revalidate, so entries are stored until their snapshot's age budget runs out
 * (300 s from computedAt) and freshness (30 s) is judged by the read path from when the entry
 * was stored (its `x-trending-stored-at`; see freshness.ts).
 */
export const edgeCache = {
  async get(url: string): Promise<EdgeEntry | undefined> {
    const response = await caches.default.match(url);
    if (!response) return undefined;
    const generation = Number(response.headers.get(GENERATION));
    const computedAt = Number(response.headers.get(COMPUTED_AT));
    const window = response.headers.get(WINDOW);
    const etag = response.headers.get('etag');
    if (!Number.isFinite(generation) || !Number.isFinite(computedAt) || !etag || !window) {
      await response.body?.cancel();
      return undefined;
    }
    // An entry stored before this header existed counts from its computation, as it used to.
    const storedAt = Number(response.headers.get(STORED_AT) ?? computedAt);
    const meta = { etag, generation, computedAt, window: window as CachedBody['window'] };
    return {
      ...meta,
      storedAt: Number.isFinite(storedAt) ? storedAt : computedAt,
      body: response.body,
      read: async () => ({ ...meta, body: await response.text() }),
      drop: () => {
        response.body?.cancel().catch(() => {});
      },
    };
  },

  async put(url: string, value: CachedBody, now = Date.now()): Promise<void> {
    const ttlS = Math.max(1, Math.ceil((TTL_POLICY.edge.staleMs - (now - value.computedAt)) / 1000));
    await caches.default.put(
      url,
      new Response(value.body, {
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Cache-Control': `public, max-age=${ttlS}`,
          ETag: value.etag,
          [GENERATION]: String(value.generation),
          [COMPUTED_AT]: String(value.computedAt),
          [WINDOW]: value.window,
          [STORED_AT]: String(now),
        },
      }),
    );
  },

  async delete(url: string): Promise<boolean> {
    return caches.default.delete(url);
  },
};
