import { DurableObject } from 'cloudflare:workers';
import {
  emptyHistogram,
  type LayerMinute,
  LIMITS,
  METRICS_SPANS_MS,
  type MetricsPoint,
  type MetricsSpan,
  type MetricsSummary,
  MINUTE_MS,
  mergeHistograms,
  type PrecomputeRunMetrics,
  percentile,
  RETENTION,
  SERVED_BY,
  type ServedBy,
} from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';

// The summary's shapes are trending-core's schemas (the api validates and documents them).
export type {
  LayerSummary,
  MetricsPoint,
  MetricsSpan,
  MetricsSummary,
  PrecomputeRunMetrics,
} from '@openvine/trending-core';

/** Per-minute rows are kept this long: the dashboard's longest view. */
const RETENTION_MS = RETENTION.metricsMs;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS layer_minutes (
     minute INTEGER NOT NULL,
     served_by TEXT NOT NULL,
     count INTEGER NOT NULL,
     stale INTEGER NOT NULL,
     errors INTEGER NOT NULL,
     computes INTEGER NOT NULL,
     compute_ms_sum REAL NOT NULL,
     edge_misses INTEGER NOT NULL,
     kv_misses INTEGER NOT NULL,
     total_ms_sum REAL NOT NULL,
     histogram TEXT NOT NULL,
     PRIMARY KEY (minute, served_by)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS precompute_runs (
     at INTEGER NOT NULL,
     duration_ms REAL NOT NULL,
     rows_scanned INTEGER NOT NULL,
     keys_written INTEGER NOT NULL,
     windows TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS precompute_runs_by_at ON precompute_runs (at)',
];

interface Row {
  minute: number;
  served_by: string;
  count: number;
  stale: number;
  errors: number;
  computes: number;
  compute_ms_sum: number;
  edge_misses: number;
  kv_misses: number;
  total_ms_sum: number;
  histogram: string;
  [key: string]: SqlStorageValue;
}

const perLayer = <T>(value: (layer: ServedBy) => T) =>
  Object.fromEntries(SERVED_BY.map((l) => [l, value(l)])) as Record<ServedBy, T>;

function span(rows: readonly Row[]): MetricsSpan {
  const histograms = perLayer(() => emptyHistogram());
  const counts = perLayer(() => 0);
  const out = {
    requests: 0,
    edge_misses: 0,
    kv_misses: 0,
    computes: 0,
    compute_ms: 0,
    stale_served: 0,
    errors: 0,
  };
  for (const row of rows) {
    const layer = row.served_by as ServedBy;
    counts[layer] += row.count;
    mergeHistograms(histograms[layer], JSON.parse(row.histogram) as number[]);
    out.requests += row.count;
    out.edge_misses += row.edge_misses;
    out.kv_misses += row.kv_misses;
    out.computes += row.computes;
    out.compute_ms += row.compute_ms_sum;
    out.stale_served += row.stale;
    out.errors += row.errors;
  }
  return {
    ...out,
    compute_ms: Math.round(out.compute_ms * 10) / 10,
    memory_hits: counts.memory,
    edge_hits: counts.edge,
    do_hits: counts.do,
    kv_hits: counts.kv,
    layers: perLayer((layer) => ({
      count: counts[layer],
      ratio: out.requests ? counts[layer] / out.requests : 0,
      p50: percentile(histograms[layer], 50),
      p95: percentile(histograms[layer], 95),
      p99: percentile(histograms[layer], 99),
    })),
  };
}

/**
 * Aggregates response metrics for `/v1/metrics` and the dashboard: api isolates send batches of
 * per-minute, per-layer rows (never one call per request), which add up here; 24 h are kept.
 * In production the same samples also go to the Analytics Engine metrics dataset.
 */
export class MetricsAggregator extends DurableObject<AggregatorEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) this.sql.exec(statement);
    });
  }

  async record(rows: LayerMinute[]): Promise<void> {
    if (!Array.isArray(rows) || rows.length > LIMITS.rowsPerCall)
      throw new RangeError(`record takes 0..${LIMITS.rowsPerCall} rows`);
    this.ctx.storage.transactionSync(() => {
      for (const r of rows) {
        if (!(SERVED_BY as readonly string[]).includes(r.servedBy)) continue;
        const existing = this.sql
          .exec<{ histogram: string }>(
            'SELECT histogram FROM layer_minutes WHERE minute = ? AND served_by = ?',
            r.minute,
            r.servedBy,
          )
          .toArray()[0];
        const histogram = existing
          ? mergeHistograms(JSON.parse(existing.histogram) as number[], r.histogram)
          : mergeHistograms(emptyHistogram(), r.histogram);
        this.sql.exec(
          `INSERT INTO layer_minutes (minute, served_by, count, stale, errors, computes, compute_ms_sum,
             edge_misses, kv_misses, total_ms_sum, histogram)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (minute, served_by) DO UPDATE SET
             count = count + excluded.count, stale = stale + excluded.stale,
             errors = errors + excluded.errors, computes = computes + excluded.computes,
             compute_ms_sum = compute_ms_sum + excluded.compute_ms_sum,
             edge_misses = edge_misses + excluded.edge_misses, kv_misses = kv_misses + excluded.kv_misses,
             total_ms_sum = total_ms_sum + excluded.total_ms_sum, histogram = excluded.histogram`,
          r.minute,
          r.servedBy,
          r.count,
          r.stale,
          r.errors,
          r.computes,
          r.computeMsSum,
          r.edgeMisses,
          r.kvMisses,
          r.totalMsSum,
          JSON.stringify(histogram),
        );
      }
      this.sql.exec('DELETE FROM layer_minutes WHERE minute < ?', Date.now() - RETENTION_MS);
    });
  }

  async recordRun(run: PrecomputeRunMetrics): Promise<void> {
    this.sql.exec(
      'INSERT INTO precompute_runs (at, duration_ms, rows_scanned, keys_written, windows) VALUES (?, ?, ?, ?, ?)',
      run.at,
      run.durationMs,
      run.rowsScanned,
      run.keysWritten,
      JSON.stringify(run.windows),
    );
    this.sql.exec('DELETE FROM precompute_runs WHERE at < ?', Date.now() - RETENTION_MS);
  }

  async summary(): Promise<MetricsSummary> {
    const now = Date.now();
    const hourAgo = now - METRICS_SPANS_MS.last1h;
    const rows = this.sql
      .exec<Row>(
        'SELECT * FROM layer_minutes WHERE minute >= ? ORDER BY minute',
        Math.floor(hourAgo / MINUTE_MS) * MINUTE_MS,
      )
      .toArray();
    const fiveMinAgo = Math.floor((now - METRICS_SPANS_MS.last5m) / MINUTE_MS) * MINUTE_MS;
    const byMinute = new Map<number, Row[]>();
    for (const row of rows) byMinute.set(row.minute, [...(byMinute.get(row.minute) ?? []), row]);
    const series = [...byMinute.entries()].map(([minute, minuteRows]): MetricsPoint => {
      const s = span(minuteRows);
      return {
        minute,
        requests: s.requests,
        computes: s.computes,
        count: perLayer((l) => s.layers[l].count),
        p50: perLayer((l) => s.layers[l].p50),
        p95: perLayer((l) => s.layers[l].p95),
        p99: perLayer((l) => s.layers[l].p99),
      };
    });
    const runs = this.sql
      .exec<{ at: number; duration_ms: number; rows_scanned: number; keys_written: number; windows: string }>(
        'SELECT * FROM precompute_runs WHERE at >= ? ORDER BY at DESC LIMIT ?',
        hourAgo,
        LIMITS.metricsRuns,
      )
      .toArray()
      .map((r) => ({
        at: r.at,
        durationMs: r.duration_ms,
        rowsScanned: r.rows_scanned,
        keysWritten: r.keys_written,
        windows: JSON.parse(r.windows) as PrecomputeRunMetrics['windows'],
      }));
    return {
      now,
      last5m: span(rows.filter((r) => r.minute >= fiveMinAgo)),
      last1h: span(rows),
      series,
      runs,
    };
  }
}
