import { AGGREGATOR_OBJECT_NAME, metricsObjectFor } from '@openvine/trending-core';
import type { Fault } from './cascade/read-scope.ts';
import type { ApiEnv } from './env.ts';

/**
 * Test-only seams, honoured only when the TEST_SEAMS binding is "1": the vitest config sets it;
 * wrangler.jsonc never does, so production ignores these headers.
 * - `x-test-aggregator: <name>` routes a request to its own aggregator object (and its own key
 *   space in every cache layer), so every test gets its own Durable Object and its own data.
 * - `x-test-faults: kv-throw,do-hang,source-fail` makes that layer fail for this request.
 * - `x-test-drop: memory,edge,do` removes this request's entry from those layers before reading.
 */
function seamsOn(env: Pick<ApiEnv, 'TEST_SEAMS'>): boolean {
  return env.TEST_SEAMS === '1';
}

function list(request: Request, header: string): string[] {
  return (request.headers.get(header) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Tests get their own metrics object, named after their aggregator, so counts are exact. */
export function metricsName(request: Request, env: Pick<ApiEnv, 'TEST_SEAMS'>): string {
  return metricsObjectFor(aggregatorName(request, env));
}

export function aggregatorName(request: Request, env: Pick<ApiEnv, 'TEST_SEAMS'>): string {
  if (seamsOn(env)) {
    const name = request.headers.get('x-test-aggregator');
    if (name) return name;
  }
  return AGGREGATOR_OBJECT_NAME;
}

const FAULTS: readonly Fault[] = ['kv-throw', 'do-hang', 'source-fail'];

export function testFaults(request: Request, env: Pick<ApiEnv, 'TEST_SEAMS'>): ReadonlySet<Fault> {
  if (!seamsOn(env)) return new Set();
  return new Set(list(request, 'x-test-faults').filter((f): f is Fault => (FAULTS as string[]).includes(f)));
}

export type DropLayer = 'memory' | 'edge' | 'do';

export function testDrops(request: Request, env: Pick<ApiEnv, 'TEST_SEAMS'>): DropLayer[] {
  if (!seamsOn(env)) return [];
  return list(request, 'x-test-drop').filter((l): l is DropLayer => ['memory', 'edge', 'do'].includes(l));
}
