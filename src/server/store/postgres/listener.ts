/**
 * Notifications from every process, as their transactions commit: one dedicated connection per
 * store that `LISTEN`s on the channels its subscribers want (session events, merchant changes;
 * each write NOTIFYs in its own transaction, `base.ts`). When the connection is lost it reconnects
 * with backoff and, once listening again, calls every subscriber's `onReconnect`: PostgreSQL does
 * not replay notifications sent while nobody listened, so the subscriber catches up from the
 * tables (`session_events`), or forgets what it cached (merchants).
 */
import pg from 'pg';
import type { SessionEventRecord } from '../types.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, TYPES, type PgStoreOptions } from './database.js';
import { storeError } from './unavailable.js';

/** Reconnection delays: 100 ms, doubling up to 5 s, back to 100 ms after a success. */
export const RECONNECT_MIN_MS = 100;
export const RECONNECT_MAX_MS = 5000;

const STATUSES = new Set([
  'open',
  'claimed',
  'settled',
  'declined',
  'failed',
  'expired',
  'cancelled',
]);

/** The event a notification announces, or null when the payload is not one. */
export function parseEventPayload(payload: string | undefined): SessionEventRecord | null {
  try {
    const value = JSON.parse(payload ?? '') as Record<string, unknown>;
    const { sessionId, seq, status, errorCode, createdAt } = value;
    if (typeof sessionId !== 'string' || typeof seq !== 'number') return null;
    if (typeof status !== 'string' || !STATUSES.has(status) || typeof createdAt !== 'number') {
      return null;
    }
    if (errorCode !== null && typeof errorCode !== 'string') return null;
    return {
      sessionId,
      seq,
      status: status as SessionEventRecord['status'],
      errorCode: errorCode as SessionEventRecord['errorCode'],
      createdAt,
    };
  } catch {
    return null;
  }
}

/** One subscriber: a channel, what to do with each payload, and what to do after a gap. */
export interface ChannelSubscriber {
  /** A fixed identifier of ours (never user input): it is written into `LISTEN` as is. */
  channel: string;
  onPayload(payload: string | undefined): void;
  onReconnect(): void | Promise<void>;
}

/**
 * The store's listening connection, shared by its subscribers: opened with the first, closed with
 * the last. Connecting, `LISTEN` and closing run one at a time (`serial`), so subscribers that
 * arrive together, a reconnection and a stop never interleave on the connection.
 */
export class Notifications {
  private readonly options: PgStoreOptions;
  private readonly subscribers = new Set<ChannelSubscriber>();
  private client: pg.Client | null = null;
  /** Channels the current connection listens on. */
  private listening = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private delay = RECONNECT_MIN_MS;
  /** The connection was lost since subscribers last heard everything: they must catch up. */
  private gap = false;

  constructor(options: PgStoreOptions) {
    this.options = options;
  }

  /**
   * Adds `subscriber` and resolves once its channel is listened to (throws
   * `StoreUnavailableError` when the database cannot be reached) with the function that removes
   * it; the connection closes with the last subscriber.
   */
  async subscribe(subscriber: ChannelSubscriber): Promise<() => Promise<void>> {
    this.subscribers.add(subscriber);
    try {
      await this.serial(() => this.listenTo(subscriber.channel));
    } catch (error) {
      await this.remove(subscriber);
      throw storeError(error);
    }
    return () => this.remove(subscriber);
  }

  /** Removes every subscriber and closes the connection. */
  async close(): Promise<void> {
    this.subscribers.clear();
    await this.serial(() => this.disconnect());
  }

  private async remove(subscriber: ChannelSubscriber): Promise<void> {
    if (!this.subscribers.delete(subscriber)) return;
    if (this.subscribers.size === 0) await this.serial(() => this.disconnect());
  }

  /** Runs `work` after everything queued before it. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async listenTo(channel: string): Promise<void> {
    if (!this.client) {
      // While waiting to reconnect, the retry stays scheduled in case this attempt fails too.
      await this.connect();
      clearTimeout(this.timer);
      this.timer = undefined;
      // Connected while waiting to reconnect: the earlier subscribers missed the gap.
      if (this.gap && this.client) void this.caughtUp();
    } else if (!this.listening.has(channel)) {
      await this.client.query(`LISTEN ${channel}`);
      this.listening.add(channel);
    }
  }

  private channels(): Set<string> {
    return new Set([...this.subscribers].map((subscriber) => subscriber.channel));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // TCP keep-alive finds a peer that vanished without closing (a pulled cable, a failover).
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'dualpay-events',
      types: TYPES,
    });
    let dead = false;
    // Handled always: an unhandled `error` event would end the process.
    const lost = () => {
      dead = true;
      if (this.client === client) this.lose(client);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.deliver(message.channel, message.payload));
    const channels = this.channels();
    try {
      await client.connect();
      for (const channel of channels) await client.query(`LISTEN ${channel}`);
      if (dead) throw new Error('Connection terminated while starting to listen');
    } catch (error) {
      await client.end().catch(() => undefined);
      throw storeError(error);
    }
    if (this.subscribers.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = channels;
  }

  private async disconnect(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.delay = RECONNECT_MIN_MS;
    const client = this.client;
    this.client = null;
    this.listening = new Set();
    this.gap = false;
    await client?.end().catch(() => undefined);
  }

  private deliver(channel: string, payload: string | undefined): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.channel !== channel) continue;
      try {
        subscriber.onPayload(payload);
      } catch (error) {
        this.warn(error, 'PostgreSQL notifications: a handler threw');
      }
    }
  }

  private lose(client: pg.Client): void {
    this.client = null;
    this.listening = new Set();
    this.gap = true;
    void client.end().catch(() => undefined);
    if (this.subscribers.size > 0) this.retryLater();
  }

  private retryLater(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconnect(), this.delay);
    this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    try {
      await this.serial(async () => {
        // A subscriber that came meanwhile may have connected already; the last may have left.
        if (this.client || this.subscribers.size === 0) return;
        await this.connect();
      });
    } catch {
      if (this.subscribers.size > 0 && !this.client) this.retryLater();
      return;
    }
    if (this.gap && this.client) await this.caughtUp();
  }

  /** Listening again after a gap: every subscriber catches up on what it did not hear. */
  private async caughtUp(): Promise<void> {
    this.gap = false;
    this.delay = RECONNECT_MIN_MS;
    for (const subscriber of [...this.subscribers]) {
      try {
        await subscriber.onReconnect();
      } catch (error) {
        this.warn(error, 'PostgreSQL notifications: the reconnect handler threw');
      }
    }
  }

  private warn(error: unknown, message: string): void {
    this.options.logger?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      message,
    );
  }
}
