/**
 * Many rows in one SQLite statement. Durable Object SQL allows 100 bound parameters per
 * statement, so a batch's rows travel as one JSON array parameter and SQLite's json_each unpacks
 * them: one statement per table per batch instead of one per event (the ingest hot path).
 */

/** Rows per statement: keeps each JSON parameter far below the 2 MB value limit. */
const ROWS_PER_STATEMENT = 1_000;

export type SqlValue = string | number | null;

/** `json_extract(value, '$[i]')` for each column: the i-th element of each row array. */
function columnsOf(count: number): string {
  return Array.from({ length: count }, (_, i) => `json_extract(value, '$[${i}]')`).join(', ');
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let offset = 0; offset < rows.length; offset += ROWS_PER_STATEMENT) {
    yield rows.slice(offset, offset + ROWS_PER_STATEMENT);
  }
}

/**
 * `INSERT INTO table (columns) <rows> <conflict clause>`, rows given as arrays in column order.
 * Returns the rows written.
 */
export function insertRows(
  sql: SqlStorage,
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
  onConflict: string,
): number {
  let written = 0;
  for (const chunk of chunks(rows)) {
    written += sql.exec(
      // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
      `INSERT INTO ${table} (${columns.join(', ')})
       SELECT ${columnsOf(columns.length)} FROM json_each(?) WHERE true ${onConflict}`,
      JSON.stringify(chunk),
    ).rowsWritten;
  }
  return written;
}

/**
 * Selects `columns` of the rows of `table` whose key columns equal one of `keys` (key arrays in
 * `keyColumns` order), one primary-key lookup per key.
 */
export function selectByKeys<T extends Record<string, SqlValue>>(
  sql: SqlStorage,
  table: string,
  keyColumns: readonly string[],
  columns: readonly string[],
  keys: readonly SqlValue[][],
): T[] {
  const match = keyColumns.map((c, i) => `t.${c} = json_extract(k.value, '$[${i}]')`).join(' AND ');
  const found: T[] = [];
  for (const chunk of chunks(keys)) {
    // CROSS JOIN keeps the key list as the outer loop, so each key is one index lookup.
    const rows = sql
      .exec<T>(
        `SELECT ${columns.map((c) => `t.${c} AS ${c}`).join(', ')}
         FROM json_each(?) AS k CROSS JOIN ${table} AS t ON ${match}`,
        JSON.stringify(chunk),
      )
      .toArray();
    found.push(...rows);
  }
  return found;
}
