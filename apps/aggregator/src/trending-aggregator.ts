import { DurableObject } from 'cloudflare:workers';
import {
  type Explanation,
  explainStats,
  type HiddenItem,
  hiddenSet,
  type InvalidationTarget,
  isHidden,
  isShardObjectName,
  LIMITS,
  MAX_AE_WRITES_PER_INVOCATION,
  MAX_LIMIT,
  type ModerationAuditEntry,
  type ModerationChange,
  type ModerationList,
  type NormalizedViewEvent,
  parseInvalidationTarget,
  parseModerationChange,
  type ShardStorage,
  type TrendingSnapshot,
  type TrendingWindow,
  TTL_POLICY,
  type VideoEventRecord,
  WINDOW_SPECS,
  WINDOWS,
} from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';
import { Moderation } from './moderation.ts';
import { type AccessCount, OpsState } from './ops-state.ts';
import {
  candidateCount,
  labelRanking,
  type RankingResult,
  rankStats,
  shardRanking,
  withHiddenAddresses,
} from './ranking.ts';
import { type IngestOutcome, Rollups, type ViewHintsRow } from './rollups.ts';
import { type ShardFleet, type ShardRanking, type ShardRankingRequest, shardFleetOf } from './shard-fleet.ts';
import { mergeShards } from './shard-merge.ts';
import { StorageWarning, shardStorage } from './storage-budget.ts';
import {
  type HeldVersions,
  type SignedVideoMeta,
  VideoEvents,
  type VideoRegistration,
} from './video-events.ts';
import { recordCommitted } from './view-record.ts';
import { cursorAt } from './window-totals.ts';

/** A window, every window listing a video, or all (trending-core's InvalidationTargetSchema). */
export type { InvalidationTarget };

export interface InvalidationResult {
  /** The windows bumped and recomputed. */
  windows: { window: TrendingWindow; generation: number }[];
  /** The recomputed snapshots, so the caller can overwrite the layers it owns (KV, edge). */
  snapshots: TrendingSnapshot[];
  /**
   * The windows bumped whose recomputation failed (a shard out of reach or failing): the new
   * generation stands, and the window's next computation (a read, the alarm, the next precompute
   * run) carries it. `error` is for the caller's log, not for clients.
   */
  notRecomputed: { window: TrendingWindow; generation: number; error: string }[];
}

/** A moderation change applied: its audit row, and the windows bumped and recomputed without it. */
export interface ModerationResult extends InvalidationResult {
  entry: ModerationAuditEntry;
}

/** True when a video is in the top LIMITS.generationBumpTop of `after` but not of `before`. */
function enteredTop(before: readonly { videoId: string }[], after: readonly { videoId: string }[]): boolean {
  const top = LIMITS.generationBumpTop;
  const held = new Set(before.slice(0, top).map((v) => v.videoId));
  return after.slice(0, top).some((v) => !held.has(v.videoId));
}

export interface SnapshotRead {
  snapshot: TrendingSnapshot;
  /** This read ran the computation (single flight: not when it joined one in flight). */
  computed: boolean;
  /** The snapshot was in memory: no computation was run or waited on (the api labels it HIT-DO). */
  held: boolean;
}

export interface AggregatorStats {
  /** Source computations per window since this object started (single flight makes it one per refresh). */
  computations: Record<TrendingWindow, number>;
  lastComputeMs: Record<TrendingWindow, number>;
  generations: Record<TrendingWindow, number>;
  snapshotAgeMs: Record<TrendingWindow, number | null>;
  rows: ReturnType<Rollups['counts']> & ReturnType<VideoEvents['counts']>;
  lastAlarmAt: number | null;
  /**
   * Alarm steps that threw since this object started (logged with the error): each window's
   * refresh, and the pruning before them. The alarm goes on with the other windows and always
   * schedules the next one; a count that grows is a window whose snapshot is getting old.
   */
  alarmFailures: { refresh: Record<TrendingWindow, number>; prune: number; lastAt: number | null };
  /** The SQLite file's size against the shard's budget (storage-budget.ts). */
  storage: ShardStorage;
}

/** A batch of signed video events as an RPC takes it: an array of 0..perBatch. */
function checkVideoBatch(records: unknown): void {
  if (!Array.isArray(records) || records.length > LIMITS.videoEvents.perBatch) {
    throw new RangeError(`registerVideos takes 0..${LIMITS.videoEvents.perBatch} events`);
  }
}

const perWindow = <T>(value: (window: TrendingWindow) => T): Record<TrendingWindow, T> =>
  Object.fromEntries(WINDOWS.map((w) => [w, value(w)])) as Record<TrendingWindow, T>;

/**
 * The live store: view events as SQLite rollups, and each window's ranked top-100 held in
 * memory, recomputed by a 30 s alarm (an alarm, not a timer, so it survives eviction).
 * All computation is synchronous SQLite inside one object, so concurrent requests for a cold
 * window run one computation and the rest read its result (single flight by construction).
 */
export class TrendingAggregator extends DurableObject<AggregatorEnv> {
  private readonly rollups: Rollups;
  private readonly videoEvents: VideoEvents;
  private readonly ops: OpsState;
  private readonly moderation: Moderation;
  private readonly snapshots = new Map<TrendingWindow, TrendingSnapshot>();
  private readonly generations = new Map<TrendingWindow, number>();
  private readonly computations = perWindow(() => 0);
  private readonly lastComputeMs = perWindow(() => 0);
  private lastAlarmAt: number | null = null;
  private readonly alarmFailures: AggregatorStats['alarmFailures'] = {
    refresh: perWindow(() => 0),
    prune: 0,
    lastAt: null,
  };
  private readonly storageWarning = new StorageWarning();
  /** This coordinator's shards; undefined in a shard, or in the one object of an unsharded setup. */
  private readonly fleet: ShardFleet | undefined;
  /**
   * Computations in flight, per window: concurrent reads of a cold window share one (single
   * flight; a coordinator's merge awaits its shards, so it is not single by construction).
   */
  private readonly computing = new Map<TrendingWindow, Promise<TrendingSnapshot>>();
  /** Events ingest was handed since this object started, and of them those already counted. */
  private readonly ingested = { events: 0, duplicates: 0 };

  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    super(ctx, env);
    this.fleet = shardFleetOf(env, ctx.id.name);
    this.rollups = new Rollups(ctx.storage.sql);
    this.videoEvents = new VideoEvents(ctx.storage.sql);
    this.ops = new OpsState(ctx.storage.sql);
    this.moderation = new Moderation(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.rollups.migrate();
      this.videoEvents.migrate();
      this.ops.migrate();
      this.moderation.migrate();
      for (const w of WINDOWS) this.generations.set(w, this.rollups.generation(w));
      await this.ensureAlarm();
    });
  }

  /**
   * Stores a validated batch (the api validated and normalized it, and replaced viewer ids by
   * their keys); a batch counts whole or not at all. Its new events are written to Analytics
   * Engine (VIEW_EVENTS, the production record) right after the commit, here where duplicates
   * are known, so a lost answer or a retry neither drops nor doubles a point.
   */
  async ingest(events: NormalizedViewEvent[]): Promise<IngestOutcome> {
    // The queue consumer commits a delivery's events of this shard at once, within the record's
    // per-invocation bound (one Analytics Engine point per new event is written here).
    if (!Array.isArray(events) || events.length > MAX_AE_WRITES_PER_INVOCATION) {
      throw new RangeError(`ingest takes 0..${MAX_AE_WRITES_PER_INVOCATION} events`);
    }
    // A coordinator stores nothing itself: each video's events go to its shard.
    if (this.fleet) return this.fleet.ingest(events);
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(() => this.rollups.ingest(events, now));
    this.ingested.events += events.length;
    this.ingested.duplicates += outcome.duplicates;
    recordCommitted(this.env.VIEW_EVENTS, events, outcome.duplicateIndexes);
    await this.ensureAlarm();
    return outcome;
  }

  /**
   * Registers signed video events the api verified (trending-core's verifyVideoEvent), all or
   * none: `ok: false` names the events older than their address's stored version, and nothing
   * changed. The new metadata shows from the next computation of each window.
   */
  async registerVideos(records: VideoEventRecord[]): Promise<VideoRegistration> {
    checkVideoBatch(records);
    const now = Date.now();
    // A coordinator judges with its shards' versions too: its own copy, with no views, forgets a
    // version 7 days after its registration, while the shard of a watched video keeps it, and an
    // older version then accepted here would be refused there.
    const elsewhere = this.fleet ? await this.fleet.each((shard) => shard.videoVersions(records)) : [];
    const registration = this.ctx.storage.transactionSync(() => {
      const result = this.videoEvents.register(records, now, { elsewhere });
      // An id hidden before its event arrived gets the address it now has. Looked up in the
      // hidden set held in memory first: with nothing of the batch hidden, no statement runs.
      const hidden = this.moderation.hiddenSet().videos;
      const hiddenNow = records.filter((r) => hidden.has(r.id));
      if (result.ok && hiddenNow.length > 0)
        this.moderation.fillAddresses(hiddenNow.map((r) => ({ videoId: r.id, address: r.address })));
      return result;
    });
    // Every shard ranks with the metadata (its moderation rules match creators and hashtags, and
    // views counted under an older version's id show the newest one), so each keeps a copy. Sent
    // whatever this object's verdict per event (stored, superseded or unchanged): a copy an
    // earlier failed call missed arrives with the client's retry, which this object calls
    // unchanged. Never when this object refused the batch (`ok: false`, nothing changed here):
    // a shard that missed the newer version would take the stale one, or the batch's other
    // events, and hold what this object refused. A shard takes the copy as a replica, refusing
    // nothing, so that no shard misses the batch's other events over a version it alone holds.
    if (registration.ok && this.fleet)
      await this.fleet.each(async (shard) => {
        await shard.replicateVideos(records);
      });
    return registration;
  }

  /** This object's versions of a batch's addresses and ids: for its coordinator's verdict. */
  async videoVersions(records: VideoEventRecord[]): Promise<HeldVersions> {
    checkVideoBatch(records);
    return this.videoEvents.versionsOf(records);
  }

  /** A shard takes its coordinator's copy of a batch the coordinator accepted (never refused). */
  async replicateVideos(records: VideoEventRecord[]): Promise<void> {
    checkVideoBatch(records);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => this.videoEvents.register(records, now, { replica: true }));
  }

  /** The signed metadata of videos, by id (ops and tests). */
  async videoMetadata(videoIds: string[]): Promise<Record<string, SignedVideoMeta>> {
    const ids = videoIds.slice(0, LIMITS.rowsPerCall);
    const { fleet } = this;
    if (!fleet) return Object.fromEntries(this.videoEvents.videoMeta(ids));
    // The copy kept by the shard that counts the video's views (its pruning keeps what is watched).
    const parts = await fleet.perShard(
      ids,
      (id) => id,
      (shard, part) => shard.videoMetadata(part),
    );
    return Object.assign({}, ...parts.map((p) => p.result));
  }

  /** What view bodies said of videos, by id: hints, never shown (ops and tests). */
  async viewHints(videoIds: string[]): Promise<Record<string, ViewHintsRow>> {
    const ids = videoIds.slice(0, LIMITS.rowsPerCall);
    const { fleet } = this;
    if (!fleet) return Object.fromEntries(this.rollups.viewHints(ids));
    const parts = await fleet.perShard(
      ids,
      (id) => id,
      (shard, part) => shard.viewHints(part),
    );
    return Object.assign({}, ...parts.map((p) => p.result));
  }

  /**
   * A shard's part of a window's ranking (the coordinator's merge asks each shard for it): its
   * best visible videos, with the coordinator's moderation applied, from its own rollups.
   */
  async rankShard(request: ShardRankingRequest): Promise<ShardRanking> {
    return shardRanking(this.rollups, this.videoEvents, request, hiddenSet(request.hidden));
  }

  /**
   * The window's top-100 from memory while it is fresh and of the current generation, else
   * computed now; `held` tells the caller which (its X-Cache is HIT-DO or MISS), and `computed`
   * whether this read ran the computation or joined one in flight.
   */
  async read(window: TrendingWindow): Promise<SnapshotRead> {
    const fresh = this.freshSnapshot(window);
    if (fresh) return { snapshot: fresh, computed: false, held: true };
    // A read that joins a computation in flight did not compute (single flight).
    const joined = this.computing.has(window);
    return { snapshot: await this.compute(window), computed: !joined, held: false };
  }

  /** The window's ranked list, top `limit` of the top-100. */
  async top(window: TrendingWindow, limit = MAX_LIMIT): Promise<TrendingSnapshot> {
    const { snapshot } = await this.read(window);
    return limit >= snapshot.videos.length
      ? snapshot
      : { ...snapshot, videos: snapshot.videos.slice(0, limit) };
  }

  /**
   * Layer 2 of the read path: the snapshot held in memory, never a computation. Null when there
   * is none of the current generation recent enough to serve (the alarm keeps it under 30 s).
   */
  async peek(window: TrendingWindow): Promise<TrendingSnapshot | null> {
    const snapshot = this.snapshots.get(window);
    if (!snapshot || snapshot.generation !== this.currentGeneration(window)) return null;
    return Date.now() - snapshot.computedAt <= TTL_POLICY.doSnapshot.maxServeMs ? snapshot : null;
  }

  /**
   * A snapshot found in a lower layer (KV), offered back to fill this layer after an eviction.
   * Taken only if it is of the current generation and newer than what memory holds.
   */
  async adopt(snapshot: TrendingSnapshot): Promise<boolean> {
    const held = this.snapshots.get(snapshot.window);
    if (snapshot.generation !== this.currentGeneration(snapshot.window)) return false;
    if (held && held.generation === snapshot.generation && held.computedAt >= snapshot.computedAt)
      return false;
    this.snapshots.set(snapshot.window, snapshot);
    return true;
  }

  /** Forgets a window's memory snapshot (ops, and tests of the layers below). */
  async dropSnapshot(window: TrendingWindow): Promise<void> {
    this.snapshots.delete(window);
  }

  /**
   * The window's ranking from a full rescan of the rollups, ignoring the running totals: neither
   * stored nor counted as a computation. What computing on every request costs without the totals
   * (the benchmark's "before"), and a consistency check of the totals for ops.
   */
  async rescan(window: TrendingWindow): Promise<TrendingSnapshot> {
    const started = performance.now();
    const computedAt = Date.now();
    const { videos, hashtags, creators, rowsScanned } = await this.ranking(window, computedAt, true);
    return {
      window,
      generation: this.currentGeneration(window),
      computedAt,
      computeMs: performance.now() - started,
      rowsScanned,
      videos,
      hashtags,
      creators,
    };
  }

  /** Recomputes a window now, regardless of freshness (precompute runs and tests). */
  async refresh(window: TrendingWindow): Promise<TrendingSnapshot> {
    return await this.compute(window);
  }

  /**
   * Bumps the generation of the targeted windows (a window, all, or every window whose current
   * list holds a video) and recomputes them, so the new snapshots carry the new generation.
   * Every layer compares generations: none may serve an older one once it has seen this one. A
   * window whose recomputation fails is named in `notRecomputed` and the others still go ahead.
   */
  async invalidate(target: InvalidationTarget): Promise<InvalidationResult> {
    // Checked here, where generations are stored: an RPC caller skips the api's body check.
    const windows = this.invalidationWindows(parseInvalidationTarget(target));
    const snapshots: TrendingSnapshot[] = [];
    const notRecomputed: InvalidationResult['notRecomputed'] = [];
    for (const window of windows) {
      this.bumpGeneration(window);
      try {
        // Not one already in flight: it may have read the rankings before this change.
        snapshots.push(await this.compute(window, true));
      } catch (error) {
        // The other windows still get theirs: one unreachable shard must not leave them unbumped.
        const message = error instanceof Error ? error.message : String(error);
        notRecomputed.push({ window, generation: this.currentGeneration(window), error: message });
      }
    }
    return {
      windows: snapshots.map((s) => ({ window: s.window, generation: s.generation })),
      snapshots,
      notRecomputed,
    };
  }

  /**
   * Hides or unhides a video, creator or hashtag (with its audit row, in one transaction), then
   * bumps and recomputes every window as `invalidate({ all: true })` does: the new generations
   * leave it out (or bring it back) of every list, and every layer drops the older ones.
   */
  async moderate(change: ModerationChange): Promise<ModerationResult> {
    const checked = parseModerationChange(change);
    const address =
      checked.kind === 'video' && checked.action === 'hide' ? await this.addressOf(checked.value) : undefined;
    const entry = this.ctx.storage.transactionSync(() => this.moderation.apply(checked, Date.now(), address));
    return { entry, ...(await this.invalidate({ all: true })) };
  }

  /**
   * The address a hidden video id belongs to, stored with the hide so that every version of the
   * video is left out: this object's copy of its event, else the copy of the shard that counts its
   * views (kept while it is watched). Unknown when neither holds the event or the shard is out of
   * reach; the hide still lands, and each ranking looks the address up in its own copy.
   */
  private async addressOf(videoId: string): Promise<string | undefined> {
    const own = this.videoEvents.videoMeta([videoId]).get(videoId)?.address;
    if (own !== undefined || !this.fleet) return own;
    try {
      return (await this.videoMetadata([videoId]))[videoId]?.address;
    } catch (error) {
      console.warn(`moderation: the address of ${videoId} was not found: ${String(error)}`);
      return undefined;
    }
  }

  /**
   * Why a video ranks where it does in a window (GET /v1/admin/explain): its score's parts from
   * the totals the ranking reads, its rank in a ranking computed now and in the served snapshot,
   * and whether moderation hides it. Reads, never stores: not counted as a computation.
   */
  async explain(videoId: string, window: TrendingWindow, hiddenItems?: HiddenItem[]): Promise<Explanation> {
    if (this.fleet) return this.explainFromShard(this.fleet, videoId, window);
    const computedAt = Date.now();
    const hidden = withHiddenAddresses(
      this.videoEvents,
      hiddenItems ? hiddenSet(hiddenItems) : this.moderation.hiddenSet(),
    );
    const { stats } = this.rollups.windowStats(window, computedAt, 0);
    const cursor = cursorAt(window, computedAt);
    const capped = this.rollups.cappedViews(WINDOW_SPECS[window].bucket, videoId, cursor.bucketFrom);
    // The same ranking rankWindow computes, from the stats read once above (rankByScore leaves out
    // what cannot rank, so reading them without the minimum changes nothing).
    const { videos } = rankStats(this.videoEvents, window, stats, hidden, MAX_LIMIT);
    const signed = this.videoEvents.videoMeta([videoId]).get(videoId);
    const rankOf = (list: readonly { videoId: string; rank: number }[] | undefined) =>
      list?.find((v) => v.videoId === videoId)?.rank ?? null;
    return {
      videoId,
      window,
      computedAt,
      rank: rankOf(videos),
      servedRank: rankOf(this.snapshots.get(window)?.videos),
      hidden: isHidden(hidden, {
        videoId,
        address: signed?.address,
        creatorPubkey: signed?.creatorPubkey,
        hashtags: signed?.hashtags,
      }),
      signed: signed !== undefined,
      ...explainStats(window, stats.get(videoId), capped),
    };
  }

  /**
   * A coordinator's explanation: the score's parts, signed and hidden state from the video's
   * shard (with this object's moderation), its rank in a merge computed now and its served rank
   * in this object's snapshot.
   */
  private async explainFromShard(
    fleet: ShardFleet,
    videoId: string,
    window: TrendingWindow,
  ): Promise<Explanation> {
    // The shard judges hidden and signed from its copy of the video's event and these rules.
    const part = await fleet.forVideo(videoId).explain(videoId, window, this.moderation.hiddenItems());
    const { videos } = await this.ranking(window, part.computedAt, false);
    const rankOf = (list: readonly { videoId: string; rank: number }[] | undefined) =>
      list?.find((v) => v.videoId === videoId)?.rank ?? null;
    return { ...part, rank: rankOf(videos), servedRank: rankOf(this.snapshots.get(window)?.videos) };
  }

  /** What is hidden now, and the audit list, newest first. */
  async moderationList(): Promise<ModerationList> {
    return this.moderation.list();
  }

  /**
   * Events handed to ingest since this object started (in memory: reset when it restarts), and
   * of them duplicates: what has been committed of what was enqueued, without counting rows.
   */
  async ingestCounts(): Promise<{ events: number; duplicates: number }> {
    if (!this.fleet) return { ...this.ingested };
    // A coordinator's are its shards', summed (the consumer commits to the shards directly).
    const parts = await this.fleet.each((shard) => shard.ingestCounts());
    return parts.reduce(
      (sum, part) => ({ events: sum.events + part.events, duplicates: sum.duplicates + part.duplicates }),
      { ...this.ingested },
    );
  }

  async stats(): Promise<AggregatorStats> {
    const now = Date.now();
    return {
      computations: { ...this.computations },
      lastComputeMs: { ...this.lastComputeMs },
      generations: perWindow((w) => this.currentGeneration(w)),
      snapshotAgeMs: perWindow((w) => {
        const s = this.snapshots.get(w);
        return s ? now - s.computedAt : null;
      }),
      rows: await this.storedRows(),
      lastAlarmAt: this.lastAlarmAt,
      alarmFailures: { ...this.alarmFailures, refresh: { ...this.alarmFailures.refresh } },
      storage: await this.storageReport(),
    };
  }

  /** This object's storage against its budget, or a coordinator's fullest shard's. */
  async storageReport(): Promise<ReturnType<typeof shardStorage>> {
    const own = shardStorage(this.ctx.storage.sql);
    if (!this.fleet) return own;
    const parts = await this.fleet.each((shard) => shard.storageReport());
    return parts.reduce((fullest, part) => (part.bytes > fullest.bytes ? part : fullest), own);
  }

  /**
   * Rows this object stores, or a coordinator's shards' summed: it counts no events itself, and
   * its own copy of the signed events only judges registrations (each shard keeps the copies it
   * ranks with, pruned by its own views).
   */
  async storedRows(): Promise<AggregatorStats['rows']> {
    const own = { ...this.rollups.counts(), ...this.videoEvents.counts() };
    if (!this.fleet) return own;
    const parts = await this.fleet.each((shard) => shard.storedRows());
    const sum = { ...own, videoAddresses: 0, videoVersions: 0 };
    for (const part of parts)
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += part[key];
    return sum;
  }

  /** The precompute run lock: overlapping runs (a slow run and the next cron) do the work once. */
  async tryLockRun(owner: string, ttlMs: number): Promise<boolean> {
    return this.ops.tryLock(owner, ttlMs, Date.now());
  }

  /** Extends a run's lock; false when another owner took it since (ops-state.ts renewLock). */
  async renewRunLock(owner: string, ttlMs: number): Promise<boolean> {
    return this.ops.renewLock(owner, ttlMs, Date.now());
  }

  async unlockRun(owner: string, report?: unknown): Promise<void> {
    if (report !== undefined) this.ops.saveReport(report, Date.now());
    this.ops.unlock(owner);
  }

  async lastRunReport(): Promise<unknown> {
    return this.ops.lastReport();
  }

  /** Batches of (window, limit) request counts from api isolates, for warming. */
  async recordAccess(counts: AccessCount[]): Promise<void> {
    if (!Array.isArray(counts) || counts.length > LIMITS.rowsPerCall)
      throw new RangeError(`recordAccess takes 0..${LIMITS.rowsPerCall} counts`);
    this.ops.recordAccess(counts, Date.now());
  }

  /** The most requested (window, limit) pairs of the last hour, most requested first. */
  async popularReads(max: number = LIMITS.warmedReads): Promise<AccessCount[]> {
    return this.ops.popularReads(Date.now(), max);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    // The next alarm first: were a step below to throw before it, the 30 s refresh would stop
    // until an ingest happened to set one (a coordinator ingests nothing, so never).
    await this.ctx.storage.setAlarm(now + TTL_POLICY.doSnapshot.refreshMs);
    this.lastAlarmAt = now;
    try {
      this.rollups.prune(now);
      this.videoEvents.prune(now);
      this.storageWarning.check(shardStorage(this.ctx.storage.sql), now);
    } catch (err) {
      this.alarmFailed(now, 'prune', err);
    }
    // A shard's rankings are asked for by its coordinator's merge; only the others hold snapshots.
    if (isShardObjectName(this.ctx.id.name ?? '')) return;
    // Each window on its own: a shard failing one window's ranking leaves the others refreshed.
    for (const window of WINDOWS) {
      try {
        await this.compute(window);
      } catch (err) {
        this.alarmFailed(now, window, err);
      }
    }
  }

  /** Counts a failed alarm step for status (GET /v1/admin/status) and logs why, for ops only. */
  private alarmFailed(now: number, step: TrendingWindow | 'prune', err: unknown): void {
    if (step === 'prune') this.alarmFailures.prune += 1;
    else this.alarmFailures.refresh[step] += 1;
    this.alarmFailures.lastAt = now;
    console.error('aggregator alarm:', step, 'failed', this.ctx.id.name, err);
  }

  private invalidationWindows(target: InvalidationTarget): TrendingWindow[] {
    if ('window' in target) return [target.window];
    if ('videoId' in target) {
      // Windows whose list holds the video; without a snapshot to look in, every window.
      return WINDOWS.filter((w) => {
        const held = this.snapshots.get(w);
        return !held || held.videos.some((v) => v.videoId === target.videoId);
      });
    }
    return [...WINDOWS];
  }

  private currentGeneration(window: TrendingWindow): number {
    return this.generations.get(window) ?? 1;
  }

  private bumpGeneration(window: TrendingWindow): void {
    this.generations.set(window, this.rollups.bumpGeneration(window));
  }

  private freshSnapshot(window: TrendingWindow): TrendingSnapshot | undefined {
    const snapshot = this.snapshots.get(window);
    if (!snapshot) return undefined;
    if (snapshot.generation !== this.currentGeneration(window)) return undefined;
    if (Date.now() - snapshot.computedAt > TTL_POLICY.doSnapshot.refreshMs) return undefined;
    return snapshot;
  }

  /**
   * One computation from the rollups. When a video enters the window's top 10
   * (LIMITS.generationBumpTop) that was not in the previous one (the plan's "new video or
   * significant views"), the window's generation is bumped so that every cache layer drops its
   * copy as soon as it sees the new snapshot.
   */
  private compute(window: TrendingWindow, fresh = false): Promise<TrendingSnapshot> {
    const running = fresh ? undefined : this.computing.get(window);
    if (running) return running;
    const computation = this.computeNow(window).finally(() => {
      if (this.computing.get(window) === computation) this.computing.delete(window);
    });
    this.computing.set(window, computation);
    return computation;
  }

  private async computeNow(window: TrendingWindow): Promise<TrendingSnapshot> {
    const started = performance.now();
    const computedAt = Date.now();
    const generation = this.currentGeneration(window);
    const { videos, hashtags, creators, rowsScanned } = await this.ranking(window, computedAt, false);
    const computeMs = performance.now() - started;
    if (this.currentGeneration(window) !== generation) {
      // Invalidated while the shards ranked: answered under the generation it was computed for,
      // never held (the invalidation's own computation is the one to keep).
      return { window, generation, computedAt, computeMs, rowsScanned, videos, hashtags, creators };
    }
    const previous = this.snapshots.get(window);
    if (
      previous &&
      previous.generation === this.currentGeneration(window) &&
      enteredTop(previous.videos, videos)
    ) {
      this.bumpGeneration(window);
    }
    const snapshot: TrendingSnapshot = {
      window,
      generation: this.currentGeneration(window),
      computedAt,
      computeMs,
      rowsScanned,
      videos,
      hashtags,
      creators,
    };
    this.snapshots.set(window, snapshot);
    this.computations[window] += 1;
    this.lastComputeMs[window] = computeMs;
    return snapshot;
  }

  /**
   * A window's ranking at `now`: from this object's rollups (synchronous SQLite), or a
   * coordinator's merge of its shards' best candidates (shard-merge.ts: exact).
   */
  private ranking(
    window: TrendingWindow,
    now: number,
    rescan: boolean,
  ): Promise<RankingResult> | RankingResult {
    const { fleet } = this;
    const count = candidateCount(MAX_LIMIT);
    if (!fleet) {
      // The moderation's own set, kept as it changes (the ranking adds the hidden ids' addresses).
      const hidden = this.moderation.hiddenSet();
      const { candidates, rowsScanned } = shardRanking(
        this.rollups,
        this.videoEvents,
        { window, now, count, rescan },
        hidden,
      );
      return { ...labelRanking(candidates, MAX_LIMIT), rowsScanned };
    }
    // The shards hold no moderation: the rules travel with the request.
    return this.merge(fleet, { window, now, hidden: this.moderation.hiddenItems(), count, rescan });
  }

  private async merge(fleet: ShardFleet, request: ShardRankingRequest): Promise<RankingResult> {
    const { candidates, rowsScanned } = await mergeShards(fleet.count, request, (shard, part) =>
      fleet.at(shard).rankShard(part),
    );
    return { ...labelRanking(candidates, MAX_LIMIT), rowsScanned };
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + TTL_POLICY.doSnapshot.refreshMs);
    }
  }
}
