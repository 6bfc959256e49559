import { DurableObject } from 'cloudflare:workers';
import { countedOnceUntil, type DeadLetter, type DeadLetterList, LIMITS } from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';

/** A message given up, as the dead-letter consumer hands it over. */
export interface DeadLetterInput {
  /** The dead-letter queue's message id: a redelivery of it is stored once. */
  id: string;
  attempts: number;
  reason: string;
  /** The original message body, as JSON. */
  body: string;
}

/** A letter to replay: its body, and when it was stored (for countedOnceUntil). */
export interface StoredLetter {
  id: string;
  body: string;
  receivedAt: number;
}

interface DeadLetterRow extends Record<string, SqlStorageValue> {
  id: string;
  received_at: number;
  attempts: number;
  reason: string;
  events: number;
  body: string;
}

/** Events a body holds: the length of its `events` list, 0 when it has none. */
function eventCount(body: string): number {
  try {
    const parsed: unknown = JSON.parse(body);
    const events = (parsed as { events?: unknown } | null)?.events;
    return Array.isArray(events) ? events.length : 0;
  } catch {
    return 0;
  }
}

/**
 * The dead letters of one aggregator (trending-core's deadLetterObjectFor): ingest messages the
 * consumer refused (poison) or the queue gave up after its retries, kept durably in SQLite until
 * ops replay them (POST /v1/admin/dead-letters/replay). A message is at most 128 KB, far below the
 * 2 MB a row may hold. Nothing is pruned: a dead letter is a count not yet made, for ops to decide.
 * So the store is bounded by refusing the newest rather than by evicting the oldest: at
 * LIMITS.deadLetters.stored letters a new one is dropped and counted (`dropped`, listed and
 * logged). The letters kept are the ones ops have been told about longest, and the first of an
 * incident is often the one that says what went wrong; the count says how much is missing.
 */
export class DeadLetterStore extends DurableObject<AggregatorEnv> {
  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS dead_letters (
      id TEXT PRIMARY KEY,
      received_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      reason TEXT NOT NULL,
      events INTEGER NOT NULL,
      body TEXT NOT NULL
    )`);
    ctx.storage.sql.exec('CREATE INDEX IF NOT EXISTS dead_letters_received ON dead_letters (received_at)');
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS dead_letter_drops (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      dropped INTEGER NOT NULL
    )`);
  }

  /**
   * Stores letters (one transaction); an id already stored is left as it is. A letter that finds
   * the store full (LIMITS.deadLetters.stored) is dropped and counted; returns how many were.
   */
  async add(letters: DeadLetterInput[]): Promise<{ dropped: number }> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    const dropped = this.ctx.storage.transactionSync(() => {
      let stored = this.total();
      let dropped = 0;
      for (const letter of letters) {
        const held = sql.exec('SELECT 1 FROM dead_letters WHERE id = ?', letter.id).toArray().length > 0;
        if (held) continue;
        if (stored >= LIMITS.deadLetters.stored) {
          dropped += 1;
          continue;
        }
        stored += 1;
        sql.exec(
          'INSERT OR IGNORE INTO dead_letters (id, received_at, attempts, reason, events, body) VALUES (?, ?, ?, ?, ?, ?)',
          letter.id,
          now,
          letter.attempts,
          letter.reason.slice(0, LIMITS.deadLetters.reasonChars),
          eventCount(letter.body),
          letter.body,
        );
      }
      if (dropped > 0) {
        sql.exec(
          `INSERT INTO dead_letter_drops (id, dropped) VALUES (1, ?)
           ON CONFLICT (id) DO UPDATE SET dropped = dropped + excluded.dropped`,
          dropped,
        );
      }
      return dropped;
    });
    if (dropped > 0) {
      console.error(`dead letters: store full (${LIMITS.deadLetters.stored}), dropped ${dropped} letters`);
    }
    return { dropped };
  }

  /** The newest letters first, each with a preview of its body, and how many are stored. */
  async list(max: number = LIMITS.deadLetters.listed): Promise<DeadLetterList> {
    const rows = this.ctx.storage.sql
      .exec<DeadLetterRow>(
        'SELECT id, received_at, attempts, reason, events, substr(body, 1, ?) AS body FROM dead_letters ORDER BY received_at DESC, id LIMIT ?',
        LIMITS.deadLetters.previewChars,
        max,
      )
      .toArray();
    const deadLetters: DeadLetter[] = rows.map((row) => ({
      id: row.id,
      receivedAt: row.received_at,
      countedOnceUntil: countedOnceUntil(row.received_at),
      attempts: row.attempts,
      reason: row.reason,
      events: row.events,
      preview: row.body,
    }));
    return { deadLetters, total: this.total(), capacity: LIMITS.deadLetters.stored, dropped: this.dropped() };
  }

  /**
   * The bodies to replay: the given ids (those stored; the rest are `missing`), or without ids the
   * oldest `max`. Nothing is removed: the caller removes them once its send resolved.
   */
  async bodies(
    ids: string[] | undefined,
    max: number = LIMITS.deadLetters.replayPerRequest,
  ): Promise<{ letters: StoredLetter[]; missing: string[] }> {
    const sql = this.ctx.storage.sql;
    const asLetter = (row: { id: string; body: string; received_at: number }): StoredLetter => ({
      id: row.id,
      body: row.body,
      receivedAt: row.received_at,
    });
    if (ids === undefined) {
      const letters = sql
        .exec<{ id: string; body: string; received_at: number }>(
          'SELECT id, body, received_at FROM dead_letters ORDER BY received_at, id LIMIT ?',
          max,
        )
        .toArray()
        .map(asLetter);
      return { letters, missing: [] };
    }
    const letters: StoredLetter[] = [];
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const row = sql
        .exec<{ id: string; body: string; received_at: number }>(
          'SELECT id, body, received_at FROM dead_letters WHERE id = ?',
          id,
        )
        .toArray()[0];
      if (row) letters.push(asLetter(row));
      else missing.push(id);
    }
    return { letters, missing };
  }

  /** Removes replayed letters; returns how many are left. */
  async remove(ids: string[]): Promise<number> {
    this.ctx.storage.transactionSync(() => {
      for (const id of ids) this.ctx.storage.sql.exec('DELETE FROM dead_letters WHERE id = ?', id);
    });
    return this.total();
  }

  private dropped(): number {
    return (
      this.ctx.storage.sql
        .exec<{ dropped: number }>('SELECT dropped FROM dead_letter_drops WHERE id = 1')
        .toArray()[0]?.dropped ?? 0
    );
  }

  private total(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM dead_letters').one().n;
  }
}
