// Node side of the Analytics Engine stand-in (ae-record-stand-in.js): its Worker options, and the
// rewrite that binds a Worker's datasets to it. Test-only: used by the api's and the aggregator's
// vitest.config.ts.
import { fileURLToPath } from 'node:url';

/** The stand-in Worker's name under test. */
export const AE_STAND_IN = 'ae-record-stand-in';

/** The binding tests read points through (`Record` entrypoint; see each app's src/testing.ts). */
export const AE_RECORD_BINDING = 'AE_RECORD';

export function aeStandInWorker() {
  return {
    name: AE_STAND_IN,
    compatibilityDate: '2026-11-24',
    modules: [
      { type: 'ESModule' as const, path: fileURLToPath(new URL('./ae-record-stand-in.js', import.meta.url)) },
    ],
    // Module paths are resolved under this root (by default the project's, which this file is not in).
    modulesRoot: fileURLToPath(new URL('.', import.meta.url)),
  };
}

interface WithDatasets {
  analyticsEngineDatasets?: Record<string, { dataset: string }>;
  serviceBindings?: object;
}

/**
 * Binds the named Analytics Engine datasets of a Worker's options (as derived from its
 * wrangler.jsonc) to the stand-in instead. Miniflare adds dataset bindings after service bindings,
 * so a service binding of the same name alone would lose: the dataset entries are removed here.
 * Each keeps its dataset name (the stand-in stores points per dataset), so every Worker writing to
 * the same dataset is given the same binding.
 */
export function recordDatasets<T extends WithDatasets>(options: T, bindings: readonly string[]): T {
  const datasets = { ...options.analyticsEngineDatasets };
  const services: Record<string, { name: string; entrypoint: string; props: { dataset: string } }> = {};
  for (const binding of bindings) {
    const declared = datasets[binding];
    if (!declared) throw new Error(`no Analytics Engine dataset bound as ${binding}`);
    services[binding] = { name: AE_STAND_IN, entrypoint: 'Dataset', props: { dataset: declared.dataset } };
    delete datasets[binding];
  }
  return {
    ...options,
    analyticsEngineDatasets: datasets,
    serviceBindings: { ...options.serviceBindings, ...services },
  };
}
