// The results: JSON (everything), a markdown table, and an SVG chart of latency per layer.
import { mkdirSync, writeFileSync } from 'node:fs';
import type {
  ComputeResult,
  HerdResult,
  IngestResult,
  MobileResult,
  ScaleResult,
  ScenarioResult,
  ZipfResult,
} from './scenarios/index.ts';

export interface Results {
  date: string;
  mode: 'quick' | 'full';
  startedAt: string;
  durationS: number;
  environment: Record<string, string | number>;
  config: Record<string, unknown>;
  seed: { events: number; seconds: number };
  scenarios: ScenarioResult[];
  herd?: HerdResult;
  zipf?: ZipfResult;
  ingest?: IngestResult;
  compute?: ComputeResult[];
  scale?: ScaleResult;
  targets: TargetCheck[];
  failures: string[];
  warnings: string[];
  workerLogs: Record<string, number>;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
  /** A measurement shown beside the targets, not one of them. */
  reference?: true;
}

const f = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Non-200 responses of a scenario: its rate then measures errors too, so its target is not met. */
function errors(s: ScenarioResult | undefined): number {
  if (!s) return 0;
  return Object.entries(s.statuses).reduce((n, [code, count]) => (code === '200' ? n : n + count), 0);
}

function withErrors(text: string, ...scenarios: (ScenarioResult | undefined)[]): string {
  const failed = scenarios.filter((s) => errors(s) > 0);
  if (failed.length === 0) return text;
  return `${text}; measured with errors (${failed.map((s) => `${s?.id}: ${int(errors(s))} non-200`).join(', ')})`;
}

export function checkTargets(r: Omit<Results, 'targets'>): TargetCheck[] {
  const s = (id: string) => r.scenarios.find((x) => x.id === id);
  const memory = s('memory');
  const edge = s('edge');
  const cachePeer = s('cache-peer');
  const honoPeer = s('hono-peer');
  const durable = s('do');
  const kv = s('kv');
  const before = s('before');
  const checks: TargetCheck[] = [];
  if (memory && cachePeer && honoPeer) {
    const bestPeer = Math.max(cachePeer.ratio, honoPeer.ratio);
    checks.push({
      target: 'memory hit >= 0.5x hello-world',
      measured: withErrors(`${f(memory.ratio)}x`, memory),
      met: memory.ratio >= 0.5 && errors(memory) === 0,
    });
    checks.push({
      target: 'memory hit >= 3x the better peer',
      measured: withErrors(
        `${f(memory.ratio / bestPeer)}x (peers ${f(cachePeer.ratio)}x / ${f(honoPeer.ratio)}x hello)`,
        memory,
        cachePeer,
        honoPeer,
      ),
      met: memory.ratio / bestPeer >= 3 && errors(memory) === 0,
    });
  }
  if (edge && cachePeer)
    checks.push({
      target: 'edge hit >= 1.0x the caches.default peer',
      measured: withErrors(
        `${f(edge.ratio / cachePeer.ratio)}x (${f(edge.ratio)}x vs ${f(cachePeer.ratio)}x hello)`,
        edge,
        cachePeer,
      ),
      met: edge.ratio / cachePeer.ratio >= 1 && errors(edge) === 0,
    });
  const headersPeer = s('cache-peer-headers');
  if (edge && headersPeer)
    checks.push({
      target: "edge hit vs caches.default answering with the api's headers (reference, not a target)",
      measured: `${f(edge.ratio / headersPeer.ratio)}x (${f(edge.ratio)}x vs ${f(headersPeer.ratio)}x hello)`,
      met: null,
      reference: true,
    });
  for (const [on, off, name] of [
    [memory, s('memory-nometrics'), 'memory'],
    [edge, s('edge-nometrics'), 'edge'],
  ] as const) {
    if (!on || !off) continue;
    checks.push({
      target: `metrics recording costs <= 10% of ${name}-hit throughput (issue 7)`,
      measured: withErrors(
        `${f(on.ratio)}x with vs ${f(off.ratio)}x without: ${f((1 - on.ratio / off.ratio) * 100, 1)}% cost`,
        on,
        off,
      ),
      met: on.ratio / off.ratio >= 0.9 && errors(on) === 0 && errors(off) === 0,
    });
  }
  if (durable && kv)
    checks.push({
      target: 'DO hit and KV hit >= 0.1x hello-world',
      measured: withErrors(`DO ${f(durable.ratio)}x, KV ${f(kv.ratio)}x`, durable, kv),
      met: durable.ratio >= 0.1 && kv.ratio >= 0.1 && errors(durable) === 0 && errors(kv) === 0,
    });
  if (r.zipf && before) {
    checks.push({
      target: 'Zipf traffic >= 10x the "before" throughput',
      measured: `${f(r.zipf.rps / before.rps, 1)}x (${int(r.zipf.rps)} vs ${int(before.rps)} req/s)`,
      met: r.zipf.rps / before.rps >= 10,
    });
    checks.push({
      target: 'Zipf p99 < "before" p50',
      measured: `${f(r.zipf.latencyMs.p99)} ms vs ${f(before.latencyMs.p50)} ms`,
      met: r.zipf.latencyMs.p99 < before.latencyMs.p50,
    });
  }
  if (r.herd)
    checks.push({
      target: 'herd: exactly 1 computation',
      measured: `${r.herd.computations} for ${r.herd.requests} concurrent requests`,
      met: r.herd.computations === 1,
    });
  if (r.zipf) {
    const errors = r.zipf.requests - (r.zipf.statuses['200'] ?? 0);
    checks.push({
      target: 'Zipf: >= 99% from memory, edge or DO, 0 errors',
      measured: `${f(r.zipf.fastShare * 100)}%, ${errors} errors`,
      met: r.zipf.fastShare >= 0.99 && errors === 0,
    });
  }
  if (r.ingest) {
    const day = r.ingest.checked['24h'];
    checks.push({
      target: 'ingest >= 2,000 events/s, zero lost',
      measured: `${int(r.ingest.eventsPerS)} events/s, ${day?.lost ?? '?'} lost, ${day?.doubled ?? '?'} doubled`,
      met: r.ingest.eventsPerS >= 2000 && day?.lost === 0 && day?.doubled === 0,
    });
  }
  const million = r.compute?.find((c) => c.events === 1_000_000);
  checks.push({
    target: '7d compute at 1M events <= 100 ms',
    measured: million
      ? `${f(million.computeMs, 0)} ms (${f(million.computeRoundTripMs, 1)} ms round trip; by full rescan ${f(million.rescanRoundTripMs ?? Number.NaN, 1)} ms)`
      : `not measured (sizes run: ${(r.compute ?? []).map((c) => int(c.events)).join(', ') || 'none'})`,
    // The slower of the two measures: the aggregator's own clock only advances across I/O.
    met: million ? Math.max(million.computeMs, million.computeRoundTripMs) <= 100 : null,
  });
  if (r.scale) checks.push(...scaleTargets(r.scale));
  return checks;
}

/** `; the limiter N µs of workerd CPU a call`, where /proc gave CPU readings. */
function limiterCpu(mobile: MobileResult): string {
  const cpu = mobile.cpuUsPerView;
  if (!cpu || cpu.queue === null || cpu['queue-nolimit'] === null) return '';
  return `; Miniflare's limiter ${int(cpu.queue - cpu['queue-nolimit'])} µs of workerd CPU a call`;
}

/** Issue 15, item 6: the queue against direct RPC, and the 8-shard merge at 1M events. */
function scaleTargets(x: ScaleResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (x.mobile)
    checks.push(
      {
        target: "app views: queue path >= 1.5x the direct RPC, the paths' own cost (issue 15)",
        measured:
          `${f(x.mobile.ratioNoLimiter)}x (${f(x.mobile.ratioNoLimiterRange[0])}–${f(x.mobile.ratioNoLimiterRange[1])} over ` +
          `${x.mobile.rounds.length} round(s); without Miniflare's limiter in either)`,
        met: x.mobile.ratioNoLimiter >= 1.5,
      },
      {
        target: "app views: queue vs direct with Miniflare's limiter in both (reference)",
        measured: `${f(x.mobile.ratio)}x (${f(x.mobile.ratioRange[0])}–${f(x.mobile.ratioRange[1])})${limiterCpu(x.mobile)}`,
        met: null,
        reference: true,
      },
    );
  if (x.redelivery)
    checks.push({
      target: 'redelivered messages count once: sent = counted',
      measured:
        `${int(x.redelivery.sent)} sent, ${int(x.redelivery.counted)} counted, ${int(x.redelivery.listed)} listed, ` +
        `${int(x.redelivery.redelivered)} redelivered`,
      met:
        x.redelivery.sent === x.redelivery.counted &&
        x.redelivery.sent === x.redelivery.listed &&
        x.redelivery.redelivered > 0,
    });
  const m = x.merge;
  checks.push({
    target: '7d merge over 8 shards at 1M events <= 100 ms (issue 15)',
    measured: m
      ? `${f(m.computeMs, 0)} ms at ${int(m.events)} events (${f(m.roundTripMs, 1)} ms round trip)`
      : 'not measured',
    met: m && m.events >= 1_000_000 ? Math.max(m.computeMs, m.roundTripMs) <= 100 : null,
  });
  return checks;
}

function scaleMarkdown(x: ScaleResult): string[] {
  const lines = ['', '## Scale: queue and shards (issue 15)', ''];
  const mobile = x.mobile;
  if (mobile) {
    const mid = (pick: (r: MobileResult['rounds'][number]) => number) => {
      const v = mobile.rounds.map(pick).sort((a, b) => a - b);
      return v[Math.floor((v.length - 1) / 2)] ?? 0;
    };
    lines.push(
      `The app's single views (\`POST /analytics/view\`, one viewer and one \`CF-Connecting-IP\` each), ` +
        `${mobile.connections} connections, ${mobile.shards} shards, in rounds that rotate the order:`,
      '',
      '| path | req/s (median round) | p50 ms | p99 ms | workerd CPU µs a view | sent | counted | listed |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    const label = {
      'queue-nolimit': "queue (Miniflare's limiter off)",
      'direct-nolimit': 'direct RPC, as before the queue (limiter off)',
      queue: "queue, with Miniflare's limiter",
      direct: "direct RPC, with Miniflare's limiter",
    } as const;
    for (const path of ['queue-nolimit', 'direct-nolimit', 'queue', 'direct'] as const) {
      const c = mobile.counts[path];
      const cpu = mobile.cpuUsPerView?.[path];
      lines.push(
        `| ${label[path]} | ${int(mid((r) => r[path].rps))} | ` +
          `${f(mid((r) => r[path].p50Ms))} | ${f(mid((r) => r[path].p99Ms))} | ${cpu == null ? '–' : int(cpu)} | ` +
          `${int(c.sent)} | ${int(c.counted)} | ${int(c.listed)} |`,
      );
    }
    lines.push(
      '',
      `Queue ÷ direct, the paths' own cost: **${f(mobile.ratioNoLimiter)}x** (rounds: ${mobile.rounds.map((r) => f(r.ratioNoLimiter)).join(', ')}); ` +
        `with Miniflare's limiter in both ${f(mobile.ratio)}x (rounds: ${mobile.rounds.map((r) => f(r.ratio)).join(', ')})${limiterCpu(mobile)}.`,
    );
  }
  const rd = x.redelivery;
  if (rd)
    lines.push(
      '',
      `Redelivery: ${f(rd.redeliverShare * 100, 0)}% of the messages crash after their commit, before the ack; ` +
        `${int(rd.sent)} sent (one event a message), ${int(rd.redelivered)} redelivered ` +
        `(${f((rd.redelivered / Math.max(1, rd.sent)) * 100, 1)}%), ${int(rd.counted)} counted, ${int(rd.listed)} listed.`,
    );
  if (x.shards) {
    lines.push(
      '',
      '| shards | req/s | p99 ms | committed events/s (until the last) | sent | counted | listed |',
      '|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const s of x.shards)
      lines.push(
        `| ${s.shards} | ${int(s.rps)} | ${f(s.p99Ms)} | ${int(s.committedEventsPerS)} | ${int(s.sent)} | ${int(s.counted)} | ${int(s.listed)} |`,
      );
  }
  const m = x.merge;
  if (m)
    lines.push(
      '',
      `7d merge over ${m.shards} shards at ${int(m.events)} events (${int(m.videos)} videos, seeded at ` +
        `${int(m.seedEventsPerS)} events/s), median of ${m.repeats}: **${f(m.computeMs, 0)} ms** in the coordinator ` +
        `(${f(m.roundTripMs, 1)} ms round trip less a peek). Each shard's rankShard alone: ` +
        `${m.perShardMs.map((ms) => f(ms, 1)).join(', ')} ms; all ${m.shards} at once: ${f(m.concurrentMs, 1)} ms; ` +
        `${int(m.candidates)} candidates in ${int(m.candidateBytes / 1024)} KiB of JSON; their merge ${f(m.mergeMs, 2)} ms (Node).`,
    );
  return lines;
}

export function markdown(r: Results): string {
  const lines: string[] = [];
  const env = r.environment;
  lines.push(`# Benchmark results ${r.date} (${r.mode})`, '');
  lines.push(
    `Commit ${env.commit}${env.dirty ? ' (with uncommitted changes in apps/ or packages/)' : ''}, ` +
      `Miniflare ${env.miniflare} (workerd ${env.workerd}), Node ${env.node}, ${env.cpus} cores, ` +
      `autocannon ${env.autocannon}. Run took ${Math.round(r.durationS)} s.`,
    '',
    `Every Worker on its own direct socket in one Miniflare process; ${r.config.connections} connections ` +
      `(unless noted), ${r.config.warmupS} s warm-up excluded, ${r.config.rounds} interleaved round(s) of ` +
      `${r.config.durationS} s. req/s is the median round; "× hello" is the median over rounds of the ` +
      `ratio to hello-world in the same round; percentiles over every measured response. ` +
      `Trending body: ${int(r.scenarios.find((s) => s.id === 'memory')?.bodyBytes ?? 0)} bytes (24h, limit 20).`,
    '',
  );
  if (r.scenarios.length > 0) {
    lines.push('## Per layer', '');
    lines.push(
      '| scenario | Worker | conns | req/s | × hello (range over rounds) | p50 ms | p95 ms | p99 ms | max ms | served by |',
    );
    lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|');
    for (const s of r.scenarios) {
      const served = Object.entries(s.layers)
        .filter(([k]) => k !== '-')
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${f((v / Math.max(1, s.requests)) * 100, v === s.requests ? 0 : 2)}%`)
        .join(', ');
      const computations =
        s.computationsPerRequest === undefined
          ? ''
          : ` (${f(s.computationsPerRequest)} computations/request)`;
      const digits = s.ratio < 0.1 ? 3 : 2;
      const range =
        s.roundRatios.length > 1 ? ` (${f(s.ratioRange[0], digits)}–${f(s.ratioRange[1], digits)})` : '';
      const stale = s.stale > 0 ? `, ${s.stale} stale` : '';
      const failed = Object.entries(s.statuses)
        .filter(([code]) => code !== '200')
        .map(([code, n]) => `, **${int(n)} × ${code}**`)
        .join('');
      lines.push(
        `| ${s.label} | ${s.target} | ${s.connections} | ${int(s.rps)} | ${f(s.ratio, digits)}${range} | ${f(s.latencyMs.p50)} | ` +
          `${f(s.latencyMs.p95)} | ${f(s.latencyMs.p99)} | ${f(s.latencyMs.max, 1)} | ${served || '-'}${failed}${stale}${computations} |`,
      );
    }
    lines.push('', `![latency per layer](${r.date}${r.mode === 'quick' ? '-quick' : ''}.svg)`, '');
  }
  lines.push('## Targets (issue 6)', '');
  lines.push('| target | measured | met |', '|---|---|---|');
  for (const t of r.targets)
    lines.push(
      `| ${t.target} | ${t.measured} | ${t.reference ? '-' : t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`,
    );
  if (r.herd) {
    const h = r.herd;
    lines.push('', '## Thundering herd', '');
    lines.push(
      `${h.requests} concurrent requests for the ${h.window} window of a fresh aggregator (${h.note}): ` +
        `**${h.computations} computation**, statuses ${JSON.stringify(h.statuses)}, ${h.distinctBodies} distinct body, ` +
        `served by ${JSON.stringify(h.layers)}; latency p50 ${f(h.latencyMs.p50)} ms, p99 ${f(h.latencyMs.p99)} ms.`,
    );
  }
  if (r.zipf) {
    const z = r.zipf;
    lines.push('', '## Mixed Zipf traffic', '');
    lines.push(
      `${int(z.requests)} requests over ${z.keys} (window, limit) keys, Zipf s = ${z.s}, ${r.config.connections} ` +
        `connections, precompute cron called ${z.cronRuns} times during the run (plus the aggregator's 30 s alarm); ` +
        `no warm-up. ${int(z.rps)} req/s, p50 ${f(z.latencyMs.p50)} ms, p95 ${f(z.latencyMs.p95)} ms, ` +
        `p99 ${f(z.latencyMs.p99)} ms, max ${f(z.latencyMs.max, 1)} ms; ${z.stale} served stale.`,
      '',
      '| X-Cache | share |',
      '|---|--:|',
    );
    for (const [layer, share] of Object.entries(z.shares).sort((a, b) => b[1] - a[1]))
      lines.push(`| ${layer} | ${f(share * 100)}% |`);
  }
  if (r.ingest) {
    const i = r.ingest;
    lines.push('', '## Ingest', '');
    lines.push(
      `${int(i.events)} view events (${i.videos} videos) through \`POST /v1/events/views\` in batches of 100, ` +
        `${i.concurrency} batches in flight: **${int(i.eventsPerS)} events/s** (${f(i.seconds, 1)} s). ` +
        `Accepted ${int(i.accepted)}, duplicates ${i.duplicates}; ${int(i.retried.events)} events re-sent as retries: ` +
        `${int(i.retried.duplicates)} recognised as duplicates, ${i.retried.accepted} counted again. ` +
        `Idempotency keys stored: ${int(i.seenKeys)}.`,
      '',
      '| window | videos listed | views listed | lost | doubled |',
      '|---|--:|--:|--:|--:|',
    );
    for (const [window, c] of Object.entries(i.checked))
      lines.push(`| ${window} | ${c.videosListed} | ${int(c.viewsListed)} | ${c.lost} | ${c.doubled} |`);
  }
  if (r.compute?.length) {
    lines.push('', '## Compute cost as data grows (7d window)', '');
    lines.push(
      '| events | videos | hour-bucket rows | viewer rows | compute ms (in the aggregator) | round trip ms | full rescan, round trip ms | seeded at |',
    );
    lines.push('|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const c of r.compute)
      lines.push(
        `| ${int(c.events)} | ${int(c.videos)} | ${int(c.rows.bucketsHour ?? 0)} | ${int(c.rows.viewers ?? 0)} | ` +
          `${f(c.computeMs, 0)} | ${f(c.computeRoundTripMs, 1)} | ${c.rescanRoundTripMs === undefined ? '-' : f(c.rescanRoundTripMs, 1)} | ` +
          `${int(c.seedEventsPerS)} events/s |`,
      );
  }
  if (r.scale) lines.push(...scaleMarkdown(r.scale));
  if (r.failures.length || r.warnings.length || Object.keys(r.workerLogs).length) {
    lines.push('', '## Notes', '');
    for (const x of r.failures) lines.push(`- **functional error:** ${x}`);
    for (const x of r.warnings) lines.push(`- ${x}`);
    for (const [k, v] of Object.entries(r.workerLogs)) lines.push(`- Worker log: ${v} × \`${k}\``);
  }
  return `${lines.join('\n')}\n`;
}

/** Horizontal bars of p50 / p95 / p99 per scenario, log scale, with req/s × hello at the right. */
export function svg(r: Results): string {
  const rows = [
    ...r.scenarios.map((s) => ({
      label: s.label,
      lat: s.latencyMs,
      ratio: `${f(s.ratio, s.ratio < 0.1 ? 3 : 2)}× hello`,
    })),
    ...(r.zipf
      ? [{ label: 'mixed Zipf traffic', lat: r.zipf.latencyMs, ratio: `${int(r.zipf.rps)} req/s` }]
      : []),
  ];
  const left = 300;
  const plot = 380;
  const right = 110;
  const rowH = 34;
  const top = 56;
  const width = left + plot + right;
  const height = top + rows.length * rowH + 40;
  const minMs = 0.1;
  const maxMs = 1000;
  const x = (ms: number) =>
    left + (Math.log10(Math.min(maxMs, Math.max(minMs, ms)) / minMs) / Math.log10(maxMs / minMs)) * plot;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const colors = { p50: '#2b8a3e', p95: '#e8a33d', p99: '#c92a2a' } as const;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">Latency per layer, ${esc(r.date)} (${r.mode}): p50 / p95 / p99, ms, log scale</text>`,
  );
  for (const [i, label] of ['p50', 'p95', 'p99'].entries()) {
    out.push(
      `<rect x="${12 + i * 70}" y="34" width="12" height="10" fill="${colors[label as keyof typeof colors]}"/>`,
      `<text x="${28 + i * 70}" y="43">${label}</text>`,
    );
  }
  for (const tick of [0.1, 1, 10, 100, 1000]) {
    const tx = x(tick);
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + rows.length * rowH}" stroke="#ddd"/>`,
      `<text x="${tx}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#555">${tick}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(row.label)}</text>`);
    (['p50', 'p95', 'p99'] as const).forEach((p, j) => {
      const value = row.lat[p];
      out.push(
        `<rect x="${left}" y="${y + 4 + j * 9}" width="${Math.max(1, x(value) - left).toFixed(1)}" height="8" fill="${colors[p]}"><title>${p} ${value.toFixed(2)} ms</title></rect>`,
      );
    });
    out.push(`<text x="${left + plot + 8}" y="${y + 19}" fill="#333">${esc(row.ratio)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function writeResults(dir: string, r: Results): string[] {
  mkdirSync(dir, { recursive: true });
  const base = `${dir}/${r.date}${r.mode === 'quick' ? '-quick' : ''}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(r));
  writeFileSync(`${base}.svg`, svg(r));
  return [`${base}.json`, `${base}.md`, `${base}.svg`];
}
