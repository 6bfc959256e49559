import { DurableObject } from 'cloudflare:workers';
import {
  AGGREGATOR_OBJECT_NAME,
  INTERVALS,
  LIMITS,
  type RelayState,
  type RelayStatus,
  type VideoEventRecord,
  verifyVideoEvent,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { parseRelayMessage, videoEventsReq } from './nostr-relay-messages.ts';
import { aggregatorFor } from './precompute-run.ts';

/**
 * The relay bridge: one Durable Object per aggregator, holding an outbound WebSocket to each
 * configured relay, subscribed to video events (NIP-01 REQ for kinds 34236, 21, 22). Each event
 * is verified by trending-core's verifyVideoEvent, the rules POST /v1/videos applies, and the
 * verified ones go to the aggregator's registerVideos in small batches, where the same stale
 * version rule refuses an event older than its address's stored one. So a relay's event and a
 * posted one become metadata the same way, and a mis-signed one is refused and counted.
 *
 * Per relay the object stores the newest created_at handled, so a new subscription (after a
 * drop, an eviction, a deploy) asks from it (`since`, less INTERVALS.relaySinceOverlapS). During
 * the stored-events phase a relay sends newest first, so the mark moves only at EOSE; live events
 * after it move it one by one. A failed registration ends the subscription before anything queued
 * behind it can move the mark, and the mark is never ahead of the clock. A lost socket is retried
 * after an exponential backoff; the alarm (and the precompute cron, through `sync`) reconnects
 * after the object was evicted.
 */

/** What the cron (or a test) tells the bridge: which aggregator it feeds, from which relays. */
export interface RelayBridgeConfig {
  aggregator: string;
  relays: string[];
}

/** What is kept per relay in storage: the resume mark and the counters status shows. */
type RelayRecord = Omit<RelayStatus, 'url' | 'state'>;

/** One relay's live socket state (memory only: an evicted object starts over from storage). */
interface RelayLink {
  url: string;
  state: RelayState;
  socket?: WebSocket;
  /** Failed attempts since the last subscription that reached EOSE (the backoff's exponent). */
  failures: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  /** Until EOSE: the newest created_at of this subscription's stored events. */
  storedPhase: boolean;
  newestStored: number | null;
  /** Verified events waiting for registerVideos. */
  pending: VideoEventRecord[];
  /** Registrations and the EOSE mark run one after another, in the order the frames came. */
  chain: Promise<void>;
  /**
   * Raised when a registration fails: the steps queued before it (later batches, the EOSE mark)
   * are skipped, since the new subscription asks for their events again from the unmoved mark.
   */
  attempt: number;
}

const CONFIG_KEY = 'config';
const recordKey = (url: string) => `relay:${url}`;
const SUBSCRIPTION_ID = 'openvine-video-events';

const emptyRecord = (): RelayRecord => ({
  lastEventAt: null,
  lastCreatedAt: null,
  eventsReceived: 0,
  eventsRegistered: 0,
  eventsRefused: 0,
  reconnects: 0,
});

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The bridge of an aggregator (the production one unless named). */
export function relayBridgeFor(env: PrecomputeEnv, aggregator = AGGREGATOR_OBJECT_NAME) {
  return env.RELAY_BRIDGE.get(env.RELAY_BRIDGE.idFromName(aggregator));
}

export class RelayBridge extends DurableObject<PrecomputeEnv> {
  private config: RelayBridgeConfig | null = null;
  private readonly records = new Map<string, RelayRecord>();
  private readonly links = new Map<string, RelayLink>();

  constructor(ctx: DurableObjectState, env: PrecomputeEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.config = (await ctx.storage.get<RelayBridgeConfig>(CONFIG_KEY)) ?? null;
      const stored = await ctx.storage.list<RelayRecord>({ prefix: 'relay:' });
      for (const [key, record] of stored) this.records.set(key.slice('relay:'.length), record);
      // Woken after an eviction (by the alarm, the cron, a status read): reconnect at once.
      this.connectAll();
    });
  }

  /** Sets what the bridge feeds from where, opens what is not open, and returns the status. */
  async sync(config: RelayBridgeConfig): Promise<RelayStatus[]> {
    const relays = config.relays.slice(0, LIMITS.relayBridge.relays);
    const next = { aggregator: config.aggregator, relays };
    if (JSON.stringify(next) !== JSON.stringify(this.config)) {
      this.config = next;
      await this.ctx.storage.put(CONFIG_KEY, next);
    }
    for (const [url, link] of this.links) {
      if (!relays.includes(url)) this.drop(link);
    }
    this.connectAll();
    await this.keepAlive();
    return this.status();
  }

  /** Each configured relay's state and counters, in configuration order. */
  async status(): Promise<RelayStatus[]> {
    return (this.config?.relays ?? []).map((url) => ({
      url,
      state: this.links.get(url)?.state ?? 'idle',
      ...(this.records.get(url) ?? emptyRecord()),
    }));
  }

  override async alarm(): Promise<void> {
    this.connectAll();
    // The alarm that fired is spent: set the next one without asking whether one is set.
    await this.keepAlive(true);
  }

  /** An alarm every INTERVALS.relayBridgeAlarmMs while relays are configured, none otherwise. */
  private async keepAlive(rearm = false): Promise<void> {
    if ((this.config?.relays.length ?? 0) === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    if (rearm || (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + INTERVALS.relayBridgeAlarmMs);
    }
  }

  /** Opens every configured relay that has no socket and waits for no retry. */
  private connectAll(): void {
    for (const url of this.config?.relays ?? []) {
      const link = this.links.get(url) ?? this.newLink(url);
      if (link.state === 'idle') void this.open(link);
    }
  }

  private newLink(url: string): RelayLink {
    const link: RelayLink = {
      url,
      state: 'idle',
      failures: 0,
      storedPhase: true,
      newestStored: null,
      pending: [],
      chain: Promise.resolve(),
      attempt: 0,
    };
    this.links.set(url, link);
    return link;
  }

  private record(url: string): RelayRecord {
    let record = this.records.get(url);
    if (!record) {
      record = emptyRecord();
      this.records.set(url, record);
    }
    return record;
  }

  private async save(url: string): Promise<void> {
    await this.ctx.storage.put(recordKey(url), this.record(url));
  }

  private async open(link: RelayLink): Promise<void> {
    link.state = 'connecting';
    link.storedPhase = true;
    link.newestStored = null;
    try {
      // fetch upgrades http(s) URLs: wss://relay → https://relay with `Upgrade: websocket`.
      // A relay that never answers must not hold the link in `connecting` for good.
      const response = await fetch(link.url.replace(/^ws/, 'http'), {
        headers: { Upgrade: 'websocket' },
        signal: AbortSignal.timeout(INTERVALS.relayConnectTimeoutMs),
      });
      const socket = response.webSocket;
      if (!socket) throw new Error(`relay answered ${response.status}, not a WebSocket`);
      socket.accept();
      if (this.links.get(link.url) !== link) {
        // Removed from the configuration while connecting.
        socket.close(1000, 'relay no longer configured');
        return;
      }
      link.socket = socket;
      link.state = 'open';
      socket.addEventListener('message', (event) => {
        // A socket given up (a failed registration closes it) may still deliver frames it had.
        if (link.socket === socket) this.onFrame(link, event.data);
      });
      socket.addEventListener('close', (event) => this.onLost(link, socket, `closed (${event.code})`));
      socket.addEventListener('error', () => this.onLost(link, socket, 'socket error'));
      const mark = this.record(link.url).lastCreatedAt;
      socket.send(
        videoEventsReq(
          SUBSCRIPTION_ID,
          mark === null ? null : Math.max(0, mark - INTERVALS.relaySinceOverlapS),
        ),
      );
    } catch (err) {
      this.onLost(link, undefined, errorText(err));
    }
  }

  /** The socket is gone (or never opened): retry after the backoff, unless the relay was removed. */
  private onLost(link: RelayLink, socket: WebSocket | undefined, error: string): void {
    if (link.socket !== socket || link.state === 'backoff') return; // an older socket's late event
    link.socket = undefined;
    if (this.links.get(link.url) !== link) return;
    const record = this.record(link.url);
    record.lastError = error;
    link.state = 'backoff';
    const wait = Math.min(INTERVALS.relayBackoffFirstMs * 2 ** link.failures, INTERVALS.relayBackoffMaxMs);
    link.failures += 1;
    link.retryTimer = setTimeout(() => {
      link.retryTimer = undefined;
      if (this.links.get(link.url) !== link) return;
      record.reconnects += 1;
      void this.open(link);
    }, wait);
    void this.save(link.url);
  }

  private closeAndRetry(link: RelayLink, error: string): void {
    const socket = link.socket;
    this.onLost(link, socket, error);
    try {
      socket?.close(1000, 'resubscribing');
    } catch {
      // Already closing.
    }
  }

  /** Closes a relay removed from the configuration; its counters stay in storage. */
  private drop(link: RelayLink): void {
    this.links.delete(link.url);
    if (link.retryTimer) clearTimeout(link.retryTimer);
    const socket = link.socket;
    link.socket = undefined;
    link.state = 'idle';
    try {
      socket?.close(1000, 'relay no longer configured');
    } catch {
      // Already closing.
    }
  }

  private onFrame(link: RelayLink, frame: string | ArrayBuffer): void {
    const message = parseRelayMessage(frame);
    const record = this.record(link.url);
    switch (message.type) {
      case 'EVENT': {
        if (message.subscriptionId !== SUBSCRIPTION_ID) return;
        record.eventsReceived += 1;
        record.lastEventAt = Date.now();
        const verdict = verifyVideoEvent(message.event, Date.now());
        if (!verdict.ok) {
          record.eventsRefused += 1;
          record.lastError = `refused an event: ${verdict.code}: ${verdict.message}`;
          return;
        }
        link.pending.push(verdict.record);
        this.enqueue(link, () => this.registerPending(link));
        return;
      }
      case 'EOSE':
        if (message.subscriptionId !== SUBSCRIPTION_ID) return;
        this.enqueue(link, () => this.endOfStored(link));
        return;
      case 'CLOSED':
        if (message.subscriptionId !== SUBSCRIPTION_ID) return;
        // The relay ended the subscription: resubscribe on a new socket after the backoff.
        this.closeAndRetry(link, `closed by the relay: ${message.message}`);
        return;
      case 'NOTICE':
        record.lastError = `notice: ${message.message}`;
        return;
      default:
        return;
    }
  }

  private enqueue(link: RelayLink, step: () => Promise<void>): void {
    const attempt = link.attempt;
    const current = () => (link.attempt === attempt ? step() : undefined);
    link.chain = link.chain.then(current).catch((err) => {
      console.error('relay bridge step failed', link.url, err);
    });
  }

  /** Registers up to a batch of the pending events (more frames may have come since it was queued). */
  private async registerPending(link: RelayLink): Promise<void> {
    let batch = link.pending.splice(0, LIMITS.relayBridge.registerBatch);
    if (batch.length === 0 || !this.config) return;
    const record = this.record(link.url);
    const aggregator = aggregatorFor(this.env, this.config.aggregator);
    // A created_at may run up to 5 minutes ahead (verifyVideoEvent): as the mark, it would make the
    // next subscription's `since` skip every event of those minutes, so the mark is capped at now.
    const arrivedS = Math.floor(Date.now() / 1000);
    const handled = batch.map((r) => Math.min(r.createdAt, arrivedS));
    try {
      while (batch.length > 0) {
        const outcome = await aggregator.registerVideos(batch);
        if (outcome.ok) {
          record.eventsRegistered += outcome.accepted;
          break;
        }
        // All or none: drop the events older than their stored version, register the rest.
        const stale = new Set(outcome.stale.map((s) => s.index));
        record.eventsRefused += stale.size;
        batch = batch.filter((_, index) => !stale.has(index));
      }
    } catch (err) {
      // Not registered: the mark does not move past them, and a new subscription asks again.
      // Neither may a step queued behind this one: an EOSE would move it to the newest stored
      // event registered before, past these older ones, and they would never be asked for again.
      link.attempt += 1;
      link.pending = [];
      this.closeAndRetry(link, `registerVideos failed: ${errorText(err)}`);
      await this.save(link.url);
      return;
    }
    const newest = Math.max(...handled);
    if (link.storedPhase) link.newestStored = Math.max(link.newestStored ?? newest, newest);
    else record.lastCreatedAt = Math.max(record.lastCreatedAt ?? newest, newest);
    await this.save(link.url);
  }

  /** EOSE: every stored event before it is registered, so the mark moves to the newest of them. */
  private async endOfStored(link: RelayLink): Promise<void> {
    const record = this.record(link.url);
    if (link.newestStored !== null) {
      record.lastCreatedAt = Math.max(record.lastCreatedAt ?? link.newestStored, link.newestStored);
    }
    link.storedPhase = false;
    link.failures = 0;
    await this.save(link.url);
  }
}
