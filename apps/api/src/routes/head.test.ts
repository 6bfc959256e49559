// HEAD is answered on every GET route (issue 12, item 7): same status and headers as GET, no body.
import { describe, expect, it } from 'vitest';
import { api, ingestVideo, newAggregator, preflight, refresh } from '../testing.ts';
import { PUBLIC_ROUTES } from './fallback.ts';

const AUTH = { authorization: 'Bearer test-admin-token' };

/** Headers that measure the request itself (durations, seconds since storing), not what it answers. */
const PER_REQUEST = new Set(['server-timing', 'age', 'date']);

function stableHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => !PER_REQUEST.has(name)));
}

const QUERIES: Record<string, string> = {
  '/v1/trending/videos': '?window=1h&limit=10',
  '/analytics/trending/vines': '?window=1h&limit=10',
  '/analytics/trending/hashtags': '?window=1h&limit=10',
  '/analytics/trending/creators': '?window=1h&limit=10',
};

const GET_ROUTES = Object.entries(PUBLIC_ROUTES)
  .filter(([, methods]) => methods.includes('GET'))
  .map(([path]) => path);

describe('HEAD on every GET route', () => {
  it('covers the fourteen GET routes', () => {
    // trending videos, vines, hashtags, creators; health x2, metrics, openapi, dashboard;
    // admin status, record-check, explain, moderation and dead letters: 4 + 5 + 5 = 14.
    expect(GET_ROUTES).toHaveLength(14);
  });

  it.each([...GET_ROUTES, '/dashboard/app.js'])(
    'HEAD %s: the GET status and headers, no body',
    async (path) => {
      const aggregator = newAggregator();
      await ingestVideo(aggregator);
      await refresh(aggregator, '1h');
      const url = `${path}${QUERIES[path] ?? ''}`;
      // The first GET fills isolate memory; HEAD and the second GET then answer from the same layer.
      const warm = await api(aggregator, url, { headers: AUTH });
      expect(warm.status).toBeLessThan(500);
      expect((await warm.text()).length).toBeGreaterThan(0);

      const head = await api(aggregator, url, { method: 'HEAD', headers: AUTH });
      const get = await api(aggregator, url, { headers: AUTH });
      expect(head.status).toBe(get.status);
      expect(head.status).not.toBe(405);
      expect(stableHeaders(head)).toEqual(stableHeaders(get));
      expect(head.body).toBeNull();
      expect(await head.text()).toBe('');
      expect((await get.text()).length).toBeGreaterThan(0);
    },
  );

  it('HEAD honours If-None-Match like GET (304)', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const first = await api(aggregator, '/v1/trending/videos?window=1h');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const head = await api(aggregator, '/v1/trending/videos?window=1h', {
      method: 'HEAD',
      headers: { 'if-none-match': etag },
    });
    expect(head.status).toBe(304);
    expect(head.headers.get('etag')).toBe(etag);
  });

  it('Allow and the preflight list HEAD beside GET, and only there', async () => {
    const aggregator = newAggregator();
    const wrong = await api(aggregator, '/v1/trending/videos', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const vines = await preflight(aggregator, '/analytics/trending/vines', 'HEAD');
    expect(vines.status).toBe(204);
    expect(vines.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(vines.headers.get('access-control-allow-methods')).toContain('HEAD');
  });

  it('HEAD on a POST-only route is 405 with Allow, on an unknown path 404', async () => {
    const aggregator = newAggregator();
    const res = await api(aggregator, '/v1/events/views', { method: 'HEAD' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await res.text()).toBe('');
    const unknown = await api(aggregator, '/v2/nothing', { method: 'HEAD' });
    expect(unknown.status).toBe(404);
  });
});
