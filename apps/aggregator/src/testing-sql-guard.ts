import { LIMITS } from '@openvine/trending-core';

/**
 * Test-only: a SqlStorage that behaves as production's does where the local runtime does not.
 * Production Durable Object SQLite rejects any string, BLOB or row over 2 MB
 * (LIMITS.sqlValueBytes); locally a 5 MB string is stored and read back without a word. Code
 * under test built on this wrapper throws as production would: on a bound parameter, a returned
 * column value, or a returned row (the sum of its values) over the limit. It also counts the
 * rows its statements read (SQLite's rowsRead), for tests of what a read costs.
 *
 * Installed only by tests (they build a Rollups, a WindowTotals or a ranking over it inside
 * runInDurableObject); production code never imports it.
 */
export interface GuardedSql {
  sql: SqlStorage;
  /** Rows read so far by every statement run through `sql`. */
  rowsRead(): number;
}

export class SqlLimitError extends Error {}

const encoder = new TextEncoder();

/** Bytes a value takes as production counts it: UTF-8 for text, raw for blobs, 8 for a number. */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return encoder.encode(value).length;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof value === 'number' || typeof value === 'bigint') return 8;
  return 0;
}

export function guardSql(inner: SqlStorage, limitBytes: number = LIMITS.sqlValueBytes): GuardedSql {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];

  const checkValue = (what: string, value: unknown): number => {
    const bytes = valueBytes(value);
    if (bytes > limitBytes) {
      throw new SqlLimitError(
        `SQL guard: ${what} is ${bytes} bytes, over the ${limitBytes}-byte limit production enforces`,
      );
    }
    return bytes;
  };
  const checkRow = (row: Record<string, unknown> | unknown[]): void => {
    let total = 0;
    for (const [column, value] of Object.entries(row)) total += checkValue(`column ${column}`, value);
    if (total > limitBytes) {
      throw new SqlLimitError(
        `SQL guard: a returned row is ${total} bytes, over the ${limitBytes}-byte limit production enforces`,
      );
    }
  };

  function guardedCursor<T extends Record<string, SqlStorageValue>>(cursor: SqlStorageCursor<T>) {
    const next = (): IteratorResult<T> => {
      const result = cursor.next();
      if (!result.done) checkRow(result.value);
      return result as IteratorResult<T>;
    };
    return new Proxy(cursor, {
      get(target, prop) {
        switch (prop) {
          case 'next':
            return next;
          case 'toArray':
            return () => {
              const rows = target.toArray();
              for (const row of rows) checkRow(row);
              return rows;
            };
          case 'one':
            return () => {
              const row = target.one();
              checkRow(row);
              return row;
            };
          case 'raw':
            return function* raw() {
              for (const row of target.raw()) {
                checkRow(row);
                yield row;
              }
            };
          case Symbol.iterator:
            return function* rows() {
              for (let r = next(); !r.done; r = next()) yield r.value;
            };
          default: {
            const value = Reflect.get(target, prop, target) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          }
        }
      },
    });
  }

  const sql = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'exec') {
        return <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]) => {
          bindings.forEach((value, i) => {
            checkValue(`bound parameter ${i + 1}`, value);
          });
          const cursor = target.exec<T>(query, ...bindings);
          cursors.push(cursor as unknown as SqlStorageCursor<Record<string, SqlStorageValue>>);
          return guardedCursor(cursor);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { sql, rowsRead: () => cursors.reduce((sum, c) => sum + c.rowsRead, 0) };
}
