// The simulation's output: markdown tables (the generated block of docs/scaling.md) and a
// hand-written SVG chart (docs/scaling-sim.svg).
import { HEADROOM, type IngestReport, PLATFORM } from './ingest-model.ts';
import { TTL_POLICY } from './policy.ts';
import type { CascadeReport, EdgeScope, ReadOrder, ServedBy } from './read-cascade.ts';
import type { BenchZipf, IngestRow, SimOptions } from './scenarios.ts';
import { X_CACHE } from './scenarios.ts';

export const BEGIN_MARK = '<!-- pnpm sim: generated from here -->';
export const END_MARK = '<!-- pnpm sim: generated up to here -->';

/** Issue 15's target: p99 at the edge within 50 ms for every data center's traffic (ms). */
export const EDGE_P99_TARGET = 50;

const LAYERS: readonly ServedBy[] = ['memory', 'edge', 'do', 'kv', 'compute'];
const ORDER_LABEL: Record<ReadOrder, string> = {
  today: 'today (memory, edge, DO, KV)',
  'kv-first-far': 'KV before DO far away',
  'regional-replicas': 'regional replicas',
};
const SCOPE_LABEL: Record<EdgeScope, string> = {
  key: '',
  window: ', one edge entry per window',
  both: ', edge entries per key and per window',
};
const label = (r: { order: ReadOrder; edgeScope: EdgeScope }) =>
  `${ORDER_LABEL[r.order]}${SCOPE_LABEL[r.edgeScope]}`;
const variantOf = (r: { order: ReadOrder; edgeScope: EdgeScope }) => `${r.order}+${r.edgeScope}`;

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const s = (x: number) => (x / 1000).toFixed(0);

export interface BenchCheck {
  bench: BenchZipf;
  simulated: CascadeReport;
}

export interface SimResults {
  options: Omit<SimOptions, 'serviceTimes'>;
  serviceTimesMeasured: string;
  reads: CascadeReport[];
  ingest: IngestRow[];
  checks: BenchCheck[];
}

/** What a run's worst data center sees, and how much traffic is over the p99 target. */
export function edgeTail(r: CascadeReport) {
  const worst = r.perDataCenter.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  const over = r.perDataCenter.filter((d) => d.p99 > EDGE_P99_TARGET);
  return {
    worst,
    overCount: over.length,
    overShare: over.reduce((a, d) => a + d.share, 0),
    /** The nearest data center (round trip to the aggregator) whose p99 is over the target. */
    nearestOver: over.reduce<number | undefined>(
      (a, d) => (a === undefined || d.rttToAggregator < a ? d.rttToAggregator : a),
      undefined,
    ),
  };
}

function readsTable(reads: readonly CascadeReport[]): string[] {
  const rows = [
    '| requests/s | order | memory | edge | DO | KV | compute | stale | busiest DO req/s (peak s) | DO reads in background | KV gets /key/s (storage) | KV writes /key/s | p50 ms | p99 ms | worst DC p99 ms | DCs over 50 ms (traffic) | p99 staleness s |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of reads) {
    const tail = edgeTail(r);
    rows.push(
      `| ${int(r.requestsPerSecond)} | ${label(r)} | ${LAYERS.map((l) => pct(r.shares[l])).join(' | ')} | ${pct(r.staleShare)} | ` +
        `${int(r.busiestObject.meanPerSecond)} (${int(r.busiestObject.peakPerSecond)}) ${r.busiestObject.name} | ${pct(r.objectReadsInBackground, 0)} | ` +
        `${r.kv.getsPerKeyPerSecond.toFixed(1)} (${r.kv.storageReadsPerKeyPerSecond.toFixed(2)}) | ${r.kv.writesPerKeyPerSecond.toFixed(3)} | ` +
        `${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(tail.worst.p99)} (${tail.worst.group}, ${ms(tail.worst.rttToAggregator)} ms away) | ` +
        `${tail.overCount} (${pct(tail.overShare, 1)}) | ${s(r.staleness.p99)} |`,
    );
  }
  return rows;
}

function ingestTable(rows: readonly IngestRow[]): string[] {
  const out = [
    '| events/s | routing | queues | messages/s | busiest queue msg/s | deliveries/s | shards | busiest shard RPC/s | busiest shard events/s | hottest video events/s |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const line = (r: IngestReport) =>
    `| ${int(r.eventsPerSecond)} | ${r.routing} | ${r.queues} | ${int(r.messagesPerSecond)} | ${int(r.busiestQueueMessagesPerSecond)}${r.busiestQueueMessagesPerSecond > PLATFORM.queueMessagesPerSecond ? ' **over**' : ''} | ` +
    `${int(r.deliveriesPerSecond)} | ${r.shards} | ${int(r.busiestShardRpcPerSecond)}${r.busiestShardRpcPerSecond > PLATFORM.objectRequestsPerSecond ? ' **over**' : ''} | ${int(r.busiestShardEventsPerSecond)} | ${int(r.hottestVideoEventsPerSecond)} |`;
  for (const r of rows) out.push(line(r.byGroup), line(r.anyQueue));
  out.push('');
  for (const r of rows)
    out.push(
      `- ${int(r.byGroup.eventsPerSecond)} events/s: shards for every shard under ${pct(HEADROOM, 0)} of the ${int(r.shardEventCapacity)} events/s one aggregator took in the bench: ` +
        (r.shardsForEvents === undefined
          ? `none (the hottest video alone sends ${int(r.byGroup.hottestVideoEventsPerSecond)} events/s to one shard).`
          : `${r.shardsForEvents}.`),
    );
  return out;
}

function checkTable(checks: readonly BenchCheck[]): string[] {
  const out = [
    '| bench run | requests | req/s | layer | measured (`pnpm bench`) | simulated | difference (points) |',
    '|---|--:|--:|---|--:|--:|--:|',
  ];
  for (const { bench, simulated } of checks)
    for (const layer of LAYERS) {
      const measured = bench.shares[X_CACHE[layer]] ?? 0;
      const sim = simulated.shares[layer];
      if (measured === 0 && sim === 0) continue;
      out.push(
        `| ${bench.date} | ${int(bench.requests)} | ${int(bench.rps)} | ${X_CACHE[layer]} | ${pct(measured)} | ${pct(sim)} | ${((sim - measured) * 100).toFixed(2)} |`,
      );
    }
  return out;
}

/** The generated block of docs/scaling.md (between BEGIN_MARK and END_MARK). */
export function markdown(results: SimResults): string {
  const o = results.options;
  const lines = [
    BEGIN_MARK,
    '',
    `Run: \`pnpm sim\` (seed ${o.seed}; ${o.dataCenters} data centers, traffic Zipf(${o.dataCenterS}); ${o.isolates} isolates each; ` +
      `keys Zipf(${o.keyS}) over 4 formats × the bench's 30 (window, limit) pairs; ${o.duration} s simulated, the first ${o.warmup} s not measured; ` +
      `KV before DO from ${o.kvFirstFromRtt} ms; service times from the bench of ${results.serviceTimesMeasured}). ` +
      `Policy from trending-core: memory fresh ${s(TTL_POLICY.memory.freshMs)} s, edge fresh ${s(TTL_POLICY.edge.freshMs)} s and stale up to ${s(TTL_POLICY.edge.staleMs)} s, ` +
      `one edge refresh per data center (lock ${TTL_POLICY.edge.refreshLockS} s), DO snapshot every ${s(TTL_POLICY.doSnapshot.refreshMs)} s (served up to ${s(TTL_POLICY.doSnapshot.maxServeMs)} s), ` +
      `KV read cache ${TTL_POLICY.kv.readCacheTtlS} s, lifetime ${TTL_POLICY.kv.expirationTtlS} s.`,
    '',
    '### Reads',
    '',
    ...readsTable(results.reads),
    '',
    '![simulated p99 per data center and busiest Durable Object](scaling-sim.svg)',
    '',
    '### Ingest',
    '',
    `Videos: ${int(o.videos)}, popularity Zipf(${o.videoS}); ${pct(o.batchedShare, 0)} of events from batched senders; queues sized at ${pct(HEADROOM, 0)} of ` +
      `${int(PLATFORM.queueMessagesPerSecond)} msg/s; shards: ${o.shards > 0 ? o.shards : `the fewest (powers of two) that keep every shard under ${pct(HEADROOM, 0)} of ${int(PLATFORM.objectRequestsPerSecond)} RPC/s and every queue under its limit`}.`,
    '',
    ...ingestTable(results.ingest),
    '',
    "### Check against the bench (one data center, the bench's Zipf workload)",
    '',
    ...checkTable(results.checks),
    '',
    END_MARK,
  ];
  return lines.join('\n');
}

/** Replaces the generated block of `doc` (or appends it when the markers are missing). */
export function spliceGenerated(doc: string, block: string): string {
  const begin = doc.indexOf(BEGIN_MARK);
  const end = doc.indexOf(END_MARK);
  if (begin < 0 || end < begin) return `${doc.trimEnd()}\n\n${block}\n`;
  return `${doc.slice(0, begin)}${block}${doc.slice(end + END_MARK.length)}`;
}

const PALETTE = ['#d1495b', '#edae49', '#00798c', '#7b4fa0', '#2e933c', '#3d5a80'];

/**
 * Two panels: left, each data center's p99 against its round trip to the aggregator at the lowest
 * request rate, one colour per order, with the 50 ms line; right, the busiest Durable Object's
 * requests/s per scenario (log scale) with the 1,000/s line.
 */
export function chart(results: SimResults): string {
  const width = 960;
  const height = 420;
  const top = 40;
  const bottom = 320;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    '<title>pnpm sim: p99 at the edge per data center, and the busiest Durable Object, per read order</title>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  // The left panel shows the lowest rate: the fewer requests, the more of them miss memory and the edge.
  const shown = Math.min(...results.reads.map((r) => r.requestsPerSecond));
  const variants = [...new Set(results.reads.map(variantOf))];
  const color = (r: CascadeReport) => PALETTE[variants.indexOf(variantOf(r)) % PALETTE.length];
  // Left panel: x = round trip 0..260 ms, y = p99 on a log scale 1..1000 ms.
  const lx0 = 60;
  const lx1 = 460;
  const x = (rtt: number) => lx0 + (Math.min(rtt, 260) / 260) * (lx1 - lx0);
  const logY = (v: number, lo: number, hi: number) =>
    bottom -
    ((Math.log10(Math.max(lo, Math.min(hi, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (bottom - top);
  const y = (v: number) => logY(v, 1, 1000);
  out.push(
    `<text x="${lx0}" y="20" font-weight="bold">p99 at the edge per data center, ${int(shown)} requests/s</text>`,
    `<line x1="${lx0}" y1="${bottom}" x2="${lx1}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${lx0}" y1="${top}" x2="${lx0}" y2="${bottom}" stroke="#333"/>`,
  );
  for (const v of [1, 10, 100, 1000])
    out.push(
      `<text x="${lx0 - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
      `<line x1="${lx0}" y1="${y(v)}" x2="${lx1}" y2="${y(v)}" stroke="#eee"/>`,
    );
  for (const v of [0, 50, 100, 150, 200, 250])
    out.push(`<text x="${x(v)}" y="${bottom + 16}" text-anchor="middle">${v}</text>`);
  out.push(
    `<text x="${(lx0 + lx1) / 2}" y="${bottom + 34}" text-anchor="middle">round trip to the aggregator (ms)</text>`,
    `<text x="16" y="${(top + bottom) / 2}" transform="rotate(-90 16 ${(top + bottom) / 2})" text-anchor="middle">p99 (ms, log)</text>`,
    `<line x1="${lx0}" y1="${y(EDGE_P99_TARGET)}" x2="${lx1}" y2="${y(EDGE_P99_TARGET)}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${lx1}" y="${y(EDGE_P99_TARGET) - 4}" text-anchor="end">${EDGE_P99_TARGET} ms</text>`,
  );
  for (const r of results.reads.filter((r) => r.requestsPerSecond === shown))
    for (const d of r.perDataCenter)
      out.push(
        `<circle cx="${x(d.rttToAggregator).toFixed(1)}" cy="${y(d.p99).toFixed(1)}" r="2.5" fill="${color(r)}" fill-opacity="0.6"/>`,
      );
  // Right panel: bars of the busiest object's mean requests/s, log 1..100,000.
  const rx0 = 540;
  const rx1 = 940;
  const ry = (v: number) => logY(v, 1, 1e5);
  out.push(
    `<text x="${rx0}" y="20" font-weight="bold">busiest Durable Object, requests/s (mean)</text>`,
    `<line x1="${rx0}" y1="${bottom}" x2="${rx1}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${rx0}" y1="${top}" x2="${rx0}" y2="${bottom}" stroke="#333"/>`,
  );
  for (const v of [1, 10, 100, 1e3, 1e4, 1e5])
    out.push(
      `<text x="${rx0 - 6}" y="${ry(v) + 4}" text-anchor="end">${int(v)}</text>`,
      `<line x1="${rx0}" y1="${ry(v)}" x2="${rx1}" y2="${ry(v)}" stroke="#eee"/>`,
    );
  out.push(
    `<line x1="${rx0}" y1="${ry(PLATFORM.objectRequestsPerSecond)}" x2="${rx1}" y2="${ry(PLATFORM.objectRequestsPerSecond)}" stroke="#333" stroke-dasharray="4 3"/>`,
  );
  const rates = [...new Set(results.reads.map((r) => r.requestsPerSecond))];
  const group = (rx1 - rx0) / Math.max(1, rates.length);
  const bar = (group * 0.8) / Math.max(1, variants.length);
  rates.forEach((rate, ri) => {
    out.push(
      `<text x="${rx0 + group * (ri + 0.5)}" y="${bottom + 16}" text-anchor="middle">${int(rate)}/s</text>`,
    );
    variants.forEach((variant, oi) => {
      const r = results.reads.find((x) => x.requestsPerSecond === rate && variantOf(x) === variant);
      if (!r) return;
      const bx = rx0 + group * ri + group * 0.1 + bar * oi;
      const by = ry(Math.max(1, r.busiestObject.meanPerSecond));
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(bottom - by).toFixed(1)}" fill="${color(r)}"/>`,
      );
    });
  });
  out.push(`<text x="${(rx0 + rx1) / 2}" y="${bottom + 34}" text-anchor="middle">client requests/s</text>`);
  // Legend: two columns under the panels.
  variants.forEach((variant, i) => {
    const r = results.reads.find((x) => variantOf(x) === variant) as CascadeReport;
    const lx = 60 + (i % 2) * 440;
    const ly = bottom + 56 + Math.floor(i / 2) * 16;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color(r)}"/>`,
      `<text x="${lx + 16}" y="${ly}">${label(r)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
