import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from './analytics-engine-source.ts';
import { CachePurgeError, CloudflareCachePurge } from './cache-purge.ts';

const ZONE = '0123456789abcdef0123456789abcdef';
const TOKEN = 'test-purge-token';

/**
 * A stand-in for Cloudflare's purge API: the real route and method, bearer auth, a JSON body of
 * `{ tags }`, and Cloudflare's envelope back (`success`, `errors` with codes, `result.id`). It
 * refuses more than 30 tags per call as the API does, and records the tags of each call.
 */
const calls: string[][] = [];
let server: Server;
let endpoint: string;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (req.method !== 'POST' || req.url !== `/client/v4/zones/${ZONE}/purge_cache`) {
    return reply(res, 404, { success: false, errors: [{ code: 7003, message: 'No route for that URI' }] });
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    return reply(res, 403, { success: false, errors: [{ code: 10000, message: 'Authentication error' }] });
  }
  const body = JSON.parse(text) as { tags?: string[] };
  if (!Array.isArray(body.tags) || body.tags.length > 30) {
    return reply(res, 400, { success: false, errors: [{ code: 1080, message: 'Too many tags' }] });
  }
  if (body.tags.includes('fail-here')) return reply(res, 500, 'not an envelope');
  calls.push(body.tags);
  return reply(res, 200, { success: true, errors: [], messages: [], result: { id: ZONE } });
}

const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, {}));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});

afterAll(() => {
  server.close();
});

const purge = (apiToken = TOKEN) =>
  new CloudflareCachePurge({ zoneId: ZONE, apiToken, endpoint, fetch: nodeFetch });

describe('CloudflareCachePurge (purge by tag)', () => {
  it('sends the tags to the zone with the bearer token; many tags go in calls of 30', async () => {
    calls.length = 0;
    await purge().purgeTags(['trending-1h', 'trending-24h']);
    expect(calls).toEqual([['trending-1h', 'trending-24h']]);

    calls.length = 0;
    const many = Array.from({ length: 31 }, (_, i) => `tag-${i}`);
    await purge().purgeTags(many);
    expect(calls).toEqual([many.slice(0, 30), many.slice(30)]);
  });

  it("rejects with the API's status and error codes, never the token", async () => {
    const refused = purge('wrong-token').purgeTags(['trending']);
    await expect(refused).rejects.toThrow(CachePurgeError);
    await expect(purge('wrong-token').purgeTags(['trending'])).rejects.toThrow(
      'The purge API answered 403: 10000 Authentication error',
    );
    const failed = await purge()
      .purgeTags(['fail-here'])
      .catch((err: CachePurgeError) => err);
    expect(failed).toMatchObject({ status: 500, message: 'The purge API answered 500' });
  });

  it('reports an unreachable API, and refuses a zone that is not an id', async () => {
    const down = new CloudflareCachePurge({
      zoneId: ZONE,
      apiToken: TOKEN,
      endpoint: 'http://127.0.0.1:1/client/v4',
      fetch: nodeFetch,
    });
    await expect(down.purgeTags(['trending'])).rejects.toThrow('The purge API is unreachable');
    expect(
      () => new CloudflareCachePurge({ zoneId: 'example.com', apiToken: TOKEN, fetch: nodeFetch }),
    ).toThrow('zoneId must be 32 hex characters');
  });
});
