import {
  type ClientViewResult,
  ClientViewSchema,
  clientNetwork,
  EventTimestampError,
  normalizeClientView,
  normalizeViewEvent,
  ViewEventsBodySchema,
} from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { badRequest } from '../errors.ts';
import { ingestEvents } from '../ingest.ts';
import { enforceIngestLimit } from '../ingest-limit.ts';
import { parseOrThrow } from '../query.ts';
import { readJsonBody } from '../request-body.ts';

/** POST /v1/events/views: one event or { events: [...] } (1..100); 202 { accepted, duplicates }. */
export async function postViewEvents(request: Request, env: ApiEnv): Promise<Response> {
  const aggregator = aggregatorName(env);
  await enforceIngestLimit(request, env, aggregator);
  const body = parseOrThrow(ViewEventsBodySchema, await readJsonBody(request), 'Invalid view events');
  const inputs = 'events' in body ? body.events : [body];
  const now = Date.now();
  let events: ReturnType<typeof normalizeViewEvent>[];
  try {
    events = inputs.map((input, i) => normalizeViewEvent(input, now, i));
  } catch (err) {
    if (err instanceof EventTimestampError) {
      const path = 'events' in body ? `events.${err.index}.timestamp` : 'timestamp';
      throw badRequest('Invalid view events', [{ path, message: err.message }]);
    }
    throw err;
  }
  const network = clientNetwork(request.headers.get('cf-connecting-ip'));
  const result = await ingestEvents(env, aggregator, events, network);
  return Response.json(result, { status: 202 });
}

/**
 * POST /analytics/view: the OpenVine app's body. Answers 200, never 202: the app retries every
 * status but 200 and 429, which would count twice, and drops a view after its retries: so the
 * body is clamped, never refused (ClientViewSchema); only a missing or invalid eventId, or a body
 * that is not a JSON object, is a 400.
 */
export async function postClientView(request: Request, env: ApiEnv): Promise<Response> {
  const aggregator = aggregatorName(env);
  await enforceIngestLimit(request, env, aggregator);
  const input = parseOrThrow(ClientViewSchema, await readJsonBody(request), 'Invalid view');
  const now = Date.now();
  const address = request.headers.get('cf-connecting-ip');
  const anonymous = `anon:${address ?? 'unknown'}`;
  await ingestEvents(env, aggregator, [normalizeClientView(input, now, anonymous)], clientNetwork(address));
  return Response.json({
    success: true,
    eventId: input.eventId,
    timestamp: new Date(now).toISOString(),
  } satisfies ClientViewResult);
}
