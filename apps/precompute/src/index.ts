import { WorkerEntrypoint } from 'cloudflare:workers';
import type { TrendingWindow } from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { type PrecomputeReport, runPrecompute } from './precompute-run.ts';

export type { PrecomputeEnv } from './env.ts';
export type { PrecomputeReport, WindowReport } from './precompute-run.ts';

/**
 * The cron Worker and the RPC entrypoint ops and other internal Workers call over a service
 * binding. It has no public route (workers_dev: false); fetch answers 404.
 */
export default class PrecomputeEntrypoint extends WorkerEntrypoint<PrecomputeEnv> {
  override async fetch(): Promise<Response> {
    return Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 });
  }

  override async scheduled(_controller: ScheduledController): Promise<void> {
    await runPrecompute(this.env);
  }

  /** Precomputes the given windows (all by default) and reports what was written. */
  async precompute(options: { windows?: TrendingWindow[] } = {}): Promise<PrecomputeReport> {
    return runPrecompute(this.env, options.windows);
  }
}
