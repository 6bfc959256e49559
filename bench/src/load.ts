// Load generation: autocannon on loopback, a warm-up run that is thrown away, then a measured run.
// Latencies come from autocannon's per-response timings (sub-millisecond; its own histogram has
// whole-millisecond resolution), and every response's X-Cache is tallied.
import autocannon from 'autocannon';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: Percentiles;
  /** Responses by status code ("200", ...) and transport errors ("error"). */
  statuses: Record<string, number>;
  /** Responses by X-Cache value (without ", STALE"), "-" when absent. */
  layers: Record<string, number>;
  stale: number;
  /** Raw response times, kept only while rounds are pooled. */
  samples: number[];
}

export interface LoadOptions {
  url: string;
  path: string;
  connections: number;
  /** Measured seconds (ignored when `amount` is given). */
  durationS: number;
  warmupS: number;
  amount?: number;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  /** Picks each request's path (e.g. a Zipf draw); `path` is used otherwise. */
  nextPath?: () => string;
  /** Gives each request its own headers and body (e.g. one viewer's view); over `headers`/`body`. */
  nextRequest?: () => { headers: Record<string, string>; body: string };
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / sorted.length,
  };
}

/** One autocannon run of `seconds` (or of `amount` requests). */
export async function drive(options: LoadOptions, seconds: number, amount?: number): Promise<LoadResult> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  const layers: Record<string, number> = {};
  let stale = 0;
  const nextPath = options.nextPath;
  const nextRequest = options.nextRequest;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    timeout: 30,
    requests: [
      {
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers ?? {},
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(nextPath ? { setupRequest: (request) => ({ ...request, path: nextPath() }) } : {}),
        ...(nextRequest
          ? {
              setupRequest: (request) => {
                const { headers, body } = nextRequest();
                return { ...request, headers: { ...request.headers, ...headers }, body };
              },
            }
          : {}),
        onResponse: (_status, _body, _context, headers) => {
          const cache = headers['x-cache'] ?? headers['X-Cache'];
          const layer = cache ? (cache.split(',')[0] ?? '-').trim() : '-';
          if (cache?.includes('STALE')) stale += 1;
          layers[layer] = (layers[layer] ?? 0) + 1;
        },
      },
    ],
  });
  let lastResponseAt = 0;
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    lastResponseAt = performance.now();
    samples.push(responseTime);
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  });
  instance.on('reqError', () => {
    statuses.error = (statuses.error ?? 0) + 1;
  });
  const started = performance.now();
  await instance;
  // A run of `amount` requests ends on autocannon's next one-second tick, not at its last response.
  const elapsed =
    ((amount === undefined ? performance.now() : lastResponseAt || performance.now()) - started) / 1000;
  return {
    requests: samples.length,
    seconds: elapsed,
    rps: samples.length / elapsed,
    latencyMs: percentiles(samples),
    statuses,
    layers,
    stale,
    samples,
  };
}

/** Warm-up (discarded), then the measured run; `beforeMeasured` runs in between. */
export async function measure(
  options: LoadOptions,
  beforeMeasured?: () => Promise<void>,
): Promise<LoadResult> {
  if (options.warmupS > 0) await drive(options, options.warmupS);
  await beforeMeasured?.();
  return drive(options, options.durationS, options.amount);
}

/** Pools several rounds of one scenario: req/s is the median round, percentiles over all samples. */
export function pool(rounds: LoadResult[]): LoadResult {
  const samples = rounds.flatMap((r) => r.samples);
  const sum = (pick: (r: LoadResult) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of rounds) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const rps = rounds.map((r) => r.rps).sort((a, b) => a - b);
  return {
    requests: samples.length,
    seconds: rounds.reduce((s, r) => s + r.seconds, 0),
    rps: rps[Math.floor((rps.length - 1) / 2)] ?? 0,
    latencyMs: percentiles(samples),
    statuses: sum((r) => r.statuses),
    layers: sum((r) => r.layers),
    stale: rounds.reduce((s, r) => s + r.stale, 0),
    samples: [],
  };
}
