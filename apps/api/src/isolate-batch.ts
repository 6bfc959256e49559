import { LIMITS } from '@openvine/trending-core';

/**
 * Collects items in this isolate's module scope and sends them, per destination, in one call at
 * most every `flushMs` (or once `maxPending` pile up), inside ctx.waitUntil: per-request
 * bookkeeping (read counts, metrics) that never costs a round trip on the response path.
 *
 * The add that opens a batch schedules its flush for the batch's deadline (the last flush plus
 * `flushMs`) in its own request's waitUntil, which the runtime keeps alive after the response (up
 * to 30 s): a batch is sent at its deadline whether or not another request follows, so an isolate
 * that goes idle or is evicted has sent everything it recorded up to `flushMs` before.
 */
export class IsolateBatch<T, Env> {
  private readonly pending = new Map<string, T[]>();
  private size = 0;
  private lastFlush = Date.now();
  /** Flushes so far: a scheduled flush whose batch was sent already (maxPending) does nothing. */
  private flushes = 0;

  constructor(
    private readonly what: string,
    private readonly send: (env: Env, destination: string, items: T[]) => Promise<unknown>,
    private readonly maxPending: number = LIMITS.isolateBatchMaxPending,
  ) {}

  add(env: Env, ctx: ExecutionContext, destination: string, item: T, flushMs: number): void {
    const items = this.pending.get(destination);
    if (items) items.push(item);
    else this.pending.set(destination, [item]);
    this.size += 1;
    const wait = this.lastFlush + flushMs - Date.now();
    if (wait <= 0 || flushMs <= 0 || this.size >= this.maxPending) {
      ctx.waitUntil(this.flush(env));
      return;
    }
    // Later adds before the deadline only append: this batch's flush is scheduled already.
    if (this.size > 1) return;
    const batch = this.flushes;
    ctx.waitUntil(
      scheduler
        .wait(Math.min(wait, flushMs))
        .then(() => (this.flushes === batch ? this.flush(env) : undefined)),
    );
  }

  /** Sends everything pending, one call per destination; resolves when every call has ended. */
  private async flush(env: Env): Promise<void> {
    this.lastFlush = Date.now();
    this.size = 0;
    this.flushes += 1;
    const sends = [...this.pending].map(([name, batch]) =>
      this.send(env, name, batch).catch((err: unknown) =>
        console.warn(`sending ${this.what} failed: ${String(err)}`),
      ),
    );
    this.pending.clear();
    await Promise.all(sends);
  }
}

/** A positive number of milliseconds from a var, else the default. */
export function msFromVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}
