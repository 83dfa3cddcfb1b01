/**
 * Delivers the webhook outbox, at least once. Each tick claims the due events with a lease
 * (`Store.claimWebhookEvents`: with several processes, one process has an event at a time),
 * POSTs each one signed (`webhooks/sign.ts`) to the merchant's current URL after checking its
 * addresses again (`webhooks/target.ts`), records the attempt, and marks the event delivered (a
 * 2xx answer), due again after the next delay of the schedule, or given up once it is older than
 * `giveUpAfterMs`. Events are rows: after a crash the restarted process goes on where the
 * schedule stands (an attempt cut off by the crash is tried again when its lease ends).
 */
import { randomUUID } from 'node:crypto';
import type { WebhookEventRecord } from '../store/types.js';
import { postWebhook, type SendResult } from '../webhooks/send.js';
import { signatureHeaders } from '../webhooks/sign.js';
import {
  WebhookTargetRefused,
  parseWebhookUrl,
  resolveWebhookTarget,
  type WebhookTarget,
} from '../webhooks/target.js';
import type { DomainContext } from './context.js';
import type { WebhookService } from './webhooks.js';

/** Standard Webhooks' suggested backoff, then hourly: 10 s, 30 s, 1 min, 5 min, 30 min, 1 h. */
export const DEFAULT_RETRY_DELAYS_MS = [10_000, 30_000, 60_000, 300_000, 1_800_000, 3_600_000];

export interface WebhookDeliveryOptions {
  /** Wait after the n-th failed attempt (the last entry repeats). Default `DEFAULT_RETRY_DELAYS_MS`. */
  retryDelaysMs?: readonly number[];
  /** A failed attempt gives the event up once it is this old. Default 24 h. */
  giveUpAfterMs?: number;
  /** Time for one attempt, answer head included. Default 10 s. */
  timeoutMs?: number;
  /** Attempts in flight at once, per process. Default 16. */
  concurrency?: number;
}

/** A claim outlives the longest attempt (its DNS look-up, the POST and the record) by this much. */
const LEASE_MARGIN_MS = 50_000;
/** Delays get up to this share added at random, so retries of a merchant's events spread out. */
const JITTER = 0.1;

export class WebhookDelivery {
  private readonly ctx: DomainContext;
  private readonly webhooks: WebhookService;
  private readonly delays: readonly number[];
  private readonly giveUpAfterMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;

  constructor(ctx: DomainContext, webhooks: WebhookService, options: WebhookDeliveryOptions = {}) {
    this.ctx = ctx;
    this.webhooks = webhooks;
    this.delays = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.giveUpAfterMs = options.giveUpAfterMs ?? 24 * 3_600_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Ticks every `intervalMs`, and at once after a write that queued an event. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.ctx.webhookQueued = () => this.kick();
    this.kick();
  }

  /** Runs a tick soon; a tick never overlaps another (one asked for meanwhile runs after it). */
  kick(): void {
    if (this.stopping.signal.aborted) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    setImmediate(() => {
      this.tick()
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'webhook delivery failed'))
        .finally(() => {
          this.ticking = false;
          if (this.again) {
            this.again = false;
            this.kick();
          }
        });
    });
  }

  /** Claims what is due (up to the free places) and starts delivering it; returns how many. */
  private async tick(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const now = this.ctx.now();
    const lockToken = randomUUID();
    const events = await this.ctx.store.claimWebhookEvents({
      now,
      lockedUntil: now + this.timeoutMs + LEASE_MARGIN_MS,
      lockToken,
      limit: free,
    });
    for (const event of events) {
      const delivery: Promise<void> = this.deliver(event, lockToken)
        .catch((error: unknown) =>
          this.ctx.logger.warn({ err: error, eventId: event.id }, 'webhook attempt not recorded'),
        )
        .finally(() => {
          this.inFlight.delete(delivery);
          // A place is free again: anything still due need not wait for the next interval.
          if (events.length === free) this.kick();
        });
      this.inFlight.add(delivery);
    }
    return events.length;
  }

  /** One pass by hand (tests, tools): claims what is due and waits for those attempts. */
  async deliverDue(): Promise<number> {
    const claimed = await this.tick();
    await Promise.all([...this.inFlight]);
    return claimed;
  }

  /** Stops ticking; attempts in flight are cut off (each is recorded and rescheduled). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.ctx.webhookQueued = () => undefined;
    this.stopping.abort();
    await Promise.all([...this.inFlight]);
  }

  private async deliver(event: WebhookEventRecord, lockToken: string): Promise<void> {
    const started = Date.now();
    const at = this.ctx.now();
    const merchant = await this.ctx.store.getMerchant(event.merchantId);
    const url = merchant?.webhookUrl ?? null;
    let result: SendResult;
    if (url === null) {
      // The merchant removed its URL: nothing to send to, now or later.
      await this.record(event, lockToken, at, '', { error: 'no webhook URL' }, 0, true);
      return;
    }
    try {
      const target = await this.target(url);
      const secrets = await this.webhooks.signingSecrets(event.merchantId, at);
      const headers = signatureHeaders(event.id, new Date(at), event.payload, secrets);
      result = await postWebhook(target, event.payload, headers, {
        timeoutMs: this.timeoutMs,
        signal: this.stopping.signal,
      });
    } catch (error) {
      if (!(error instanceof WebhookTargetRefused)) throw error;
      result = { error: `refused: ${error.message}` };
    }
    await this.record(event, lockToken, at, url, result, Date.now() - started, false);
  }

  /** The URL's target, its addresses checked again now (DNS may have changed since it was set). */
  private target(url: string): Promise<WebhookTarget> {
    return resolveWebhookTarget(
      parseWebhookUrl(url, this.ctx.webhookTargets.devWebhooks),
      this.ctx.webhookTargets,
    );
  }

  private async record(
    event: WebhookEventRecord,
    lockToken: string,
    at: number,
    url: string,
    result: SendResult,
    durationMs: number,
    giveUp: boolean,
  ): Promise<void> {
    const statusCode = 'statusCode' in result ? result.statusCode : null;
    const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const now = this.ctx.now();
    const outcome = delivered
      ? ({ status: 'delivered' } as const)
      : giveUp || now - event.createdAt >= this.giveUpAfterMs
        ? ({ status: 'failed' } as const)
        : ({ status: 'pending', nextAttemptAt: now + this.delay(event.attempts) } as const);
    await this.ctx.store.recordWebhookAttempt({
      eventId: event.id,
      lockToken,
      at,
      url,
      statusCode,
      error: 'error' in result ? result.error : null,
      durationMs,
      outcome,
    });
  }

  /** The wait after the (`attempts` + 1)-th failed attempt, with a little jitter. */
  private delay(attempts: number): number {
    const base = this.delays[Math.min(attempts, this.delays.length - 1)] ?? 3_600_000;
    return Math.round(base * (1 + Math.random() * JITTER));
  }
}
