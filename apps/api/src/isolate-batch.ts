/**
 * Collects items in this isolate's module scope and sends them, per destination, in one call at
 * most every `flushMs` (or once `maxPending` pile up), inside ctx.waitUntil: per-request
 * bookkeeping (read counts, metrics) that never costs a round trip on the response path.
 */
export class IsolateBatch<T, Env> {
  private readonly pending = new Map<string, T[]>();
  private size = 0;
  private lastFlush = Date.now();

  constructor(
    private readonly what: string,
    private readonly send: (env: Env, destination: string, items: T[]) => Promise<unknown>,
    private readonly maxPending = 500,
  ) {}

  add(env: Env, ctx: ExecutionContext, destination: string, item: T, flushMs: number): void {
    const items = this.pending.get(destination);
    if (items) items.push(item);
    else this.pending.set(destination, [item]);
    this.size += 1;
    if (Date.now() - this.lastFlush < flushMs && this.size < this.maxPending) return;
    this.lastFlush = Date.now();
    this.size = 0;
    for (const [name, batch] of this.pending) {
      ctx.waitUntil(
        this.send(env, name, batch).catch((err: unknown) =>
          console.warn(`sending ${this.what} failed: ${String(err)}`),
        ),
      );
    }
    this.pending.clear();
  }
}

/** A positive number of milliseconds from a var, else the default. */
export function msFromVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}
