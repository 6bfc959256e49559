// The api Worker as its tests run it (vitest.config.ts `main`), never deployed: the production
// Worker (index.ts) behind three request headers that only this module reads.
// - `x-test-aggregator: <name>`: the request uses its own aggregator object, and with it its own
//   key space in every cache layer (AGGREGATOR_NAME, as a deployment would set it), so every
//   test has its own Durable Object and its own data.
// - `x-test-faults: kv-throw,do-hang,source-fail`: those bindings fail for this request
//   (testing-faults.ts wraps them).
// - `x-test-drop: memory,edge,do`: this request's entry is removed from those layers before
//   the Worker reads it.
// - `x-test-ingest: direct`: ingest commits in the aggregator through the RPC before answering,
//   instead of enqueueing (testing-direct-ingest.ts): the path the queue replaced, for the bench.
import { env as testEnv } from 'cloudflare:workers';
import {
  ClientTrendingQuerySchema,
  type ResponseFormat,
  TrendingQuerySchema,
  type TrendingWindow,
} from '@openvine/trending-core';
import * as v from 'valibot';
import { layerOrder } from './cascade/layer-order.ts';
import { layerRequestFor } from './cascade/read-through.ts';
import type { ApiEnv } from './env.ts';
import worker from './index.ts';
import { canonicalParams } from './query.ts';
import { directIngestEnv } from './testing-direct-ingest.ts';
import { type Faults, faultyEnv } from './testing-faults.ts';

export { EdgePurge, EdgeWarmer } from './index.ts';

const FAULT_HEADERS: Record<string, Faults> = {
  'kv-throw': { kv: 'throw' },
  'do-hang': { aggregator: 'hang' },
  'source-fail': { aggregator: 'source-fail' },
};

const TRENDING_ROUTES: Record<string, ResponseFormat> = {
  '/v1/trending/videos': 'v1',
  '/analytics/trending/vines': 'vines',
  '/analytics/trending/hashtags': 'hashtags',
  '/analytics/trending/creators': 'creators',
};

function list(request: Request, header: string): string[] {
  return (request.headers.get(header) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The (format, window, limit) a trending request reads, as its route parses it; else undefined. */
function readOf(
  request: Request,
): { format: ResponseFormat; window: TrendingWindow; limit: number } | undefined {
  const url = new URL(request.url);
  const format = TRENDING_ROUTES[url.pathname];
  if (!format) return undefined;
  const schema = format === 'v1' ? TrendingQuerySchema : ClientTrendingQuerySchema;
  const parsed = v.safeParse(schema, canonicalParams(url));
  if (!parsed.success) return undefined;
  return { format, window: parsed.output.window as TrendingWindow, limit: parsed.output.limit };
}

/** Empties the layers named in `x-test-drop` of this request's entry, through each layer's own drop. */
async function drop(request: Request, env: ApiEnv, ctx: ExecutionContext): Promise<void> {
  const names = list(request, 'x-test-drop');
  const read = names.length ? readOf(request) : undefined;
  if (!read) return;
  const layerRequest = layerRequestFor(env, ctx, read);
  for (const layer of layerOrder(new Set())) if (names.includes(layer.name)) await layer.drop(layerRequest);
}

/** The env one request runs with: its own aggregator, and the faults it asks for. */
function envFor(request: Request, env: ApiEnv): ApiEnv {
  const name = request.headers.get('x-test-aggregator');
  const named: ApiEnv = name ? { ...env, AGGREGATOR_NAME: name } : env;
  const scoped = request.headers.get('x-test-ingest') === 'direct' ? directIngestEnv(named) : named;
  const faults: Faults = Object.assign({}, ...list(request, 'x-test-faults').map((h) => FAULT_HEADERS[h]));
  return Object.keys(faults).length ? faultyEnv(faults, scoped) : scoped;
}

export default {
  async fetch(request, env, ctx) {
    const bindings = envFor(request, env ?? (testEnv as ApiEnv));
    await drop(request, bindings, ctx);
    return worker.fetch(request, bindings, ctx);
  },
} satisfies ExportedHandler<ApiEnv> & { fetch: NonNullable<ExportedHandler<ApiEnv>['fetch']> };
