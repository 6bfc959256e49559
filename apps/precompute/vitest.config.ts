import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { auxWorker } from '../../scripts/lib/aux-workers.ts';

/** The plugin runs the Worker under test as `vitest-plugin-runner-<project name>`. */
const PRECOMPUTE_RUNNER = 'vitest-plugin-runner-precompute';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        workers: [auxWorker('aggregator'), auxWorker('api', { PRECOMPUTE: { name: PRECOMPUTE_RUNNER } })],
      },
    }),
  ],
  test: {
    name: 'precompute',
    include: ['src/**/*.test.ts'],
    // A NIP-01 relay stand-in on a local port for the relay bridge's tests (Node side).
    globalSetup: ['./test/nostr-relay-stand-in.ts'],
    testTimeout: 20_000,
  },
});
