import { INTERVALS, LIMITS, type ShardStorage } from '@openvine/trending-core';

/**
 * The shard's storage against its budget (LIMITS.shardStorage; docs/scaling.md, "Storage per
 * shard"). `databaseSize` is the SQLite file's size, read without touching a table.
 */
export function shardStorage(sql: SqlStorage): ShardStorage {
  const bytes = sql.databaseSize;
  const budgetBytes = LIMITS.shardStorage.budgetBytes;
  return { bytes, budgetBytes, overBudget: bytes > budgetBytes };
}

/**
 * What happens at the budget: nothing is refused or dropped (a counted event is never lost to
 * it), health answers `degraded`, and the alarm logs this warning once per
 * INTERVALS.storageWarningMs for ops to add shards. The platform's own limit (10 GB) is what
 * would refuse writes; the budget leaves half of it for the time a re-shard takes.
 */
export class StorageWarning {
  private lastWarnedAt: number | null = null;

  check(storage: ShardStorage, now: number): void {
    if (!storage.overBudget) return;
    if (this.lastWarnedAt !== null && now - this.lastWarnedAt < INTERVALS.storageWarningMs) return;
    this.lastWarnedAt = now;
    console.warn(
      `aggregator storage over budget: ${storage.bytes} of ${storage.budgetBytes} bytes ` +
        `(the object's limit is ${LIMITS.shardStorage.objectMaxBytes}): add shards (docs/scaling.md)`,
    );
  }
}
