import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { auxWorker } from '../../scripts/lib/aux-workers.ts';

// The api runs from source inside workerd; the aggregator and precompute Workers run beside it
// from their built bundles, with the bindings their wrangler.jsonc declare.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        bindings: { ADMIN_TOKEN: 'test-admin-token', TEST_SEAMS: '1' },
        workers: [auxWorker('aggregator'), auxWorker('precompute')],
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
