import {
  describeKvFailures,
  describeNotRecomputed,
  type ErrorBody,
  type InvalidatedWindow,
  type NotRecomputedWindow,
} from '@openvine/trending-core';

/**
 * The error of an invalidation or a moderation change that landed in part (its generations stand
 * either way, and so does a moderation change): windows the aggregator bumped but could not
 * recompute (`recompute_failed`: a shard out of reach), or keys KV refused (`kv_write_failed`).
 * Undefined when everything landed. `applied` says what stands either way, as the message's opening.
 */
export function partialFailure(
  applied: string,
  windows: readonly InvalidatedWindow[],
  notRecomputed: readonly NotRecomputedWindow[] = [],
): ErrorBody['error'] | undefined {
  const refused = windows.flatMap((w) => w.kvFailed);
  const kv =
    refused.length > 0
      ? `${describeKvFailures(refused)}. Those keys keep the older generation until the next precompute run (within a minute) rewrites them.`
      : undefined;
  if (notRecomputed.length > 0) {
    return {
      code: 'recompute_failed',
      message:
        `${applied}; the windows in \`windows\` were recomputed and this data center's edge purged, ` +
        `but ${describeNotRecomputed(notRecomputed)} ` +
        '(a shard of the aggregator did not answer): they keep the list from before until the next ' +
        `precompute run (within a minute) recomputes them. Repeating this call is safe.${kv ? ` Also, ${kv}` : ''}`,
    };
  }
  return kv
    ? { code: 'kv_write_failed', message: `${applied} and this data center's edge purged, but ${kv}` }
    : undefined;
}
