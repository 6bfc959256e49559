// Peer 2: Hono's `hono/cache` middleware in front of the same origin body. Measured on its hits.
import { Hono } from 'hono';
import { cache } from 'hono/cache';

const app = new Hono();

app.get('*', cache({ cacheName: 'hono-peer', cacheControl: 'public, max-age=300' }), async (c) => {
  const url = new URL(c.req.url);
  const origin = await c.env.ORIGIN.fetch(`http://origin${url.pathname}${url.search}`);
  return new Response(await origin.text(), {
    status: origin.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
});

export default app;
