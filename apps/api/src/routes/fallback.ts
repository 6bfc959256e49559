import { CORS_PREFLIGHT_HEADERS } from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { ROUTES } from '../route-table.ts';

/** Every public path and its methods (the route table's listed routes): Allow, preflights, 405. */
export const PUBLIC_ROUTES: Readonly<Record<string, readonly string[]>> = (() => {
  const byPath: Record<string, string[]> = {};
  for (const route of ROUTES) {
    if (!route.unlisted) byPath[route.path] = [...(byPath[route.path] ?? []), route.method];
  }
  return byPath;
})();

/** Paths of admin routes only: they exist only when ADMIN_TOKEN is configured (routes/admin.ts). */
const ADMIN_PATHS: ReadonlySet<string> = new Set(
  Object.keys(PUBLIC_ROUTES).filter((path) =>
    ROUTES.filter((route) => route.path === path).every((route) => route.admin),
  ),
);

/**
 * The methods a path answers, for Allow: its routes' methods, HEAD beside every GET (see
 * answerHead), and OPTIONS. None (a 404) for an admin path while admin routes are off, as its
 * routes answer then.
 */
export function allowFor(pathname: string, env: Pick<ApiEnv, 'ADMIN_TOKEN'>): string | undefined {
  const path = pathname.replace(/\/+$/, '') || '/';
  const methods = PUBLIC_ROUTES[path];
  if (!methods || (ADMIN_PATHS.has(path) && !env.ADMIN_TOKEN)) return undefined;
  const withHead = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
  return [...withHead, 'OPTIONS'].join(', ');
}

/**
 * CORS preflight for known paths: the methods a browser may send are the path's own (Allow), so
 * that a POST to a read-only path fails at the preflight rather than with a 405 after it.
 */
export function preflight(request: Request, env: ApiEnv): Response {
  const allow = allowFor(new URL(request.url).pathname, env);
  if (!allow) throw new ApiError(404, 'not_found', 'No such route');
  return new Response(null, {
    status: 204,
    headers: { ...CORS_PREFLIGHT_HEADERS, 'Access-Control-Allow-Methods': allow, Allow: allow },
  });
}

/**
 * HEAD on every GET route (RFC 9110: the same status and headers as GET, no body). itty-router 5
 * matches methods exactly, so a HEAD would reach no GET handler: the Worker's fetch runs the
 * request as a GET through the router and drops the body (workerd would drop it on the wire too;
 * cancelling the stream here ends the work behind it). A path without GET still answers 405.
 */
export async function answerHead(request: Request, get: (request: Request) => Promise<Response>) {
  const response = await get(new Request(request, { method: 'GET' }));
  await response.body?.cancel();
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Reached when no route matched: a known path with the wrong method is 405 with Allow, else 404. */
export function notFoundOrMethodNotAllowed(request: Request, env: ApiEnv): never {
  const allow = allowFor(new URL(request.url).pathname, env);
  if (allow) {
    throw new ApiError(405, 'method_not_allowed', `Method ${request.method} not allowed; use ${allow}`, {
      headers: { Allow: allow },
    });
  }
  throw new ApiError(404, 'not_found', 'No such route');
}
