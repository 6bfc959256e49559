import {
  CORS_HEADERS,
  keyScope,
  type ModerationAction,
  type ModerationReport,
  ModerationRequestSchema,
  RETRY_AFTER_S,
} from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { ApiError, errorResponse } from '../errors.ts';
import { parseOrThrow } from '../query.ts';
import { readJsonBody } from '../request-body.ts';
import { dropLocalCopies, requireAdmin } from './admin.ts';
import { partialFailure } from './partial-failure.ts';

/**
 * POST /v1/admin/moderation/hide and /unhide: precompute applies the change in the aggregator
 * (with its audit row), which bumps and recomputes every window without what is hidden; precompute
 * rewrites KV and purges every data center's edge by tag (when configured), all under the run
 * lock. This isolate then does what an invalidation does here (dropLocalCopies), so this data
 * center answers without it from the next request on. Bad input is a 400 before anything is
 * asked of precompute: nothing changes. 503 `run_lock_busy`: nothing changed either.
 */
async function moderate(
  action: ModerationAction,
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  requireAdmin(request, env);
  const body = parseOrThrow(
    ModerationRequestSchema,
    await readJsonBody(request),
    'Invalid moderation request',
  );
  const aggregator = aggregatorName(env);
  const outcome = await env.PRECOMPUTE.moderate({ ...body, action }, { aggregator });
  if (!outcome.ok) {
    throw new ApiError(503, outcome.reason, outcome.message, {
      headers: { 'Retry-After': String(RETRY_AFTER_S.runLockBusy) },
    });
  }
  const report: ModerationReport = {
    entry: outcome.entry,
    windows: outcome.windows,
    ...(outcome.notRecomputed ? { notRecomputed: outcome.notRecomputed } : {}),
    edgePurge: outcome.edgePurge,
  };
  dropLocalCopies(keyScope(aggregator), report.windows, ctx);
  const error = partialFailure('The change is applied', report.windows, report.notRecomputed);
  if (!error) return Response.json(report, { headers: { 'Cache-Control': 'no-store', ...CORS_HEADERS } });
  return errorResponse(502, { error, ...report });
}

export const postHide = (request: Request, env: ApiEnv, ctx: ExecutionContext) =>
  moderate('hide', request, env, ctx);

export const postUnhide = (request: Request, env: ApiEnv, ctx: ExecutionContext) =>
  moderate('unhide', request, env, ctx);

/** GET /v1/admin/moderation: what is hidden now, and the audit list, newest first. */
export async function getModeration(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const list = await env.PRECOMPUTE.moderation({ aggregator: aggregatorName(env) });
  return Response.json(list, { headers: { 'Cache-Control': 'no-store' } });
}
