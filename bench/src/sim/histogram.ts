// Weighted histograms with logarithmic buckets (5% wide): percentiles of latency and staleness
// over millions of requests without keeping them, where one sample may stand for many requests.

/** Smallest value told apart (ms); everything below counts in the first bucket. */
const FLOOR = 0.01;
const GROWTH = 1.05;
/** Buckets up to FLOOR * GROWTH^BUCKETS: about 8 hours in milliseconds. */
const BUCKETS = 480;
const LOG_GROWTH = Math.log(GROWTH);

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  total = 0;

  add(value: number, weight = 1): void {
    if (weight <= 0) return;
    const bucket =
      value <= FLOOR ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(value / FLOOR) / LOG_GROWTH));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + weight;
    this.total += weight;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
  }

  /** The value under which a fraction `q` of the weight lies (a bucket's upper bound); 0 when empty. */
  quantile(q: number): number {
    if (this.total <= 0) return 0;
    const target = q * this.total;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= target) return FLOOR * GROWTH ** (i + 1);
    }
    return FLOOR * GROWTH ** BUCKETS;
  }
}
