/**
 * The record (Analytics Engine SQL API) under test: vitest.config.ts routes the precompute
 * Worker's outbound fetches here, and src/routes/record-check.test.ts checks against it. It speaks
 * the real API's request (POST SQL to /client/v4/accounts/{id}/analytics_engine/sql, bearer token)
 * and response format (ClickHouse JSON, 64-bit integers as strings), from a fixed table: three
 * videos each seen by distinct viewers an hour ago, the third (the most viewed) from one client
 * network only, which the ranking's network rule leaves out. Queries of the 1h window fail with
 * a 500.
 */
export const RECORD_ACCOUNT = '0123456789abcdef0123456789abcdef';
export const RECORD_TOKEN = 'test-record-token';
export const RECORD_VIDEOS = [
  { videoId: 'c'.repeat(64), viewers: 20, networks: 20 },
  { videoId: 'd'.repeat(64), viewers: 30, networks: 12 },
  { videoId: 'e'.repeat(64), viewers: 40, networks: 1 },
] as const;

const json = (data: Record<string, string | number>[]) =>
  new Response(
    JSON.stringify({
      meta: Object.keys(data[0] ?? {}).map((name) => ({ name, type: 'String' })),
      data,
      rows: data.length,
      rows_before_limit_at_least: data.length,
    }),
    { headers: { 'content-type': 'application/json' } },
  );

export async function answerRecordQuery(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (
    request.method !== 'POST' ||
    url.pathname !== `/client/v4/accounts/${RECORD_ACCOUNT}/analytics_engine/sql`
  ) {
    return new Response('not found', { status: 404 });
  }
  if (request.headers.get('authorization') !== `Bearer ${RECORD_TOKEN}`) {
    return Response.json({ errors: [{ message: 'Authentication error' }] }, { status: 401 });
  }
  const sql = await request.text();
  if (sql.includes("INTERVAL '60' MINUTE")) return new Response('Error: simulated failure', { status: 500 });
  const hourAgoS = (Math.floor(Date.now() / 3_600_000) - 1) * 3600;
  if (sql.includes('COUNT(DISTINCT blob8) AS networks') && sql.includes("blob8 != ''")) {
    return json(RECORD_VIDEOS.map((v) => ({ video_id: v.videoId, networks: String(v.networks) })));
  }
  if (sql.includes('COUNT(DISTINCT blob2)')) {
    return json(RECORD_VIDEOS.map((v) => ({ video_id: v.videoId, viewers: String(v.viewers) })));
  }
  if (sql.includes('bucket_s')) {
    return json(
      RECORD_VIDEOS.map((v) => ({
        video_id: v.videoId,
        bucket_s: String(hourAgoS),
        views: String(v.viewers),
        completion_sum: v.viewers,
        completion_count: String(v.viewers),
        loops: v.viewers,
      })),
    );
  }
  return json([]);
}
