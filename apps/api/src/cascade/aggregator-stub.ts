import type { ApiEnv } from '../env.ts';

/** The aggregator object (by name: aggregator-name.ts) holding the event store and snapshots. */
export function aggregatorStub(env: Pick<ApiEnv, 'AGGREGATOR'>, name: string) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}
