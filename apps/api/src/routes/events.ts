import {
  type ClientViewResult,
  ClientViewSchema,
  clientNetwork,
  EventTimestampError,
  isIpAddress,
  normalizeClientView,
  normalizeViewEvent,
  ViewEventsBodySchema,
} from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { badRequest } from '../errors.ts';
import { ingestEvents } from '../ingest.ts';
import { INGEST_KEY_HEADER, ingestSender } from '../ingest-keys.ts';
import { enforceIngestLimit } from '../ingest-limit.ts';
import { parseOrThrow } from '../query.ts';
import { readJsonBody } from '../request-body.ts';

/**
 * POST /v1/events/views: one event or { events: [...] } (1..100); 202 { accepted, duplicates }.
 * Each event counts under the network of the connection's address, or, from a sender with an
 * ingest key (ingest-keys.ts), of the viewer's `clientIp` it gave; `clientIp` without a key is a
 * 400 rather than ignored, so a pipeline that lost its key hears so instead of having all its
 * viewers counted as one network.
 */
export async function postViewEvents(request: Request, env: ApiEnv): Promise<Response> {
  const aggregator = aggregatorName(env);
  const sender = await ingestSender(request, env);
  const body = parseOrThrow(ViewEventsBodySchema, await readJsonBody(request), 'Invalid view events');
  const inputs = 'events' in body ? body.events : [body];
  const pathOf = (i: number, field: string) => ('events' in body ? `events.${i}.${field}` : field);
  const connection = request.headers.get('cf-connecting-ip');
  const issues = inputs.flatMap((input, i) => {
    if (input.clientIp === undefined) return [];
    const path = pathOf(i, 'clientIp');
    if (sender === null) return [{ path, message: `clientIp needs an ingest key (${INGEST_KEY_HEADER})` }];
    // Checked here, not in the schema: the API document cannot express "an IP address".
    return isIpAddress(input.clientIp) ? [] : [{ path, message: 'clientIp must be an IPv4 or IPv6 address' }];
  });
  if (issues.length > 0) throw badRequest('Invalid view events', issues);
  const addresses = inputs.map((input) => input.clientIp ?? connection);
  const now = Date.now();
  // Every event's timestamp is judged, so that the 400 names each one out of range.
  const events: ReturnType<typeof normalizeViewEvent>[] = [];
  const timestampIssues: { path: string; message: string }[] = [];
  inputs.forEach((input, i) => {
    try {
      events.push(normalizeViewEvent(input, now, i));
    } catch (err) {
      if (!(err instanceof EventTimestampError)) throw err;
      timestampIssues.push({ path: pathOf(err.index, 'timestamp'), message: err.message });
    }
  });
  if (timestampIssues.length > 0) throw badRequest('Invalid view events', timestampIssues);
  if (sender === null) await enforceIngestLimit(env, aggregator, connection, events.length);
  const result = await ingestEvents(env, aggregator, events, addresses.map(clientNetwork), now);
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
  const input = parseOrThrow(ClientViewSchema, await readJsonBody(request), 'Invalid view');
  const now = Date.now();
  const address = request.headers.get('cf-connecting-ip');
  await enforceIngestLimit(env, aggregator, address, 1);
  const anonymous = `anon:${address ?? 'unknown'}`;
  await ingestEvents(
    env,
    aggregator,
    [normalizeClientView(input, now, anonymous)],
    clientNetwork(address),
    now,
  );
  return Response.json({
    success: true,
    eventId: input.eventId,
    timestamp: new Date(now).toISOString(),
  } satisfies ClientViewResult);
}
