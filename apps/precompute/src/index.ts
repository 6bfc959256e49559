import { WorkerEntrypoint } from 'cloudflare:workers';
import type { InvalidationTarget } from '@openvine/aggregator';
import {
  type Explanation,
  type ModerateOutcome,
  type ModerationChange,
  type ModerationList,
  parseInvalidationTarget,
  parseVideoId,
  parseWindow,
  parseWindows,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { type InvalidateOutcome, runInvalidate } from './invalidate.ts';
import { readModeration, runModeration } from './moderation.ts';
import {
  aggregatorFor,
  type PrecomputeOptions,
  type PrecomputeReport,
  runPrecompute,
} from './precompute-run.ts';
import { checkRecord, type RecordCheck } from './record-check.ts';
import { syncRelayBridge } from './relay-bridge-sync.ts';
import { type PrecomputeStatus, readStatus } from './status.ts';

export type { PrecomputeEnv } from './env.ts';
export type { InvalidatedWindow, InvalidateOutcome } from './invalidate.ts';
export type { PrecomputeOptions, PrecomputeReport, WindowReport } from './precompute-run.ts';
export type { RecordCheck } from './record-check.ts';
export { RelayBridge, type RelayBridgeConfig } from './relay-bridge.ts';
export type { PrecomputeStatus } from './status.ts';

/**
 * The cron Worker and the RPC entrypoint ops and other internal Workers call over a service
 * binding. It has no public route (workers_dev: false); fetch answers 404.
 */
export default class PrecomputeEntrypoint extends WorkerEntrypoint<PrecomputeEnv> {
  override async fetch(): Promise<Response> {
    return Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 });
  }

  override async scheduled(_controller: ScheduledController): Promise<void> {
    // The bridge's tick: it reconnects after an eviction even if its alarm was lost. Both run to
    // the end whatever the other does; a failed run (a window included) then fails the invocation,
    // so that the platform's cron metrics show it.
    const [run, bridge] = await Promise.allSettled([runPrecompute(this.env), syncRelayBridge(this.env)]);
    if (run.status === 'rejected') throw run.reason;
    if (bridge.status === 'rejected') throw bridge.reason;
    if (run.value.error) throw new Error(`precompute run failed: ${run.value.error}`);
  }

  /** Precomputes the given windows (all by default) and reports what was written. */
  async precompute(options: PrecomputeOptions = {}): Promise<PrecomputeReport> {
    const windows = parseWindows(options.windows);
    return runPrecompute(this.env, { ...options, ...(windows ? { windows } : {}) });
  }

  /** Last run, its duration, each window's generation and age, and the next cron. */
  async status(options: { aggregator?: string } = {}): Promise<PrecomputeStatus> {
    return readStatus(this.env, options.aggregator);
  }

  /** The live ranking of a window against one computed from the record (Analytics Engine). */
  async checkRecord(window: TrendingWindow, options: { aggregator?: string } = {}): Promise<RecordCheck> {
    return checkRecord(this.env, parseWindow(window), options.aggregator);
  }

  /**
   * Invalidates a window, all windows, or every window listing a video, holding the precompute
   * run lock (waiting up to 20 s for a running precompute to finish). The report lists, per
   * window, the new generation and the KV keys written or refused; `ok: false` when the lock
   * stayed busy and nothing was invalidated.
   */
  async invalidate(
    target: InvalidationTarget,
    options: { aggregator?: string } = {},
  ): Promise<InvalidateOutcome> {
    // Before the run lock is taken: a bad target is refused with nothing changed.
    return runInvalidate(this.env, parseInvalidationTarget(target), options.aggregator);
  }

  /**
   * Hides or unhides a video, creator or hashtag (with its audit row), under the run lock as
   * `invalidate` is: every window is bumped and recomputed without what is hidden, KV rewritten,
   * and every data center's edge purged by tag when a purge token is configured (else the report
   * says it was skipped). `ok: false` when the lock stayed busy and nothing changed.
   */
  async moderate(change: ModerationChange, options: { aggregator?: string } = {}): Promise<ModerateOutcome> {
    return runModeration(this.env, change, options.aggregator);
  }

  /** What is hidden now, and the audit list, newest first. */
  async moderation(options: { aggregator?: string } = {}): Promise<ModerationList> {
    return readModeration(this.env, options.aggregator);
  }

  /** Why a video ranks where it does in a window: its score's parts (the aggregator's explain). */
  async explain(
    videoId: string,
    window: TrendingWindow,
    options: { aggregator?: string } = {},
  ): Promise<Explanation> {
    return aggregatorFor(this.env, options.aggregator).explain(parseVideoId(videoId), parseWindow(window));
  }
}
