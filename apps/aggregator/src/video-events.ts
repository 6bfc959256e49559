import {
  RETENTION_MS,
  replacesVersion,
  type VideoEventRecord,
  type VideoRegistrationResult,
  type VideoRegistrationStatus,
} from '@openvine/trending-core';
import { countRows, rowCounts } from './row-counts.ts';
import { insertRows, selectByKeys } from './sql-rows.ts';

/**
 * Video metadata from signed Nostr events, the only source of a ranked video's title, creator and
 * hashtags (view bodies' hints never are: rollups.ts keeps those apart). The api verified each
 * event (trending-core's verifyVideoEvent) before it reached here.
 *
 * One row per address (diVine's kind 34236: pubkey, kind and `d` tag; kinds 21 and 22: the event
 * itself) holding its newest version, and one row per version's event id naming its address: a
 * video's metadata is its address's newest version, so views counted under an older version's id
 * show the current title too. A version older than the stored one is refused and changes nothing.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS video_addresses (
     address TEXT PRIMARY KEY,
     event_id TEXT NOT NULL,
     pubkey TEXT NOT NULL,
     kind INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     title TEXT,
     hashtags TEXT NOT NULL,
     event TEXT NOT NULL,
     updated_ms INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS video_versions (
     video_id TEXT PRIMARY KEY,
     address TEXT NOT NULL,
     registered_ms INTEGER NOT NULL
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS video_versions_by_address ON video_versions (address)',
];

/** A ranked video's metadata, from its address's newest signed version. */
export interface SignedVideoMeta {
  videoId: string;
  address: string;
  /** The id of the version the metadata is from (the video's own id, or a newer version's). */
  eventId: string;
  creatorPubkey: string;
  title?: string;
  hashtags: string[];
}

/** Where the ranking reads metadata from (VideoEvents; a test may stand in). */
export interface VideoMetaSource {
  videoMeta(videoIds: readonly string[]): Map<string, SignedVideoMeta>;
}

/** An event older than its address's stored version: the whole request is refused. */
export interface StaleVersion {
  /** Its position in the request. */
  index: number;
  storedId: string;
  storedCreatedAt: number;
}

export type VideoRegistration =
  | ({ ok: true } & VideoRegistrationResult)
  | { ok: false; stale: StaleVersion[] };

/** An object's versions of a batch's addresses (VideoEvents.versionsOf): plain data, for RPC. */
export interface HeldVersions {
  stored: { address: string; id: string; createdAt: number }[];
  known: string[];
}

type AddressRow = {
  address: string;
  event_id: string;
  created_at: number;
};

export class VideoEvents implements VideoMetaSource {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
    countRows(this.sql, ['video_addresses', 'video_versions']);
  }

  /**
   * What this object holds of a batch's addresses and ids: the stored version of each address,
   * and which of the ids it has registered. A coordinator judges a batch with its shards' too
   * (trending-aggregator.ts): its own copy, with no views, forgets a version after 7 days, while
   * a shard whose video is watched keeps it.
   */
  versionsOf(records: readonly VideoEventRecord[]): HeldVersions {
    const stored = selectByKeys<AddressRow>(
      this.sql,
      'video_addresses',
      ['address'],
      ['address', 'event_id', 'created_at'],
      [...new Set(records.map((r) => r.address))].map((a) => [a]),
    ).map((row) => ({ address: row.address, id: row.event_id, createdAt: row.created_at }));
    // Versions registered before (the address's older ones included): a client's retry of a
    // batch that held an address's older and newer version is unchanged, not stale.
    const known = selectByKeys<{ video_id: string }>(
      this.sql,
      'video_versions',
      ['video_id'],
      ['video_id'],
      [...new Set(records.map((r) => r.id))].map((id) => [id]),
    ).map((row) => row.video_id);
    return { stored, known };
  }

  /**
   * Registers verified events, all or none (call inside a storage transaction): refused whole when
   * one is older than its address's stored version, here or in `elsewhere` (the shards' versions,
   * for a coordinator). In a request holding several versions of one address, the newest becomes
   * the address's version and the others are recorded as superseded. A `replica` (a shard taking
   * the coordinator's copy of a batch the coordinator accepted) refuses nothing: a version older
   * than its own is recorded as superseded, so that the batch's other events always arrive.
   */
  register(
    records: readonly VideoEventRecord[],
    now: number,
    { elsewhere = [], replica = false }: { elsewhere?: readonly HeldVersions[]; replica?: boolean } = {},
  ): VideoRegistration {
    const stored = new Map<string, { id: string; createdAt: number }>();
    const known = new Set<string>();
    const own = this.versionsOf(records);
    for (const held of [own, ...elsewhere]) {
      for (const version of held.stored) {
        const best = stored.get(version.address);
        if (!best || replacesVersion(version, best)) stored.set(version.address, version);
      }
      for (const id of held.known) known.add(id);
    }
    const stale: StaleVersion[] = [];
    records.forEach((record, index) => {
      const held = stored.get(record.address);
      if (held && held.id !== record.id && !known.has(record.id) && !replacesVersion(record, held)) {
        stale.push({ index, storedId: held.id, storedCreatedAt: held.createdAt });
      }
    });
    if (stale.length > 0 && !replica) return { ok: false, stale };

    // The newest version of each address in the request that is newer than the stored one.
    const newest = new Map<string, VideoEventRecord>();
    for (const record of records) {
      const held = stored.get(record.address);
      if (held && !replacesVersion(record, held)) continue;
      const best = newest.get(record.address);
      if (!best || replacesVersion(record, best)) newest.set(record.address, record);
    }
    const seen = new Set<string>();
    const results = records.map((record) => {
      const held = stored.get(record.address);
      let status: VideoRegistrationStatus;
      if (held?.id === record.id || known.has(record.id) || seen.has(record.id)) status = 'unchanged';
      else if (newest.get(record.address)?.id !== record.id) status = 'superseded';
      else status = held ? 'replaced' : 'stored';
      seen.add(record.id);
      return { videoId: record.id, address: record.address, status };
    });

    // Every id this object holds no version of, `unchanged` ones too: an address's newest version
    // forgotten (no views for 7 days) while an older one stays watched still names the address,
    // so posting it again is `unchanged`, and its views would rank without its metadata for good.
    const ownKnown = new Set(own.known);
    insertRows(
      this.sql,
      'video_versions',
      ['video_id', 'address', 'registered_ms'],
      results.filter((r) => !ownKnown.has(r.videoId)).map((r) => [r.videoId, r.address, now]),
      'ON CONFLICT (video_id) DO NOTHING',
    );
    const winners = [...newest.values()].filter((r) => stored.get(r.address)?.id !== r.id);
    insertRows(
      this.sql,
      'video_addresses',
      ['address', 'event_id', 'pubkey', 'kind', 'created_at', 'title', 'hashtags', 'event', 'updated_ms'],
      winners.map((r) => [
        r.address,
        r.id,
        r.pubkey,
        r.kind,
        r.createdAt,
        r.title ?? null,
        JSON.stringify(r.hashtags),
        r.event,
        now,
      ]),
      `ON CONFLICT (address) DO UPDATE SET
         event_id = excluded.event_id, pubkey = excluded.pubkey, kind = excluded.kind,
         created_at = excluded.created_at, title = excluded.title, hashtags = excluded.hashtags,
         event = excluded.event, updated_ms = excluded.updated_ms`,
    );
    const count = (status: VideoRegistrationStatus) => results.filter((r) => r.status === status).length;
    return {
      ok: true,
      accepted: results.length - count('unchanged'),
      replaced: count('replaced'),
      unchanged: count('unchanged'),
      results,
    };
  }

  videoMeta(videoIds: readonly string[]): Map<string, SignedVideoMeta> {
    const found = new Map<string, SignedVideoMeta>();
    if (videoIds.length === 0) return found;
    // One lookup per id (the id list is the outer loop), then its address by primary key.
    const rows = this.sql
      .exec<{
        video_id: string;
        address: string;
        event_id: string;
        pubkey: string;
        title: string | null;
        hashtags: string;
      }>(
        `SELECT v.video_id AS video_id, a.address AS address, a.event_id AS event_id, a.pubkey AS pubkey,
                a.title AS title, a.hashtags AS hashtags
         FROM json_each(?) AS k
         CROSS JOIN video_versions AS v ON v.video_id = k.value
         CROSS JOIN video_addresses AS a ON a.address = v.address`,
        JSON.stringify(videoIds),
      )
      .toArray();
    for (const row of rows) {
      found.set(row.video_id, {
        videoId: row.video_id,
        address: row.address,
        eventId: row.event_id,
        creatorPubkey: row.pubkey,
        ...(row.title ? { title: row.title } : {}),
        hashtags: JSON.parse(row.hashtags) as string[],
      });
    }
    return found;
  }

  /**
   * Forgets versions registered over 7 days ago whose video has had no view since (no row in the
   * rollups' `videos` table, which the rollups prune after 7 days without events), then addresses
   * left without versions: storage is bounded by activity. A video seen again later ranks by its
   * id until its event is posted again.
   */
  prune(now: number): number {
    let deleted = this.sql.exec(
      `DELETE FROM video_versions WHERE registered_ms < ?
         AND NOT EXISTS (SELECT 1 FROM videos WHERE videos.video_id = video_versions.video_id)`,
      now - RETENTION_MS,
    ).rowsWritten;
    deleted += this.sql.exec(
      `DELETE FROM video_addresses WHERE NOT EXISTS
         (SELECT 1 FROM video_versions WHERE video_versions.address = video_addresses.address)`,
    ).rowsWritten;
    return deleted;
  }

  counts(): { videoAddresses: number; videoVersions: number } {
    // Kept as rows change (row-counts.ts), not counted here.
    const count = rowCounts(this.sql);
    return { videoAddresses: count('video_addresses'), videoVersions: count('video_versions') };
  }
}
