// The simulation's clock: a binary min-heap of events by time, ties broken by insertion order so
// that the same run always processes events in the same order (deterministic on every machine).
// Times and sequence numbers live in typed arrays (a few hundred thousand pending events: the
// comparisons stay in cache), the events themselves in a parallel array.

export interface Scheduled<E> {
  at: number;
  event: E;
}

export class EventQueue<E> {
  private at = new Float64Array(1024);
  private order = new Float64Array(1024);
  private events: (E | undefined)[] = [];
  private length = 0;
  private seq = 0;

  get size(): number {
    return this.length;
  }

  push(at: number, event: E): void {
    if (this.length === this.at.length) this.grow();
    const seq = this.seq++;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pa = this.at[parent] as number;
      if (pa < at || (pa === at && (this.order[parent] as number) < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.at[i] = at;
    this.order[i] = seq;
    this.events[i] = event;
  }

  /** The earliest event, removed; undefined when empty. */
  pop(): Scheduled<E> | undefined {
    if (this.length === 0) return undefined;
    const top = { at: this.at[0] as number, event: this.events[0] as E };
    const last = --this.length;
    const lastAt = this.at[last] as number;
    const lastSeq = this.order[last] as number;
    const lastEvent = this.events[last];
    this.events[last] = undefined;
    if (last === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      const right = child + 1;
      if (right < last && this.less(right, child)) child = right;
      const ca = this.at[child] as number;
      if (ca > lastAt || (ca === lastAt && (this.order[child] as number) > lastSeq)) break;
      this.move(child, i);
      i = child;
    }
    this.at[i] = lastAt;
    this.order[i] = lastSeq;
    this.events[i] = lastEvent;
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.at[a] as number;
    const y = this.at[b] as number;
    return x < y || (x === y && (this.order[a] as number) < (this.order[b] as number));
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from] as number;
    this.order[to] = this.order[from] as number;
    this.events[to] = this.events[from];
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    at.set(this.at);
    this.at = at;
    const order = new Float64Array(this.order.length * 2);
    order.set(this.order);
    this.order = order;
  }
}
