import { DurableObject } from 'cloudflare:workers';
import {
  MAX_EVENTS_PER_BATCH,
  type NormalizedViewEvent,
  type TrendingSnapshot,
  type TrendingWindow,
  TTL_POLICY,
  WINDOWS,
} from '@openvine/trending-core';
import type { AggregatorEnv } from './env.ts';
import { rankWindow } from './ranking.ts';
import { type IngestOutcome, Rollups } from './rollups.ts';

export interface SnapshotRead {
  snapshot: TrendingSnapshot;
  computed: boolean;
}

export interface AggregatorStats {
  /** Source computations per window since this object started (single flight makes it one per refresh). */
  computations: Record<TrendingWindow, number>;
  lastComputeMs: Record<TrendingWindow, number>;
  generations: Record<TrendingWindow, number>;
  snapshotAgeMs: Record<TrendingWindow, number | null>;
  rows: ReturnType<Rollups['counts']>;
  lastAlarmAt: number | null;
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
  private readonly snapshots = new Map<TrendingWindow, TrendingSnapshot>();
  private readonly generations = new Map<TrendingWindow, number>();
  private readonly computations = perWindow(() => 0);
  private readonly lastComputeMs = perWindow(() => 0);
  private lastAlarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: AggregatorEnv) {
    super(ctx, env);
    this.rollups = new Rollups(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.rollups.migrate();
      for (const w of WINDOWS) this.generations.set(w, this.rollups.generation(w));
      await this.ensureAlarm();
    });
  }

  /**
   * Stores a validated batch (the api validated and normalized it, and replaced viewer ids by
   * their keys); a batch counts whole or not at all.
   */
  async ingest(events: NormalizedViewEvent[]): Promise<IngestOutcome> {
    if (!Array.isArray(events) || events.length > MAX_EVENTS_PER_BATCH) {
      throw new RangeError(`ingest takes 0..${MAX_EVENTS_PER_BATCH} events`);
    }
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(() => this.rollups.ingest(events, now));
    await this.ensureAlarm();
    return outcome;
  }

  /**
   * The window's top-100 from memory while it is fresh and of the current generation, else
   * computed now; `computed` tells the caller which (its X-Cache is HIT-DO or MISS).
   */
  async read(window: TrendingWindow): Promise<SnapshotRead> {
    const fresh = this.freshSnapshot(window);
    return fresh ? { snapshot: fresh, computed: false } : { snapshot: this.compute(window), computed: true };
  }

  /** The window's ranked list, top `limit` of the top-100. */
  async top(window: TrendingWindow, limit = 100): Promise<TrendingSnapshot> {
    const { snapshot } = await this.read(window);
    return limit >= snapshot.videos.length
      ? snapshot
      : { ...snapshot, videos: snapshot.videos.slice(0, limit) };
  }

  /** Recomputes a window now, regardless of freshness (precompute runs and tests). */
  async refresh(window: TrendingWindow): Promise<TrendingSnapshot> {
    return this.compute(window);
  }

  async stats(): Promise<AggregatorStats> {
    const now = Date.now();
    return {
      computations: { ...this.computations },
      lastComputeMs: { ...this.lastComputeMs },
      generations: perWindow((w) => this.generations.get(w) ?? 1),
      snapshotAgeMs: perWindow((w) => {
        const s = this.snapshots.get(w);
        return s ? now - s.computedAt : null;
      }),
      rows: this.rollups.counts(),
      lastAlarmAt: this.lastAlarmAt,
    };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.lastAlarmAt = now;
    this.rollups.prune(now);
    for (const window of WINDOWS) this.compute(window);
    await this.ctx.storage.setAlarm(now + TTL_POLICY.doSnapshot.refreshMs);
  }

  private freshSnapshot(window: TrendingWindow): TrendingSnapshot | undefined {
    const snapshot = this.snapshots.get(window);
    if (!snapshot) return undefined;
    if (snapshot.generation !== this.generations.get(window)) return undefined;
    if (Date.now() - snapshot.computedAt > TTL_POLICY.doSnapshot.refreshMs) return undefined;
    return snapshot;
  }

  private compute(window: TrendingWindow): TrendingSnapshot {
    const started = performance.now();
    const computedAt = Date.now();
    const { videos } = rankWindow(this.rollups, window, computedAt);
    const computeMs = performance.now() - started;
    const snapshot: TrendingSnapshot = {
      window,
      generation: this.generations.get(window) ?? 1,
      computedAt,
      computeMs,
      videos,
    };
    this.snapshots.set(window, snapshot);
    this.computations[window] += 1;
    this.lastComputeMs[window] = computeMs;
    return snapshot;
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + TTL_POLICY.doSnapshot.refreshMs);
    }
  }
}
