// The runtime operations an edge hit is made of, each repeated `n` times in one request (GET
// /<op>?n=N), so that their cost can be told apart from the noise of a whole request. Run by
// src/runtime-ops.ts, which subtracts the empty loop ('none') and divides by n.
const STORED = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'public, max-age=60, s-maxage=300, stale-while-revalidate=240',
  'CDN-Cache-Control': 'public, max-age=300, stale-while-revalidate=240',
  'Cloudflare-CDN-Cache-Control': 'public, max-age=300, stale-while-revalidate=240',
  'Cache-Tag': 'trending,trending-24h,trending-24h-g12',
  ETag: '"v1-24h-20-g12-mip4k0ag"',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
  'x-trending-stored-at': '1764763200000',
};
const noop = () => {};

/** Each op returns a number, summed into the answer, so that none is optimised away. */
const OPS = {
  none: () => 0,
  // What the reference does and the api does not: copy a stored response's headers once more.
  'headers-copy': (stored) => (new Headers(stored).has('etag') ? 1 : 0),
  // What both do once: a response with a copy of the stored headers.
  'response-with-headers': (stored) => new Response(null, { status: 200, headers: stored }).status,
  // What both do four times: set or delete one header.
  'header-set': (stored) => {
    stored.set('x-cache', 'HIT-EDGE');
    return 1;
  },
  'header-get': (stored) => stored.get('etag').length,
  // A layer's budget: one timer set and cleared.
  'timer-set-clear': () => {
    clearTimeout(setTimeout(noop, 20));
    return 1;
  },
  'clock-reads': () => performance.now() + Date.now(),
  // One `await` of a settled promise: the layer loop's async steps are each a few of these.
  await: () => Promise.resolve(1),
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const op = OPS[url.pathname.slice(1)];
    if (!op) return new Response(`ops: ${Object.keys(OPS).join(', ')}`, { status: 404 });
    const n = Number(url.searchParams.get('n') ?? '1000');
    const stored = new Headers(STORED);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const value = op(stored);
      sum += typeof value === 'number' ? value : await value;
    }
    return new Response(String(sum));
  },
};
