/**
 * The critical behaviours of the Workers, each broken on purpose by one small source edit.
 * `pnpm test:mutations` (scripts/lib/mutation-run.ts) applies each to a temporary copy of the
 * repo and runs the tests: every one must make the suite fail. A mutation whose `find` text no
 * longer occurs exactly once is reported as stale, so that this list cannot silently rot when the
 * code it breaks is rewritten: update the text, never delete the behaviour.
 */
export interface Mutation {
  id: string;
  /** The behaviour a user would notice breaking. */
  behaviour: string;
  /** Repo-relative path of the file to edit. */
  file: string;
  /** Text that must occur exactly once in the file... */
  find: string;
  /** ...and what it becomes. */
  replace: string;
}

export const MUTATIONS: readonly Mutation[] = [
  {
    id: 'generation-floor-off',
    behaviour: 'generation floor: an older generation planted in KV or the edge is served',
    file: 'packages/trending-core/src/computation.ts',
    find: '  if (value.generation !== than.generation) return value.generation < than.generation;\n',
    replace: '  if (value.generation !== than.generation) return false;\n',
  },
  {
    id: 'one-snapshot-off',
    behaviour: 'one snapshot per window: a larger limit shows an older list than the one already served',
    file: 'packages/trending-core/src/computation.ts',
    find: '  return value.computedAt < than.computedAt;\n',
    replace: '  return false;\n',
  },
  {
    id: 'record-duplicates',
    behaviour: 'exactly-once record: duplicates are written to Analytics Engine too',
    file: 'apps/aggregator/src/view-record.ts',
    find: '    if (duplicates.has(i)) return;\n',
    replace: '',
  },
  {
    id: 'record-dropped',
    behaviour: 'exactly-once record: accepted events never reach Analytics Engine',
    file: 'apps/aggregator/src/view-record.ts',
    find: 'const written: unknown = dataset.writeDataPoint(viewEventPoint(event));',
    replace: 'const written: unknown = viewEventPoint(event);',
  },
  {
    id: 'record-after-answer',
    behaviour: 'exactly-once record: a batch whose answer is lost after its commit is never recorded',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: '    recordCommitted(this.env.VIEW_EVENTS, events, outcome.duplicateIndexes);\n    await this.ensureAlarm();',
    replace:
      '    await this.ensureAlarm();\n    recordCommitted(this.env.VIEW_EVENTS, events, outcome.duplicateIndexes);',
  },
  {
    id: 'video-signature-unchecked',
    behaviour: 'signed metadata: an event signed by another key (or a changed signature) retitles a video',
    file: 'packages/trending-core/src/nostr-video.ts',
    find: '  if (!signatureHolds(hash, event.sig, event.pubkey)) {\n',
    replace: '  if (!signatureHolds(hash, event.sig, event.pubkey) && hash === event.sig) {\n',
  },
  {
    id: 'video-id-unchecked',
    behaviour: 'signed metadata: an event whose fields were changed after signing is stored',
    file: 'packages/trending-core/src/nostr-video.ts',
    find: "  if (hash !== event.id) return refuse('bad_event_id',",
    replace: "  if (hash === event.sig) return refuse('bad_event_id',",
  },
  {
    id: 'video-stale-version-accepted',
    behaviour: 'signed metadata: an older version of a video replaces or joins the newer one',
    file: 'apps/aggregator/src/video-events.ts',
    find: '    if (stale.length > 0 && !replica) return { ok: false, stale };\n',
    replace: '',
  },
  {
    id: 'precompute-cron-noop',
    behaviour: 'precompute: the cron does nothing',
    file: 'apps/precompute/src/index.ts',
    find: 'await Promise.allSettled([runPrecompute(this.env), syncRelayBridge(this.env)]);',
    replace: 'await Promise.allSettled([Promise.resolve({ error: undefined }), syncRelayBridge(this.env)]);',
  },
  {
    id: 'precompute-no-kv',
    behaviour: 'precompute writes: KV is not written by a run',
    file: 'apps/precompute/src/precompute-run.ts',
    find: 'const kv = await writeSnapshotToKv(env.TRENDING_KV, snapshot, keyScope(name));',
    replace: 'const kv = { written: [] as string[], superseded: [] as string[], failed: [] };',
  },
  {
    id: 'run-lock-off',
    behaviour: 'run lock: overlapping precompute runs both do the work',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: 'return this.ops.tryLock(owner, ttlMs,',
    replace: 'return true || this.ops.tryLock(owner, ttlMs,',
  },
  {
    id: 'percentile-floor',
    behaviour: 'metrics: every percentile collapses to its bucket floor',
    file: 'packages/trending-core/src/metrics.ts',
    find: 'return lower + ((rank - seen) / n) * (upper - lower);',
    replace: 'return lower + 0 * ((rank - seen) / n) * (upper - lower);',
  },
  {
    id: 'queue-group-ignored',
    behaviour: "ingest: every shard group's messages sent to the first queue",
    file: 'apps/api/src/ingest-queue.ts',
    find: '    const group = groupOfMessage(message, shards, queues.length);',
    replace: '    const group = 0 * groupOfMessage(message, shards, queues.length);',
  },
  {
    id: 'shard-merge-by-views',
    behaviour: "the ranking order (one object's and the shards' merge) by views alone, not by score",
    file: 'packages/trending-core/src/scoring.ts',
    find: '  if (aScore !== bScore) return bScore - aScore;\n',
    replace: '',
  },
  {
    id: 'merge-first-round-only',
    behaviour: "shard merge: a shard holding more than its share of the window's best loses the rest",
    file: 'apps/aggregator/src/shard-merge.ts',
    find: '  if (again.length === 0) return merged;\n',
    replace: '  return merged;\n',
  },
  {
    id: 'viewer-cap-2',
    behaviour: 'per-viewer cap: a viewer counts 2 views an arrival hour instead of 1',
    file: 'packages/trending-core/src/scoring.ts',
    find: 'viewsCapPerViewerHour: 1,',
    replace: 'viewsCapPerViewerHour: 2,',
  },
  {
    id: 'min-viewers-4',
    behaviour: 'evidence threshold: 4 distinct viewers rank instead of 5',
    file: 'packages/trending-core/src/scoring.ts',
    find: 'minUniqueViewers: 5,',
    replace: 'minUniqueViewers: 4,',
  },
  {
    id: 'min-networks-1',
    behaviour: 'network evidence: a video from one network ranks (3 distinct networks no longer needed)',
    file: 'packages/trending-core/src/scoring.ts',
    find: 'minDistinctNetworks: 3,',
    replace: 'minDistinctNetworks: 1,',
  },
  {
    id: 'network-viewer-cap-off',
    behaviour: 'network evidence: one network adds any number of viewers to a video in an hour',
    file: 'apps/aggregator/src/network-evidence.ts',
    find: '    if (state.admittedViewers >= SCORING.viewersCapPerNetworkHour) return false;',
    replace: '    if (state.admittedViewers < 0) return false;',
  },
  {
    id: 'viewer-cap-by-timestamp',
    behaviour:
      'per-viewer cap: keyed by the client timestamp, so a backdated replay gets it once per claimed hour',
    file: 'apps/aggregator/src/rollups.ts',
    find: '      const viewsThisHour = (viewer.hourViews[arrivalHour] ?? 0) + 1;\n      viewer.hourViews[arrivalHour] = viewsThisHour;',
    replace:
      '      const claimed = String(Math.floor(event.timestampMs / HOUR_MS));\n      const viewsThisHour = (viewer.hourViews[claimed] ?? 0) + 1;\n      viewer.hourViews[claimed] = viewsThisHour;',
  },
  {
    id: 'viewer-seen-when-capped',
    behaviour:
      'distinct viewers: a capped view still makes its viewer one of the windows it falls in (more viewers than views)',
    file: 'apps/aggregator/src/rollups.ts',
    find: '        addToBuckets(event, { cappedViews: 1 });\n        continue;\n      }\n      // Only a counted view',
    replace:
      '        const seen = viewer.lastMs;\n        viewer.lastMs = Math.max(seen ?? event.timestampMs, event.timestampMs);\n' +
      '        for (const [window, cursor] of cursors)\n' +
      '          if (!(seen !== undefined && seen >= cursor.viewersFrom) && viewer.lastMs >= cursor.viewersFrom)\n' +
      '            totals.viewers(window, event.videoId, 1);\n' +
      '        addToBuckets(event, { cappedViews: 1 });\n        continue;\n      }\n      // Only a counted view',
  },
  {
    id: 'viewer-pruned-in-arrival-hour',
    behaviour:
      'per-viewer cap: the alarm prunes a late-delivered viewer during its arrival hour, so its next view counts again',
    file: 'apps/aggregator/src/rollups.ts',
    find: "'DELETE FROM video_viewers WHERE last_ms < ? AND json_extract(hour_views, ?) IS NULL',",
    replace: "'DELETE FROM video_viewers WHERE last_ms < ? AND ? IS NOT NULL',",
  },
  {
    id: 'hashtag-cut-before-lowercase',
    behaviour:
      "ingest: a /v1 hashtag is lowercased after its 64-character cut, so 'İ' x 64 becomes 128 and its message is dead-lettered after the 202",
    file: 'packages/trending-core/src/schemas.ts',
    find: "  cutString(tag.trim().replace(/^#+/, '').toLowerCase(), VIEW_FIELD_LIMITS.hashtagChars).trim();",
    replace:
      "  cutString(tag.trim().replace(/^#+/, ''), VIEW_FIELD_LIMITS.hashtagChars).toLowerCase().trim();",
  },
  {
    id: 'fast-clock-keyed-by-arrival',
    behaviour:
      "ingest: a keyless view whose client clock runs fast is keyed by its arrival minute, so the client's retry in the next minute counts twice",
    file: 'packages/trending-core/src/events.ts',
    find: 'const sent = event.sentTimestampMs ?? (event.timestampMs === receivedAt ? undefined : event.timestampMs);',
    replace: 'const sent = event.timestampMs === receivedAt ? undefined : event.timestampMs;',
  },
  {
    id: 'late-answer-not-refilled',
    behaviour:
      "read path: the aggregator's answer after the DO layer's budget, newer than the KV copy the read served, does not replace what that copy filled",
    file: 'apps/api/src/cascade/read-through.ts',
    find: 'await fillAbove(request, { hit, at });',
    replace: 'void at;',
  },
  {
    id: 'window-watch-never-adopts',
    behaviour:
      "edge: a newer snapshot of the window, stored in the data center by another isolate, is never adopted while this isolate's own entries are fresh (two lists for up to 30 s)",
    file: 'apps/api/src/cascade/edge-window-watch.ts',
    find: 'markServed(scope, window, entry.snapshot);',
    replace: 'void markServed;',
  },
  {
    id: 'kv-slice-never-whole',
    behaviour:
      "read path: after KV answers with one limit's slice, the window's whole top 100 is never read behind it, so a data center whose aggregator is out of budget never stores the window's snapshot",
    file: 'apps/api/src/cascade/read-through.ts',
    find: '  if (!found.hit.complete && from.whole)',
    replace: '  if (found.hit.complete === undefined && from.whole)',
  },
  {
    id: 'kv-whole-older-kept',
    behaviour:
      "read path: KV's whole top 100, older than the slice that answered, is stored as the window's snapshot (the window's other limits get an older list)",
    file: 'apps/api/src/cascade/read-through.ts',
    find: '  const usable = whole?.complete && !isOlder(whole.computation, slice.computation);',
    replace: '  const usable = whole?.complete;',
  },
  {
    id: 'kv-whole-after-newer-kept',
    behaviour:
      "read path: KV's whole top 100 behind a slice, arriving after this isolate served a newer computation, is stored over it at the edge",
    file: 'apps/api/src/cascade/read-through.ts',
    find: '  if (isOlder(answer.computation, newestServed(request.scope.keys, request.window))) return;',
    replace: '  void newestServed;',
  },
  {
    id: 'relay-mark-after-failed-batch',
    behaviour:
      "relay bridge: after a failed registration, the stored events' EOSE still moves the mark past them, and they are never asked for again",
    file: 'apps/precompute/src/relay-bridge.ts',
    find: '    const current = () => (link.attempt === attempt ? step() : undefined);',
    replace: '    const current = () => (attempt >= 0 ? step() : undefined);',
  },
  {
    id: 'relay-mark-ahead-of-clock',
    behaviour:
      "relay bridge: an event dated minutes ahead becomes the mark, and the next subscription's since skips those minutes' events",
    file: 'apps/precompute/src/relay-bridge.ts',
    find: '    const handled = batch.map((r) => Math.min(r.createdAt, arrivedS));',
    replace: '    const handled = batch.map((r) => r.createdAt + arrivedS * 0);',
  },
  {
    id: 'forgotten-version-not-restored',
    behaviour:
      "signed metadata: an address's newest version, forgotten while an older one stays watched, is posted again and still ranks without its title",
    file: 'apps/aggregator/src/video-events.ts',
    find: '      results.filter((r) => !ownKnown.has(r.videoId)).map((r) => [r.videoId, r.address, now]),',
    replace:
      "      results.filter((r) => r.status !== 'unchanged' && !ownKnown.has(r.videoId)).map((r) => [r.videoId, r.address, now]),",
  },
  {
    id: 'precompute-metrics-throw-fails-run',
    behaviour:
      'precompute: a metrics dataset that refuses its point turns a run whose KV writes and warming are done into a failed run',
    file: 'apps/precompute/src/precompute-run.ts',
    find: '    console.warn(`writing run metrics to Analytics Engine failed: ',
    replace: '    throw err;\n    console.warn(`writing run metrics to Analytics Engine failed: ',
  },
  {
    id: 'rpc-invalidation-target-unchecked',
    behaviour:
      'ops RPC: invalidate() with a window that does not exist stores a generation for it and fails with an unrelated TypeError',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: '    const windows = this.invalidationWindows(parseInvalidationTarget(target));',
    replace: '    const windows = this.invalidationWindows(target ?? parseInvalidationTarget(target));',
  },
  {
    id: 'held-snapshot-labelled-miss',
    behaviour:
      "read path: a read that reaches the compute layer only because the DO's memory read was over budget, answered from the object's memory, is labelled MISS instead of HIT-DO",
    file: 'apps/api/src/cascade/compute-layer.ts',
    find: "if (held) hit.label = 'HIT-DO';",
    replace: '',
  },
  {
    id: 'known-version-stale',
    behaviour:
      "videos: a version registered before counts as stale, so retrying a batch with an address's older and newer versions is a 409",
    file: 'apps/aggregator/src/video-events.ts',
    find: 'if (held && held.id !== record.id && !known.has(record.id) && !replacesVersion(record, held)) {',
    replace: 'if (held && held.id !== record.id && !replacesVersion(record, held)) {',
  },
  {
    id: 'coordinator-judges-alone',
    behaviour:
      'videos: the coordinator judges a batch without its shards, so after it forgot a watched newer version it accepts an older one',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: 'const elsewhere = this.fleet ? await this.fleet.each((shard) => shard.videoVersions(records)) : [];',
    replace: 'const elsewhere: HeldVersions[] = [];',
  },
  {
    id: 'ingest-message-unchecked',
    behaviour:
      'ingest: the api sends a message its consumer refuses, answering 202 for events the consumer dead-letters',
    file: 'apps/api/src/ingest-queue.ts',
    find: '    if (!checked.success) {',
    replace: '    if (!checked.success && messages.length < 0) {',
  },
  {
    id: 'record-check-without-networks',
    behaviour:
      'record-check: the record ranks without the network rule, so a one-network video shows as missing from live',
    file: 'packages/trending-core/src/analytics-engine-source.ts',
    find: "    setColumn(stats, networks, 'networks', 'networks');",
    replace: '    void networks;',
  },
  {
    id: 'ingest-limit-per-request',
    behaviour: 'ingest limit: counts requests, not events (100 events cost one)',
    file: 'apps/api/src/ingest-limit.ts',
    find: 'Array.from({ length: events }, () => limiter.limit({ key }))',
    replace: '[limiter.limit({ key })]',
  },
  {
    id: 'client-ip-unkeyed',
    behaviour: 'ingest keys: an anonymous sender names its own viewers’ networks with clientIp',
    file: 'apps/api/src/routes/events.ts',
    find: '    if (sender === null) return [{ path, message:',
    replace: '    if (sender === null && path === INGEST_KEY_HEADER) return [{ path, message:',
  },
  {
    id: 'single-flight-off',
    behaviour: 'single flight: concurrent reads of a cold window each compute (a merge awaits its shards)',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: '    const running = fresh ? undefined : this.computing.get(window);',
    replace: '    const running = undefined;',
  },
  {
    id: 'idempotency-off',
    behaviour: 'idempotency: a retried key counts again',
    file: 'apps/aggregator/src/seen-keys.ts',
    find: 'digest === undefined || (!seenBefore.has(i) && fresh.delete(digest))',
    replace: 'digest === undefined || !seenBefore.has(i)',
  },
  {
    id: 'dedup-key-surrogates',
    behaviour:
      'idempotency: a retry of an event counted before the digests, whose key holds a lone surrogate, counts again',
    file: 'apps/aggregator/src/seen-keys.ts',
    find: 'const wellFormed = keys.map((key) => key?.toWellFormed());',
    replace: 'const wellFormed = keys;',
  },
  {
    id: 'dedup-digest-narrow',
    behaviour: 'idempotency: keys stored as 8-bit digests collide, and new views are dropped as duplicates',
    file: 'packages/trending-core/src/dedup-digest.ts',
    find: 'return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, false);',
    replace: 'return BigInt(new DataView(bytes.buffer, bytes.byteOffset, 8).getInt8(0));',
  },
  {
    id: 'ranking-first-page-only',
    behaviour: 'bounded values: a window with more than 2,000 rankable videos ranks only the first 2,000',
    file: 'apps/aggregator/src/window-totals.ts',
    find: '      if (rows.length < LIMITS.rankingPageRows || page.last === null) break;',
    replace: '      break;',
  },
  {
    id: 'row-counts-insert-uncounted',
    behaviour: 'cheap state reads: stats() rows stop counting what ingest stores',
    file: 'apps/aggregator/src/row-counts.ts',
    find: 'BEGIN UPDATE row_counts SET n = n + 1 WHERE',
    replace: 'BEGIN UPDATE row_counts SET n = n + 0 WHERE',
  },
  {
    id: 'health-stats-uncached',
    behaviour: 'health: every health check calls the aggregator, so a flood of them loads it',
    file: 'apps/api/src/periodic-read.ts',
    find: '    if (held && now - held.readAt < this.periodMs && now >= held.readAt) return held.outcome;\n',
    replace: '',
  },
  {
    id: 'idempotency-key-global',
    behaviour: 'idempotency: a key claimed from another network swallows this network’s view',
    file: 'packages/trending-core/src/events.ts',
    find: '[networkKey, event.videoId, event.dedupKey].join',
    replace: '[event.videoId, event.dedupKey].join',
  },
  {
    id: 'viewer-key-unkeyed',
    behaviour: 'viewer keys: the stored key of a known viewer id is recomputable without the secret',
    file: 'apps/api/src/keyed-digest.ts',
    find: "const mac = await crypto.subtle.sign(\n    'HMAC',\n    await hmacKey(secret),\n",
    replace: "const mac = await crypto.subtle.digest(\n    'SHA-256',\n",
  },
  {
    id: 'store-before-reject',
    behaviour: '4xx stores nothing: a batch with one bad timestamp stores its good events',
    file: 'apps/api/src/routes/events.ts',
    find: "  if (timestampIssues.length > 0) throw badRequest('Invalid view events', timestampIssues);",
    replace:
      "  if (timestampIssues.length > 0) {\n    await ingestEvents(env, aggregator, events, addresses.slice(0, events.length).map(clientNetwork), now);\n    throw badRequest('Invalid view events', timestampIssues);\n  }",
  },
  {
    id: 'invalidate-no-bump',
    behaviour: 'invalidation: the generation is not raised, so caches keep the old list',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: '      this.bumpGeneration(window);\n      try {\n        // Not one already in flight',
    replace: '      try {\n        // Not one already in flight',
  },
  {
    id: 'invalidate-no-lock',
    behaviour:
      'invalidation ignores the run lock: a run holding the old generation writes KV after it, which keeps the old list',
    file: 'apps/precompute/src/invalidate.ts',
    find: '  if (!(await acquireRunLock(stub, owner, waitMs))) {',
    replace: '  if (false && !(await acquireRunLock(stub, owner, waitMs))) {',
  },
  {
    id: 'edge-never-stale',
    behaviour: 'edge freshness: an old edge entry is served as fresh and never refreshed',
    file: 'apps/api/src/cascade/edge-layer.ts',
    find: '    return { computation: entry, fresh: false, body: entry };\n',
    replace: '    return { computation: entry, fresh: true, body: entry };\n',
  },
  {
    id: 'edge-window-off',
    behaviour:
      "the window's snapshot at the edge: a read whose own entry is older than served goes to the far aggregator",
    file: 'apps/api/src/cascade/edge-layer.ts',
    find: '    const fromWindow = await fromWindowEntry(request);\n',
    replace: '    const fromWindow: LayerHit | undefined = undefined;\n',
  },
  {
    id: 'edge-fresh-from-computed',
    behaviour: 'edge freshness: an entry refilled from an older snapshot is stale on arrival',
    file: 'packages/trending-core/src/freshness.ts',
    find: '  return now - storedAt <= freshMs ?',
    replace: '  return now - computedAt <= freshMs ?',
  },
  {
    id: 'refresh-lock-off',
    behaviour: 'one refresh per data center: every isolate refreshes a stale edge entry',
    file: 'apps/api/src/cascade/read-through.ts',
    find: '    if (layer.claimRefresh && !(await layer.claimRefresh(request))) return;\n',
    replace: '    await layer.claimRefresh?.(request);\n',
  },
  {
    id: 'batch-flush-unscheduled',
    behaviour: 'metrics and read counts: a batch is sent only by a later request, never at its deadline',
    file: 'apps/api/src/isolate-batch.ts',
    find: '.then(() => (this.flushes === batch ? this.flush(env) : undefined)),',
    replace: '.then(() => undefined),',
  },
  {
    id: 'moderation-filter-off',
    behaviour: 'moderation: a hidden video, creator or hashtag stays in the trending lists',
    file: 'apps/aggregator/src/ranking.ts',
    find: 'kept.length < count && !isHidden(hidden, meta)',
    replace: 'kept.length < count',
  },
  {
    id: 'moderation-local-drop-off',
    behaviour: 'moderation: this data center keeps serving the old lists from memory and edge after a hide',
    file: 'apps/api/src/routes/moderation.ts',
    find: '  dropLocalCopies(keyScope(aggregator), report.windows, ctx);\n',
    replace: '',
  },
  {
    id: 'moderation-purge-unscoped',
    behaviour: "moderation: the purge by tag names tags the key scope's answers do not carry",
    file: 'apps/precompute/src/moderation.ts',
    find: 'trendingWindowCacheTag(scope, window)',
    replace: "trendingWindowCacheTag('', window)",
  },
  {
    id: 'moderation-hidden-forgotten',
    behaviour: 'moderation: what is hidden comes back after the aggregator restarts',
    file: 'apps/aggregator/src/moderation.ts',
    find: '    for (const statement of SCHEMA) this.sql.exec(statement);\n    this.hidden = hiddenSet(this.hiddenItems());\n',
    replace: '    for (const statement of SCHEMA) this.sql.exec(statement);\n',
  },
  {
    id: 'queue-key-missing',
    behaviour:
      'ingest queue: a keyless event gets no dedup key, so a redelivered message is refused or counts twice',
    file: 'apps/api/src/ingest.ts',
    find: 'const clientKey = keyedEvent.dedupKey ?? ',
    replace: 'const clientKey = keyedEvent.dedupKey; void ',
  },
  {
    id: 'queue-poison-acked',
    behaviour: 'ingest queue: a poison message is acked as if committed, and never reaches the dead letters',
    file: 'apps/aggregator/src/ingest-consumer.ts',
    find: '      poison.push(deadLetter(env, message, poisonReason(parsed.issues)));\n      continue;',
    replace: '      message.ack();\n      continue;',
  },
  {
    id: 'queue-send-refusal-swallowed',
    behaviour: 'ingest queue: a refused send is answered 202, and the events are lost',
    file: 'apps/api/src/ingest-queue.ts',
    find: "    console.error('ingest queue send failed', err);\n    throw new ApiError(",
    replace:
      "    console.error('ingest queue send failed', err);\n    if (err) return;\n    throw new ApiError(",
  },
  {
    id: 'hidden-address-not-stored',
    behaviour:
      'moderation: a video hidden by one version id still ranks under a version whose shard forgot the hidden one',
    file: 'apps/aggregator/src/moderation.ts',
    find: "            change.kind === 'video' ? (address ?? null) : null,\n",
    replace: '            null,\n',
  },
  {
    id: 'hidden-address-not-looked-up',
    behaviour: 'moderation: a video hidden before its event arrived ranks under its other versions',
    file: 'apps/aggregator/src/ranking.ts',
    find: '  if (hidden.videos.size === 0) return hidden;\n',
    replace: '  return hidden;\n',
  },
  {
    id: 'invalidate-stops-at-failed-window',
    behaviour:
      'invalidation: one window failing to recompute (a shard out of reach) leaves the others unbumped, and a moderation change answers 500 though applied',
    file: 'apps/aggregator/src/trending-aggregator.ts',
    find: '        // The other windows still get theirs: one unreachable shard must not leave them unbumped.\n',
    replace:
      '        // The other windows still get theirs: one unreachable shard must not leave them unbumped.\n        throw error;\n',
  },
  {
    id: 'recompute-failure-unreported',
    behaviour: 'invalidation: a window bumped but not recomputed is answered 200, as if every list were new',
    file: 'apps/precompute/src/invalidate.ts',
    find: '  if (failed.length === 0) return {};\n',
    replace: '  return {};\n',
  },
  {
    id: 'edge-purge-skipped',
    behaviour:
      "invalidation: this data center's edge keeps serving the old list to isolates that did not take the call",
    file: 'apps/api/src/edge-purge.ts',
    find: '    await purgeWindow(scope, parseWindow(window));\n',
    replace: '    parseWindow(window);\n',
  },
  {
    id: 'hidden-address-lookup-unbounded',
    behaviour: 'moderation: with a long hidden list, every ranking fails on a SQL value over 2 MB',
    file: 'apps/aggregator/src/ranking.ts',
    find: 'source.videoMeta(ids.slice(from, from + LIMITS.rowsPerCall))',
    replace: 'source.videoMeta(ids.slice(from))',
  },
  {
    id: 'precompute-stops-at-failed-window',
    behaviour:
      'precompute: one window failing (a shard out of reach) leaves the others unwritten and unwarmed until their KV copies expire',
    file: 'apps/precompute/src/precompute-run.ts',
    find: '        failed.push({ window, error });\n',
    replace: '        failed.push({ window, error });\n        throw err;\n',
  },
  {
    id: 'precompute-kv-refusal-stops-run',
    behaviour: 'precompute: a key KV refuses in one window leaves the later windows unwritten',
    file: 'apps/precompute/src/precompute-run.ts',
    find: '        if (kv.failed.length > 0) problems.push(',
    replace:
      '        if (kv.failed.length > 0) throw new Error(describeKvFailures(kv.failed));\n        else void (',
  },
  {
    id: 'precompute-empty-windows-accepted',
    behaviour: 'admin: POST /v1/admin/precompute with windows [] is a 500 instead of a 400',
    file: 'apps/api/src/routes/admin.ts',
    find: "  windows: v.optional(v.pipe(v.array(WindowSchema), v.minLength(1, 'windows must name at least one window'))),\n",
    replace: '  windows: v.optional(v.array(WindowSchema)),\n',
  },
  {
    id: 'precompute-lock-not-renewed',
    behaviour:
      'precompute: a run that outlasted its lock keeps writing KV and warming over the invalidation that took it',
    file: 'apps/precompute/src/precompute-run.ts',
    find: '        if (await aggregator.renewRunLock(owner, RUN_LOCK_TTL_MS)) return true;\n',
    replace: '        if (await aggregator.tryLockRun(owner, RUN_LOCK_TTL_MS)) return true;\n',
  },
  {
    id: 'hidden-address-not-filled',
    behaviour:
      'moderation: an id hidden before its event arrived (or before hides kept addresses) never gets its address, and its other versions rank again where a shard forgot it',
    file: 'apps/aggregator/src/moderation.ts',
    find: '"UPDATE moderation_hidden SET address = ? WHERE kind = \'video\' AND value = ? AND address IS NULL",',
    replace: "'SELECT ?, ?',",
  },
  {
    id: 'dead-letter-horizon-unreported',
    behaviour:
      "dead letters: a replay past the dedup keys' lifetime is reported as counted once like any other",
    file: 'packages/trending-core/src/ingest-message.ts',
    find: '  return letters.filter((l) => now > countedOnceUntil(l.receivedAt)).map((l) => l.id);\n',
    replace: '  return letters.filter(() => now < 0).map((l) => l.id);\n',
  },
];
