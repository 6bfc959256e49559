import * as v from 'valibot';
import { Hex64Schema, WindowSchema } from './schemas.ts';
import type { TrendingWindow } from './windows.ts';

/**
 * What an internal Worker sends over RPC (precompute's entrypoint, the aggregator's methods that
 * store), checked again where it is applied: an RPC caller skips the api's request checks, and a
 * bad value would otherwise be stored (a generation row for a window that does not exist) or
 * surface later as an unrelated TypeError. Each parser throws a TypeError naming what is wrong.
 */

/** `POST /v1/admin/invalidate`'s body, and the target of `invalidate()` over RPC. */
export const InvalidationTargetSchema = v.union(
  [
    v.strictObject({ window: WindowSchema }),
    v.strictObject({ videoId: Hex64Schema }),
    v.strictObject({ all: v.literal(true) }),
  ],
  'body must be { "window": "1h"|"24h"|"7d" }, { "videoId": "<64 hex>" } or { "all": true }',
);

export type InvalidationTarget = v.InferOutput<typeof InvalidationTargetSchema>;

/** `value` as `schema` parses it, or a TypeError `invalid {what}: {the first issue}`. */
export function parseRpcInput<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  what: string,
): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new TypeError(`invalid ${what}: ${parsed.issues[0].message}`);
  return parsed.output;
}

export function parseInvalidationTarget(value: unknown): InvalidationTarget {
  return parseRpcInput(InvalidationTargetSchema, value, 'invalidation target');
}

export function parseWindow(value: unknown): TrendingWindow {
  return parseRpcInput(WindowSchema, value, 'window');
}

/** A video id as RPC callers pass it: 64 hex characters, compared lowercase. */
export function parseVideoId(value: unknown): string {
  return parseRpcInput(Hex64Schema, value, 'videoId');
}

/** `precompute()`'s windows: a non-empty list of windows when given. */
export function parseWindows(value: unknown): TrendingWindow[] | undefined {
  if (value === undefined) return undefined;
  return parseRpcInput(
    v.pipe(v.array(WindowSchema), v.minLength(1, 'windows must not be empty')),
    value,
    'windows',
  );
}
