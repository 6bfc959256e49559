import { dedupDigest, RETENTION } from '@openvine/trending-core';
import { dropCountedTable } from './row-counts.ts';

/**
 * The idempotency keys seen in the last 7 days (plus an hour), each as its 64-bit digest
 * (trending-core's dedupDigest) in a rowid table keyed by it: about 40 bytes a key with its time
 * index, whatever the key's length (a 2,000-character key used to cost 4 KB, stored once in the
 * table and again in the index). Collision rates: dedup-digest.ts and docs/scaling.md.
 */
export const SEEN_KEYS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS seen_digests (
     digest INTEGER PRIMARY KEY,
     seen_ms INTEGER NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS seen_digests_by_time ON seen_digests (seen_ms)',
];

/**
 * Objects from before the digests hold their keys as text in `seen_events`. They are kept, read
 * only, until they expire (7 d + 1 h after the upgrade at most), then the table is dropped: no
 * conversion pass over what may be millions of rows at start-up, and a retry of an event counted
 * before the upgrade is still a duplicate.
 */
const LEGACY_TABLE = 'seen_events';

/** Idempotency keys outlive the oldest accepted timestamp (7 d) plus clock skew. */
const DEDUP_RETENTION_MS = RETENTION.idempotencyKeysMs;

export class SeenKeys {
  private legacy = false;

  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    for (const statement of SEEN_KEYS_SCHEMA) this.sql.exec(statement);
    this.legacy =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", LEGACY_TABLE).toArray()
        .length > 0;
  }

  /**
   * Records the keys (undefined: an event without one, always fresh); false for a key seen
   * before, in an earlier batch or earlier in this one (the first holder claims it). Call inside
   * the batch's storage transaction.
   */
  claim(keys: readonly (string | undefined)[], now: number): boolean[] {
    const digests = keys.map((key) => (key === undefined ? undefined : dedupDigest(key).toString()));
    const seenBefore = this.legacySeen(keys);
    const claimable = digests.filter((d, i): d is string => d !== undefined && !seenBefore.has(i));
    const fresh = new Set<string>();
    if (claimable.length > 0) {
      // Digests pass as JSON numbers (SQLite's JSON reads 64-bit integers exactly; a JS number
      // would not hold them), and come back as text for the same reason.
      const inserted = this.sql
        .exec<{ digest: string }>(
          `INSERT INTO seen_digests (digest, seen_ms) SELECT value, ? FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING RETURNING CAST(digest AS TEXT) AS digest`,
          now,
          `[${claimable.join(',')}]`,
        )
        .toArray();
      for (const row of inserted) fresh.add(row.digest);
    }
    return digests.map((digest, i) => digest === undefined || (!seenBefore.has(i) && fresh.delete(digest)));
  }

  /** Positions of keys the pre-digest table holds (none once it is gone). */
  private legacySeen(keys: readonly (string | undefined)[]): Set<number> {
    if (!this.legacy) return new Set();
    // SQLite kept the text as UTF-8, so a key was stored well-formed.
    const wellFormed = keys.map((key) => key?.toWellFormed());
    const present = new Set(
      this.sql
        .exec<{ dedup_key: string }>(
          `SELECT dedup_key FROM ${LEGACY_TABLE} WHERE dedup_key IN (SELECT value FROM json_each(?))`,
          JSON.stringify(wellFormed.filter((k) => k !== undefined)),
        )
        .toArray()
        .map((r) => r.dedup_key),
    );
    return new Set(wellFormed.flatMap((key, i) => (key !== undefined && present.has(key) ? [i] : [])));
  }

  /** Forgets keys past the retention; drops the pre-digest table once it is empty. Rows deleted. */
  prune(now: number): number {
    const before = now - DEDUP_RETENTION_MS;
    let deleted = this.sql.exec('DELETE FROM seen_digests WHERE seen_ms < ?', before).rowsWritten;
    if (this.legacy) {
      deleted += this.sql.exec(`DELETE FROM ${LEGACY_TABLE} WHERE seen_ms < ?`, before).rowsWritten;
      const left = this.sql
        .exec<{ any: number }>(`SELECT EXISTS (SELECT * FROM ${LEGACY_TABLE}) AS any`)
        .one();
      if (left.any === 0) {
        dropCountedTable(this.sql, LEGACY_TABLE);
        this.legacy = false;
      }
    }
    return deleted;
  }

  /** The tables holding keys now (for the row counts). */
  tables(): string[] {
    return this.legacy ? ['seen_digests', LEGACY_TABLE] : ['seen_digests'];
  }
}
