/**
 * Refunds (`POST /v1/checkout-sessions/:id/refunds`): money given back from a settled session,
 * any number of times, never past its amount, idempotent on the merchant's `Idempotency-Key`.
 * Each refund gives its share of the payment's limit amount back to the payer's monthly limit, in
 * the month of the payment (docs/protocol.md "Refunds"), and sends `refund.succeeded`.
 */
import type { Refund } from '../../protocol/index.js';
import { sha256Hex, stableJson } from '../crypto.js';
import { HttpError } from '../errors.js';
import { generateSortableId } from '../ids.js';
import type { Actor, MerchantRecord, RefundRecord, SessionRecord } from '../store/types.js';
import * as v from '../validate.js';
import type { CheckoutService } from './checkout.js';
import type { DomainContext } from './context.js';
import { refundView } from './views.js';
import { refundWebhookEvent } from './webhook-events.js';

/** Tries when other refunds of the same session keep landing first (compare-and-set). */
const MAX_TRIES = 20;

/**
 * What refunds summing to `refunded` give back of a payment of `amount` that counted `limit`:
 * `floor(limit × refunded / amount)`, so a whole refund gives back exactly `limit` and partial
 * ones never more (BigInt: amounts reach 2^53).
 */
export function limitShare(limit: number, amount: number, refunded: number): number {
  return Number((BigInt(limit) * BigInt(refunded)) / BigInt(amount));
}

const EXCEEDS = 'The refunds of this session would sum past its amount';

export class RefundService {
  private readonly ctx: DomainContext;
  private readonly checkout: CheckoutService;

  constructor(ctx: DomainContext, checkout: CheckoutService) {
    this.ctx = ctx;
    this.checkout = checkout;
  }

  /** The session's refunds, oldest first. */
  async refundsOf(session: SessionRecord): Promise<RefundRecord[]> {
    return session.status === 'settled' ? this.ctx.store.listRefunds(session.id) : [];
  }

  /**
   * `POST /v1/checkout-sessions/:id/refunds`. Checks run in this order: `Idempotency-Key`, body,
   * the session (the merchant's own), an earlier request with the key, settled, the amount.
   */
  async createRefund(
    merchant: MerchantRecord,
    sessionId: string,
    input: unknown,
    idempotencyKeyHeader: unknown,
    actor: Actor,
  ): Promise<{ refund: Refund; replayed: boolean }> {
    const idempotencyKey = v.idempotencyKey(idempotencyKeyHeader);
    const body = input === undefined ? {} : v.object(input);
    v.onlyFields(body, ['amount', 'reason']);
    const amount = body.amount === undefined ? undefined : v.amount(body.amount);
    const reason = v.optionalText(body.reason, 'reason', { max: 200 }) ?? null;
    const session = await this.checkout.merchantSession(merchant, sessionId);
    const requestHash = sha256Hex(stableJson({ sessionId, amount: amount ?? null, reason }));
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const refunds = await this.ctx.store.listRefunds(session.id);
      const earlier = refunds.find((refund) => refund.idempotencyKey === idempotencyKey);
      if (earlier) return { refund: this.repeat(earlier, requestHash), replayed: true };
      if (session.status !== 'settled') {
        throw new HttpError('session_not_settled', 'Only a settled session can be refunded');
      }
      const refunded = refunds.reduce((sum, refund) => sum + refund.amount, 0);
      const value = amount ?? session.amount - refunded;
      if (value <= 0 || refunded + value > session.amount) {
        throw new HttpError('refund_exceeds_amount', EXCEEDS);
      }
      const record = await this.record(session, merchant, value, refunded, {
        idempotencyKey,
        requestHash,
        reason,
      });
      const result = await this.ctx.store.createRefund({
        refund: record,
        expectedRefunded: refunded,
        maxTotal: session.amount,
        audit: {
          ...this.ctx.auditEntry(actor, 'refund.created', session.id, {
            refundId: record.id,
            amount: value,
            currency: record.currency,
            limitAmount: record.limitAmount,
          }),
          merchantId: merchant.id,
          accountId: record.accountId,
        },
        webhook: refundWebhookEvent(record, record.createdAt),
      });
      if (result.outcome === 'conflict') throw this.conflict();
      if (result.outcome !== 'refused') {
        if (result.outcome === 'created') {
          this.ctx.webhookQueued();
          this.notify(session, merchant, result.refund);
        }
        return {
          refund: this.repeat(result.refund, requestHash),
          replayed: result.outcome === 'repeated',
        };
      }
      if (result.conflict === 'over_refund') throw new HttpError('refund_exceeds_amount', EXCEEDS);
      if (result.conflict === 'session_state') throw new HttpError('session_not_settled');
      // refunds_moved: another refund of this session landed first; read again.
    }
    throw new HttpError('rate_limited', 'Too many refunds of this session at once; retry', {
      headers: { 'retry-after': '1' },
    });
  }

  /** Tells the payer's phones (never awaited: a slow notifier cannot hold the refund). */
  private notify(session: SessionRecord, merchant: MerchantRecord, refund: RefundRecord): void {
    const { ctx } = this;
    if (!ctx.notifier.refund) return;
    ctx.notifyLater(async (notifier) => {
      const account = await ctx.store.getAccount(refund.accountId);
      if (account) await notifier.refund?.({ session, merchant, account, refund });
    });
  }

  /** An earlier refund made with this key: the same request gets it again, another is refused. */
  private repeat(refund: RefundRecord, requestHash: string): Refund {
    if (refund.requestHash !== requestHash) throw this.conflict();
    return refundView(refund);
  }

  private conflict(): HttpError {
    return new HttpError(
      'idempotency_conflict',
      'This Idempotency-Key was already used with a different refund request',
    );
  }

  /** The refund to write: its limit share follows from what was refunded before it. */
  private async record(
    session: SessionRecord,
    merchant: MerchantRecord,
    amount: number,
    refunded: number,
    request: { idempotencyKey: string; requestHash: string; reason: string | null },
  ): Promise<RefundRecord> {
    const [entry] = await this.ctx.store.listLedgerEntries({ sessionId: session.id });
    if (!entry) throw new Error(`Settled session ${session.id} has no ledger entry`);
    const now = this.ctx.now();
    const share =
      limitShare(entry.limitAmount, session.amount, refunded + amount) -
      limitShare(entry.limitAmount, session.amount, refunded);
    return {
      id: generateSortableId('re', now),
      sessionId: session.id,
      merchantId: merchant.id,
      accountId: entry.accountId,
      amount,
      currency: session.currency,
      limitAmount: share,
      paymentAt: entry.createdAt,
      ...request,
      createdAt: now,
    };
  }
}
