/** A layer that did not answer within its budget; the read path skips it. */
export class LayerTimeout extends Error {
  constructor(layer: string, ms: number) {
    super(`${layer} took longer than ${ms} ms`);
    this.name = 'LayerTimeout';
  }
}

/** Races a layer's answer against its budget; the loser is ignored (its promise still settles). */
export function withBudget<T>(work: Promise<T>, ms: number, layer: string): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LayerTimeout(layer, ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
