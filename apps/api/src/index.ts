import { CORS_HEADERS } from '@openvine/trending-core';
import { type IRequest, Router } from 'itty-router';
import type { ApiEnv } from './env.ts';

export { EdgeWarmer } from './edge-warmer.ts';

import { toErrorResponse } from './errors.ts';
import { ROUTES } from './route-table.ts';
import { answerHead, notFoundOrMethodNotAllowed, preflight } from './routes/fallback.ts';

function withCors(response: Response): Response {
  if (response.headers.has('Access-Control-Allow-Origin')) return response;
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(CORS_HEADERS)) copy.headers.set(name, value);
  return copy;
}

const router = Router<IRequest, [ApiEnv, ExecutionContext]>({
  catch: toErrorResponse,
  finally: [withCors],
});

// Every route comes from the route table (route-table.ts), which also feeds Allow and the
// OpenAPI document; what matches none is a preflight, a 405 or a 404 (routes/fallback.ts).
for (const route of ROUTES) {
  if (route.method === 'GET') router.get(route.path, route.handler);
  else router.post(route.path, route.handler);
}
router.options('*', preflight).all('*', notFoundOrMethodNotAllowed);

function handle(request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<Response> {
  return request.method === 'HEAD'
    ? answerHead(request, (get) => router.fetch(get, env, ctx))
    : router.fetch(request, env, ctx);
}

export default {
  fetch: (request, env, ctx) => handle(request, env, ctx),
} satisfies ExportedHandler<ApiEnv>;
