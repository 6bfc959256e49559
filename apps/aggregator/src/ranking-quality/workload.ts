// The synthetic workload of the ranking-quality harness: a long tail of videos with log-normal
// viewer rates, a few steady giants, and the subjects of the cases (cases.ts), as view events per
// simulated minute. Everything is drawn from one seed, so a seed's run is the same on every machine.

import { HOUR_MS, MINUTE_MS, type NormalizedViewEvent } from '@openvine/trending-core';
import { hex64, poissonCount, seededRandom } from '@openvine/trending-core/demo-data';

/** One simulated view: the event, and the client network it came from (the viewer's address). */
export interface SimulatedView {
  event: NormalizedViewEvent;
  network: string;
}

export interface WorkloadConfig {
  seed: number;
  /** Videos in the long tail (at least 1,000). */
  tailVideos: number;
  /** Median viewers an hour of a tail video; rates are log-normal around it. */
  tailMedianPerHour: number;
  tailSigma: number;
  /** Steady giants: viewers an hour of each. */
  giantsPerHour: readonly number[];
  /** Client networks the background's viewers come from (a viewer keeps one). */
  networks: number;
}

/**
 * The tail's spread (sigma 1.6) gives rank 50 of the 24h list a day's audience (a few hundred
 * views), as a real service's list has: with sigma 1, rank 50 was a dozen viewers and one honest
 * extra viewer moved it several ranks (T2 could not be met by any cap); with 1.8 the tail's
 * biggest videos crowd a former #1's decay (T4). 2026-12-02, 20 seeds: bench/results/ranking-*.
 */
export const DEFAULT_WORKLOAD: Omit<WorkloadConfig, 'seed'> = {
  tailVideos: 1_000,
  tailMedianPerHour: 1.5,
  tailSigma: 1.6,
  giantsPerHour: [300, 270, 240, 220, 200],
  networks: 20_000,
};

/** A stream of viewers of one video: `perHour(t)` viewers an hour at time t (ms from start). */
export interface ViewerStream {
  videoId: string;
  perHour: (t: number) => number;
  /** The network of the n-th viewer of this stream (default: drawn from the background's pool). */
  networkOf?: (n: number) => string;
  /** The viewer id of the n-th viewer (default: distinct per view). */
  viewerOf?: (n: number) => string;
}

/** A standard normal draw from `next` (Box-Muller). */
function gaussian(next: () => number): number {
  const u = Math.max(next(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

export class Workload {
  readonly next: () => number;
  readonly tail: ViewerStream[];
  readonly giants: ViewerStream[];
  private readonly extra: ViewerStream[] = [];
  private readonly counters = new Map<string, number>();

  constructor(
    readonly config: WorkloadConfig,
    /** Epoch ms of simulated time 0. */
    readonly start: number,
  ) {
    this.next = seededRandom(config.seed);
    this.tail = Array.from({ length: config.tailVideos }, () => {
      const rate = config.tailMedianPerHour * Math.exp(config.tailSigma * gaussian(this.next));
      return { videoId: hex64(this.next), perHour: () => rate };
    });
    this.giants = config.giantsPerHour.map((rate) => ({ videoId: hex64(this.next), perHour: () => rate }));
  }

  /** A new video id from the seed. */
  videoId(): string {
    return hex64(this.next);
  }

  /** Adds a case's subject to the streams. */
  add(stream: ViewerStream): void {
    this.extra.push(stream);
  }

  backgroundNetwork(): string {
    return `net-${Math.floor(this.next() ** 2 * this.config.networks)}`;
  }

  /** One full view of `videoId` by `viewerId` at epoch ms `at`. */
  view(videoId: string, viewerId: string, at: number, network: string): SimulatedView {
    const durationMs = 6_000;
    const completion = 0.4 + 0.6 * this.next();
    return {
      event: {
        videoId,
        viewerId,
        eventType: 'view_end',
        timestampMs: at,
        loops: 1,
        durationMs,
        watchMs: Math.round(durationMs * completion),
        completion,
      },
      network,
    };
  }

  /** The views of every stream in the simulated minute starting at `t` (ms from start). */
  minute(t: number): SimulatedView[] {
    const views: SimulatedView[] = [];
    for (const stream of [...this.giants, ...this.tail, ...this.extra]) {
      const count = poissonCount(this.next, (stream.perHour(t) * MINUTE_MS) / HOUR_MS, () =>
        gaussian(this.next),
      );
      for (let i = 0; i < count; i++) {
        const n = (this.counters.get(stream.videoId) ?? 0) + 1;
        this.counters.set(stream.videoId, n);
        const at = this.start + t + Math.floor(this.next() * MINUTE_MS);
        const viewer = stream.viewerOf?.(n) ?? `${stream.videoId.slice(0, 12)}-${n}`;
        const network = stream.networkOf?.(n) ?? this.backgroundNetwork();
        views.push(this.view(stream.videoId, viewer, at, network));
      }
    }
    return views.sort((a, b) => a.event.timestampMs - b.event.timestampMs);
  }
}
