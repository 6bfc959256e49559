import { type IRequest, Router } from 'itty-router';
import type { ApiEnv } from './env.ts';

export { EdgePurge } from './edge-purge.ts';
export { EdgeWarmer } from './edge-warmer.ts';

import { toErrorResponse } from './errors.ts';
import { answerHotGet, withCors } from './hot-routes.ts';
import { ROUTES } from './route-table.ts';
import { answerHead, notFoundOrMethodNotAllowed, preflight } from './routes/fallback.ts';

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

// The trending reads first, by exact path (hot-routes.ts); then the router.
function get(request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<Response> {
  return answerHotGet(request, env, ctx) ?? router.fetch(request, env, ctx);
}

function handle(request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<Response> {
  if (request.method === 'GET') return get(request, env, ctx);
  if (request.method === 'HEAD') return answerHead(request, (asGet) => get(asGet, env, ctx));
  return router.fetch(request, env, ctx);
}

export default {
  fetch: (request, env, ctx) => handle(request, env, ctx),
} satisfies ExportedHandler<ApiEnv>;
