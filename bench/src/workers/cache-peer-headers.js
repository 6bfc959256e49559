// A reference beside peer 1: the same hand-written `caches.default` match, answering with every
// header the api's edge hit sends (the stored ones, plus X-Cache, Age and Server-Timing set per
// request, as the api does). Edge hit vs this one isolates what the api's layer adds on top of
// the Cache API and the design's headers: routing, validation, metrics, access counts.
const PER_REQUEST = ['x-cache', 'age', 'server-timing'];

export default {
  async fetch(request, env, ctx) {
    const started = performance.now();
    const cache = caches.default;
    const hit = await cache.match(request.url);
    if (hit) {
      const headers = new Headers(hit.headers);
      const storedAt = Number(headers.get('x-stored-at'));
      headers.delete('x-stored-at');
      headers.set('x-cache', 'HIT-EDGE');
      headers.set('age', String(Math.max(0, Math.floor((Date.now() - storedAt) / 1000))));
      const dur = (performance.now() - started).toFixed(1);
      headers.set('server-timing', `edge;dur=${dur}, total;dur=${dur}`);
      return new Response(hit.body, { status: 200, headers });
    }
    const url = new URL(request.url);
    const origin = await env.ORIGIN.fetch(`http://origin${url.pathname}${url.search}`);
    const headers = new Headers(origin.headers);
    for (const name of PER_REQUEST) headers.delete(name);
    headers.set('x-stored-at', String(Date.now()));
    const body = await origin.text();
    if (origin.ok) ctx.waitUntil(cache.put(request.url, new Response(body, { headers })));
    headers.delete('x-stored-at');
    return new Response(body, { status: origin.status, headers });
  },
};
