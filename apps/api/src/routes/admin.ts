import {
  CORS_HEADERS,
  ExplainQuerySchema,
  type InvalidateReport,
  InvalidationTargetSchema,
  keyScope,
  LIMITS,
  MAX_EVENTS_PER_BATCH,
  MAX_FUTURE_SKEW_MS,
  normalizeViewEvent,
  RETRY_AFTER_S,
  type SeedResult,
  type TrendingWindow,
  WindowSchema,
} from '@openvine/trending-core';
import { demoVideoEvents, generateDemoData } from '@openvine/trending-core/demo-data';
import * as v from 'valibot';
import { aggregatorName } from '../aggregator-name.ts';
import { observeGeneration } from '../cascade/generations.ts';
import { isolateMemory } from '../cascade/isolate-memory.ts';
import type { ApiEnv } from '../env.ts';
import { ApiError, badRequest, errorResponse } from '../errors.ts';
import { ingestDirect, seedNetwork } from '../ingest.ts';
import { canonicalParams, parseOrThrow, queryParser } from '../query.ts';
import { readJsonBody, readOptionalJsonObject } from '../request-body.ts';
import { registerVideoEvents } from '../video-registration.ts';
import { partialFailure } from './partial-failure.ts';

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function sameToken(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Admin routes exist only when ADMIN_TOKEN is configured, and answer 401 without it. */
export function requireAdmin(request: Request, env: ApiEnv): void {
  if (!env.ADMIN_TOKEN) throw new ApiError(404, 'not_found', 'No such route');
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  if (!token || !sameToken(token, env.ADMIN_TOKEN)) {
    throw new ApiError(401, 'unauthorized', 'Admin routes need Authorization: Bearer <ADMIN_TOKEN>', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
}

/**
 * What the api does for each window precompute bumped (an invalidation, a moderation change):
 * raise this isolate's generation floor (none of its layers serves an older generation from here
 * on), drop the window from isolate memory, and purge this data center's edge entries of it.
 */
export function dropLocalCopies(
  scope: string,
  windows: readonly { window: TrendingWindow; generation: number }[],
  ctx: ExecutionContext,
): void {
  for (const { window, generation } of windows) {
    observeGeneration(scope, window, generation);
    isolateMemory.dropWindow(scope, window);
    // One invocation per window (edge-purge.ts): all of them in this one exceed the Cache API's limit.
    ctx.waitUntil(ctx.exports.EdgePurge.purgeWindow(scope, window));
  }
}

/**
 * POST /v1/admin/invalidate: the aggregator bumps the generation(s) and recomputes, precompute
 * overwrites KV (both under the precompute run lock), and this isolate raises its generation
 * floor (so none of its layers serves the old generation from here on) and purges this data
 * center's edge entries. Those two happen for every bumped window even when KV refused some of
 * its writes: the answer is then a 502 `kv_write_failed` naming the keys, with the report (the
 * bump stands; the next precompute run rewrites those keys). 503 `run_lock_busy` when a
 * precompute run kept the lock past the wait: nothing was invalidated.
 */
export async function postInvalidate(
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  requireAdmin(request, env);
  const target = parseOrThrow(
    InvalidationTargetSchema,
    await readJsonBody(request),
    'Invalid invalidation target',
  );
  const aggregator = aggregatorName(env);
  const scope = keyScope(aggregator);
  const report = await env.PRECOMPUTE.invalidate(target, { aggregator });
  if (!report.ok) {
    throw new ApiError(503, report.reason, report.message, {
      headers: { 'Retry-After': String(RETRY_AFTER_S.runLockBusy) },
    });
  }
  const { windows, notRecomputed } = report;
  dropLocalCopies(scope, windows, ctx);
  const answer: InvalidateReport = { windows, ...(notRecomputed ? { notRecomputed } : {}) };
  const error = partialFailure('The generations were raised', windows, notRecomputed);
  if (!error) return Response.json(answer, { headers: { 'Cache-Control': 'no-store', ...CORS_HEADERS } });
  return errorResponse(502, { error, ...answer });
}

/** GET /v1/admin/status: last precompute run, next cron, each window's generation and age. */
export async function getStatus(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const status = await env.PRECOMPUTE.status({ aggregator: aggregatorName(env) });
  return Response.json(status, { headers: { 'Cache-Control': 'no-store' } });
}

export const PrecomputeBodySchema = v.strictObject({
  windows: v.optional(v.pipe(v.array(WindowSchema), v.minLength(1, 'windows must name at least one window'))),
});

/** POST /v1/admin/precompute: runs a precompute now (all windows, or the listed ones). */
export async function postPrecompute(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const text = await readOptionalJsonObject(request);
  const body = parseOrThrow(PrecomputeBodySchema, text, 'Invalid precompute request');
  const report = await env.PRECOMPUTE.precompute({
    ...(body.windows ? { windows: body.windows } : {}),
    aggregator: aggregatorName(env),
  });
  if (!report.error) return Response.json(report, { headers: { 'Cache-Control': 'no-store' } });
  const { error, ...written } = report;
  return errorResponse(502, {
    error: {
      code: 'precompute_failed',
      message:
        `The run finished, but not every window was computed and written (${error}). What it ` +
        'wrote is listed in `windows`; the rest keep their previous list until the next run ' +
        '(within a minute). Repeating this call is safe.',
    },
    ...written,
  });
}

export const RecordCheckQuerySchema = v.object({ window: v.optional(WindowSchema, '24h') });

/**
 * GET /v1/admin/record-check?window=24h: the live top 20 against the one computed from the record
 * (Analytics Engine). 503 with the reason when the record is not configured or does not answer.
 */
export async function getRecordCheck(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const { window } = parseRecordCheckQuery(request.url);
  const check = await env.PRECOMPUTE.checkRecord(window, { aggregator: aggregatorName(env) });
  if (!check.ok) throw new ApiError(503, check.reason, check.message);
  return Response.json(check.comparison, { headers: { 'Cache-Control': 'no-store' } });
}

const parseRecordCheckQuery = queryParser(RecordCheckQuerySchema, 'Invalid query');

/** GET /v1/admin/explain?videoId=&window=: why a video ranks where it does (precompute's explain). */
export async function getExplain(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const { videoId, window } = parseExplainQuery(request.url);
  const explanation = await env.PRECOMPUTE.explain(videoId, window, { aggregator: aggregatorName(env) });
  return Response.json(explanation, { headers: { 'Cache-Control': 'no-store' } });
}

/**
 * The explain query: canonicalParams lowercases names, and this one's is camelCase (`videoId`, as
 * the rest of the API spells it), so it is looked up as canonicalParams leaves it.
 */
function parseExplainQuery(url: string) {
  const params = canonicalParams(new URL(url));
  return parseOrThrow(
    ExplainQuerySchema,
    { videoId: params.videoid, window: params.window },
    'Invalid query',
  );
}

/**
 * Events one seed request ingests: two ingest batches of 100. Each new event is one Analytics
 * Engine point, written by the aggregator where it commits the batch, so each ingest invocation
 * of the aggregator writes at most 100, within the platform's 250 per invocation
 * (MAX_AE_WRITES_PER_INVOCATION); the request itself writes only its own metrics point.
 */
export const SEED_EVENTS_PER_REQUEST = 2 * MAX_EVENTS_PER_BATCH;

/** How long a seed's `next` stays usable: its events are generated for the first page's time. */
export const SEED_CURSOR_MAX_AGE_MS = LIMITS.seed.cursorMaxAgeMs;

const SEED = LIMITS.seed;
export const SeedBodySchema = v.strictObject({
  events: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(SEED.events.min), v.maxValue(SEED.events.max)),
    SEED.events.default,
  ),
  videos: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(SEED.videos.min), v.maxValue(SEED.videos.max)),
    SEED.videos.default,
  ),
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)), 42),
  /** From a previous page's `next`: the time the workload is generated for, and where to go on. */
  now: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
});

/**
 * POST /v1/admin/seed: the demo workload (trending-core's generateDemoData: bursts, steady and
 * fading videos over 7 days), its videos' signed events registered on the first page, its views
 * keyed as clients' events are and committed straight to the aggregator, one page of
 * SEED_EVENTS_PER_REQUEST events per request, so that no invocation writes more Analytics Engine
 * points than the platform allows. The answer's `next` is the body of the next page's request
 * (the same workload: same seed, sizes and `now`), `null` after the last page; a caller repeats
 * until then. Events carry idempotency keys derived from the seed, scoped to each viewer's
 * seedNetwork (under SEED_NETWORK) rather than the caller's network, so a repeated page, or
 * seeding twice from anywhere, counts once; each seeded viewer is its own network.
 */
export async function postSeed(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const text = await readOptionalJsonObject(request);
  const body = parseOrThrow(SeedBodySchema, text, 'Invalid seed request');
  const received = Date.now();
  const now = body.now ?? received;
  if (now > received + MAX_FUTURE_SKEW_MS || now < received - SEED_CURSOR_MAX_AGE_MS) {
    throw badRequest('Invalid seed request', [
      { path: 'now', message: 'must be within the last hour: start again without now and offset' },
    ]);
  }
  if (body.offset >= body.events) {
    throw badRequest('Invalid seed request', [{ path: 'offset', message: 'must be less than events' }]);
  }
  const data = generateDemoData({ now, events: body.events, videos: body.videos, seed: body.seed });
  const aggregator = aggregatorName(env);
  // The first page signs every video's event (deterministic demo keys) and registers it as
  // POST /v1/videos does, verification included: the views carry hints only.
  let videosRegistered = 0;
  if (body.offset === 0) {
    const signed = demoVideoEvents(data.videos);
    for (let i = 0; i < signed.length; i += LIMITS.videoEvents.perBatch) {
      const batch = signed.slice(i, i + LIMITS.videoEvents.perBatch);
      const registered = await registerVideoEvents(env, aggregator, batch, (j) => `videos.${i + j}`);
      videosRegistered += registered.results.length;
    }
  }
  const page = data.events.slice(body.offset, body.offset + SEED_EVENTS_PER_REQUEST);
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < page.length; i += MAX_EVENTS_PER_BATCH) {
    const batch = page.slice(i, i + MAX_EVENTS_PER_BATCH).map((e, j) => normalizeViewEvent(e, now, j));
    // Straight to the aggregator (each shard by shardObjectName), not through the ingest queue:
    // the demo wants its data ranked at once, and the page's answer then reports what the store
    // did (accepted, duplicates), which the queue could only tell after the consumer ran.
    const result = await ingestDirect(
      env,
      aggregator,
      batch,
      batch.map((e) => seedNetwork(e.viewerId)),
    );
    accepted += result.accepted;
    duplicates += result.duplicates;
  }
  const end = body.offset + page.length;
  const next =
    end < data.events.length
      ? { events: body.events, videos: body.videos, seed: body.seed, now, offset: end }
      : null;
  return Response.json(
    {
      videos: data.videos.length,
      events: data.events.length,
      offset: body.offset,
      ingested: page.length,
      accepted,
      duplicates,
      videosRegistered,
      next,
    } satisfies SeedResult,
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
