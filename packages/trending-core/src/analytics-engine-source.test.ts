import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyticsEngineError,
  AnalyticsEngineViewSource,
  type FetchLike,
} from './analytics-engine-source.ts';
import { decayWeight, trendingScore } from './scoring.ts';
import { HOUR_MS, MINUTE_MS } from './windows.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const TOKEN = 'test-token';
const NOW = Date.UTC(2026, 10, 26, 12, 30);

/**
 * A stand-in for the Analytics Engine SQL API: the real route, bearer auth, SQL as the POST body,
 * and ClickHouse's JSON answer ({ meta, data, rows, rows_before_limit_at_least }) with 64-bit
 * integers as strings. It answers the four queries the source sends from a small table of
 * sampled rows, aggregated here the way the SQL asks.
 */
interface SampledRow {
  video: string;
  viewer: string;
  /** blob8, the keyed client network: '' on points written before the record held it. */
  network: string;
  eventType: 'view_start' | 'view_end';
  at: number;
  completion: number;
  loops: number;
  sampleInterval: number;
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const TABLE: SampledRow[] = [
  // A: 12 viewers 10-20 minutes ago, some rows standing for 2 events (sampled), from 3 networks
  // (two of its points written before the record held networks).
  ...Array.from(
    { length: 12 },
    (_, i): SampledRow => ({
      video: A,
      viewer: `va${i}`,
      network: i < 2 ? '' : `na${i % 3}`,
      eventType: 'view_end',
      at: NOW - (10 + i) * MINUTE_MS,
      completion: 0.5,
      loops: 1,
      sampleInterval: i % 3 === 0 ? 2 : 1,
    }),
  ),
  // B: 6 viewers 40 minutes ago from one network, completion unknown; plus starts that must not count.
  ...Array.from(
    { length: 6 },
    (_, i): SampledRow => ({
      video: B,
      viewer: `vb${i}`,
      network: 'nb',
      eventType: 'view_end',
      at: NOW - 40 * MINUTE_MS,
      completion: -1,
      loops: 2,
      sampleInterval: 1,
    }),
  ),
  ...Array.from(
    { length: 6 },
    (_, i): SampledRow => ({
      video: B,
      viewer: `vb${i}`,
      network: 'nb',
      eventType: 'view_start',
      at: NOW - 41 * MINUTE_MS,
      completion: -1,
      loops: 0,
      sampleInterval: 1,
    }),
  ),
  // B also had 30 views 5 hours ago: its baseline for the 1h window.
  ...Array.from(
    { length: 30 },
    (_, i): SampledRow => ({
      video: B,
      viewer: `old${i}`,
      network: `old${i}`,
      eventType: 'view_end',
      at: NOW - 5 * HOUR_MS,
      completion: 1,
      loops: 1,
      sampleInterval: 1,
    }),
  ),
];

function answer(sql: string): Record<string, string | number>[] {
  const minutes = (re: RegExp) => Number(re.exec(sql)?.[1] ?? Number.NaN) * MINUTE_MS;
  const since = NOW - minutes(/timestamp >= NOW\(\) - INTERVAL '(\d+)' MINUTE/);
  const until = /timestamp < NOW\(\) - INTERVAL '(\d+)' MINUTE/.test(sql)
    ? NOW - minutes(/timestamp < NOW\(\) - INTERVAL '(\d+)' MINUTE/)
    : Number.POSITIVE_INFINITY;
  const rows = TABLE.filter((r) => r.eventType === 'view_end' && r.at >= since && r.at < until);
  const group = <T>(key: (r: SampledRow) => string, fold: (rows: SampledRow[]) => T) => {
    const groups = new Map<string, SampledRow[]>();
    for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
    return [...groups.values()].map(fold);
  };
  const sum = (rs: SampledRow[], f: (r: SampledRow) => number) => rs.reduce((s, r) => s + f(r), 0);
  if (sql.includes('COUNT(DISTINCT blob2)')) {
    return group(
      (r) => r.video,
      (rs) => ({ video_id: rs[0]?.video ?? '', viewers: String(new Set(rs.map((r) => r.viewer)).size) }),
    );
  }
  if (sql.includes('COUNT(DISTINCT blob8)')) {
    const carrying = sql.includes("blob8 != ''") ? rows.filter((r) => r.network !== '') : rows;
    const byVideo = new Map<string, Set<string>>();
    for (const r of carrying) byVideo.set(r.video, (byVideo.get(r.video) ?? new Set()).add(r.network));
    return [...byVideo].map(([video, networks]) => ({ video_id: video, networks: String(networks.size) }));
  }
  if (sql.includes('bucket_s')) {
    const size = sql.includes('toStartOfMinute') ? MINUTE_MS : HOUR_MS;
    return group(
      (r) => `${r.video}:${Math.floor(r.at / size)}`,
      (rs) => ({
        video_id: rs[0]?.video ?? '',
        bucket_s: String((Math.floor((rs[0]?.at ?? 0) / size) * size) / 1000),
        views: String(sum(rs, (r) => r.sampleInterval)),
        completion_sum: sum(rs, (r) => (r.completion >= 0 ? r.sampleInterval * r.completion : 0)),
        completion_count: String(sum(rs, (r) => (r.completion >= 0 ? r.sampleInterval : 0))),
        loops: sum(rs, (r) => r.sampleInterval * r.loops),
      }),
    );
  }
  return group(
    (r) => r.video,
    (rs) => ({ video_id: rs[0]?.video ?? '', views: String(sum(rs, (r) => r.sampleInterval)) }),
  );
}

let server: Server;
let endpoint: string;
const received: { method?: string; url?: string; auth?: string; sql: string }[] = [];
let mode: 'ok' | 'fail' | 'slow' | 'garbage' = 'ok';

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let sql = '';
    for await (const chunk of req) sql += chunk;
    received.push({ method: req.method, url: req.url, auth: req.headers.authorization, sql });
    if (req.url !== `/client/v4/accounts/${ACCOUNT}/analytics_engine/sql` || req.method !== 'POST') {
      res.writeHead(404).end('not found');
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"errors":[{"message":"Authentication error"}]}');
      return;
    }
    if (mode === 'fail') {
      res.writeHead(422).end(`Error: unknown function in ${sql}`);
      return;
    }
    if (mode === 'garbage') {
      res.writeHead(200).end('<html>');
      return;
    }
    if (mode === 'slow') await new Promise((r) => setTimeout(r, 500));
    const data = answer(sql);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        meta: Object.keys(data[0] ?? {}).map((name) => ({ name, type: 'String' })),
        data,
        rows: data.length,
        rows_before_limit_at_least: data.length,
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});

afterAll(() => {
  server.close();
});

function source(overrides: Partial<ConstructorParameters<typeof AnalyticsEngineViewSource>[0]> = {}) {
  return new AnalyticsEngineViewSource({
    accountId: ACCOUNT,
    apiToken: TOKEN,
    dataset: 'openvine_view_events',
    endpoint,
    fetch: (url, init) => fetch(url, init as RequestInit),
    ...overrides,
  });
}

describe('Analytics Engine view source', () => {
  it('posts sampling-weighted SQL for the window to the SQL API, with the bearer token', async () => {
    mode = 'ok';
    received.length = 0;
    await source().windowStats('1h', NOW);
    expect(received).toHaveLength(4);
    for (const r of received) {
      expect(r).toMatchObject({ method: 'POST', auth: `Bearer ${TOKEN}` });
      expect(r.sql).toContain('FROM openvine_view_events');
      expect(r.sql).toContain("blob1 = 'view_end'");
      expect(r.sql).toContain("INTERVAL '60' MINUTE");
    }
    expect(received.some((r) => r.sql.includes('SUM(_sample_interval) AS views'))).toBe(true);
    // The 1h baseline is the 24 hours before the window.
    expect(received.some((r) => r.sql.includes("NOW() - INTERVAL '1500' MINUTE"))).toBe(true);
    // 7d has no baseline query.
    expect(source().queries('7d').baseline).toBeUndefined();
  });

  it('turns the answer into per-video stats: sampled counts, decay, completion, viewers, baseline', async () => {
    mode = 'ok';
    const stats = await source().windowStats('1h', NOW);
    const a = stats.get(A);
    const b = stats.get(B);
    // A: 12 rows, 4 of them standing for 2 events.
    expect(a).toMatchObject({
      views: 16,
      uniqueViewers: 12,
      // Distinct networks over the points that carry one.
      networks: 3,
      completionCount: 16,
      loops: 16,
      baselineViews: 0,
    });
    expect(a?.completionSum).toBeCloseTo(8, 9);
    const expectedDecay = TABLE.filter((r) => r.video === A).reduce((s, r) => {
      const mid = Math.floor(r.at / MINUTE_MS) * MINUTE_MS + MINUTE_MS / 2;
      return s + r.sampleInterval * decayWeight('1h', NOW - mid);
    }, 0);
    expect(a?.decayedViews).toBeCloseTo(expectedDecay, 9);
    // B: starts ignored, completion unknown, 30 baseline views 5 hours ago.
    expect(b).toMatchObject({
      views: 6,
      uniqueViewers: 6,
      networks: 1,
      completionCount: 0,
      loops: 12,
      baselineViews: 30,
    });
    expect(trendingScore('1h', a ?? ({} as never))).toBeGreaterThan(trendingScore('1h', b ?? ({} as never)));
  });

  it('fails with a typed error that carries the status but never the SQL', async () => {
    mode = 'fail';
    const failed = await source()
      .windowStats('24h', NOW)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AnalyticsEngineError);
    expect((failed as AnalyticsEngineError).status).toBe(422);
    expect((failed as Error).message).not.toMatch(/SELECT|blob/);

    mode = 'ok';
    const unauthorized = await source({ apiToken: 'wrong' })
      .windowStats('24h', NOW)
      .catch((e: unknown) => e);
    expect((unauthorized as AnalyticsEngineError).status).toBe(401);

    mode = 'garbage';
    await expect(source().windowStats('7d', NOW)).rejects.toThrow(/other than JSON/);
  });

  it('gives up after its timeout', async () => {
    mode = 'slow';
    const started = Date.now();
    await expect(source({ timeoutMs: 100 }).windowStats('7d', NOW)).rejects.toThrow(/within 100 ms/);
    expect(Date.now() - started).toBeLessThan(450);
  });

  it('accepts only an account id and an identifier as dataset, so nothing else reaches the SQL', () => {
    expect(() => source({ dataset: 'x; DROP TABLE y' })).toThrow(TypeError);
    expect(() => source({ accountId: '../../other' })).toThrow(TypeError);
    expect(() => source({ apiToken: '' })).toThrow(TypeError);
  });
});

describe('Analytics Engine SQL, in full', () => {
  // Built inside each test: a source that throws must fail a test, not the loading of this file.
  const sql = (window: '1h' | '24h' | '7d') => source().queries(window);
  const FROM = "FROM openvine_view_events WHERE blob1 = 'view_end'";

  it('1h: minute buckets over 60 minutes, baseline the 1440 minutes before', () => {
    expect(sql('1h')).toEqual({
      buckets:
        'SELECT index1 AS video_id, toUnixTimestamp(toStartOfMinute(timestamp)) AS bucket_s, ' +
        'SUM(_sample_interval) AS views, ' +
        'sumIf(_sample_interval * double4, double4 >= 0) AS completion_sum, ' +
        'sumIf(_sample_interval, double4 >= 0) AS completion_count, ' +
        'SUM(_sample_interval * double5) AS loops ' +
        `${FROM} AND timestamp >= NOW() - INTERVAL '60' MINUTE GROUP BY video_id, bucket_s FORMAT JSON`,
      viewers:
        'SELECT index1 AS video_id, COUNT(DISTINCT blob2) AS viewers ' +
        `${FROM} AND timestamp >= NOW() - INTERVAL '60' MINUTE GROUP BY video_id FORMAT JSON`,
      networks:
        'SELECT index1 AS video_id, COUNT(DISTINCT blob8) AS networks ' +
        `${FROM} AND blob8 != '' AND timestamp >= NOW() - INTERVAL '60' MINUTE GROUP BY video_id FORMAT JSON`,
      // 60 + 24 * 60 = 1500 minutes back, up to 60 minutes back
      baseline:
        'SELECT index1 AS video_id, SUM(_sample_interval) AS views ' +
        `${FROM} AND timestamp >= NOW() - INTERVAL '1500' MINUTE AND timestamp < NOW() - INTERVAL '60' MINUTE ` +
        'GROUP BY video_id FORMAT JSON',
    });
  });

  it('24h: hour buckets over 1440 minutes, baseline back to 7 days (10080 minutes)', () => {
    const q = sql('24h');
    expect(q.buckets).toContain('toUnixTimestamp(toStartOfHour(timestamp)) AS bucket_s');
    expect(q.buckets).toContain("timestamp >= NOW() - INTERVAL '1440' MINUTE GROUP BY video_id, bucket_s");
    expect(q.baseline).toContain(
      "timestamp >= NOW() - INTERVAL '10080' MINUTE AND timestamp < NOW() - INTERVAL '1440' MINUTE",
    );
  });

  it('7d: hour buckets over 10080 minutes and no baseline query at all', () => {
    const q = sql('7d');
    expect(Object.keys(q)).toEqual(['buckets', 'viewers', 'networks']);
    expect(q.buckets).toContain('toStartOfHour(timestamp)');
    expect(q.viewers).toContain("INTERVAL '10080' MINUTE");
  });
});

describe('Analytics Engine source against a scripted fetch', () => {
  type Answer = { ok: boolean; status: number; body: string } | Error | string;
  /** A fetch that answers each query in turn from a script (bodies as the SQL API sends them). */
  function scripted(...answers: Answer[]) {
    const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, headers: init.headers, body: init.body });
      const next = answers.shift() ?? { ok: true, status: 200, body: '{"data":[]}' };
      if (typeof next === 'string' || next instanceof Error) throw next;
      return { ok: next.ok, status: next.status, text: async () => next.body };
    };
    return { fetch, calls };
  }
  const rows = (data: unknown[]) => ({ ok: true, status: 200, body: JSON.stringify({ data }) });
  const named = (name: string) => Object.assign(new Error('aborted'), { name });
  const make = (fetch: FetchLike, extra: { timeoutMs?: number } = {}) =>
    new AnalyticsEngineViewSource({
      accountId: ACCOUNT,
      apiToken: TOKEN,
      dataset: 'views_1',
      fetch,
      ...extra,
    });

  it('posts plain-text SQL with the bearer token to the account route of the public API', async () => {
    const { fetch, calls } = scripted();
    await make(fetch).windowStats('7d', NOW);
    // buckets, viewers, networks (7d has no baseline)
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      url: `https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`,
      headers: { Authorization: 'Bearer test-token', 'Content-Type': 'text/plain' },
    });
  });

  it('reads numbers given as numbers, as strings, or missing; skips rows without a video', async () => {
    const bucketStartS = NOW / 1000 - 3600; // the hour bucket that started 1 h before NOW
    const { fetch } = scripted(
      rows([
        {
          video_id: 'v1',
          bucket_s: bucketStartS,
          views: 4,
          completion_sum: '2',
          completion_count: '4',
          loops: null,
        },
        { video_id: '', bucket_s: bucketStartS, views: '9' },
        { bucket_s: bucketStartS, views: '9' },
        { video_id: 'v2', bucket_s: String(bucketStartS), views: 'many', completion_sum: 1 },
      ]),
      rows([
        { video_id: 'v1', viewers: '6' },
        { video_id: 'unknown', viewers: '3' },
      ]),
      rows([
        { video_id: 'v1', networks: '3' },
        { video_id: 'unknown', networks: '2' },
      ]),
    );
    const stats = await make(fetch).windowStats('7d', NOW);
    expect([...stats.keys()]).toEqual(['v1', 'v2']);
    // middle of the bucket is 30 min before NOW: 4 * 2^(-1,800,000 / 172,800,000)
    expect(stats.get('v1')).toMatchObject({
      views: 4,
      completionSum: 2,
      completionCount: 4,
      loops: 0,
      uniqueViewers: 6,
      networks: 3,
      baselineViews: 0,
    });
    // v2's points carry no network (written before the record held it): ranked without the rule.
    expect(stats.get('v2')?.networks).toBeUndefined();
    expect(stats.get('v1')?.decayedViews).toBeCloseTo(4 * 2 ** (-1 / 96), 12);
    expect(stats.get('v2')).toMatchObject({ views: 0, completionSum: 1, uniqueViewers: 0 });
  });

  it('sets the baseline of known videos only (1h)', async () => {
    const { fetch } = scripted(
      rows([{ video_id: 'v1', bucket_s: NOW / 1000 - 60, views: '2' }]),
      rows([{ video_id: 'v1', viewers: '2' }]),
      rows([{ video_id: 'v1', networks: '2' }]),
      rows([
        { video_id: 'v1', views: '48' },
        { video_id: 'gone', views: '7' },
      ]),
    );
    const stats = await make(fetch).windowStats('1h', NOW);
    expect([...stats.keys()]).toEqual(['v1']);
    expect(stats.get('v1')?.baselineViews).toBe(48);
  });

  it.each([
    ['a network failure', new TypeError('fetch failed'), 'Analytics Engine unreachable'],
    ['something thrown that is not an Error', 'boom', 'Analytics Engine unreachable'],
    ['an abort', named('AbortError'), 'Analytics Engine did not answer within 5000 ms'],
    ['a timeout', named('TimeoutError'), 'Analytics Engine did not answer within 250 ms'],
  ])('names %s in its error', async (_label, thrown, message) => {
    const { fetch } = scripted(thrown, thrown, thrown);
    const timeoutMs = message.includes('250') ? { timeoutMs: 250 } : {};
    const error = await make(fetch, timeoutMs)
      .windowStats('7d', NOW)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsEngineError);
    expect((error as AnalyticsEngineError).message).toBe(message);
    expect((error as AnalyticsEngineError).name).toBe('AnalyticsEngineError');
  });

  it('names the status of a refusal, and an answer without data rows', async () => {
    const refused = scripted(
      { ok: false, status: 503, body: 'unavailable' },
      { ok: false, status: 503, body: '' },
    );
    const error = await make(refused.fetch)
      .windowStats('7d', NOW)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'Analytics Engine answered 503', status: 503 });
    const empty = scripted(
      { ok: true, status: 200, body: '{"meta":[]}' },
      { ok: true, status: 200, body: '{}' },
    );
    await expect(make(empty.fetch).windowStats('7d', NOW)).rejects.toThrow(
      'Analytics Engine answer has no data rows',
    );
  });

  it('refuses an account id that is not exactly 32 lowercase hex characters, with its message', () => {
    const { fetch } = scripted();
    const build =
      (accountId: string, dataset = 'views_1', apiToken = TOKEN) =>
      () =>
        new AnalyticsEngineViewSource({ accountId, apiToken, dataset, fetch });
    expect(build(`${ACCOUNT}0`)).toThrow('accountId must be 32 hex characters');
    expect(build(`x${ACCOUNT}`)).toThrow('accountId must be 32 hex characters');
    expect(build(ACCOUNT.toUpperCase())).toThrow('accountId must be 32 hex characters');
    expect(build(ACCOUNT, '1views')).toThrow('dataset must be an identifier');
    expect(build(ACCOUNT, 'views_1', '')).toThrow('apiToken is required');
    expect(build(ACCOUNT)).not.toThrow();
  });
});
