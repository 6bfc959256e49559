/**
 * A value per key read at most once per period in this isolate: concurrent asks share the read in
 * flight, later asks within the period get its outcome. A failed read is held for the period too,
 * so a flood of asks against a failing dependency still costs it one call per period. Used by
 * GET /v1/health (routes/health.ts), which must not be a way to load the aggregators.
 */
export type PeriodicOutcome<T> =
  | { ok: true; value: T; readAt: number; latencyMs: number }
  | { ok: false; error: unknown; readAt: number };

export class PeriodicRead<T> {
  private readonly held = new Map<string, { readAt: number; outcome: Promise<PeriodicOutcome<T>> }>();

  constructor(
    private readonly periodMs: number,
    /** Keys held at most (one per aggregator name: one in production); expired ones go first. */
    private readonly maxKeys: number,
  ) {}

  get(key: string, read: () => Promise<T>, now: number): Promise<PeriodicOutcome<T>> {
    const held = this.held.get(key);
    if (held && now - held.readAt < this.periodMs && now >= held.readAt) return held.outcome;
    if (this.held.size >= this.maxKeys) this.forgetExpired(now);
    if (this.held.size >= this.maxKeys) this.held.clear();
    const started = performance.now();
    const outcome = read().then(
      (value): PeriodicOutcome<T> => ({
        ok: true,
        value,
        readAt: now,
        latencyMs: Math.round(performance.now() - started),
      }),
      (error: unknown): PeriodicOutcome<T> => ({ ok: false, error, readAt: now }),
    );
    this.held.set(key, { readAt: now, outcome });
    return outcome;
  }

  private forgetExpired(now: number): void {
    for (const [key, held] of this.held) if (now - held.readAt >= this.periodMs) this.held.delete(key);
  }
}
