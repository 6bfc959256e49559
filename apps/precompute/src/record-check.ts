import {
  AnalyticsEngineError,
  AnalyticsEngineViewSource,
  compareWithRecord,
  MAX_LIMIT,
  type RecordComparison,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { aggregatorFor } from './precompute-run.ts';

export type RecordCheck =
  | { ok: true; comparison: RecordComparison }
  | { ok: false; reason: 'not_configured' | 'record_failed'; message: string };

/**
 * The live ranking against one computed from the record: the view events the api writes to
 * Analytics Engine, read through its SQL API. Needs AE_ACCOUNT_ID (var) and the AE_API_TOKEN
 * secret (Account Analytics: Read); answers why not when either is missing or the API fails.
 */
export async function checkRecord(
  env: PrecomputeEnv,
  window: TrendingWindow,
  aggregator?: string,
): Promise<RecordCheck> {
  if (!env.AE_ACCOUNT_ID || !env.AE_API_TOKEN) {
    return {
      ok: false,
      reason: 'not_configured',
      message: 'The record is not configured: set the AE_ACCOUNT_ID var and the AE_API_TOKEN secret',
    };
  }
  let source: AnalyticsEngineViewSource;
  try {
    source = new AnalyticsEngineViewSource({
      accountId: env.AE_ACCOUNT_ID,
      apiToken: env.AE_API_TOKEN,
      dataset: env.AE_VIEW_DATASET ?? 'openvine_view_events',
      ...(env.AE_SQL_ENDPOINT ? { endpoint: env.AE_SQL_ENDPOINT } : {}),
      fetch: (url, init) => fetch(url, init as RequestInit),
    });
  } catch (err) {
    return {
      ok: false,
      reason: 'not_configured',
      message: `The record is misconfigured: ${(err as Error).message}`,
    };
  }
  try {
    const [live, record] = await Promise.all([
      aggregatorFor(env, aggregator).top(window, MAX_LIMIT),
      source.windowStats(window, Date.now()),
    ]);
    return { ok: true, comparison: compareWithRecord(window, live.videos, record) };
  } catch (err) {
    if (err instanceof AnalyticsEngineError)
      return { ok: false, reason: 'record_failed', message: err.message };
    throw err;
  }
}
