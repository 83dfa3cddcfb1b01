/**
 * Web Push subscriptions and what a notification opens (docs/protocol.md "Notifications (Web
 * Push)"). A subscription belongs to one account: the account of the card that was just enrolled
 * (the enrolment code, for 15 minutes after the card was saved), or of the card that approved a
 * payment (the phone cookie that claimed it, for 15 minutes after the payment ended with an
 * identified card). Sending is the notifier's (`push/notifier.ts`).
 */
import {
  isTerminalSessionStatus,
  type ErrorCode,
  type PaymentNotice,
  type PaymentNoticeOutcome,
  type PushSubscriptionJson,
  type PushSubscriptionResponse,
  type VapidPublicKeyResponse,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import { checkPushEndpoint } from '../push/endpoints.js';
import { parsePushSubscriptionRequest } from '../push/subscription.js';
import type { VapidKeys } from '../push/vapid.js';
import type { Actor, SessionRecord } from '../store/types.js';
import { iso, type DomainContext } from './context.js';
import type { MerchantService } from './merchants.js';

/** How long after the card was saved, or the payment ended, its phone may subscribe. */
export const PUSH_SUBSCRIBE_WINDOW_MS = 15 * 60_000;
/** Subscriptions one account keeps; a new one beyond this drops the least recently renewed. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_ACCOUNT = 10;

/** Failures that end a session after its card was identified: the page says "refused". */
const IDENTIFIED_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'limit_exceeded',
  'account_frozen',
  'risk_declined',
  'currency_not_supported',
]);

const SESSION_ID = /^cs_[A-Za-z0-9_-]{8,80}$/;

function notAllowed(message: string): HttpError {
  return new HttpError('push_subscription_not_allowed', message);
}

export class PushService {
  private readonly ctx: DomainContext;
  private readonly merchants: MerchantService;
  private readonly vapid: VapidKeys;

  constructor(ctx: DomainContext, merchants: MerchantService, vapid: VapidKeys) {
    this.ctx = ctx;
    this.merchants = merchants;
    this.vapid = vapid;
  }

  /** `GET /v1/push/vapid-public-key`. */
  async vapidPublicKey(): Promise<VapidPublicKeyResponse> {
    return { publicKey: (await this.vapid.load(this.ctx.now())).publicKey };
  }

  /** `POST /v1/enrollments/:code/push-subscription`: for the account the code enrolled a card for. */
  async subscribeFromEnrollment(
    code: string,
    input: unknown,
    actor: Actor,
  ): Promise<PushSubscriptionResponse> {
    const subscription = this.readSubscription(input);
    const enrollment = await this.ctx.store.getEnrollment(sha256Hex(code));
    if (!enrollment) throw new HttpError('not_found', 'No such enrolment code');
    if (enrollment.usedAt === null) {
      throw notAllowed('No card was enrolled with this code yet');
    }
    // A card enrolled with a recovery code is pending through its cooling-off: whoever holds the
    // code must not read the account's payments before the payer could freeze it.
    if (enrollment.activatesAt !== null && this.ctx.now() < enrollment.activatesAt) {
      throw notAllowed('The card enrolled with this code is not active yet');
    }
    if (this.ctx.now() - enrollment.usedAt > PUSH_SUBSCRIBE_WINDOW_MS) {
      throw notAllowed('The card was enrolled over 15 minutes ago; subscribe after a payment');
    }
    await this.save(subscription, enrollment.accountId, actor, { via: 'enrollment' });
    return { status: 'subscribed' };
  }

  /**
   * `POST /v1/handoffs/:code/push-subscription`: for the account whose card approved this phone's
   * payment (`session` is the one the phone cookie claimed, in any status).
   */
  async subscribeFromHandoff(
    session: SessionRecord,
    input: unknown,
    actor: Actor,
  ): Promise<PushSubscriptionResponse> {
    const subscription = this.readSubscription(input);
    const approving = isTerminalSessionStatus(session.status)
      ? await this.ctx.store.approvingAccount(session.id)
      : null;
    if (!approving) throw notAllowed('This payment has not ended with an identified card');
    const endedAt = (await this.lastEventAt(session)) ?? 0;
    if (this.ctx.now() - endedAt > PUSH_SUBSCRIBE_WINDOW_MS) {
      throw notAllowed('This payment ended over 15 minutes ago');
    }
    const card = approving.cardId ? await this.ctx.store.getCard(approving.cardId) : null;
    if (card?.revokedAt != null) throw notAllowed('The card that approved this payment is revoked');
    await this.save(subscription, approving.accountId, actor, {
      via: 'handoff',
      sessionId: session.id,
    });
    return { status: 'subscribed' };
  }

  /**
   * `GET /v1/payment-notices/:sessionId`: what the notification's page shows — merchant, amount,
   * outcome and times; never the card, the account or anything of the merchant's server.
   */
  async paymentNotice(sessionId: string): Promise<PaymentNotice> {
    const session = SESSION_ID.test(sessionId) ? await this.ctx.store.getSession(sessionId) : null;
    if (!session) throw new HttpError('not_found', 'No such payment');
    const merchant = await this.merchants.getMerchant(session.merchantId);
    const ended = isTerminalSessionStatus(session.status);
    const refused =
      session.status === 'failed' &&
      session.errorCode !== null &&
      IDENTIFIED_REFUSALS.has(session.errorCode);
    let outcome: PaymentNoticeOutcome = ended ? 'stopped' : 'pending';
    if (session.status === 'settled') outcome = 'settled';
    else if (refused) outcome = 'refused';
    const endedAt = ended ? await this.lastEventAt(session) : null;
    return {
      sessionId: session.id,
      merchantName: merchant?.name ?? '',
      amount: session.amount,
      currency: session.currency,
      status: session.status,
      outcome,
      ...(refused && session.errorCode ? { reason: session.errorCode } : {}),
      createdAt: iso(session.createdAt),
      endedAt: endedAt === null ? null : iso(endedAt),
    };
  }

  private readSubscription(input: unknown): PushSubscriptionJson {
    const subscription = parsePushSubscriptionRequest(input);
    checkPushEndpoint(subscription.endpoint, this.ctx.config.devPush);
    return subscription;
  }

  /** When the session's latest event (its final status, once ended) was written. */
  private async lastEventAt(session: SessionRecord): Promise<number | null> {
    const [last] = await this.ctx.store.listEventsAfter(session.id, session.eventSeq - 1);
    return last?.createdAt ?? null;
  }

  private async save(
    subscription: PushSubscriptionJson,
    accountId: string,
    actor: Actor,
    detail: { via: string; sessionId?: string },
  ): Promise<void> {
    const account = await this.ctx.store.getAccount(accountId);
    if (!account) throw new HttpError('not_found', 'No such account');
    if (account.frozenAt !== null) throw notAllowed('The account is frozen');
    const now = this.ctx.now();
    await this.ctx.store.savePushSubscription(
      {
        endpoint: subscription.endpoint,
        accountId,
        p256dh: subscription.keys.p256dh,
        auth: subscription.keys.auth,
        createdAt: now,
        updatedAt: now,
        lastSuccessAt: null,
      },
      MAX_PUSH_SUBSCRIPTIONS_PER_ACCOUNT,
      this.ctx.auditEntry(actor, 'push.subscribed', detail.sessionId, {
        accountId,
        via: detail.via,
        // The origin only: the whole endpoint is the browser's address at its push service.
        pushService: new URL(subscription.endpoint).origin,
      }),
    );
  }
}
