import {
  type HiddenItem,
  type HiddenSet,
  hiddenSet,
  LIMITS,
  type ModerationAuditEntry,
  type ModerationChange,
  type ModerationKind,
  type ModerationList,
} from '@openvine/trending-core';

/**
 * The moderation state in the aggregator's SQLite: what is hidden now (one row per kind and
 * value, its last hide) and the audit list (one row per hide or unhide, never rewritten). The
 * hidden set is held in memory too, since every ranking consults it.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS moderation_hidden (
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     reason TEXT NOT NULL,
     hidden_ms INTEGER NOT NULL,
     hidden_by TEXT,
     address TEXT,
     PRIMARY KEY (kind, value)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS moderation_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     action TEXT NOT NULL,
     reason TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     by TEXT,
     changed INTEGER NOT NULL
   )`,
];

type HiddenRow = {
  kind: ModerationKind;
  value: string;
  reason: string;
  hidden_ms: number;
  hidden_by: string | null;
  address: string | null;
};

type AuditRow = {
  kind: ModerationKind;
  value: string;
  action: ModerationAuditEntry['action'];
  reason: string;
  at_ms: number;
  by: string | null;
  changed: number;
};

export class Moderation {
  private hidden: HiddenSet = hiddenSet([]);

  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    this.addAddressColumn();
    for (const statement of SCHEMA) this.sql.exec(statement);
    this.hidden = hiddenSet(this.hiddenItems());
  }

  /**
   * Objects created before hides stored a video's address have no column for it: added empty, so
   * their hidden ids are matched to addresses by each ranking (ranking.ts withHiddenAddresses).
   */
  private addAddressColumn(): void {
    const definition = this.sql
      .exec<{ sql: string }>(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'moderation_hidden'",
      )
      .toArray()[0]?.sql;
    if (definition !== undefined && !definition.includes('address'))
      this.sql.exec('ALTER TABLE moderation_hidden ADD COLUMN address TEXT');
  }

  /** What the ranking leaves out (see trending-core's isHidden). */
  hiddenSet(): HiddenSet {
    return this.hidden;
  }

  /**
   * Applies a hide or unhide and appends its audit row; call inside a storage transaction so the
   * two land together. `changed` is false when it was already so. `address`: a hidden video's,
   * when known (every version of it is then left out).
   */
  apply(change: ModerationChange, now: number, address?: string): ModerationAuditEntry {
    const by = change.by ?? null;
    const changed =
      change.action === 'hide'
        ? this.sql.exec(
            `INSERT INTO moderation_hidden (kind, value, reason, hidden_ms, hidden_by, address)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (kind, value) DO NOTHING`,
            change.kind,
            change.value,
            change.reason,
            now,
            by,
            change.kind === 'video' ? (address ?? null) : null,
          ).rowsWritten > 0
        : this.sql.exec(
            'DELETE FROM moderation_hidden WHERE kind = ? AND value = ?',
            change.kind,
            change.value,
          ).rowsWritten > 0;
    // Hiding again what is hidden changes nothing, but fills in an address the first hide did
    // not know (an id hidden before its event arrived, or before hides stored addresses).
    if (!changed && change.action === 'hide' && change.kind === 'video' && address !== undefined)
      this.fillAddresses([{ videoId: change.value, address }]);
    this.sql.exec(
      `INSERT INTO moderation_audit (kind, value, action, reason, at_ms, by, changed)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      change.kind,
      change.value,
      change.action,
      change.reason,
      now,
      by,
      changed ? 1 : 0,
    );
    this.hidden = hiddenSet(this.hiddenItems());
    return {
      kind: change.kind,
      value: change.value,
      action: change.action,
      reason: change.reason,
      at: now,
      ...(change.by === undefined ? {} : { by: change.by }),
      changed,
    };
  }

  /**
   * Stores the address of hidden video ids that have none yet (an event registered after its id
   * was hidden): a hide then keeps every version out even where a shard forgot this version.
   * Call inside a storage transaction.
   */
  fillAddresses(versions: readonly { videoId: string; address: string }[]): void {
    let filled = 0;
    for (const { videoId, address } of versions) {
      filled += this.sql.exec(
        "UPDATE moderation_hidden SET address = ? WHERE kind = 'video' AND value = ? AND address IS NULL",
        address,
        videoId,
      ).rowsWritten;
    }
    if (filled > 0) this.hidden = hiddenSet(this.hiddenItems());
  }

  /** What is hidden now, and the newest LIMITS.moderation.auditListed audit rows, newest first. */
  list(): ModerationList {
    const audit = this.sql
      .exec<AuditRow>(
        'SELECT kind, value, action, reason, at_ms, by, changed FROM moderation_audit ORDER BY id DESC LIMIT ?',
        LIMITS.moderation.auditListed,
      )
      .toArray()
      .map(
        (r): ModerationAuditEntry => ({
          kind: r.kind,
          value: r.value,
          action: r.action,
          reason: r.reason,
          at: r.at_ms,
          ...(r.by === null ? {} : { by: r.by }),
          changed: r.changed === 1,
        }),
      );
    return { hidden: this.hiddenItems(), audit };
  }

  hiddenItems(): HiddenItem[] {
    return this.sql
      .exec<HiddenRow>(
        `SELECT kind, value, reason, hidden_ms, hidden_by, address FROM moderation_hidden
         ORDER BY hidden_ms DESC, kind, value`,
      )
      .toArray()
      .map((r) => ({
        kind: r.kind,
        value: r.value,
        reason: r.reason,
        at: r.hidden_ms,
        ...(r.hidden_by === null ? {} : { by: r.hidden_by }),
        ...(r.address === null ? {} : { address: r.address }),
      }));
  }
}
