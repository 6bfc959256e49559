import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { PrecomputeReport, PrecomputeStatus } from '@openvine/precompute';
import {
  edgeCacheUrl,
  keyScope,
  kvPrecomputedKey,
  kvTopKey,
  PRECOMPUTED_LIMITS,
  type PrecomputePartlyFailed,
  WINDOWS,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { aggregatorStub } from '../cascade/aggregator-stub.ts';
import type { ApiEnv } from '../env.ts';
import worker from '../index.ts';
import {
  adminPost,
  aggregatorStats,
  api,
  failShardRankings,
  ingestVideo,
  newAggregator,
  until,
} from '../testing.ts';

const asAdmin = { headers: { authorization: 'Bearer test-admin-token' } };

describe('precompute() over the service binding', () => {
  it('writes every layer with one computation per window', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const report = await env.PRECOMPUTE.precompute({ aggregator });
    expect(report.skipped).toBe(false);
    expect(report.windows.map((w) => w.window).sort()).toEqual([...WINDOWS].sort());
    expect(report.warmError).toBeUndefined();

    const stats = await aggregatorStats(aggregator);
    for (const window of WINDOWS) {
      // One computation per window, not one per limit; the aggregator holds it in memory.
      expect(stats.computations[window]).toBe(1);
      expect(stats.snapshotAgeMs[window]).not.toBeNull();
      const scope = keyScope(aggregator);
      const top = await env.TRENDING_KV.get(kvTopKey(window, scope), 'json');
      expect(top).toMatchObject({ window, generation: stats.generations[window] });
      for (const limit of PRECOMPUTED_LIMITS) {
        expect(await env.TRENDING_KV.get(kvPrecomputedKey(window, limit, scope))).not.toBeNull();
        expect(await caches.default.match(edgeCacheUrl('v1', window, limit, scope))).toBeDefined();
      }
    }
    // Reads now come from the warmed layers, without another computation.
    const res = await api(aggregator, '/v1/trending/videos?window=1h&limit=20');
    expect(res.headers.get('x-cache')).toBe('HIT-EDGE');
    expect((await aggregatorStats(aggregator)).computations['1h']).toBe(1);
  });

  it('warms what clients ask for, most requested first, including limits outside 10/20/50/100', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    // Three pairs asked for 5, 3 and 2 times, interleaved so that the order they arrive in is
    // not the order of their counts: 1h/20, 24h/15, 7d/37, 1h/20, 24h/15, 7d/37, 24h/15, 7d/37 x3.
    const v1Week37 = '/v1/trending/videos?window=7d&limit=37';
    const vinesDay15 = '/analytics/trending/vines?window=24h&limit=15';
    const v1Hour20 = '/v1/trending/videos?window=1h&limit=20';
    const reads = [v1Hour20, vinesDay15, v1Week37, v1Hour20, vinesDay15, v1Week37, vinesDay15, v1Week37];
    for (const path of [...reads, v1Week37, v1Week37]) expect((await api(aggregator, path)).status).toBe(200);
    // Read counts reach the aggregator off the response path (ctx.waitUntil): wait for all 10.
    const stub = aggregatorStub(env, aggregator);
    await until(
      'the 10 read counts',
      async () => (await stub.popularReads()).reduce((sum, p) => sum + p.count, 0) === 10,
    );

    const report: PrecomputeReport = await env.PRECOMPUTE.precompute({ aggregator });
    // Windows in the order of their most requested pair: 7d (5), 24h (3), 1h (2).
    expect(report.windows.map((w) => w.window)).toEqual(['7d', '24h', '1h']);
    expect(report.warmed).toEqual([
      // What clients asked for, most requested first.
      { format: 'v1', window: '7d', limit: 37 },
      { format: 'vines', window: '24h', limit: 15 },
      { format: 'v1', window: '1h', limit: 20 },
      // Then the precomputed v1 limits, window by window in the same order, without repeats.
      { format: 'v1', window: '7d', limit: 10 },
      { format: 'v1', window: '7d', limit: 20 },
      { format: 'v1', window: '7d', limit: 50 },
      { format: 'v1', window: '7d', limit: 100 },
      { format: 'v1', window: '24h', limit: 10 },
      { format: 'v1', window: '24h', limit: 20 },
      { format: 'v1', window: '24h', limit: 50 },
      { format: 'v1', window: '24h', limit: 100 },
      { format: 'v1', window: '1h', limit: 10 },
      { format: 'v1', window: '1h', limit: 50 },
      { format: 'v1', window: '1h', limit: 100 },
    ]);
    const computationsAfterRun = (await aggregatorStats(aggregator)).computations;

    for (const path of [v1Week37, vinesDay15]) {
      const fresh = await api(aggregator, path, { headers: { 'x-test-drop': 'memory' } });
      expect(['HIT-EDGE', 'HIT-DO'], path).toContain(fresh.headers.get('x-cache'));
    }
    expect((await aggregatorStats(aggregator)).computations).toEqual(computationsAfterRun);
  });

  it('a run that overlaps a running one does not double the work', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const [a, b] = await Promise.all([
      env.PRECOMPUTE.precompute({ aggregator }),
      env.PRECOMPUTE.precompute({ aggregator }),
    ]);
    expect([a.skipped, b.skipped].sort()).toEqual([false, true]);
    const stats = await aggregatorStats(aggregator);
    for (const window of WINDOWS) expect(stats.computations[window]).toBe(1);
    // Once the first run is over, the next one runs.
    expect((await env.PRECOMPUTE.precompute({ aggregator })).skipped).toBe(false);
  });
});

describe('a precompute run while a window cannot be computed', () => {
  it('writes and warms the other windows, and POST /v1/admin/precompute answers 502 naming it', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    // Every shard fails its 24h ranking, as shards out of reach do.
    await failShardRankings(aggregator, ['24h']);

    const res = await adminPost(aggregator, '/v1/admin/precompute', {});

    expect(res.status).toBe(502);
    const body = (await res.json()) as PrecomputePartlyFailed;
    expect(body.error.code).toBe('precompute_failed');
    expect(body.error.message).toContain('24h: ');
    expect(body.failed?.map((f) => f.window)).toEqual(['24h']);
    expect(body.windows.map((w) => w.window).sort()).toEqual(['1h', '7d']);
    const scope = keyScope(aggregator);
    for (const window of ['1h', '7d'] as const) {
      expect(await env.TRENDING_KV.get(kvTopKey(window, scope))).not.toBeNull();
      const entry = await caches.default.match(edgeCacheUrl('v1', window, 10, scope));
      expect(entry, window).toBeDefined();
      await entry?.body?.cancel();
    }
    expect(await env.TRENDING_KV.get(kvTopKey('24h', scope))).toBeNull();
    // The status keeps the failure; once the shards answer, the next run writes 24h too.
    const status = await (await api(aggregator, '/v1/admin/status', asAdmin)).json();
    expect(status).toMatchObject({ lastRun: { failed: [{ window: '24h' }] } });
    await failShardRankings(aggregator, []);
    expect((await adminPost(aggregator, '/v1/admin/precompute', {})).status).toBe(200);
    expect(await env.TRENDING_KV.get(kvTopKey('24h', scope))).not.toBeNull();
  });

  it('a body naming no window is a 400, and nothing runs', async () => {
    const aggregator = newAggregator();
    const res = await adminPost(aggregator, '/v1/admin/precompute', { windows: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_request', issues: [{ message: 'windows must name at least one window' }] },
    });
    const status = await (await api(aggregator, '/v1/admin/status', asAdmin)).json();
    expect(status).toMatchObject({ lastRun: null });
  });
});

describe('admin routes', () => {
  it('are off without ADMIN_TOKEN: 404 for every method and for the preflight, no Allow', async () => {
    const off = { ...env, ADMIN_TOKEN: undefined } as ApiEnv;
    const answer = async (method: string, apiEnv: ApiEnv) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request('https://trending.test/v1/admin/status', { method }),
        apiEnv,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS']) {
      const res = await answer(method, off);
      expect(res.status, method).toBe(404);
      expect(res.headers.get('allow'), method).toBeNull();
    }
    // Configured, the same path is 405 for a method it lacks, and its preflight lists its own.
    const on = await answer('DELETE', env as ApiEnv);
    expect(on.status).toBe(405);
    expect(on.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await answer('OPTIONS', env as ApiEnv)).status).toBe(204);
  });

  it('a POST whose every field has a default runs without a body, whatever the client says of it', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const post = (init: RequestInit) =>
      api(aggregator, '/v1/admin/precompute', {
        method: 'POST',
        ...init,
        headers: { authorization: 'Bearer test-admin-token', ...init.headers },
      });
    // `curl -X POST`: no body, no Content-Length, no Content-Type; or a JSON type and no body.
    const bare = await post({});
    expect(bare.status, await bare.clone().text()).toBe(200);
    expect(((await bare.json()) as PrecomputeReport).skipped).toBe(false);
    expect((await post({ headers: { 'content-type': 'application/json' } })).status).toBe(200);
    // A body is still JSON, and an object.
    const text = await post({ headers: { 'content-type': 'text/plain' }, body: 'window=1h' });
    expect(text.status).toBe(415);
    const untyped = await post({ body: '{"windows":["1h"]}' });
    expect(untyped.status).toBe(415);
    const array = await post({ headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(array.status).toBe(400);
  });

  it('status shows the last run, its age and each window', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    // No object, no run: to valibot `[]` would be an object with every field at its default.
    expect((await adminPost(aggregator, '/v1/admin/precompute', [])).status).toBe(400);
    const before = await api(aggregator, '/v1/admin/status', {
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(((await before.json()) as PrecomputeStatus).lastRun).toBeNull();
    const run = await adminPost(aggregator, '/v1/admin/precompute', {});
    expect(run.status).toBe(200);
    const res = await api(aggregator, '/v1/admin/status', {
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(res.status).toBe(200);
    const status = (await res.json()) as PrecomputeStatus;
    expect(status.lastRun?.skipped).toBe(false);
    expect(status.lastRunAgeS).toBeLessThan(60);
    expect(status.nextCronAt).toBeGreaterThan(status.now);
    expect(status.nextCronAt - status.now).toBeLessThanOrEqual(60_000);
    for (const window of WINDOWS) expect(status.windows[window].generation).toBeGreaterThanOrEqual(1);
    // No relay bridge configured for this aggregator (NOSTR_RELAYS is empty): no relays listed.
    expect(status.relays).toEqual([]);
  });

  it.each([
    ['POST', '/v1/admin/precompute'],
    ['POST', '/v1/admin/invalidate'],
    ['GET', '/v1/admin/status'],
    ['POST', '/v1/admin/seed'],
  ])('%s %s answers 401 without the right token and does nothing', async (method, path) => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const before = await aggregatorStats(aggregator);
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic dGVzdA==']) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      const init: RequestInit =
        method === 'POST' ? { method, headers, body: '{"all":true}' } : { method, headers };
      const res = await api(aggregator, path, init);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const after = await aggregatorStats(aggregator);
    expect(after.computations).toEqual(before.computations);
    expect(after.generations).toEqual(before.generations);
  });

  it('seeds the demo workload through the ingest path, once per seed', async () => {
    const aggregator = newAggregator();
    // Seeding pages: each answer's `next` is the next request's body (see seed.test.ts).
    const seedAll = async (body: Record<string, unknown>) => {
      const totals = { videos: 0, events: 0, accepted: 0, duplicates: 0, pages: 0 };
      for (let next: Record<string, unknown> | null = body; next; totals.pages++) {
        const res = await adminPost(aggregator, '/v1/admin/seed', next);
        expect(res.status).toBe(200);
        const page = (await res.json()) as typeof totals & { next: Record<string, unknown> | null };
        Object.assign(totals, { videos: page.videos, events: page.events });
        totals.accepted += page.accepted;
        totals.duplicates += page.duplicates;
        next = page.next;
      }
      return totals;
    };
    // 2,000 events / 200 per request = 10 requests.
    const first = await seedAll({ events: 2000, videos: 40, seed: 3 });
    expect(first).toEqual({ videos: 40, events: 2000, accepted: 2000, duplicates: 0, pages: 10 });
    const again = await seedAll({ events: 2000, videos: 40, seed: 3 });
    expect(again).toMatchObject({ accepted: 0, duplicates: 2000 });
    const top = await api(aggregator, '/v1/trending/videos?window=7d&limit=10');
    expect(((await top.json()) as { videos: unknown[] }).videos).toHaveLength(10);
    for (const body of [{ events: 10 }, { events: 100_000 }, { videos: 'many' }, { extra: true }]) {
      expect((await adminPost(aggregator, '/v1/admin/seed', body)).status).toBe(400);
    }
  });

  it('rejects a bad invalidation target with 400', async () => {
    const aggregator = newAggregator();
    for (const body of [{ window: '2h' }, { videoId: 'abc' }, { all: false }, { window: '1h', extra: 1 }]) {
      const res = await adminPost(aggregator, '/v1/admin/invalidate', body);
      expect(res.status).toBe(400);
    }
  });
});
