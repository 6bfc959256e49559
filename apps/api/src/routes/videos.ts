import { VideoEventsBatchSchema } from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { enforceIngestLimit } from '../ingest-limit.ts';
import { parseOrThrow } from '../query.ts';
import { readJsonBody } from '../request-body.ts';
import { registerVideoEvents } from '../video-registration.ts';

/**
 * POST /v1/videos: one signed Nostr video event, or { events: [...] } (1..50). Verified one by
 * one (trending-core's verifyVideoEvent), then registered all or none (video-registration.ts):
 * 200 with what became of each, or a 4xx with nothing stored.
 */
export async function postVideos(request: Request, env: ApiEnv): Promise<Response> {
  const aggregator = aggregatorName(env);
  const body = await readJsonBody(request);
  const batch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
  const events = batch ? parseOrThrow(VideoEventsBatchSchema, body, 'Invalid video events').events : [body];
  // Counted as events, as views are (ingest-limit.ts), before anything is verified or stored.
  await enforceIngestLimit(env, aggregator, request.headers.get('cf-connecting-ip'), events.length);
  const result = await registerVideoEvents(env, aggregator, events, (i) => (batch ? `events.${i}` : ''));
  return Response.json(result, { headers: { 'Cache-Control': 'no-store' } });
}
