import {
  ClientTrendingQuerySchema,
  type ResponseFormat,
  TrendingQuerySchema,
  type TrendingWindow,
} from '@openvine/trending-core';
import { serveTrending } from '../cascade/read-through.ts';
import type { ApiEnv } from '../env.ts';
import { queryParser } from '../query.ts';

const parseTrendingQuery = queryParser(TrendingQuerySchema, 'Invalid query');
const parseClientQuery = queryParser(ClientTrendingQuerySchema, 'Invalid query');

/** GET /v1/trending/videos?window=1h|24h|7d&limit=1..100: strict, 400 on anything else. */
export async function getTrendingVideos(
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  const query = parseTrendingQuery(request.url);
  return serveTrending(request, env, ctx, { format: 'v1', window: query.window, limit: query.limit });
}

/** The OpenVine app's routes: limit clamped to 1..100 like the old backend, unknown window 400. */
function clientRoute(format: Exclude<ResponseFormat, 'v1'>) {
  return (request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<Response> => {
    const query = parseClientQuery(request.url);
    return serveTrending(request, env, ctx, {
      format,
      window: query.window as TrendingWindow,
      limit: query.limit,
    });
  };
}

/** GET /analytics/trending/vines: the app's trending videos. */
export const getClientTrendingVines = clientRoute('vines');
/** GET /analytics/trending/hashtags: hashtags of the window's trending videos. */
export const getClientTrendingHashtags = clientRoute('hashtags');
/** GET /analytics/trending/creators: creators of the window's trending videos. */
export const getClientTrendingCreators = clientRoute('creators');
