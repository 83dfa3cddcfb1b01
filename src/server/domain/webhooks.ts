/**
 * Webhooks, the merchant's configuration and the admin API around them: the URL (checked against
 * SSRF when set: `webhooks/target.ts`), signing secrets (shown once, sealed at rest under the
 * key-encryption key when one is set, rolled with an overlap), and the event log with its
 * delivery attempts and manual redelivery. Delivery itself is `webhook-delivery.ts`.
 */
import {
  base64urlDecode,
  base64urlEncode,
  type RollWebhookSecretResponse,
  type WebhookEventPage,
  type WebhookEventType,
  type WebhookEventView,
} from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import { generateSortableId } from '../ids.js';
import { isSealed, seal, unseal } from '../key-encryption.js';
import type {
  Actor,
  WebhookAttemptRecord,
  WebhookEventRecord,
  WebhookSecretRecord,
} from '../store/types.js';
import * as v from '../validate.js';
import { newWebhookSecret } from '../webhooks/sign.js';
import {
  MAX_WEBHOOK_URL,
  WebhookTargetRefused,
  parseWebhookUrl,
  resolveWebhookTarget,
} from '../webhooks/target.js';
import { iso, type DomainContext } from './context.js';

/** The longest overlap of a secret roll: a week, as for secret keys. */
const MAX_SECRET_OVERLAP_SEC = 7 * 24 * 3600;
/** Events a page holds at most. */
export const MAX_WEBHOOK_EVENT_PAGE = 100;

const EVENT_ID = /^evt_[A-Za-z0-9_-]{1,60}$/;

function encodeCursor(id: string): string {
  return base64urlEncode(new TextEncoder().encode(`before:${id}`));
}

function decodeCursor(cursor: string): string {
  try {
    const text = new TextDecoder().decode(base64urlDecode(cursor));
    const id = text.startsWith('before:') ? text.slice('before:'.length) : '';
    if (EVENT_ID.test(id)) return id;
  } catch {
    // Falls through to the refusal.
  }
  throw new HttpError('invalid_request', 'cursor is not one this API gave out');
}

function attemptView(attempt: WebhookAttemptRecord) {
  return {
    at: iso(attempt.at),
    statusCode: attempt.statusCode,
    error: attempt.error,
    durationMs: attempt.durationMs,
    nextAttemptAt: attempt.nextAttemptAt === null ? null : iso(attempt.nextAttemptAt),
  };
}

function eventView(
  event: WebhookEventRecord,
  attempts: readonly WebhookAttemptRecord[],
): WebhookEventView {
  return {
    id: event.id,
    type: event.type as WebhookEventType,
    createdAt: iso(event.createdAt),
    status: event.status,
    nextAttemptAt: event.nextAttemptAt === null ? null : iso(event.nextAttemptAt),
    deliveredAt: event.deliveredAt === null ? null : iso(event.deliveredAt),
    attempts: attempts.filter((a) => a.eventId === event.id).map(attemptView),
  };
}

export class WebhookService {
  private readonly ctx: DomainContext;

  constructor(ctx: DomainContext) {
    this.ctx = ctx;
  }

  /**
   * A `webhookUrl` of a merchant change: null (none), or an https URL whose host resolves only to
   * public addresses (`webhook_url_not_allowed` otherwise). Delivery checks it again each time.
   */
  async checkUrl(value: unknown): Promise<string | null> {
    if (value === null) return null;
    const text = v.text(value, 'webhookUrl', { max: MAX_WEBHOOK_URL });
    try {
      const url = parseWebhookUrl(text, this.ctx.webhookTargets.devWebhooks);
      await resolveWebhookTarget(url, this.ctx.webhookTargets);
      return url.href;
    } catch (error) {
      if (error instanceof WebhookTargetRefused) {
        throw new HttpError('webhook_url_not_allowed', error.message);
      }
      throw error;
    }
  }

  /** A new secret for `merchantId`: the record to store (sealed when a KEK is set) and the secret. */
  newSecret(merchantId: string, now: number): { record: WebhookSecretRecord; secret: string } {
    const id = generateSortableId('whs', now);
    const secret = newWebhookSecret();
    const kek = this.ctx.keyEncryptionKey;
    return {
      record: {
        id,
        merchantId,
        secret: kek ? seal(secret, kek, id) : secret,
        createdAt: now,
        expiresAt: null,
      },
      secret,
    };
  }

  /** The merchant's secrets as operators see them: made and expiry, unexpired only, newest first. */
  async secretViews(
    merchantId: string,
  ): Promise<{ createdAt: string; expiresAt: string | null }[]> {
    const now = this.ctx.now();
    return (await this.ctx.store.listWebhookSecrets(merchantId))
      .filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
      .map((secret) => ({
        createdAt: iso(secret.createdAt),
        expiresAt: secret.expiresAt === null ? null : iso(secret.expiresAt),
      }));
  }

  /** The secrets that sign at `now`, opened, newest first. */
  async signingSecrets(merchantId: string, now: number): Promise<string[]> {
    return (await this.ctx.store.listWebhookSecrets(merchantId))
      .filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
      .map((secret) => this.open(secret));
  }

  private open(record: WebhookSecretRecord): string {
    if (!isSealed(record.secret)) return record.secret;
    const kek = this.ctx.keyEncryptionKey;
    if (!kek) throw new Error('Webhook secrets are sealed; set DUALPAY_KEY_ENCRYPTION_KEY');
    return unseal(record.secret, kek, record.id);
  }

  /**
   * At start: seals secrets stored in clear when a KEK is set, and refuses to start when sealed
   * secrets cannot be opened (no KEK, or another one), as the signing keys do.
   */
  async sealClearSecrets(): Promise<void> {
    const kek = this.ctx.keyEncryptionKey;
    for (const merchant of await this.ctx.store.listMerchants()) {
      for (const secret of await this.ctx.store.listWebhookSecrets(merchant.id)) {
        if (isSealed(secret.secret)) this.open(secret);
        else if (kek) {
          await this.ctx.store.setWebhookSecretValue(
            secret.id,
            seal(secret.secret, kek, secret.id),
          );
        }
      }
    }
  }

  /**
   * `POST /v1/merchants/:id/roll-webhook-secret`: a new secret, shown once; the previous ones keep
   * signing for `expiresInSeconds` (0: stop at once), so every attempt meanwhile carries both.
   */
  async rollSecret(
    merchantId: string,
    input: unknown,
    actor: Actor,
  ): Promise<RollWebhookSecretResponse> {
    const body = input === undefined ? {} : v.object(input);
    v.onlyFields(body, ['expiresInSeconds']);
    const overlapSec =
      body.expiresInSeconds === undefined
        ? 0
        : v.nonNegativeInteger(body.expiresInSeconds, 'expiresInSeconds');
    if (overlapSec > MAX_SECRET_OVERLAP_SEC) {
      throw new HttpError(
        'invalid_request',
        `expiresInSeconds must be at most ${MAX_SECRET_OVERLAP_SEC}`,
      );
    }
    const now = this.ctx.now();
    const previousExpiresAt = now + overlapSec * 1000;
    const { record, secret } = this.newSecret(merchantId, now);
    const rolled = await this.ctx.store.rollWebhookSecret(record, previousExpiresAt, {
      ...this.ctx.auditEntry(actor, 'merchant.webhook_secret_rolled', undefined, {
        expiresInSeconds: overlapSec,
      }),
      merchantId,
    });
    if (!rolled) throw new HttpError('not_found', 'No such merchant');
    return { webhookSecret: secret, previousSecretExpiresAt: iso(previousExpiresAt) };
  }

  /** `GET /v1/merchants/:id/webhook-events`: newest first, with their attempts, in pages. */
  async listEvents(merchantId: string, query: Record<string, unknown>): Promise<WebhookEventPage> {
    v.onlyFields(query, ['cursor', 'limit']);
    const limit =
      v.queryInteger(query.limit, 'limit', { min: 1, max: MAX_WEBHOOK_EVENT_PAGE }) ?? 20;
    const beforeId =
      query.cursor === undefined || query.cursor === ''
        ? undefined
        : decodeCursor(v.text(query.cursor, 'cursor', { max: 200 }));
    if (!(await this.ctx.store.getMerchant(merchantId))) {
      throw new HttpError('not_found', 'No such merchant');
    }
    // One row more than asked tells whether there is a next page.
    const rows = await this.ctx.store.listWebhookEvents({
      merchantId,
      limit: limit + 1,
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    const page = rows.slice(0, limit);
    const attempts = await this.ctx.store.listWebhookAttempts(page.map((event) => event.id));
    const last = page.at(-1);
    return {
      events: page.map((event) => eventView(event, attempts)),
      nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    };
  }

  /**
   * `POST /v1/webhook-events/:id/redeliver`: due now, as a new attempt with the same id (the
   * receiver deduplicates on it). An event that had been given up is tried once more; its
   * schedule goes on from its age.
   */
  async redeliver(id: string, actor: Actor): Promise<WebhookEventView> {
    if (!EVENT_ID.test(id)) throw new HttpError('not_found', 'No such webhook event');
    const known = await this.ctx.store.getWebhookEvent(id);
    if (!known) throw new HttpError('not_found', 'No such webhook event');
    const event = await this.ctx.store.redeliverWebhookEvent(id, this.ctx.now(), {
      ...this.ctx.auditEntry(actor, 'webhook.redelivery_requested', undefined, { eventId: id }),
      merchantId: known.merchantId,
    });
    if (!event) throw new HttpError('not_found', 'No such webhook event');
    this.ctx.webhookQueued();
    return eventView(event, await this.ctx.store.listWebhookAttempts([id]));
  }
}
