import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { auxWorker } from '../../scripts/lib/aux-workers.ts';

// This Worker runs from source inside workerd; precompute, the aggregator and the api run beside it
// from their built bundles, with the bindings their wrangler.jsonc declare (precompute's API binding
// reaches the real `trending-api`). Storage is fresh on every run.
function apiWithSecret() {
  const api = auxWorker('api');
  return { ...api, bindings: { ...(api.bindings as object), VIEWER_KEY_SECRET: 'ops-example-test-secret' } };
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        // The api with the secret every deployment of it has (it refuses ingest without one).
        workers: [auxWorker('aggregator'), auxWorker('precompute'), apiWithSecret()],
      },
    }),
  ],
  test: {
    name: 'ops-example',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
