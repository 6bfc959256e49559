import {
  type DeadLetterList,
  DeadLetterReplayRequestSchema,
  type DeadLetterReplayResult,
  deadLetterObjectFor,
  IngestMessageSchema,
  LIMITS,
  pastCountedOnce,
  RETRY_AFTER_S,
} from '@openvine/trending-core';
import * as v from 'valibot';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { groupOfMessage, ingestQueues, shardCount } from '../ingest-queue.ts';
import { parseOrThrow } from '../query.ts';
import { readOptionalJsonObject } from '../request-body.ts';
import { requireAdmin } from './admin.ts';

const QUEUE = LIMITS.ingestQueue;
const utf8 = new TextEncoder();

/** This deployment's dead letters (apps/aggregator dead-letter-store.ts). */
function deadLetters(env: ApiEnv) {
  return env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName(deadLetterObjectFor(aggregatorName(env))));
}

/** GET /v1/admin/dead-letters: the newest dead ingest messages, each with a preview of its body. */
export async function getDeadLetters(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const list: DeadLetterList = await deadLetters(env).list();
  return Response.json(list, { headers: { 'Cache-Control': 'no-store' } });
}

/** Letters in sendBatch-sized groups: at most 100 messages and 256 KB each. */
function sendBatches(letters: readonly { id: string; body: string }[]) {
  const batches: { id: string; body: string }[][] = [];
  let current: { id: string; body: string }[] = [];
  let bytes = 0;
  for (const letter of letters) {
    const size = utf8.encode(letter.body).byteLength;
    if (
      current.length > 0 &&
      (current.length === QUEUE.sendBatchMessages || bytes + size > QUEUE.sendBatchBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(letter);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * POST /v1/admin/dead-letters/replay: re-enqueues the given letters (`ids`), or the oldest
 * LIMITS.deadLetters.replayPerRequest, to the ingest queue as they arrived there, and removes each
 * once the send that carried it resolved. Replaying counts each event once: every event carries its
 * dedup key, so events already committed are duplicates. A poison message replayed is dead-lettered
 * again. A send the queue refuses is a 503 `queue_unavailable`; the letters sent before it are
 * removed, the rest stay. Letters replayed past their countedOnceUntil (stored over 7 days ago)
 * are named in `pastCountedOnce`: their dedup keys may be gone.
 */
export async function postDeadLetterReplay(request: Request, env: ApiEnv): Promise<Response> {
  requireAdmin(request, env);
  const text = await readOptionalJsonObject(request);
  const body = parseOrThrow(DeadLetterReplayRequestSchema, text, 'Invalid replay request');
  const store = deadLetters(env);
  const { letters, missing } = await store.bodies(body.ids);
  const replayed: string[] = [];
  let refused: unknown;
  // Each letter goes back to its shard's queue (a poison body, with no shard, to the first).
  const queues = ingestQueues(env);
  const shards = shardCount(env);
  const byGroup = new Map<number, { id: string; body: string }[]>();
  for (const letter of letters) {
    const parsed = v.safeParse(IngestMessageSchema, JSON.parse(letter.body));
    const group = parsed.success ? groupOfMessage(parsed.output, shards, queues.length) : 0;
    byGroup.set(group, [...(byGroup.get(group) ?? []), letter]);
  }
  sending: for (const [group, groupLetters] of byGroup) {
    for (const batch of sendBatches(groupLetters)) {
      try {
        await (queues[group] as Queue).sendBatch(
          batch.map((letter) => ({ body: JSON.parse(letter.body) as unknown, contentType: 'json' as const })),
        );
      } catch (err) {
        refused = err;
        break sending;
      }
      replayed.push(...batch.map((letter) => letter.id));
    }
  }
  const remaining = await store.remove(replayed);
  if (refused !== undefined) {
    console.error('dead letters: replay send failed', refused);
    throw new ApiError(
      503,
      'queue_unavailable',
      `The ingest queue is unavailable; ${replayed.length} letters were replayed`,
      {
        headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
      },
    );
  }
  const sent = new Set(replayed);
  const late = pastCountedOnce(
    letters.filter((letter) => sent.has(letter.id)),
    Date.now(),
  );
  const result: DeadLetterReplayResult = {
    replayed,
    missing,
    remaining,
    ...(late.length > 0 ? { pastCountedOnce: late } : {}),
  };
  return Response.json(result, { headers: { 'Cache-Control': 'no-store' } });
}
