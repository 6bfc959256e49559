// One layer read within its budget (layer-budget.ts): a layer that fails, however it fails, or
// is too slow is skipped, and still shows in Server-Timing with how long it took, for triage.
import { describe, expect, it } from 'vitest';
import type { Layer, LayerHit, LayerRequest } from './layer.ts';
import { tryLayer } from './layer-budget.ts';
import { type Reply, Timings } from './reply.ts';

const HIT: LayerHit = { computation: { generation: 1, computedAt: 1 }, fresh: true };

function layerReading(read: () => Promise<LayerHit | undefined>, budgetMs = 50): Layer {
  return {
    name: 'kv',
    label: 'HIT-KV',
    budgetMs: () => budgetMs,
    stale: 'last-resort',
    read,
    fill: () => undefined,
    drop: async () => undefined,
  };
}

function replyFor(): Reply {
  const read = { scope: {} } as LayerRequest;
  return {
    request: new Request('https://api.test/'),
    read,
    timings: new Timings(),
    started: performance.now(),
  };
}

describe('a layer read within its budget', () => {
  it('answers with what the layer found, timed', async () => {
    const reply = replyFor();
    expect(
      await tryLayer(
        layerReading(async () => HIT),
        reply,
        reply.timings,
      ),
    ).toBe(HIT);
    expect(reply.timings.entries.map((e) => e.name)).toEqual(['kv']);
  });

  it('skips a layer that throws before returning its promise, and still times it', async () => {
    const reply = replyFor();
    const throwing = layerReading(() => {
      throw new Error('binding missing');
    });
    expect(await tryLayer(throwing, reply, reply.timings)).toBeUndefined();
    expect(reply.timings.entries.map((e) => e.name)).toEqual(['kv']);
  });

  it('skips a layer over its budget, timed, and hands its still-running read to onLate', async () => {
    const reply = replyFor();
    let late: Promise<LayerHit | undefined> | undefined;
    const slow = layerReading(() => new Promise((resolve) => setTimeout(() => resolve(HIT), 100)), 10);
    expect(await tryLayer(slow, reply, reply.timings, (read) => (late = read))).toBeUndefined();
    expect(reply.timings.entries.map((e) => e.name)).toEqual(['kv']);
    expect(await late).toBe(HIT);
  });
});
