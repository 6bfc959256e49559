// Peer 1, the plan's plain approach: a hand-written `caches.default` match, and on a miss the body
// from the origin (the api, over a service binding) put into the cache. Measured on its hits.
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' };

export default {
  async fetch(request, env, ctx) {
    const cache = caches.default;
    const hit = await cache.match(request.url);
    if (hit) return hit;
    const url = new URL(request.url);
    const origin = await env.ORIGIN.fetch(`http://origin${url.pathname}${url.search}`);
    const response = new Response(await origin.text(), { status: origin.status, headers: HEADERS });
    if (origin.ok) ctx.waitUntil(cache.put(request.url, response.clone()));
    return response;
  },
};
