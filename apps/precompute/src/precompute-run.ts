import type { TrendingAggregator } from '@openvine/aggregator';
import {
  AGGREGATOR_OBJECT_NAME,
  describeKvFailures,
  type FailedWindow,
  keyScope,
  metricsObjectFor,
  type PrecomputeReport,
  type TrendingSnapshot,
  type TrendingWindow,
  WINDOWS,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { RUN_LOCK_TTL_MS } from './run-lock.ts';
import { MAX_WARMED_READS, warmingPlan, windowOrder } from './warming.ts';

// The run's report is trending-core's schema (the api documents it; admin routes pass it on).
export type { PrecomputeReport, WindowReport } from '@openvine/trending-core';

export interface PrecomputeOptions {
  windows?: TrendingWindow[];
  /** The aggregator object to read; the production one unless a test passes its own. */
  aggregator?: string;
}

/** The run's own metrics: to Analytics Engine (production) and the metrics object (dashboard). */
async function recordRunMetrics(
  env: PrecomputeEnv,
  aggregator: string,
  report: PrecomputeReport,
  snapshots: readonly TrendingSnapshot[],
): Promise<void> {
  const windows = report.windows.map((w) => ({
    window: w.window,
    computeMs: w.computeMs,
    rowsScanned: snapshots.find((s) => s.window === w.window)?.rowsScanned ?? 0,
    kvKeys: w.kvKeys.length,
  }));
  const run = {
    at: report.startedAt,
    durationMs: report.durationMs,
    rowsScanned: windows.reduce((sum, w) => sum + w.rowsScanned, 0),
    keysWritten: windows.reduce((sum, w) => sum + w.kvKeys, 0) + report.warmed.length,
    windows,
  };
  // The run's work is done and stored by now: a metrics sink that refuses must not make the run
  // (or the cron invocation, or POST /v1/admin/precompute) a failure.
  try {
    env.TRENDING_METRICS.writeDataPoint({
      indexes: ['precompute'],
      blobs: ['precompute', report.error ? 'failed' : report.warmError ? 'warm-failed' : 'ok'],
      doubles: [run.durationMs, run.rowsScanned, run.keysWritten, windows.length],
    });
  } catch (err) {
    console.warn(`writing run metrics to Analytics Engine failed: ${String(err)}`);
  }
  try {
    await env.METRICS.get(env.METRICS.idFromName(metricsObjectFor(aggregator))).recordRun(run);
  } catch (err) {
    console.warn(`recording run metrics failed: ${String(err)}`);
  }
}

export function aggregatorFor(
  env: PrecomputeEnv,
  name = AGGREGATOR_OBJECT_NAME,
): DurableObjectStub<TrendingAggregator> {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/**
 * One precompute run: each window computed once (top 100) in the aggregator, which keeps it as
 * its memory snapshot; KV `top:{window}` and `pre:{window}:{limit}` overwritten (one write per
 * key per run, far under KV's one write per second per key, and a 429 is retried); then the edge
 * of this data center warmed for the pairs clients asked for most. A run that overlaps a running
 * one, or an invalidation (which takes the same lock), does nothing; a run that finds its lock
 * taken (it outlasted it) writes and warms nothing more. A window that fails is named
 * in `failed` (and `error`) and the others still run; only a failure outside the windows (the read
 * counts) ends the run with a throw.
 */
export async function runPrecompute(
  env: PrecomputeEnv,
  options: PrecomputeOptions = {},
): Promise<PrecomputeReport> {
  const startedAt = Date.now();
  const started = performance.now();
  const name = options.aggregator ?? AGGREGATOR_OBJECT_NAME;
  const aggregator = aggregatorFor(env, name);
  const owner = crypto.randomUUID();
  const report: PrecomputeReport = { startedAt, durationMs: 0, skipped: false, windows: [], warmed: [] };

  if (!(await aggregator.tryLockRun(owner, RUN_LOCK_TTL_MS))) {
    return { ...report, skipped: true, durationMs: performance.now() - started };
  }
  try {
    const popular = await aggregator.popularReads(MAX_WARMED_READS);
    const windows = windowOrder(popular, options.windows ?? WINDOWS);
    const snapshots: TrendingSnapshot[] = [];
    const failed: FailedWindow[] = [];
    const problems: string[] = [];
    // The lock lasts RUN_LOCK_TTL_MS: a run slowed past it (a slow shard) may find it taken, or
    // taken and released, by an invalidation or a newer run, whose newer snapshots an older one
    // must not overwrite. It is renewed (never taken back) before each window's writes and before
    // warming; once lost, or when it cannot be renewed, the run writes nothing more.
    let lostLock: string | undefined;
    const keepLock = async (before: string) => {
      try {
        if (await aggregator.renewRunLock(owner, RUN_LOCK_TTL_MS)) return true;
        lostLock = `the run lock was taken by another run or an invalidation: stopped before ${before}`;
      } catch (err) {
        lostLock = `the run lock could not be renewed (${err instanceof Error ? err.message : String(err)}): stopped before ${before}`;
      }
      return false;
    };
    for (const window of windows) {
      // Each window on its own: one that fails (a shard out of reach, KV refusing a key) must not
      // leave the others unwritten until their KV copies expire. The next run tries it again.
      try {
        const snapshot = await aggregator.refresh(window);
        if (!(await keepLock(`writing ${window}`))) break;
        snapshots.push(snapshot);
        const kv = await writeSnapshotToKv(env.TRENDING_KV, snapshot, keyScope(name));
        if (kv.failed.length > 0) problems.push(`${window}: ${describeKvFailures(kv.failed)}`);
        report.windows.push({
          window,
          generation: snapshot.generation,
          videos: snapshot.videos.length,
          computeMs: snapshot.computeMs,
          kvKeys: kv.written,
          ...(kv.superseded.length > 0 ? { kvSuperseded: kv.superseded } : {}),
          ...(kv.failed.length > 0 ? { kvFailed: kv.failed } : {}),
        });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        console.error(`precompute: ${window} failed: ${error}`);
        failed.push({ window, error });
        problems.push(`${window}: ${error}`);
      }
    }
    if (failed.length > 0) report.failed = failed;
    if (!lostLock && snapshots.length > 0 && (await keepLock('warming'))) {
      const plan = warmingPlan(popular, windows);
      try {
        report.warmed = await env.API.warm(plan, snapshots, keyScope(name));
      } catch (err) {
        report.warmError = err instanceof Error ? err.message : String(err);
        console.warn(`edge warming failed: ${report.warmError}`);
      }
    }
    if (lostLock) problems.push(lostLock);
    if (problems.length > 0) report.error = problems.join('; ');
    report.durationMs = performance.now() - started;
    await recordRunMetrics(env, name, report, snapshots);
    return report;
  } catch (err) {
    report.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    report.durationMs = performance.now() - started;
    await aggregator.unlockRun(owner, report.skipped ? undefined : report);
  }
}
