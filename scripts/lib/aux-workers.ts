import { readdirSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

type ModuleType = 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm';
interface ModuleRule {
  type: ModuleType;
  include: string[];
}

/**
 * The modules of a built bundle, main module first: `wrangler deploy --outdir` writes files a
 * Worker imports by module rule (e.g. the api's text-bundled chart library) beside index.js.
 * Each is typed by the first of the Worker's module rules (its config's plus wrangler's defaults)
 * it matches; Miniflare 5 takes such an explicit list, not the rules themselves.
 */
function bundleModules(distDir: string, rules: ModuleRule[], main: string) {
  const modules: { type: ModuleType; path: string }[] = [{ type: 'ESModule', path: `${distDir}${main}` }];
  for (const file of readdirSync(distDir).sort()) {
    if (file === main || file.endsWith('.map')) continue;
    const rule = rules.find((r) => r.include.some((glob) => matchesGlob(file, glob)));
    const type = rule?.type ?? (/\.m?js$/.test(file) ? 'ESModule' : undefined);
    if (type) modules.push({ type, path: `${distDir}${file}` });
  }
  return modules;
}

/** Where a built bundle is, under its app's folder, and its main module. */
export interface AppBundle {
  dir: string;
  main: string;
}

/** What `wrangler deploy --dry-run --outdir dist` writes: the Worker as deployed. */
export const PRODUCTION_BUNDLE: AppBundle = { dir: 'dist', main: 'index.js' };

/**
 * The api's test-only entry (apps/api/src/test-entry.ts: the production Worker behind the test
 * headers), bundled beside it by the api's build; never deployed. The bench's forced misses and
 * its own aggregators go through it.
 */
export const API_TEST_ENTRY_BUNDLE: AppBundle = { dir: 'dist/test-entry', main: 'test-entry.js' };

/**
 * The aggregator's test-only entry (apps/aggregator/src/test-entry.ts: the production Worker with
 * a fault seam in its ingest consumer, armed through its `IngestFaults` entrypoint), bundled
 * beside it by the aggregator's build; never deployed. The api's tests run it.
 */
export const AGGREGATOR_TEST_ENTRY_BUNDLE: AppBundle = { dir: 'dist/test-entry', main: 'test-entry.js' };

/**
 * Miniflare options for another Worker of this repo, derived from its wrangler.jsonc (so test
 * bindings cannot drift from the config) and pointed at its built bundle (`pnpm build`:
 * turbo builds it before tests). Module rules become the bundle's explicit module list.
 * `serviceBindings` overrides bindings whose target has another name under test.
 */
export function auxWorker(
  app: 'aggregator' | 'precompute' | 'api',
  serviceBindings: Record<string, { name: string; entrypoint?: string }> = {},
  bundle: AppBundle = PRODUCTION_BUNDLE,
) {
  const appDir = `${repoRoot}apps/${app}/`;
  const configPath = `${appDir}wrangler.jsonc`;
  const config = unstable_readConfig({ config: configPath });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const {
    modulesRules,
    rootPath: _root,
    ...options
  } = workerOptions as typeof workerOptions & {
    rootPath?: string;
  };
  return {
    ...options,
    name: config.name,
    serviceBindings: { ...(options.serviceBindings as object), ...serviceBindings },
    modules: bundleModules(`${appDir}${bundle.dir}/`, (modulesRules ?? []) as ModuleRule[], bundle.main),
    modulesRoot: `${appDir}${bundle.dir}`,
  };
}
