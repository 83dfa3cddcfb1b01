/**
 * Committed session events from every process, as they commit: one dedicated connection that
 * `LISTEN`s on the events channel (each event write NOTIFYs in its transaction, `base.ts`). When
 * the connection is lost it reconnects with backoff and, once listening again, calls
 * `onReconnect` so that the caller catches up from `session_events`: notifications sent while
 * nobody listened are not replayed by PostgreSQL, but the table holds every event.
 */
import pg from 'pg';
import type { SessionEventRecord } from '../types.js';
import { EVENTS_CHANNEL } from './base.js';
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

export class EventSubscription {
  private readonly options: PgStoreOptions;
  private readonly onEvent: (event: SessionEventRecord) => void;
  private readonly onReconnect: () => void | Promise<void>;
  private client: pg.Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private delay = RECONNECT_MIN_MS;

  constructor(
    options: PgStoreOptions,
    onEvent: (event: SessionEventRecord) => void,
    onReconnect: () => void | Promise<void>,
  ) {
    this.options = options;
    this.onEvent = onEvent;
    this.onReconnect = onReconnect;
  }

  /** Connects and listens; throws `StoreUnavailableError` when the first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
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
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (dead) throw new Error('Connection terminated while starting to listen');
    } catch (error) {
      await client.end().catch(() => undefined);
      throw storeError(error);
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private deliver(payload: string | undefined): void {
    const event = parseEventPayload(payload);
    if (!event) {
      this.options.logger?.warn({ payload }, 'PostgreSQL events: a notification that is no event');
      return;
    }
    try {
      this.onEvent(event);
    } catch (error) {
      this.warn(error, 'PostgreSQL events: the event handler threw');
    }
  }

  private lose(client: pg.Client): void {
    this.client = null;
    void client.end().catch(() => undefined);
    if (!this.stopped) this.retryLater();
  }

  private retryLater(): void {
    this.timer = setTimeout(() => void this.reconnect(), this.delay);
    this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
    } catch {
      if (!this.stopped) this.retryLater();
      return;
    }
    if (this.stopped) return;
    this.delay = RECONNECT_MIN_MS;
    try {
      await this.onReconnect();
    } catch (error) {
      this.warn(error, 'PostgreSQL events: the reconnect handler threw');
    }
  }

  private warn(error: unknown, message: string): void {
    this.options.logger?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      message,
    );
  }
}
