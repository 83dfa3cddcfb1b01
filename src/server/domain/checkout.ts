/**
 * Checkout sessions: creation (idempotent), the merchant's and the page's views, polling with
 * `interval`, cancellation and expiry. Every end of a session goes through `end`, which wakes the
 * session's streams.
 */
import {
  ERROR_SUMMARIES,
  SESSION_TTL_MS,
  STATUS_ERROR_CODES,
  base64urlEncode,
  generateBindingCode,
  isTerminalSessionStatus,
  randomBytes,
  type ErrorCode,
  type PublicSession,
  type Session,
  type SessionStatus,
  type TerminalSessionStatus,
} from '../../protocol/index.js';
import { sha256Hex, stableJson, transactionHashSync } from '../crypto.js';
import { HttpError } from '../errors.js';
import { generateSortableId } from '../ids.js';
import type { Actor, MerchantRecord, Outcome, SessionRecord } from '../store/types.js';
import * as v from '../validate.js';
import { iso, type DomainContext } from './context.js';
import type { MerchantService } from './merchants.js';
import { refusalError } from './refusals.js';
import { sessionView } from './views.js';
import { sessionWebhookEvent } from './webhook-events.js';

/** Polls this much earlier than `interval` are still accepted (network jitter). */
const POLL_TOLERANCE_MS = 250;

export class CheckoutService {
  private readonly ctx: DomainContext;
  private readonly merchants: MerchantService;
  private readonly lastPollAt = new Map<string, number>();

  constructor(ctx: DomainContext, merchants: MerchantService) {
    this.ctx = ctx;
    this.merchants = merchants;
  }

  /** `POST /v1/checkout-sessions` for `merchant`, idempotent on `Idempotency-Key`. */
  async createCheckoutSession(
    merchant: MerchantRecord,
    input: unknown,
    idempotencyKeyHeader: unknown,
    actor: Actor,
  ): Promise<{ session: Session; replayed: boolean }> {
    const idempotencyKey = v.idempotencyKey(idempotencyKeyHeader);
    const body = v.object(input);
    v.onlyFields(body, ['amount', 'currency', 'orderId', 'description', 'metadata']);
    const amount = v.amount(body.amount);
    const currency = v.currency(body.currency);
    const orderId = v.text(body.orderId, 'orderId', { max: 128 });
    const description =
      v.optionalText(body.description, 'description', { min: 0, max: 500, multiline: true }) ?? '';
    const metadata = v.metadata(body.metadata);
    await this.ctx.rateLimit('sessionCreate', merchant.id);

    const requestHash = sha256Hex(stableJson({ amount, currency, orderId, description, metadata }));
    const now = this.ctx.now();
    const id = generateSortableId('cs', now);
    const record: SessionRecord = {
      id,
      merchantId: merchant.id,
      status: 'open',
      amount,
      currency,
      orderId,
      description,
      metadata,
      clientSecret: `${id}_secret_${base64urlEncode(randomBytes(24))}`,
      bindingCode: generateBindingCode(),
      txn: transactionHashSync({
        amount,
        currency,
        merchantId: merchant.id,
        orderId,
        sessionId: id,
      }),
      idempotencyKey,
      requestHash,
      phoneTokenHash: null,
      failedAttempts: 0,
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
      settlementId: null,
      settlementToken: null,
      errorCode: null,
      eventSeq: 0,
      pageNetwork: null,
    };
    const audit = this.ctx.auditEntry(actor, 'session.created', id, { amount, currency, orderId });
    const result = await this.ctx.store.createSession(record, audit);
    if (result.outcome === 'conflict') {
      throw new HttpError(
        'idempotency_conflict',
        'This Idempotency-Key was already used with a different request body',
      );
    }
    return { session: this.toSession(result.session), replayed: result.outcome === 'repeated' };
  }

  /** The session, expiring it first if its deadline has passed. */
  async loadSession(id: string): Promise<SessionRecord | null> {
    const session = await this.ctx.store.getSession(id);
    const now = this.ctx.now();
    if (session && !isTerminalSessionStatus(session.status) && now >= session.expiresAt) {
      await this.expire(session, now);
      return this.ctx.store.getSession(id);
    }
    return session;
  }

  /** A merchant's own session (404 for anyone else's). */
  async merchantSession(merchant: MerchantRecord, id: string): Promise<SessionRecord> {
    const session = await this.loadSession(id);
    if (!session || session.merchantId !== merchant.id) {
      throw new HttpError('not_found', 'No such checkout session');
    }
    return session;
  }

  /**
   * The session a client secret belongs to. `unauthorized` when the secret matches no session;
   * `not_found` when it belongs to a different session than `id`.
   */
  async clientSession(clientSecret: string, id: string): Promise<SessionRecord> {
    const owner = await this.ctx.store.getSessionByClientSecret(clientSecret);
    if (!owner) throw new HttpError('unauthorized', 'The client secret is not valid');
    if (owner.id !== id) throw new HttpError('not_found', 'No such checkout session');
    return (await this.loadSession(id)) ?? owner;
  }

  /** The merchant server's view of a session (without its refunds). */
  toSession(record: SessionRecord): Session {
    return sessionView(record);
  }

  /** The page's view of a session, as of `event` (default: now). */
  async toPublicSession(
    record: SessionRecord,
    event: { status: SessionStatus; errorCode: ErrorCode | null } = record,
  ): Promise<PublicSession> {
    const merchant = await this.merchants.getMerchant(record.merchantId);
    const errorCode = event.errorCode ?? null;
    return {
      id: record.id,
      status: event.status,
      amount: record.amount,
      currency: record.currency,
      merchantName: merchant?.name ?? '',
      description: record.description,
      expiresAt: iso(record.expiresAt),
      bindingCode: record.bindingCode,
      interval: this.ctx.config.pollIntervalSec,
      ...(event.status === 'settled' && record.settlementToken
        ? { settlementToken: record.settlementToken }
        : {}),
      ...(errorCode ? { error: { code: errorCode, message: ERROR_SUMMARIES[errorCode] } } : {}),
    };
  }

  /**
   * `GET /v1/checkout-sessions/:id/public`: enforces `interval` (RFC 8628 §3.5: a client polling
   * faster gets `slow_down` and must add 5 s).
   */
  async getPublicSession(session: SessionRecord): Promise<PublicSession> {
    const now = this.ctx.now();
    const last = this.lastPollAt.get(session.id);
    const { pollIntervalSec } = this.ctx.config;
    if (last !== undefined && now - last < pollIntervalSec * 1000 - POLL_TOLERANCE_MS) {
      throw new HttpError('slow_down', `Poll at most every ${pollIntervalSec} s; add 5 s`, {
        headers: { 'retry-after': String(pollIntervalSec) },
      });
    }
    this.lastPollAt.set(session.id, now);
    return this.toPublicSession(session);
  }

  /** `POST /v1/checkout-sessions/:id/cancel`: cancels an unsettled session (merchant or page). */
  async cancelCheckoutSession(session: SessionRecord, actor: Actor): Promise<Session> {
    const result = await this.end(session, ['open', 'claimed'], 'cancelled', actor);
    if (!result.ok) throw refusalError(result, this.ctx.now());
    return this.toSession(result.session);
  }

  /**
   * Ends `session` in `to` when it is in one of `from` (one conditional write, carrying the
   * merchant's webhook event), and wakes its streams. Only expiry may happen after the deadline.
   * A person's refused step is audited; the sweeper losing a race to a payer is routine and is not.
   */
  async end(
    session: SessionRecord,
    from: readonly SessionStatus[],
    to: TerminalSessionStatus,
    actor: Actor,
    options: { errorCode?: ErrorCode; now?: number; detail?: Record<string, unknown> } = {},
  ): Promise<Outcome<{ session: SessionRecord }>> {
    const now = options.now ?? this.ctx.now();
    const action = `session.${to}`;
    const errorCode = options.errorCode ?? STATUS_ERROR_CODES[to];
    const webhook = sessionWebhookEvent({ ...session, status: to, errorCode }, now);
    const result = await this.ctx.store.finish({
      sessionId: session.id,
      from,
      to,
      errorCode,
      ...(to === 'expired' ? {} : { unexpiredAt: now }),
      now,
      audit: this.ctx.auditEntry(actor, action, session.id, options.detail, now),
      ...(webhook ? { webhook } : {}),
    });
    if (result.ok) {
      this.ctx.publish(result.session);
      this.ctx.webhookQueued();
    } else if (actor.actor !== 'system' && result.session) {
      await this.ctx.audit(actor, `${action}.refused`, session.id, {
        reason: refusalError(result, now).code,
        status: result.session.status,
      });
    }
    return result;
  }

  private async expire(session: SessionRecord, now: number): Promise<boolean> {
    return (await this.end(session, ['open', 'claimed'], 'expired', { actor: 'system' }, { now }))
      .ok;
  }

  /** Expires every due session. */
  async sweepExpired(now: number): Promise<number> {
    let expired = 0;
    for (;;) {
      const ids = await this.ctx.store.listExpiredSessionIds(now, 500);
      for (const id of ids) {
        // The record renders the merchant's webhook event; one read per expiry.
        const session = await this.ctx.store.getSession(id);
        if (session && (await this.expire(session, now))) expired++;
      }
      if (ids.length < 500) break;
    }
    return expired;
  }

  /** Forgets this process's poll times of sessions that are long over. */
  forgetOldPolls(now: number): void {
    for (const [id, at] of this.lastPollAt) {
      if (now - at > SESSION_TTL_MS) this.lastPollAt.delete(id);
    }
  }
}
