import type PrecomputeEntrypoint from '@openvine/precompute';

/** This Worker's bindings (explicit, so other Workers' sources type-check against their own env). */
export interface OpsExampleEnv {
  PRECOMPUTE: Service<PrecomputeEntrypoint>;
}
