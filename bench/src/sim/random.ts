// The simulation's only source of chance: one seeded stream (trending-core's demo-data PRNG, the
// one the bench's Zipf workload draws from), so that a run with the same seed gives the same
// numbers on every machine. Every draw below is a pure function of that stream.
import { poissonCount, seededRandom } from '../../../packages/trending-core/src/demo-data.ts';

/** The z of the 99th percentile of a standard normal: fits a lognormal to a measured p50 and p99. */
const Z99 = 2.3263;

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Exponential with the given rate (events per unit of time): the wait to a Poisson arrival. */
  exponential(rate: number): number;
  /** How many Poisson arrivals of mean `mean` (exact below 30, normal approximation above). */
  poisson(mean: number): number;
  /** A lognormal draw with the given median and 99th percentile. */
  lognormal(p50: number, p99: number): number;
}

export function createRandom(seed: number): Random {
  const next = seededRandom(seed);
  const normal = (): number => {
    // Box-Muller; 1 - next() keeps the logarithm's argument above 0.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    exponential: (rate) => -Math.log(1 - next()) / rate,
    poisson: (mean) => poissonCount(next, mean, normal),
    lognormal(p50, p99) {
      if (p50 <= 0) return 0;
      const sigma = p99 > p50 ? Math.log(p99 / p50) / Z99 : 0;
      return p50 * Math.exp(sigma * normal());
    },
  };
}

/** Zipf weights over `n` ranks (trending-core's, as the bench's workload uses). */
export { zipfWeights } from '../../../packages/trending-core/src/demo-data.ts';
