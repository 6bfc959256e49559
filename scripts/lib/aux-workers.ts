import { fileURLToPath } from 'node:url';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Miniflare options for another Worker of this repo, derived from its wrangler.jsonc (so test
 * bindings cannot drift from the config) and pointed at its built bundle (`pnpm build`:
 * turbo builds it before tests). Options Miniflare 5 rejects (modulesRules) are dropped.
 * `serviceBindings` overrides bindings whose target has another name under test.
 */
export function auxWorker(
  app: 'aggregator' | 'precompute' | 'api',
  serviceBindings: Record<string, { name: string; entrypoint?: string }> = {},
) {
  const appDir = `${repoRoot}apps/${app}/`;
  const configPath = `${appDir}wrangler.jsonc`;
  const config = unstable_readConfig({ config: configPath });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const {
    modulesRules: _rules,
    rootPath: _root,
    ...options
  } = workerOptions as typeof workerOptions & {
    rootPath?: string;
  };
  return {
    ...options,
    name: config.name,
    serviceBindings: { ...(options.serviceBindings as object), ...serviceBindings },
    modules: true,
    scriptPath: `${appDir}dist/index.js`,
    modulesRoot: `${appDir}dist`,
  };
}
