import { HOUR_MS, type NormalizedViewEvent, SCORING, UNKNOWN_NETWORK } from '@openvine/trending-core';
import { insertRows, selectByKeys } from './sql-rows.ts';

/**
 * Evidence a client cannot forge: the client networks behind a video's viewers. Viewer ids are
 * whatever the client says, so one sender can invent any number of them; the network an event
 * came from (the api's keyed clientNetwork of the connection, or of the viewer's address an
 * ingest-key sender gave) it cannot. Per (video, network) this keeps:
 * - `last_ms`: the latest counted view from the network, so that a window counts the distinct
 *   networks whose latest view is inside it, exactly as it counts distinct viewers;
 * - `admitted_viewers` in `arrival_hour` (server time): the new viewers the network added to the
 *   video this hour, at most SCORING.viewersCapPerNetworkHour. A viewer past it is not stored
 *   and its views count nothing, neither to the score nor to the shown uniqueViewers; it may
 *   come back in a later hour. Arrival time, not the client's timestamp, so backdating cannot
 *   reopen an hour.
 */
export const NETWORK_EVIDENCE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS video_networks (
     video_id TEXT NOT NULL,
     network_key TEXT NOT NULL,
     last_ms INTEGER NOT NULL,
     arrival_hour INTEGER NOT NULL,
     admitted_viewers INTEGER NOT NULL,
     PRIMARY KEY (video_id, network_key)
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS video_networks_by_last ON video_networks (last_ms, video_id)',
];

const SEP = '\u0000';

/** The network an event counts under: the api always sets one; anything else shares `unknown`. */
export function networkOf(event: NormalizedViewEvent): string {
  return event.networkKey ?? UNKNOWN_NETWORK;
}

interface NetworkState {
  videoId: string;
  networkKey: string;
  /** Latest counted view (undefined: none yet, a row made in this batch). */
  lastMs: number | undefined;
  arrivalHour: number;
  admittedViewers: number;
}

/**
 * Creates video_networks. An object that had viewers before it gets one row per stored viewer,
 * as if each were its own network (`legacy:` keys, unlike any HMAC): what ranked before the
 * deploy keeps ranking until it leaves its windows, instead of every list emptying at once.
 * The window totals rebuild their network counts in the same upgrade (migrateTotalsNetworks).
 */
export function migrateNetworkEvidence(sql: SqlStorage): void {
  const existed =
    sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
        'video_networks',
      )
      .one().n > 0;
  for (const statement of NETWORK_EVIDENCE_SCHEMA) sql.exec(statement);
  if (existed) return;
  sql.exec(
    `INSERT INTO video_networks (video_id, network_key, last_ms, arrival_hour, admitted_viewers)
     SELECT video_id, 'legacy:' || viewer_key, last_ms, 0, 0 FROM video_viewers`,
  );
}

/** One batch's view of the networks it touches: loaded once, folded in memory, written once. */
export class NetworkEvidenceBatch {
  private readonly states = new Map<string, NetworkState>();
  private readonly arrivalHour: number;

  constructor(
    private readonly sql: SqlStorage,
    views: readonly NormalizedViewEvent[],
    now: number,
  ) {
    this.arrivalHour = Math.floor(now / HOUR_MS);
    const pairs = new Map(views.map((e) => [`${e.videoId}${SEP}${networkOf(e)}`, [e.videoId, networkOf(e)]]));
    const rows = selectByKeys<{
      video_id: string;
      network_key: string;
      last_ms: number;
      arrival_hour: number;
      admitted_viewers: number;
    }>(
      sql,
      'video_networks',
      ['video_id', 'network_key'],
      ['video_id', 'network_key', 'last_ms', 'arrival_hour', 'admitted_viewers'],
      [...pairs.values()],
    );
    for (const r of rows) {
      this.states.set(`${r.video_id}${SEP}${r.network_key}`, {
        videoId: r.video_id,
        networkKey: r.network_key,
        lastMs: r.last_ms,
        arrivalHour: r.arrival_hour,
        admittedViewers: r.admitted_viewers,
      });
    }
  }

  private state(videoId: string, networkKey: string): NetworkState {
    const key = `${videoId}${SEP}${networkKey}`;
    let state = this.states.get(key);
    if (!state) {
      state = { videoId, networkKey, lastMs: undefined, arrivalHour: this.arrivalHour, admittedViewers: 0 };
      this.states.set(key, state);
    }
    if (state.arrivalHour !== this.arrivalHour) {
      state.arrivalHour = this.arrivalHour;
      state.admittedViewers = 0;
    }
    return state;
  }

  /** Whether a viewer new to the video may count from this network this hour (takes its place). */
  admitNewViewer(event: NormalizedViewEvent): boolean {
    const state = this.state(event.videoId, networkOf(event));
    if (state.admittedViewers >= SCORING.viewersCapPerNetworkHour) return false;
    state.admittedViewers += 1;
    return true;
  }

  /**
   * Records a counted view from the event's network; returns the network's latest counted view
   * before it (undefined: none), so that the caller can tell which windows it enters.
   */
  countView(event: NormalizedViewEvent): number | undefined {
    const state = this.state(event.videoId, networkOf(event));
    const previous = state.lastMs;
    state.lastMs = Math.max(previous ?? event.timestampMs, event.timestampMs);
    return previous;
  }

  /** Writes the touched networks; one with no counted view yet is not stored. */
  write(): void {
    const rows = [...this.states.values()].flatMap((s) =>
      s.lastMs === undefined ? [] : [[s.videoId, s.networkKey, s.lastMs, s.arrivalHour, s.admittedViewers]],
    );
    insertRows(
      this.sql,
      'video_networks',
      ['video_id', 'network_key', 'last_ms', 'arrival_hour', 'admitted_viewers'],
      rows,
      `ON CONFLICT (video_id, network_key) DO UPDATE SET
         last_ms = MAX(last_ms, excluded.last_ms),
         arrival_hour = excluded.arrival_hour,
         admitted_viewers = excluded.admitted_viewers`,
    );
  }
}

/** Distinct networks per video whose latest counted view is in [from, to). */
export function networksLastSeenBetween(sql: SqlStorage, from: number, to: number): Map<string, number> {
  const rows = sql
    .exec<{ video_id: string; networks: number }>(
      `SELECT video_id, COUNT(*) AS networks FROM video_networks
       WHERE last_ms >= ? AND last_ms < ? GROUP BY video_id`,
      from,
      to,
    )
    .toArray();
  return new Map(rows.map((r) => [r.video_id, r.networks]));
}

/**
 * Drops networks no window can see any more (latest view before `before`) whose hour of
 * admissions is over: a row still holding this hour's admissions stays, or a backdated view
 * (its last_ms up to 7 days old) would be pruned by the next alarm and reopen the hour.
 */
export function pruneNetworks(sql: SqlStorage, before: number, now: number): number {
  return sql.exec(
    'DELETE FROM video_networks WHERE last_ms < ? AND arrival_hour < ?',
    before,
    Math.floor(now / HOUR_MS),
  ).rowsWritten;
}
