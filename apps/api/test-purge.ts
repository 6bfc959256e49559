/**
 * Cloudflare's purge API under test: vitest.config.ts routes precompute's outbound fetches to
 * `answerPurge` for the purge route (the record's go to test-record.ts), and gives the api's tests
 * a binding, PURGE_RECORD, answered by `purgeRecord`. It speaks the real request
 * (POST /client/v4/zones/{zone_id}/purge_cache, bearer token, `{"tags": [...]}`) and answer
 * (Cloudflare's envelope), and keeps the tags of every call it took, in order. Both run in the
 * Node process that hosts Miniflare, so they share the list. A call naming a tag of an aggregator
 * whose name holds PURGE_REFUSED is answered as an outage (503 and an error envelope).
 */
export const PURGE_ZONE = 'fedcba9876543210fedcba9876543210';
export const PURGE_TOKEN = 'test-purge-token';

export const PURGE_REFUSED = 'purge-refused';

const calls: string[][] = [];

export function isPurgeRequest(request: Request): boolean {
  return new URL(request.url).pathname.endsWith('/purge_cache');
}

export async function answerPurge(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (
    request.method !== 'POST' ||
    url.origin !== 'https://api.cloudflare.com' ||
    url.pathname !== `/client/v4/zones/${PURGE_ZONE}/purge_cache`
  ) {
    return Response.json({ success: false, errors: [{ code: 7003, message: 'No route' }] }, { status: 404 });
  }
  if (request.headers.get('authorization') !== `Bearer ${PURGE_TOKEN}`) {
    return Response.json(
      { success: false, errors: [{ code: 10000, message: 'Authentication error' }] },
      { status: 403 },
    );
  }
  const body = (await request.json()) as { tags?: unknown };
  if (!Array.isArray(body.tags) || body.tags.length === 0 || body.tags.length > 30) {
    return Response.json({ success: false, errors: [{ code: 1080, message: 'Bad tags' }] }, { status: 400 });
  }
  if (body.tags.some((tag) => String(tag).includes(PURGE_REFUSED))) {
    return Response.json(
      { success: false, errors: [{ code: 10013, message: 'Service unavailable' }] },
      { status: 503 },
    );
  }
  calls.push(body.tags.map(String));
  return Response.json({ success: true, errors: [], messages: [], result: { id: PURGE_ZONE } });
}

/** GET ?scope=<key scope>: the calls whose every tag is of that scope, in order. */
export function purgeRecord(request: Request): Response {
  const scope = new URL(request.url).searchParams.get('scope') ?? '';
  return Response.json(calls.filter((tags) => tags.every((tag) => tag.startsWith(`${scope}trending`))));
}
