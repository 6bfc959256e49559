import { AGGREGATOR_OBJECT_NAME } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';

/**
 * Test-only seams, honoured only when the TEST_SEAMS binding is "1": the vitest config sets it;
 * wrangler.jsonc never does, so production ignores these headers.
 * - `x-test-aggregator: <name>` routes a request to its own aggregator object, so every test
 *   gets its own Durable Object and its own data.
 */
export function aggregatorName(request: Request, env: Pick<ApiEnv, 'TEST_SEAMS'>): string {
  if (env.TEST_SEAMS === '1') {
    const name = request.headers.get('x-test-aggregator');
    if (name) return name;
  }
  return AGGREGATOR_OBJECT_NAME;
}
