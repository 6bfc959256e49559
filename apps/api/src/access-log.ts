import type { AccessCount } from '@openvine/aggregator';
import type { ReadTarget } from '@openvine/trending-core';
import { aggregatorStub } from './cascade/do-snapshot.ts';
import type { ApiEnv } from './env.ts';

/**
 * Which (format, window, limit) reads clients ask for, counted in this isolate and sent to the
 * aggregator in one batch at most every ACCESS_FLUSH_MS (10 s by default), off the response
 * path. The precompute run warms the most requested pairs first.
 */
const pending = new Map<string, Map<string, AccessCount>>();
let lastFlush = Date.now();

const DEFAULT_FLUSH_MS = 10_000;

export function recordRead(env: ApiEnv, ctx: ExecutionContext, aggregator: string, target: ReadTarget): void {
  let counts = pending.get(aggregator);
  if (!counts) {
    counts = new Map();
    pending.set(aggregator, counts);
  }
  const key = `${target.format}:${target.window}:${target.limit}`;
  const entry = counts.get(key);
  if (entry) entry.count += 1;
  else counts.set(key, { ...target, count: 1 });

  const flushMs = Number(env.ACCESS_FLUSH_MS ?? DEFAULT_FLUSH_MS);
  if (Date.now() - lastFlush < flushMs) return;
  lastFlush = Date.now();
  for (const [name, batch] of pending) {
    ctx.waitUntil(
      aggregatorStub(env, name)
        .recordAccess([...batch.values()])
        .catch((err: unknown) => console.warn(`recording reads failed: ${String(err)}`)),
    );
  }
  pending.clear();
}
