import { CORS_HEADERS } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';
import { toErrorResponse } from './errors.ts';
import { ROUTES, type RouteHandler } from './route-table.ts';

/** CORS on every response (the ones built with it already are passed through as they are). */
export function withCors(response: Response): Response {
  if (response.headers.has('Access-Control-Allow-Origin')) return response;
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(CORS_HEADERS)) copy.headers.set(name, value);
  return copy;
}

/**
 * The trending reads are most of the traffic, and a router costs each of them a URL parse and a
 * scan of every pattern: the GET routes marked `hot` in the route table are looked up by exact
 * path first and answered with the router's own error handling and CORS. Anything else (another
 * path, a trailing slash, another method) goes through the router.
 */
const HOT_GETS = new Map(ROUTES.filter((r) => r.hot && r.method === 'GET').map((r) => [r.path, r.handler]));

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', start);
  return url.slice(start, query === -1 ? undefined : query);
}

async function answer(handler: RouteHandler, request: Request, env: ApiEnv, ctx: ExecutionContext) {
  try {
    // A trending read's answer carries CORS already (trending-core's trendingContentHeaders, on
    // every answer and 304 of reply.ts): not looked up again on every hit.
    return await handler(request, env, ctx);
  } catch (err) {
    return withCors(toErrorResponse(err));
  }
}

/** The hot route's answer to a GET, or undefined when the path is not a hot route's. */
export function answerHotGet(
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
): Promise<Response> | undefined {
  const handler = HOT_GETS.get(pathOf(request.url));
  return handler ? answer(handler, request, env, ctx) : undefined;
}
