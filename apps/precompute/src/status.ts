import {
  asPrecomputeReport,
  INTERVALS,
  type PrecomputeStatus,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { aggregatorFor } from './precompute-run.ts';
import { relayBridgeFor } from './relay-bridge.ts';

export type { PrecomputeStatus } from '@openvine/trending-core';

/**
 * The state ops look at: the last run, the next cron, each window's generation and age, and the
 * relay bridge's relays.
 */
export async function readStatus(env: PrecomputeEnv, aggregator?: string): Promise<PrecomputeStatus> {
  const stub = aggregatorFor(env, aggregator);
  const [stats, lastRun, relays] = await Promise.all([
    stub.stats(),
    stub.lastRunReport(),
    relayBridgeFor(env, aggregator).status(),
  ]);
  const now = Date.now();
  const run = asPrecomputeReport(lastRun);
  const windows = Object.fromEntries(
    (Object.keys(stats.generations) as TrendingWindow[]).map((w) => [
      w,
      {
        generation: stats.generations[w],
        snapshotAgeMs: stats.snapshotAgeMs[w],
        computations: stats.computations[w],
        refreshFailures: stats.alarmFailures.refresh[w],
      },
    ]),
  ) as PrecomputeStatus['windows'];
  return {
    now,
    lastRun: run,
    lastRunAgeS: run ? Math.max(0, (now - (run.startedAt + run.durationMs)) / 1000) : null,
    // The cron is `* * * * *`: the next run starts at the next whole minute.
    nextCronAt: (Math.floor(now / INTERVALS.precomputeCronMs) + 1) * INTERVALS.precomputeCronMs,
    windows,
    lastAlarmAt: stats.lastAlarmAt,
    alarmFailures: { prune: stats.alarmFailures.prune, lastAt: stats.alarmFailures.lastAt },
    storage: stats.storage,
    relays,
  };
}
