import { CORS_PREFLIGHT_HEADERS } from '@openvine/trending-core';
import type { IRequest } from 'itty-router';
import { ApiError } from '../errors.ts';

/** Every public path and its methods: the source of 405's Allow and of CORS preflights. */
export const PUBLIC_ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/v1/trending/videos': ['GET'],
  '/v1/events/views': ['POST'],
  '/v1/health': ['GET'],
  '/v1/metrics': ['GET'],
  '/v1/openapi.json': ['GET'],
  '/dashboard': ['GET'],
  '/analytics/trending/vines': ['GET'],
  '/analytics/trending/hashtags': ['GET'],
  '/analytics/trending/creators': ['GET'],
  '/analytics/view': ['POST'],
  '/analytics/health': ['GET'],
  '/v1/admin/invalidate': ['POST'],
  '/v1/admin/precompute': ['POST'],
  '/v1/admin/status': ['GET'],
  '/v1/admin/record-check': ['GET'],
  '/v1/admin/seed': ['POST'],
};

function allowFor(pathname: string): string | undefined {
  const methods = PUBLIC_ROUTES[pathname.replace(/\/+$/, '') || '/'];
  return methods ? [...methods, 'OPTIONS'].join(', ') : undefined;
}

/** CORS preflight for known paths. */
export function preflight(request: IRequest): Response {
  const allow = allowFor(new URL(request.url).pathname);
  if (!allow) throw new ApiError(404, 'not_found', 'No such route');
  return new Response(null, { status: 204, headers: { ...CORS_PREFLIGHT_HEADERS, Allow: allow } });
}

/** Reached when no route matched: a known path with the wrong method is 405 with Allow, else 404. */
export function notFoundOrMethodNotAllowed(request: IRequest): never {
  const allow = allowFor(new URL(request.url).pathname);
  if (allow) {
    throw new ApiError(405, 'method_not_allowed', `Method ${request.method} not allowed; use ${allow}`, {
      headers: { Allow: allow },
    });
  }
  throw new ApiError(404, 'not_found', 'No such route');
}
