import { edgeRefreshLockUrl, TTL_POLICY } from '@openvine/trending-core';

/**
 * One refresh of a stale edge entry per data center at a time. The per-isolate gate in the read
 * path stops one isolate from refreshing a key twice; this entry in the data center's own cache
 * stops the other isolates there. The Cache API has no atomic add, so two isolates that look in
 * the same instant can both refresh: rare, and harmless (both write the same newest snapshot).
 * The entry expires by itself after TTL_POLICY.edge.refreshLockS, should its holder be evicted.
 */
export const edgeRefreshLock = {
  /** True when this isolate may refresh the entry at `edgeUrl` (and now holds its lock). */
  async claim(edgeUrl: string): Promise<boolean> {
    const url = edgeRefreshLockUrl(edgeUrl);
    const held = await caches.default.match(url);
    if (held) {
      await held.body?.cancel();
      return false;
    }
    await caches.default.put(
      url,
      new Response('refreshing', {
        headers: { 'Cache-Control': `max-age=${TTL_POLICY.edge.refreshLockS}` },
      }),
    );
    return true;
  },

  async release(edgeUrl: string): Promise<void> {
    await caches.default.delete(edgeRefreshLockUrl(edgeUrl));
  },
};
