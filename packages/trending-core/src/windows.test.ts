import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMIT,
  INTERVALS,
  LAYER_BUDGETS_MS,
  LIMITS,
  MAX_AE_WRITES_PER_INVOCATION,
  MAX_LIMIT,
  METRICS_SPANS_MS,
  PRECOMPUTED_LIMITS,
  RETENTION,
  RETRY_AFTER_S,
  TTL_POLICY,
} from './ttl-policy.ts';
import {
  DAY_MS,
  HOUR_MS,
  isTrendingWindow,
  MINUTE_MS,
  RETENTION_MS,
  WINDOW_SPECS,
  WINDOWS,
} from './windows.ts';

describe('windows', () => {
  it('are 1h, 24h and 7d', () => {
    expect([...WINDOWS]).toEqual(['1h', '24h', '7d']);
    expect(WINDOW_SPECS['1h'].durationMs).toBe(HOUR_MS);
    expect(WINDOW_SPECS['24h'].durationMs).toBe(DAY_MS);
    expect(WINDOW_SPECS['7d'].durationMs).toBe(7 * DAY_MS);
  });

  it('use per-minute buckets for 1h and per-hour buckets for 24h and 7d', () => {
    expect(WINDOW_SPECS['1h'].bucket).toBe('minute');
    expect(WINDOW_SPECS['24h'].bucket).toBe('hour');
    expect(WINDOW_SPECS['7d'].bucket).toBe('hour');
    for (const window of WINDOWS) {
      const spec = WINDOW_SPECS[window];
      expect(spec.durationMs % spec.bucketMs).toBe(0);
    }
  });

  it('keep every window and its baseline inside the 7-day retention', () => {
    for (const window of WINDOWS) {
      const spec = WINDOW_SPECS[window];
      expect(spec.durationMs + spec.baselineMs).toBeLessThanOrEqual(RETENTION_MS);
    }
  });

  it('recognise only the three window names', () => {
    for (const window of WINDOWS) expect(isTrendingWindow(window)).toBe(true);
    for (const value of ['2h', '1H', '', '24', '7D', ' 1h', 24, null, undefined, {}])
      expect(isTrendingWindow(value)).toBe(false);
  });
});

describe('window specs, as literal milliseconds', () => {
  it('are these durations, buckets, half-lives and baselines', () => {
    expect([MINUTE_MS, HOUR_MS, DAY_MS]).toEqual([60_000, 3_600_000, 86_400_000]);
    expect(WINDOW_SPECS).toEqual({
      // 1 hour of minute buckets, half-life 30 min (1,800,000), baseline the 24 h before (86,400,000)
      '1h': {
        durationMs: 3_600_000,
        bucket: 'minute',
        bucketMs: 60_000,
        halfLifeMs: 1_800_000,
        baselineMs: 86_400_000,
      },
      // 1 day of hour buckets, half-life 6 h (21,600,000), baseline the 6 days before (518,400,000)
      '24h': {
        durationMs: 86_400_000,
        bucket: 'hour',
        bucketMs: 3_600_000,
        halfLifeMs: 21_600_000,
        baselineMs: 518_400_000,
      },
      // 7 days (604,800,000) of hour buckets, half-life 2 days (172,800,000), no baseline
      '7d': {
        durationMs: 604_800_000,
        bucket: 'hour',
        bucketMs: 3_600_000,
        halfLifeMs: 172_800_000,
        baselineMs: 0,
      },
    });
    expect(RETENTION_MS).toBe(604_800_000); // 7 * 86,400,000
  });
});

describe('TTL policy', () => {
  it('is this table (header values, layer lifetimes, KV lifetime)', () => {
    expect(TTL_POLICY).toEqual({
      browser: { maxAgeS: 60 },
      cdn: { sMaxAgeS: 300, staleWhileRevalidateS: 240 },
      // 16 MiB = 16,777,216 bytes of isolate memory.
      memory: { freshMs: 5_000, maxEntries: 256, maxBytes: 16_777_216 },
      edge: { freshMs: 30_000, staleMs: 300_000, refreshLockS: 10 },
      doSnapshot: { refreshMs: 30_000, maxServeMs: 60_000 },
      kv: { expirationTtlS: 300, minWriteIntervalMs: 1_000, readCacheTtlS: 30 },
      openApi: { maxAgeS: 3_600 },
      // 86,400 s = 24 h.
      dashboard: { pageMaxAgeS: 60, chartLibraryMaxAgeS: 86_400 },
      corsPreflight: { maxAgeS: 86_400 },
      health: { cacheMs: 5_000 },
    });
    expect(LAYER_BUDGETS_MS).toEqual({ edge: 20, doSnapshot: 30, kv: 50, compute: 5_000 });
  });

  it('is this table of intervals, retention, spans, limits and Retry-After values', () => {
    expect(INTERVALS).toEqual({
      precomputeCronMs: 60_000,
      runLockTtlMs: 55_000,
      invalidateLockWaitMs: 20_000,
      cachePurgeTimeoutMs: 5_000,
      runLockRetryFirstMs: 50,
      runLockRetryMaxMs: 1_000,
      metricsFlushMs: 5_000,
      accessFlushMs: 10_000,
      lateAnswerWaitMs: 1_000,
      edgeWindowWatchMs: 1_000,
      dashboardRefreshMs: 5_000,
      relayBackoffFirstMs: 1_000,
      relayConnectTimeoutMs: 10_000,
      relayBackoffMaxMs: 300_000, // 5 min
      relayBridgeAlarmMs: 60_000,
      relaySinceOverlapS: 60,
      storageWarningMs: 3_600_000, // 1 h
    });
    expect(RETENTION).toEqual({
      metricsMs: 86_400_000, // 24 h
      minuteBucketsMs: 7_200_000, // 2 h
      hourBucketsMs: 608_400_000, // 7 d + 1 h
      idempotencyKeysMs: 608_400_000,
      accessCountsMs: 3_600_000, // 1 h
    });
    expect(METRICS_SPANS_MS).toEqual({ last5m: 300_000, last1h: 3_600_000 });
    expect(LIMITS).toEqual({
      maxBodyBytes: 65_536, // 64 KiB
      ingestPerClient: { limit: 6_000, periodS: 60 },
      isolateBatchMaxPending: 500,
      keylessRetryBucketMs: 60_000,
      rowsPerCall: 1_000,
      shardRankingBytes: 8_388_608, // 8 MiB
      warmedReads: 60,
      cacheApiCallsPerInvocation: 1000,
      metricsRuns: 60,
      generationBumpTop: 10,
      heldSnapshots: 64,
      parsedQueries: 1_024,
      parsedETags: 1_024,
      // eventBytes: 64 KiB.
      videoEvents: {
        perBatch: 50,
        eventBytes: 65_536,
        contentChars: 8_192,
        tags: 100,
        tagEntries: 32,
        tagValueChars: 2_048,
      },
      seed: {
        events: { min: 1_000, max: 50_000, default: 24_000 },
        videos: { min: 20, max: 2_000, default: 320 },
        cursorMaxAgeMs: 3_600_000,
      },
      moderation: { reasonChars: 500, byChars: 100, auditListed: 500, purgeTagsPerCall: 30 },
      relayBridge: { relays: 16, registerBatch: 10 },
      sqlValueBytes: 2_000_000, // 2 MB
      rankingPageRows: 2_000,
      // 10 GB, 5 GB.
      shardStorage: {
        objectMaxBytes: 10_000_000_000,
        budgetBytes: 5_000_000_000,
        bytesPerEvent: 1_200,
        bytesPerRepeatEvent: 64,
      },
      ingestQueue: {
        messageBytes: 120_000,
        sendBatchMessages: 100,
        sendBatchBytes: 256_000,
        consumerBatchSize: 100,
        consumerBatchTimeoutS: 1,
        maxRetries: 5,
        retryFirstS: 1,
        retryMaxS: 60,
        maxGroups: 64,
      },
      deadLetters: {
        listed: 100,
        replayPerRequest: 100,
        previewChars: 200,
        reasonChars: 500,
        stored: 10_000,
      },
      aggregatorShards: { max: 1_024 },
    });
    expect(RETRY_AFTER_S).toEqual({ unavailable: 5, rateLimited: 60, runLockBusy: 5 });
    expect([...PRECOMPUTED_LIMITS]).toEqual([10, 20, 50, 100]);
    expect(MAX_AE_WRITES_PER_INVOCATION).toBe(250);
  });

  it('holds the precompute lock for less than one cron interval, so a crashed run never skips the next', () => {
    expect(INTERVALS.runLockTtlMs).toBeLessThan(INTERVALS.precomputeCronMs);
  });

  it('lets a full isolate batch fit in one call, and a limited client wait out the whole period', () => {
    expect(LIMITS.rowsPerCall).toBeGreaterThanOrEqual(LIMITS.isolateBatchMaxPending);
    expect(RETRY_AFTER_S.rateLimited).toBe(LIMITS.ingestPerClient.periodS);
  });

  it('reads KV through its read cache no shorter than the platform minimum (30 s) nor past the edge freshness', () => {
    expect(TTL_POLICY.kv.readCacheTtlS).toBeGreaterThanOrEqual(30);
    expect(TTL_POLICY.kv.readCacheTtlS * 1000).toBeLessThanOrEqual(TTL_POLICY.edge.freshMs);
  });

  it('defaults to 20 videos and caps at 100', () => {
    expect(DEFAULT_LIMIT).toBe(20);
    expect(MAX_LIMIT).toBe(100);
  });

  it('respects the platform minimum KV expirationTtl of 60 s', () => {
    expect(TTL_POLICY.kv.expirationTtlS).toBeGreaterThanOrEqual(60);
  });

  it('keeps the edge fresh for 30 s and stale for at most 300 s', () => {
    expect(TTL_POLICY.edge.freshMs).toBe(30_000);
    expect(TTL_POLICY.edge.staleMs).toBe(300_000);
    expect(TTL_POLICY.doSnapshot.refreshMs).toBe(30_000);
  });

  it('keeps isolate memory only a few seconds, shorter than the edge', () => {
    expect(TTL_POLICY.memory.freshMs).toBeLessThan(TTL_POLICY.edge.freshMs);
    expect(TTL_POLICY.memory.freshMs).toBeLessThanOrEqual(10_000);
  });
});
