import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import {
  AE_RECORD_BINDING,
  AE_STAND_IN,
  aeStandInWorker,
  recordDatasets,
} from '../../scripts/lib/ae-record.ts';

/**
 * The plugin leaks one extra unhandled copy of every rejecting Durable Object RPC, even when the
 * test awaits the rejection (cloudflare/workers-sdk#14736). The awaited copy still reaches the
 * test, which passes or fails on it; only the leaked copy (a remote error carrying the object's
 * id) is dropped here, so that a green run is reported as green.
 */
function isLeakedDurableObjectRejection(error: unknown): boolean {
  const e = error as { remote?: unknown; durableObjectId?: unknown; type?: unknown };
  return e.type === 'Unhandled Rejection' && e.remote === true && typeof e.durableObjectId === 'string';
}

/**
 * The aggregator's options from its wrangler.jsonc, as the plugin's `wrangler.configPath` would
 * give them, but with VIEW_EVENTS (the view record) bound to the Analytics Engine stand-in
 * (scripts/lib/ae-record-stand-in.js), so tests see every point written: the plugin merges
 * `miniflare` options into the config's by key, which cannot take a dataset binding away.
 */
function aggregatorUnderTest() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions('./wrangler.jsonc');
  const { rootPath: _root, ...options } = workerOptions as typeof workerOptions & { rootPath?: string };
  return { options: recordDatasets(options, ['VIEW_EVENTS']) };
}

const aggregator = aggregatorUnderTest();

// The aggregator runs from source inside workerd, so its tests can reach the Durable Object's
// storage and alarm (runInDurableObject / runDurableObjectAlarm need the object in this Worker).
export default defineConfig({
  plugins: [
    cloudflareTest({
      // The production Worker behind the test-only 2 MB SQL guard (src/test-entry.ts).
      main: './src/test-entry.ts',
      miniflare: {
        ...aggregator.options,
        // Tests read what the stand-in received through this binding (src/testing.ts).
        serviceBindings: {
          ...aggregator.options.serviceBindings,
          [AE_RECORD_BINDING]: { name: AE_STAND_IN, entrypoint: 'Record' },
        },
        workers: [aeStandInWorker()],
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts'],
    // The ranking-quality harness's seeds: 2 in every run, 20 through `pnpm bench:ranking`.
    provide: { rankingSeeds: Number(process.env.RANKING_SEEDS ?? 2) },
    // Pins Date (the objects' too: they run in the tests' isolate) before each test.
    setupFiles: ['./src/test-setup.ts'],
    testTimeout: 20_000,
    onUnhandledError: (error) => !isLeakedDurableObjectRejection(error),
  },
});
