// Node side of the KV stand-in (kv-fault-stand-in.js): its Worker options, and the rewrite that
// binds a Worker's KV namespace to it. Test-only: used by the api's vitest.config.ts.
import { fileURLToPath } from 'node:url';

/** The stand-in Worker's name under test. */
export const KV_STAND_IN = 'kv-fault-stand-in';

/** The binding tests tell the stand-in which puts to refuse through (`Faults` entrypoint). */
export const KV_FAULTS_BINDING = 'KV_FAULTS';

interface WithKv {
  /** Binding name to namespace: an id, or `{ id }` as wrangler's config gives it. */
  kvNamespaces?: Record<string, string | { id: string }>;
  serviceBindings?: object;
}

/**
 * Binds a Worker's KV namespace `binding` (as derived from its wrangler.jsonc) to the stand-in,
 * and returns the stand-in's options, bound to the same namespace id so that every Worker sees
 * the same data. Miniflare adds KV bindings after service bindings, so a service binding of the
 * same name alone would lose: the KV entry is removed here.
 */
export function faultyKv<T extends WithKv>(options: T, binding: string) {
  const namespaces = { ...options.kvNamespaces };
  const declared = namespaces[binding];
  if (!declared) throw new Error(`no KV namespace bound as ${binding}`);
  const id = typeof declared === 'string' ? declared : declared.id;
  delete namespaces[binding];
  const worker: T = {
    ...options,
    kvNamespaces: namespaces,
    serviceBindings: {
      ...options.serviceBindings,
      [binding]: { name: KV_STAND_IN, entrypoint: 'Namespace' },
    },
  };
  const standIn = {
    name: KV_STAND_IN,
    compatibilityDate: '2026-11-24',
    modules: [
      { type: 'ESModule' as const, path: fileURLToPath(new URL('./kv-fault-stand-in.js', import.meta.url)) },
    ],
    // Module paths are resolved under this root (by default the project's, which this file is not in).
    modulesRoot: fileURLToPath(new URL('.', import.meta.url)),
    kvNamespaces: { KV: id },
  };
  return { worker, standIn };
}
