/**
 * Row counts of the aggregator's tables, kept as rows come and go, so stats() (and with it
 * GET /v1/health and /v1/admin/status) reads a handful of rows instead of counting whole tables
 * (COUNT(*) visits every row: millions in a busy shard, on every health check).
 *
 * SQLite triggers keep them: each insert and delete of a counted table adds or subtracts one in
 * the same statement, so inside the same transaction as the write, whichever code path writes
 * (ingest, pruning, a rebuild of the totals, a migration). An upsert that updates instead of
 * inserting, and an insert that does nothing on conflict, fire no insert trigger: the count is
 * exact. The price is one small update per row written.
 */
const SCHEMA = `CREATE TABLE IF NOT EXISTS row_counts (
   table_name TEXT PRIMARY KEY,
   n INTEGER NOT NULL
 ) WITHOUT ROWID`;

/**
 * Counts `tables` from now on. A table counted for the first time (a new object, or one from
 * before the counts) is counted once here (the one-time backfill), in the same synchronous block
 * as its triggers, so no write falls between the two.
 */
export function countRows(sql: SqlStorage, tables: readonly string[]): void {
  sql.exec(SCHEMA);
  for (const table of tables) {
    const counted = sql.exec('SELECT 1 FROM row_counts WHERE table_name = ?', table).toArray().length > 0;
    sql.exec(
      `CREATE TRIGGER IF NOT EXISTS row_counts_${table}_insert AFTER INSERT ON ${table}
       BEGIN UPDATE row_counts SET n = n + 1 WHERE table_name = '${table}'; END`,
    );
    sql.exec(
      `CREATE TRIGGER IF NOT EXISTS row_counts_${table}_delete AFTER DELETE ON ${table}
       BEGIN UPDATE row_counts SET n = n - 1 WHERE table_name = '${table}'; END`,
    );
    if (!counted) sql.exec(`INSERT INTO row_counts (table_name, n) SELECT ?, COUNT(*) FROM ${table}`, table);
  }
}

/** Drops a counted table with its count (its triggers go with it). */
export function dropCountedTable(sql: SqlStorage, table: string): void {
  sql.exec(`DROP TABLE ${table}`);
  sql.exec('DELETE FROM row_counts WHERE table_name = ?', table);
}

/** The counted tables' rows now (0 for a table not counted). */
export function rowCounts(sql: SqlStorage): (table: string) => number {
  const counts = new Map(
    sql
      .exec<{ table_name: string; n: number }>('SELECT table_name, n FROM row_counts')
      .toArray()
      .map((r) => [r.table_name, r.n]),
  );
  return (table) => counts.get(table) ?? 0;
}
