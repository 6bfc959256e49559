import type { AccessCount } from '@openvine/aggregator';
import { INTERVALS, type ReadTarget } from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';
import { IsolateBatch, msFromVar } from './isolate-batch.ts';

function countReads(reads: readonly ReadTarget[]): AccessCount[] {
  const counts = new Map<string, AccessCount>();
  for (const read of reads) {
    const key = `${read.format}:${read.window}:${read.limit}`;
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { format: read.format, window: read.window, limit: read.limit, count: 1 });
  }
  return [...counts.values()];
}

const batch = new IsolateBatch<ReadTarget, ApiEnv>('read counts', (env, name, reads) =>
  aggregatorStub(env, name).recordAccess(countReads(reads)),
);

/**
 * Which (format, window, limit) reads clients ask for: counted in this isolate and sent to the
 * aggregator in batches, off the response path. The precompute run warms the most requested
 * pairs first.
 */
export function recordRead(env: ApiEnv, ctx: ExecutionContext, aggregator: string, target: ReadTarget): void {
  const { format, window, limit } = target;
  batch.add(
    env,
    ctx,
    aggregator,
    { format, window, limit },
    msFromVar(env.ACCESS_FLUSH_MS, INTERVALS.accessFlushMs),
  );
}
