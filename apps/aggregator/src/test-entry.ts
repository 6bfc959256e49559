// The aggregator Worker as its tests run it (vitest.config.ts `main`), never deployed: the
// production Worker (index.ts) with one difference, the TrendingAggregator's SQL storage wrapped
// in the test-only 2 MB guard (testing-sql-guard.ts). Production SQLite refuses any string, blob
// or row over 2 MB and the local runtime does not, so every aggregator test runs against the
// production limit: a statement that would throw in production throws here.
import type { AggregatorEnv } from './env.ts';
import worker from './index.ts';
import { guardSql } from './testing-sql-guard.ts';
import { TrendingAggregator as ProductionAggregator } from './trending-aggregator.ts';

export * from './index.ts';

export class TrendingAggregator extends ProductionAggregator {
  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    const guarded = guardSql(ctx.storage.sql).sql;
    // An own property shadows the storage's `sql` getter: the object, and runInDurableObject's
    // `state`, both see the guarded one.
    Object.defineProperty(ctx.storage, 'sql', { value: guarded, configurable: true });
    super(ctx, env);
  }
}

export default worker;
