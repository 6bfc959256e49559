import { CORS_HEADERS } from '@openvine/trending-core';
import { type IRequest, Router } from 'itty-router';
import type { ApiEnv } from './env.ts';

export { EdgeWarmer } from './edge-warmer.ts';

import { toErrorResponse } from './errors.ts';
import { getRecordCheck, getStatus, postInvalidate, postPrecompute, postSeed } from './routes/admin.ts';
import { getDashboard, getDashboardJs, getUplotCss, getUplotJs } from './routes/dashboard.ts';
import { postClientView, postViewEvents } from './routes/events.ts';
import { answerHead, notFoundOrMethodNotAllowed, preflight } from './routes/fallback.ts';
import { getClientHealth, getHealth, getOpenApi } from './routes/health.ts';
import { getMetrics } from './routes/metrics.ts';
import {
  getClientTrendingCreators,
  getClientTrendingHashtags,
  getClientTrendingVines,
  getTrendingVideos,
} from './routes/trending.ts';

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

router
  .get('/v1/trending/videos', getTrendingVideos)
  .post('/v1/events/views', postViewEvents)
  .get('/v1/health', getHealth)
  .get('/v1/metrics', getMetrics)
  .get('/v1/openapi.json', getOpenApi)
  .get('/dashboard', getDashboard)
  .get('/dashboard/app.js', getDashboardJs)
  .get('/dashboard/uplot.iife.min.js', getUplotJs)
  .get('/dashboard/uplot.min.css', getUplotCss)
  .get('/analytics/trending/vines', getClientTrendingVines)
  .get('/analytics/trending/hashtags', getClientTrendingHashtags)
  .get('/analytics/trending/creators', getClientTrendingCreators)
  .post('/analytics/view', postClientView)
  .get('/analytics/health', getClientHealth)
  .post('/v1/admin/invalidate', postInvalidate)
  .post('/v1/admin/precompute', postPrecompute)
  .get('/v1/admin/status', getStatus)
  .get('/v1/admin/record-check', getRecordCheck)
  .post('/v1/admin/seed', postSeed)
  .options('*', preflight)
  .all('*', notFoundOrMethodNotAllowed);

function handle(request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<Response> {
  return request.method === 'HEAD'
    ? answerHead(request, (get) => router.fetch(get, env, ctx))
    : router.fetch(request, env, ctx);
}

export default {
  fetch: (request, env, ctx) => handle(request, env, ctx),
} satisfies ExportedHandler<ApiEnv>;
