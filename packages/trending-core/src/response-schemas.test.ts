import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  asPrecomputeReport,
  InvalidatePartlyFailedSchema,
  InvalidateReportSchema,
  PrecomputeReportSchema,
  PrecomputeStatusSchema,
  SeedResultSchema,
} from './admin-reports.ts';
import { MetricsSummarySchema } from './metrics-summary.ts';
import { RecordComparisonSchema } from './record-check.ts';
import {
  ClientCreatorsResponseSchema,
  ClientHashtagsResponseSchema,
  ClientHealthSchema,
  ClientViewResultSchema,
  ClientVinesResponseSchema,
  ErrorBodySchema,
  HealthDegradedSchema,
  HealthOkSchema,
  IngestResultSchema,
  type RankedVideo,
  StoredHex64Schema,
  type TrendingSnapshot,
  TrendingSnapshotSchema,
  TrendingVideosResponseSchema,
} from './response-schemas.ts';
import {
  toClientCreatorsResponse,
  toClientHashtagsResponse,
  toClientVinesResponse,
  toTrendingVideosResponse,
} from './responses.ts';

const VIDEO = 'ab'.repeat(32);
const CREATOR = 'cd'.repeat(32);

const video: RankedVideo = {
  rank: 1,
  videoId: VIDEO,
  score: 12.5,
  views: 40,
  uniqueViewers: 20,
  avgCompletion: 0.75,
  loops: 3,
  title: 'A cat and a ladder',
  creatorPubkey: CREATOR,
  hashtags: ['cats'],
};

const snapshot: TrendingSnapshot = {
  window: '24h',
  generation: 3,
  computedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  computeMs: 1.25,
  rowsScanned: 120,
  videos: [video],
  hashtags: [{ tag: 'cats', views: 40, videoCount: 1, avgViralScore: 12.5 }],
  creators: [{ pubkey: CREATOR, totalViews: 40, videoCount: 1, avgViralScore: 12.5 }],
};

/** The snapshot with one field replaced (a path of keys and indexes). */
function withField(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(snapshot) as unknown as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

describe('TrendingSnapshotSchema (what KV values are checked against)', () => {
  it('accepts a snapshot as the aggregator computes it, with or without its groups', () => {
    expect(v.is(TrendingSnapshotSchema, snapshot)).toBe(true);
    const { hashtags: _h, creators: _c, rowsScanned: _r, ...older } = snapshot;
    expect(v.is(TrendingSnapshotSchema, older)).toBe(true);
  });

  it.each([
    ['another window', ['window'], '2h'],
    ['no generation', ['generation'], undefined],
    ['a negative generation', ['generation'], -1],
    ['computedAt as a string', ['computedAt'], '2026-01-02'],
    ['no videos', ['videos'], undefined],
    ['rank 0', ['videos', 0, 'rank'], 0],
    ['an uppercase video id', ['videos', 0, 'videoId'], VIDEO.toUpperCase()],
    ['a short video id', ['videos', 0, 'videoId'], 'abc'],
    ['views as a string', ['videos', 0, 'views'], '40'],
    ['fractional views', ['videos', 0, 'views'], 40.5],
    ['negative unique viewers', ['videos', 0, 'uniqueViewers'], -1],
    ['completion above 1', ['videos', 0, 'avgCompletion'], 1.5],
    ['completion below 0', ['videos', 0, 'avgCompletion'], -0.1],
    ['no loops', ['videos', 0, 'loops'], undefined],
    ['a title that is not a string', ['videos', 0, 'title'], 7],
    ['a hashtag without its tag', ['hashtags', 0, 'tag'], undefined],
    ['a hashtag with fractional views', ['hashtags', 0, 'views'], 1.5],
    ['a creator with a bad pubkey', ['creators', 0, 'pubkey'], 'nope'],
    ['a creator without a video count', ['creators', 0, 'videoCount'], undefined],
  ] as const)('refuses %s', (_, path, value) => {
    expect(v.is(TrendingSnapshotSchema, withField([...path], value))).toBe(false);
  });
});

describe('the response builders produce what their schemas describe', () => {
  it('each format, for every limit', () => {
    for (const limit of [1, 10, 100]) {
      expect(v.parse(TrendingVideosResponseSchema, toTrendingVideosResponse(snapshot, limit)).limit).toBe(
        limit,
      );
      expect(v.is(ClientVinesResponseSchema, toClientVinesResponse(snapshot, limit))).toBe(true);
      expect(v.is(ClientHashtagsResponseSchema, toClientHashtagsResponse(snapshot, limit))).toBe(true);
      expect(v.is(ClientCreatorsResponseSchema, toClientCreatorsResponse(snapshot, limit))).toBe(true);
    }
  });

  it('a response that is not of its shape is refused', () => {
    const body = toTrendingVideosResponse(snapshot, 10);
    expect(v.is(TrendingVideosResponseSchema, { ...body, generatedAt: 'yesterday' })).toBe(false);
    expect(v.is(TrendingVideosResponseSchema, { ...body, limit: 0 })).toBe(false);
    const vines = toClientVinesResponse(snapshot, 10);
    expect(v.is(ClientVinesResponseSchema, { ...vines, updatedAt: -1 })).toBe(false);
    expect(v.is(ClientVinesResponseSchema, { ...vines, period: '2h' })).toBe(false);
    expect(v.is(ClientVinesResponseSchema, { ...vines, vines: [{ ...vines.vines[0], views: 1.5 }] })).toBe(
      false,
    );
  });
});

describe('the other answers', () => {
  it('ingest results, the app view result and the error envelope', () => {
    expect(v.is(IngestResultSchema, { accepted: 2, duplicates: 0 })).toBe(true);
    expect(v.is(IngestResultSchema, { accepted: -1, duplicates: 0 })).toBe(false);
    expect(
      v.is(ClientViewResultSchema, { success: true, eventId: VIDEO, timestamp: '2026-01-02T03:04:05.006Z' }),
    ).toBe(true);
    expect(
      v.is(ClientViewResultSchema, { success: false, eventId: VIDEO, timestamp: '2026-01-02T03:04:05.006Z' }),
    ).toBe(false);
    expect(v.is(ErrorBodySchema, { error: { code: 'not_found', message: 'No such route' } })).toBe(true);
    expect(
      v.is(ErrorBodySchema, {
        error: { code: 'invalid_request', message: 'x', issues: [{ path: 'a', message: 'b' }] },
      }),
    ).toBe(true);
    expect(v.is(ErrorBodySchema, { error: { code: 'x', message: 'y', issues: [{ path: 1 }] } })).toBe(false);
    expect(v.is(ErrorBodySchema, { code: 'x', message: 'y' })).toBe(false);
  });

  it('health: ok with the store, degraded without', () => {
    const ok = {
      status: 'ok',
      timestamp: '2026-01-02T03:04:05.006Z',
      aggregator: {
        ok: true,
        latencyMs: 3,
        ageMs: 1_200,
        rows: { videos: 2 },
        generations: { '1h': 0, '24h': 1, '7d': 0 },
        storage: { bytes: 4_096, budgetBytes: 5_000_000_000, overBudget: false },
      },
    };
    expect(v.is(HealthOkSchema, ok)).toBe(true);
    expect(v.is(HealthOkSchema, { ...ok, aggregator: { ...ok.aggregator, generations: { '1h': 0 } } })).toBe(
      false,
    );
    // Degraded while the store answers: past its storage budget.
    expect(v.is(HealthOkSchema, { ...ok, status: 'degraded' })).toBe(true);
    expect(v.is(HealthOkSchema, { ...ok, status: 'down' })).toBe(false);
    const { storage: _storage, ...withoutStorage } = ok.aggregator;
    expect(v.is(HealthOkSchema, { ...ok, aggregator: withoutStorage })).toBe(false);
    expect(
      v.is(HealthDegradedSchema, { status: 'degraded', timestamp: ok.timestamp, aggregator: { ok: false } }),
    ).toBe(true);
  });

  it('the metrics summary has every layer in every span and point', () => {
    const layer = { count: 1, ratio: 0.5, p50: 1.2, p95: null, p99: null };
    const layers = { memory: layer, edge: layer, do: layer, kv: layer, compute: layer, error: layer };
    const counts = { memory: 1, edge: 0, do: 0, kv: 0, compute: 1, error: 0 };
    const percentiles = { memory: 1, edge: null, do: null, kv: null, compute: 30, error: null };
    const span = {
      requests: 2,
      memory_hits: 1,
      edge_hits: 0,
      edge_misses: 1,
      do_hits: 0,
      kv_hits: 0,
      kv_misses: 1,
      computes: 1,
      compute_ms: 30.5,
      stale_served: 0,
      errors: 0,
      layers,
    };
    const point = {
      minute: 60_000,
      requests: 2,
      computes: 1,
      count: counts,
      p50: percentiles,
      p95: percentiles,
      p99: percentiles,
    };
    const run = {
      at: 1,
      durationMs: 2.5,
      rowsScanned: 3,
      keysWritten: 15,
      windows: [{ window: '1h', computeMs: 1.5, rowsScanned: 3, kvKeys: 5 }],
    };
    const summary = { now: 120_000, last5m: span, last1h: span, series: [point], runs: [run] };
    expect(v.is(MetricsSummarySchema, summary)).toBe(true);
    const { error: _e, ...fiveLayers } = layers;
    expect(v.is(MetricsSummarySchema, { ...summary, last5m: { ...span, layers: fiveLayers } })).toBe(false);
    expect(
      v.is(MetricsSummarySchema, {
        ...summary,
        last1h: { ...span, layers: { ...layers, kv: { ...layer, ratio: 2 } } },
      }),
    ).toBe(false);
  });

  it('admin reports', () => {
    const report = {
      startedAt: 1,
      durationMs: 2.5,
      skipped: false,
      windows: [{ window: '1h', generation: 1, videos: 3, computeMs: 1.5, kvKeys: ['pre:1h:10'] }],
      warmed: [{ format: 'v1', window: '1h', limit: 10 }],
    };
    expect(v.is(PrecomputeReportSchema, report)).toBe(true);
    expect(
      v.is(PrecomputeReportSchema, { ...report, warmed: [{ format: 'v1', window: '1h', limit: 101 }] }),
    ).toBe(false);
    expect(
      v.is(PrecomputeReportSchema, { ...report, warmed: [{ format: 'v2', window: '1h', limit: 10 }] }),
    ).toBe(false);
    // A key left alone because KV held a newer copy is reported as such.
    const superseded = { ...report.windows[0], kvKeys: [], kvSuperseded: ['pre:1h:10'] };
    expect(v.is(PrecomputeReportSchema, { ...report, windows: [superseded] })).toBe(true);
    expect(v.is(PrecomputeReportSchema, { ...report, windows: [{ ...superseded, kvSuperseded: 'x' }] })).toBe(
      false,
    );
    // An invalidation: every window names the keys KV refused, none when all were written.
    const invalidated = { window: '24h', generation: 2, kvKeys: ['pre:24h:10'], kvFailed: [] };
    expect(v.is(InvalidateReportSchema, { windows: [invalidated] })).toBe(true);
    const { kvFailed: _none, ...withoutKvFailed } = invalidated;
    expect(v.is(InvalidateReportSchema, { windows: [withoutKvFailed] })).toBe(false);
    const refused = { ...invalidated, kvFailed: [{ key: 'top:24h', error: 'KV PUT failed: 429' }] };
    const kvWriteFailed = {
      error: { code: 'kv_write_failed', message: '1 KV write failed' },
      windows: [refused],
    };
    expect(v.is(InvalidatePartlyFailedSchema, kvWriteFailed)).toBe(true);
    expect(
      v.is(InvalidatePartlyFailedSchema, { ...kvWriteFailed, windows: [{ ...refused, kvFailed: [{}] }] }),
    ).toBe(false);
    expect(v.is(InvalidatePartlyFailedSchema, { windows: [refused] })).toBe(false);
    const windows = { generation: 1, snapshotAgeMs: null, computations: 2, refreshFailures: 0 };
    const status = {
      now: 5,
      lastRun: report,
      lastRunAgeS: 0.5,
      nextCronAt: 60_000,
      windows: { '1h': windows, '24h': windows, '7d': windows },
      lastAlarmAt: null,
      alarmFailures: { prune: 0, lastAt: null },
      storage: { bytes: 4_096, budgetBytes: 5_000_000_000, overBudget: false },
      relays: [
        {
          url: 'wss://relay.example/',
          state: 'open',
          lastEventAt: 4,
          lastCreatedAt: 3,
          eventsReceived: 2,
          eventsRegistered: 1,
          eventsRefused: 1,
          reconnects: 0,
          lastError: 'refused an event: bad_signature',
        },
      ],
    };
    expect(v.is(PrecomputeStatusSchema, status)).toBe(true);
    const [relay] = status.relays;
    expect(v.is(PrecomputeStatusSchema, { ...status, relays: [{ ...relay, state: 'closed' }] })).toBe(false);
    expect(v.is(PrecomputeStatusSchema, { ...status, lastRun: null, lastRunAgeS: null })).toBe(true);
    expect(v.is(PrecomputeStatusSchema, { ...status, windows: { '1h': windows } })).toBe(false);
    expect(v.is(PrecomputeStatusSchema, { ...status, alarmFailures: { prune: -1, lastAt: null } })).toBe(
      false,
    );
    const page = {
      videos: 20,
      events: 1000,
      offset: 0,
      ingested: 200,
      accepted: 200,
      duplicates: 0,
      videosRegistered: 20,
    };
    expect(
      v.is(SeedResultSchema, { ...page, next: { events: 1000, videos: 20, seed: 7, now: 1, offset: 200 } }),
    ).toBe(true);
    expect(v.is(SeedResultSchema, { ...page, next: null })).toBe(true);
    expect(v.is(SeedResultSchema, page)).toBe(false);
    const comparison = {
      window: '24h',
      top: 20,
      live: [],
      record: [],
      overlap: 0,
      missingFromLive: [],
      viewsRatio: null,
    };
    expect(v.is(RecordComparisonSchema, comparison)).toBe(true);
    expect(v.is(RecordComparisonSchema, { ...comparison, top: 0 })).toBe(false);
  });
});

describe('asPrecomputeReport (a stored run report read back)', () => {
  it('passes a report of its shape through, and anything else as null', () => {
    const report = { startedAt: 1, durationMs: 2, skipped: true, windows: [], warmed: [] };
    expect(asPrecomputeReport(report)).toBe(report);
    expect(asPrecomputeReport(null)).toBeNull();
    expect(asPrecomputeReport({ ...report, windows: 'none' })).toBeNull();
    expect(asPrecomputeReport({ startedAt: 1 })).toBeNull();
  });
});

describe('every response schema refuses what is not of its shape', () => {
  const layer = { count: 1, ratio: 0.5, p50: null, p95: null, p99: null };
  const span = {
    requests: 0,
    memory_hits: 0,
    edge_hits: 0,
    edge_misses: 0,
    do_hits: 0,
    kv_hits: 0,
    kv_misses: 0,
    computes: 0,
    compute_ms: 0,
    stale_served: 0,
    errors: 0,
    layers: { memory: layer, edge: layer, do: layer, kv: layer, compute: layer, error: layer },
  };
  const report = { startedAt: 1, durationMs: 2, skipped: false, windows: [], warmed: [] };
  const perWindow = <T>(value: T) => ({ '1h': value, '24h': value, '7d': value });
  const status = { now: 1, lastRun: null, lastRunAgeS: null, nextCronAt: 2, lastAlarmAt: null };
  const page = {
    videos: 20,
    events: 1000,
    offset: 0,
    ingested: 200,
    accepted: 200,
    duplicates: 0,
    videosRegistered: 20,
  };
  const comparison = {
    window: '24h',
    top: 20,
    record: [],
    overlap: 0,
    missingFromLive: [],
    viewsRatio: null,
  };

  it.each([
    ['an empty object', TrendingSnapshotSchema, {}],
    ['hashtags: an empty object', ClientHashtagsResponseSchema, {}],
    ['creators: an empty object', ClientCreatorsResponseSchema, {}],
    ['health degraded: an empty object', HealthDegradedSchema, {}],
    [
      'health degraded: an aggregator that answered',
      HealthDegradedSchema,
      { status: 'degraded', timestamp: '2026-01-02T03:04:05.006Z', aggregator: {} },
    ],
    [
      'client health: another status',
      ClientHealthSchema,
      { status: 'ok', environment: 'x', timestamp: '2026-01-02T03:04:05.006Z' },
    ],
    ['a window report without its fields', PrecomputeReportSchema, { ...report, windows: [{}] }],
    ['an invalidation without windows', InvalidateReportSchema, {}],
    ['an invalidated window without its fields', InvalidateReportSchema, { windows: [{}] }],
    ['status windows without their fields', PrecomputeStatusSchema, { ...status, windows: perWindow({}) }],
    ['a seed cursor without its fields', SeedResultSchema, { ...page, next: {} }],
    [
      'a run without its fields',
      MetricsSummarySchema,
      { now: 1, last5m: span, last1h: span, series: [], runs: [{}] },
    ],
    [
      "a run's window without its fields",
      MetricsSummarySchema,
      {
        now: 1,
        last5m: span,
        last1h: span,
        series: [],
        runs: [{ at: 1, durationMs: 1, rowsScanned: 1, keysWritten: 1, windows: [{}] }],
      },
    ],
    [
      'a point without its fields',
      MetricsSummarySchema,
      { now: 1, last5m: span, last1h: span, series: [{}], runs: [] },
    ],
    ['a compared video without its fields', RecordComparisonSchema, { ...comparison, live: [{}] }],
  ] as const)('refuses %s', (_, schema, value) => {
    expect(v.is(schema, value)).toBe(false);
  });

  it('ids are exactly 64 lowercase hex characters', () => {
    expect(v.is(StoredHex64Schema, VIDEO)).toBe(true);
    expect(v.is(StoredHex64Schema, `x${VIDEO}`)).toBe(false);
    expect(v.is(StoredHex64Schema, `${VIDEO}x`)).toBe(false);
  });
});
