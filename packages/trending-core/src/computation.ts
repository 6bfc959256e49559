/** What tells two computations of a window apart: its generation first, then when it ran. */
export interface Computation {
  generation: number;
  computedAt: number;
}

/**
 * True when `value` is an older computation than `than`: a lower generation, or the same one
 * computed earlier. The one comparison every writer and reader of a cached ranking fences on
 * (the api's newest-served floor, the KV writer, the edge warmer).
 */
export function isOlder(value: Computation, than: Computation): boolean {
  if (value.generation !== than.generation) return value.generation < than.generation;
  return value.computedAt < than.computedAt;
}
