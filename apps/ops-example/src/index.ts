import type { OpsExampleEnv } from './env.ts';
import { refreshStaleWindows } from './freshness-check.ts';

export type { OpsExampleEnv } from './env.ts';
export type { FreshnessReport } from './freshness-check.ts';

/**
 * An example of another internal Worker using the precompute service: every 5 minutes it reads
 * precompute's status over the service binding and has the stale windows precomputed.
 * It has no public URL (workers_dev: false) and no fetch handler.
 */
export default {
  async scheduled(_controller, env, _ctx) {
    const report = await refreshStaleWindows(env.PRECOMPUTE);
    console.log(JSON.stringify({ message: 'freshness check', ...report }));
  },
} satisfies ExportedHandler<OpsExampleEnv>;
