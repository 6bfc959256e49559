import type {
  CacheLayer,
  Computation,
  ResponseFormat,
  TrendingSnapshot,
  TrendingWindow,
} from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import { type CachedBody, toCachedBody } from './cached-body.ts';
import type { ReadScope } from './read-scope.ts';

export type LayerName = 'memory' | 'edge' | 'do' | 'kv' | 'compute';

/** One trending read, as every layer sees it. */
export interface LayerRequest {
  env: ApiEnv;
  ctx: ExecutionContext;
  scope: ReadScope;
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
  /** The read's key in isolate memory (trending-core's canonicalKey) and in the edge cache. */
  key: string;
  edgeUrl: string;
}

/** An edge entry's body, unread: streamed to the client untouched when no layer above needs it. */
export interface UnreadBody extends Omit<CachedBody, 'body'> {
  body: ReadableStream | null;
  /** The headers stored with it (edge-cache.ts): an answer copies them rather than rebuild them. */
  headers: Headers;
  read(): Promise<CachedBody>;
  drop(): void;
}

/** What a layer found for a read. */
export interface LayerHit {
  /** The computation it holds: never served when older than the newest served (generations.ts). */
  computation: Computation;
  /** False: stale, answered according to the layer's `stale` rule. */
  fresh: boolean;
  /** The answer serialized, when the layer holds it so (memory, edge). */
  body?: CachedBody | UnreadBody;
  /** The window's ranking, when the layer holds one (aggregator memory, KV, compute, memory). */
  snapshot?: TrendingSnapshot;
  /** True when `snapshot` is the window's whole top 100 (not a precomputed slice of it). */
  complete?: boolean;
  /** Set when this read triggered the computation (not when it waited on another's). */
  computeMs?: number;
  /**
   * `X-Cache` (and the metrics' layer) when it is not the layer's own: the compute layer's read
   * that the aggregator answered from its memory, with no computation, is a `HIT-DO`.
   */
  label?: CacheLayer;
}

/** A hit with its body read (or serialized): what answers the client and fills the layers above. */
export interface Answer extends LayerHit {
  body: CachedBody;
}

/**
 * One layer of the read path. The order is built once (layer-order.ts); read-through.ts tries
 * them in turn, refuses what is older than already served, answers fresh hits, applies the
 * stale rule, and fills the layers above the one that answered.
 */
export interface Layer {
  name: LayerName;
  /** `X-Cache` of an answer from this layer. */
  label: CacheLayer;
  /** How long it may take before it is skipped (undefined: synchronous, never skipped). */
  budgetMs(scope: ReadScope): number | undefined;
  /**
   * What a stale hit does: `answer-and-refresh` answers at once (marked STALE) while the layers
   * below refresh this one in the background; `last-resort` waits for the layers below and
   * answers only when none can.
   */
  stale: 'answer-and-refresh' | 'last-resort';
  /**
   * True for the layers that ask the aggregator, which holds the window's newest generation: an
   * answer of theirs that comes after the budget and is newer than what the read served still
   * refills the layers above (read-through.ts), so a copy older than an invalidation that a
   * layer below answered with (KV's read cache) does not stay in them.
   */
  authoritative?: true;
  read(request: LayerRequest): LayerHit | undefined | Promise<LayerHit | undefined>;
  /**
   * For a layer whose hit can be a slice of the window (KV's `pre:{window}:{limit}`): the window's
   * whole top 100 it holds, read after such a hit answered, off the response path, so that the
   * layers above also get what only a whole one fills (read-through.ts).
   */
  whole?(request: LayerRequest): Promise<LayerHit | undefined>;
  /** Stores what `from`, a layer below, answered (never delaying the response). */
  fill(request: LayerRequest, answer: Answer, from: LayerName): void;
  /** Removes the read's entry from this layer. */
  drop(request: LayerRequest): void | Promise<void>;
  /** For `answer-and-refresh` layers: one refresh of an entry at a time, across isolates. */
  claimRefresh?(request: LayerRequest): Promise<boolean>;
  releaseRefresh?(request: LayerRequest): Promise<void>;
}

/** The hit with its body: the edge's read once, or serialized from its snapshot. */
export async function answerOf(hit: LayerHit, request: LayerRequest): Promise<Answer> {
  if (hit.body && 'read' in hit.body) return { ...hit, body: await hit.body.read() };
  if (hit.body) return { ...hit, body: hit.body };
  if (!hit.snapshot) throw new Error('a layer hit holds neither a body nor a snapshot');
  return { ...hit, body: toCachedBody(hit.snapshot, request.format, request.limit) };
}

export const logFill = (layer: LayerName) => (err: unknown) =>
  console.warn(`filling ${layer} failed: ${err instanceof Error ? err.message : String(err)}`);
