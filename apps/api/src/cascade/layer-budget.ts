import type { Layer, LayerHit } from './layer.ts';
import type { Reply, Timings } from './reply.ts';

/** A layer that did not answer within its budget; the read path skips it. */
export class LayerTimeout extends Error {
  constructor(layer: string, ms: number) {
    super(`${layer} took longer than ${ms} ms`);
    this.name = 'LayerTimeout';
  }
}

/**
 * Races a layer's answer against its budget; the loser is ignored (its promise still settles).
 * One promise and one timer, cleared by whichever settles first: no race, timeout and finally
 * promises on the hot path (an edge hit runs this once).
 */
export function withBudget<T>(work: Promise<T>, ms: number, layer: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LayerTimeout(layer, ms)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Reads one layer within its budget: a failure or timeout is logged and the layer skipped, never
 * fatal. Layers without a budget (isolate memory) are synchronous and timed only when they answer.
 * `onLate` gets the read of a layer cut off at its budget, which still settles.
 */
export async function tryLayer(
  layer: Layer,
  reply: Reply,
  timings: Timings,
  onLate?: (late: Promise<LayerHit | undefined>) => void,
): Promise<LayerHit | undefined> {
  const budget = layer.budgetMs(reply.read.scope);
  try {
    if (budget === undefined) {
      const hit = await layer.read(reply.read);
      if (hit) timings.entries.push({ name: layer.name, durMs: performance.now() - reply.started });
      return hit;
    }
    const started = performance.now();
    // Started inside the try, so that a read that throws before returning its promise is still
    // timed in Server-Timing like one that rejects.
    let work: Promise<LayerHit | undefined> | undefined;
    try {
      work = Promise.resolve(layer.read(reply.read));
      return await withBudget(work, budget, layer.name);
    } catch (err) {
      if (work && err instanceof LayerTimeout) onLate?.(work);
      throw err;
    } finally {
      timings.entries.push({ name: layer.name, durMs: performance.now() - started });
    }
  } catch (err) {
    console.warn(`layer ${layer.name} skipped: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
