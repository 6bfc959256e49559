// One contract, every layer (as hono's cache adapters share one test): each cache layer of the
// read path, in the real local runtime, finds nothing when empty, finds what the layer below it
// filled it with, keeps the newer of two computations, and forgets a dropped entry; compute,
// the source, answers the aggregator's computation. The same cases run against each.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { canonicalKey, edgeCacheUrl, type TrendingSnapshot } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from '../env.ts';
import { ingestVideo, newAggregator } from '../testing.ts';
import { aggregatorStub } from './aggregator-stub.ts';
import { answerOf, type Layer, type LayerName, type LayerRequest } from './layer.ts';
import { layerOrder } from './layer-order.ts';
import { readScope } from './read-scope.ts';

/**
 * Each cache layer; the layer below it that fills it on the read path; one that must not (the
 * aggregator made a computation itself, and KV is precompute's to publish from the aggregator's
 * snapshot); whether the read path drops its entries (KV's are only ever overwritten).
 */
const CACHE_LAYERS: { name: LayerName; filledBy: LayerName; notFilledBy?: LayerName; drops: boolean }[] = [
  { name: 'memory', filledBy: 'edge', drops: true },
  { name: 'edge', filledBy: 'do', drops: true },
  { name: 'do', filledBy: 'kv', notFilledBy: 'compute', drops: true },
  { name: 'kv', filledBy: 'compute', notFilledBy: 'do', drops: false },
];

const ALL_LAYERS = layerOrder(new Set());
const layerNamed = (name: LayerName) => ALL_LAYERS.find((l) => l.name === name) as Layer;

/** A read of one test's own aggregator, and what the layers below hold for it. */
async function setUp() {
  const aggregator = newAggregator();
  const videoId = await ingestVideo(aggregator);
  const bindings: ApiEnv = { ...(env as ApiEnv), AGGREGATOR_NAME: aggregator };
  const scope = readScope(bindings);
  const ctx = createExecutionContext();
  const request: LayerRequest = {
    env: bindings,
    ctx,
    scope,
    format: 'v1',
    window: '24h',
    limit: 100,
    key: canonicalKey('v1', '24h', 100, scope.keys),
    edgeUrl: edgeCacheUrl('v1', '24h', 100, scope.keys),
  };
  const stub = aggregatorStub(bindings, aggregator);
  const computed = async (): Promise<TrendingSnapshot> => (await stub.refresh('24h')) as TrendingSnapshot;
  return { request, ctx, stub, videoId, computed };
}

type SetUp = Awaited<ReturnType<typeof setUp>>;

/** Fills `layer` as `filledBy` answering `snapshot` would, and waits for the fill to land. */
async function fill(s: SetUp, layer: Layer, filledBy: LayerName, snapshot: TrendingSnapshot) {
  // The aggregator keeps what it computes: forget it, so that only the fill can put it back.
  if (layer.name === 'do') await s.stub.dropSnapshot('24h');
  const hit = { computation: snapshot, fresh: true, snapshot, complete: true, computeMs: snapshot.computeMs };
  layer.fill(s.request, await answerOf(hit, s.request), filledBy);
  await waitOnExecutionContext(s.ctx);
}

async function found(s: SetUp, layer: Layer) {
  const hit = await layer.read(s.request);
  if (!hit) return undefined;
  const answer = await answerOf(hit, s.request);
  const videos = (JSON.parse(answer.body.body) as { videos: { videoId: string }[] }).videos;
  return { generation: hit.computation.generation, computedAt: hit.computation.computedAt, videos };
}

describe.each(CACHE_LAYERS)('layer contract: $name', ({ name, filledBy }) => {
  const layer = layerNamed(name);

  it('finds nothing when empty', async () => {
    const s = await setUp();
    if (name === 'do') await s.stub.dropSnapshot('24h');
    expect(await found(s, layer)).toBeUndefined();
  });

  it(`finds what ${filledBy} filled it with: the same computation and list`, async () => {
    const s = await setUp();
    const snapshot = await s.computed();
    await fill(s, layer, filledBy, snapshot);
    const hit = await found(s, layer);
    expect(hit).toMatchObject({ generation: snapshot.generation, computedAt: snapshot.computedAt });
    expect(hit?.videos.map((v) => v.videoId)).toEqual([s.videoId]);
  });

  it('keeps the newer of two computations filled in turn', async () => {
    const s = await setUp();
    const older = await s.computed();
    await fill(s, layer, filledBy, older);
    // A computation in the same millisecond would not be newer: let the clock move on first.
    while (Date.now() <= older.computedAt) await scheduler.wait(1);
    const newer = await s.computed();
    expect(newer.computedAt).toBeGreaterThan(older.computedAt);
    await fill(s, layer, filledBy, newer);
    expect((await found(s, layer))?.computedAt).toBe(newer.computedAt);
  });
});

describe.each(CACHE_LAYERS.filter((l) => l.drops))('layer contract: $name drops', ({ name, filledBy }) => {
  it('forgets a dropped entry', async () => {
    const layer = layerNamed(name);
    const s = await setUp();
    await fill(s, layer, filledBy, await s.computed());
    await layer.drop(s.request);
    expect(await found(s, layer)).toBeUndefined();
  });
});

describe.each(CACHE_LAYERS.filter((l) => l.notFilledBy))('layer contract: $name', ({ name, notFilledBy }) => {
  it(`is not filled from ${notFilledBy}`, async () => {
    const layer = layerNamed(name);
    const s = await setUp();
    await fill(s, layer, notFilledBy as LayerName, await s.computed());
    expect(await found(s, layer)).toBeUndefined();
  });
});

describe('layer contract: compute', () => {
  const layer = layerNamed('compute');

  it("answers the aggregator's computation of the window, complete, timed once", async () => {
    const s = await setUp();
    const first = await layer.read(s.request);
    expect(first).toMatchObject({ fresh: true, complete: true });
    expect(first?.computeMs).toBeTypeOf('number');
    expect((await found(s, layer))?.videos.map((v) => v.videoId)).toEqual([s.videoId]);
    // The second read is answered by the same computation (single flight): no computeMs.
    const second = await layer.read(s.request);
    expect(second?.computation.computedAt).toBe(first?.computation.computedAt);
    expect(second?.computeMs).toBeUndefined();
  });
});
