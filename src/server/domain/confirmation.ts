/**
 * Two-factor approval and settlement. The phone proves the binding number (what the payer sees on
 * the merchant screen), gets a single-use challenge bound to the transaction, and sends the card's
 * assertion (user verification required: PIN or biometric). `confirmHandoff` reads as its steps:
 * read the assertion → identify the card → verify it → apply policy → settle → publish and notify.
 */
import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  MAX_FAILED_ATTEMPTS,
  SETTLEMENT_AMR_HARDWARE,
  SETTLEMENT_AMR_SOFTWARE,
  SETTLEMENT_TOKEN_TTL_SEC,
  type ConfirmResponse,
  type ErrorCode,
} from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import { generateSortableId } from '../ids.js';
import { convertForLimit, monthStartUtc } from '../limits.js';
import type {
  AccountRecord,
  Actor,
  CardRecord,
  ChallengeRecord,
  MerchantRecord,
  SessionRecord,
} from '../store/types.js';
import * as v from '../validate.js';
import { settleOnce } from './settle-once.js';
import {
  credentialKeyFromCose,
  rpIdHash,
  verifyAssertion,
  type CredentialKey,
} from '../webauthn/assertion.js';
import { cardStatus } from './accounts.js';
import type { CheckoutService } from './checkout.js';
import { iso, type DomainContext } from './context.js';
import type { MerchantService } from './merchants.js';
import { refusalError, sessionStateCode } from './refusals.js';
import { sessionWebhookEvent } from './webhook-events.js';

/** A challenge stays usable this long (and never beyond the session's expiry). */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** Settling again after the card's counter moved under us (another payment by the same card). */
const COUNTER_RETRIES = 3;
/** Imported card keys kept in memory (importing costs more than a whole verification). */
const KEY_CACHE_SIZE = 10_000;

type Assertion = ReturnType<typeof v.assertion>;

/** A payment the policy allowed: what it counts against the limit, and what the policy saw. */
interface Allowed {
  limitAmount: number;
  risk: Record<string, unknown> | undefined;
}

/** Everything an approval is about, once its card is known. */
interface Approval {
  session: SessionRecord;
  challenge: ChallengeRecord;
  card: CardRecord;
  account: AccountRecord;
  merchant: MerchantRecord;
}

/**
 * WebAuthn's signature-counter rule: a counting card's counter must go up; a card that does not
 * count (passkeys) sends 0 every time.
 */
export function counterAdvances(stored: number, received: number): boolean {
  return received > stored || (received === 0 && stored === 0);
}

export class ConfirmationService {
  private readonly ctx: DomainContext;
  private readonly merchants: MerchantService;
  private readonly checkout: CheckoutService;
  private readonly keys = new Map<string, CredentialKey>();
  private readonly rpIdHash: Buffer;

  constructor(ctx: DomainContext, merchants: MerchantService, checkout: CheckoutService) {
    this.ctx = ctx;
    this.merchants = merchants;
    this.checkout = checkout;
    this.rpIdHash = rpIdHash(ctx.config.rpId);
  }

  /** The card's public key, imported once (least recently used keys are dropped). */
  private credentialKey(card: CardRecord): CredentialKey {
    let key = this.keys.get(card.id);
    if (key) this.keys.delete(card.id);
    else key = credentialKeyFromCose(card.publicKey);
    this.keys.set(card.id, key);
    if (this.keys.size > KEY_CACHE_SIZE) this.keys.delete(this.keys.keys().next().value ?? '');
    return key;
  }

  /** `POST /v1/handoffs/:code/authentication-options`: checks the binding number, then a challenge. */
  async getAuthenticationOptions(
    session: SessionRecord,
    input: unknown,
    actor: Actor,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const body = v.object(input);
    v.onlyFields(body, ['bindingCode', 'credentialIds']);
    const bindingCode = v.text(body.bindingCode, 'bindingCode', { max: 2, pattern: /^[0-9]{2}$/ });
    const credentialIds = v.credentialIds(body.credentialIds);
    if (bindingCode !== session.bindingCode) return this.stopOnMismatch(session, actor);
    // Discoverable credentials need no list; cards with server-side credentials need their ids,
    // which the phone remembers from enrolment. Unknown ids are dropped, not reported.
    const cards = await Promise.all(
      credentialIds.map((id) => this.ctx.store.getCardByCredentialId(id)),
    );
    const options = await generateAuthenticationOptions({
      rpID: this.ctx.config.rpId,
      userVerification: 'required',
      timeout: 120_000,
      allowCredentials: cards
        .filter((card) => card !== null)
        .map((card) => ({ id: card.credentialId, transports: card.transports })),
    });
    const now = this.ctx.now();
    // One live challenge per session: asking again replaces it (no stockpiling of challenges).
    await this.ctx.store.storeChallenge(
      {
        challenge: options.challenge,
        sessionId: session.id,
        txn: session.txn,
        expiresAt: Math.min(now + CHALLENGE_TTL_MS, session.expiresAt),
        usedAt: null,
      },
      now,
    );
    return options;
  }

  /**
   * `POST /v1/handoffs/:code/confirm`: verifies the assertion (origin, RP ID, UV, counter, single-
   * use challenge bound to this transaction), then settles exactly once.
   */
  async confirmHandoff(
    session: SessionRecord,
    input: unknown,
    actor: Actor,
  ): Promise<ConfirmResponse> {
    try {
      const answer = await this.approveAndSettle(session, input, actor);
      this.ctx.observer.confirmation(session.merchantId, 'settled');
      return answer;
    } catch (error) {
      const code = error instanceof HttpError ? error.code : 'internal_error';
      this.ctx.observer.confirmation(session.merchantId, code);
      throw error;
    }
  }

  /** `confirmHandoff`'s steps, in order. */
  private async approveAndSettle(
    session: SessionRecord,
    input: unknown,
    actor: Actor,
  ): Promise<ConfirmResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['response']);
    const assertion = v.assertion(body.response);
    const approval = await this.identify(session, assertion, actor);
    const newCounter = await this.verify(approval, assertion, actor);
    const allowed = await this.applyPolicy(approval, actor);
    const settled = await this.settle(approval, newCounter, allowed, actor);
    const now = this.ctx.now();
    this.ctx.publish(settled);
    this.notify(approval, settled, 'settled');
    return { status: 'settled', settlementId: settled.settlementId ?? '', settledAt: iso(now) };
  }

  /** `POST /v1/handoffs/:code/decline`. */
  async declineHandoff(session: SessionRecord, actor: Actor): Promise<{ status: 'declined' }> {
    const result = await this.checkout.end(session, ['claimed'], 'declined', actor);
    if (!result.ok) throw refusalError(result, this.ctx.now());
    return { status: 'declined' };
  }

  /**
   * A wrong binding number ends the payment at once: a payer guessing wins 1 in 100, once (and
   * a relayed QR code, approved by someone who never saw the merchant screen, fails). The merchant
   * page learns `binding_mismatch` from the session's error.
   */
  private async stopOnMismatch(session: SessionRecord, actor: Actor): Promise<never> {
    const result = await this.checkout.end(session, ['claimed'], 'failed', actor, {
      errorCode: 'binding_mismatch',
      detail: { reason: 'binding_mismatch' },
    });
    if (!result.ok) throw refusalError(result, this.ctx.now());
    throw new HttpError(
      'binding_mismatch',
      'That number does not match the merchant screen; the payment was stopped',
    );
  }

  /** Step 1: the challenge this assertion answers, and the card and account that signed it. */
  private async identify(
    session: SessionRecord,
    assertion: Assertion,
    actor: Actor,
  ): Promise<Approval> {
    const records = await this.ctx.store.getApprovalRecords(assertion.challenge, assertion.json.id);
    const { challenge, card, account } = records;
    if (
      !challenge ||
      challenge.sessionId !== session.id ||
      challenge.usedAt !== null ||
      this.ctx.now() >= challenge.expiresAt ||
      challenge.txn !== session.txn
    ) {
      return this.failAttempt(session, 'authentication_failed', actor);
    }
    const merchant = await this.merchants.getMerchant(session.merchantId);
    if (!card || !account || !merchant) {
      return this.failAttempt(session, 'authentication_failed', actor);
    }
    return { session, challenge, card, account, merchant };
  }

  /** Step 2: the assertion's signature, origin, RP ID, UV flag, user handle and counter. */
  private async verify(approval: Approval, assertion: Assertion, actor: Actor): Promise<number> {
    const { session, challenge, card, account } = approval;
    // Failures of an identified card count against it and its account (the risk policy).
    const ids = { cardId: card.id, accountId: account.id };
    let newCounter: number;
    try {
      const result = verifyAssertion({
        response: assertion.json,
        expectedChallenge: challenge.challenge,
        expectedOrigin: this.ctx.config.publicUrl,
        rpIdHash: this.rpIdHash,
        credential: { id: card.credentialId, ...this.credentialKey(card) },
        requireUserVerification: true,
      });
      newCounter = result.newCounter;
    } catch (cause) {
      return this.failAttempt(session, 'authentication_failed', actor, cause, ids);
    }
    const userHandle = assertion.json.response.userHandle;
    if (
      (userHandle && userHandle !== account.userHandle) ||
      !counterAdvances(card.counter, newCounter)
    ) {
      return this.failAttempt(session, 'authentication_failed', actor, undefined, ids);
    }
    return newCounter;
  }

  /**
   * Step 3: may this card pay this merchant, in this currency, and does the payment policy allow
   * it? Returns what the payment counts against the account's monthly limit, and the signals
   * the policy weighed (audited with the settlement).
   */
  private async applyPolicy(approval: Approval, actor: Actor): Promise<Allowed> {
    const { session, card, merchant, account } = approval;
    if (cardStatus(card, this.ctx.now()) !== 'active') return this.refuseCard(approval, actor);
    if (account.frozenAt !== null) return this.refuse(approval, 'account_frozen', actor, {});
    if (card.test && merchant.mode === 'live') {
      this.notify(approval, session, 'refused', 'credential_not_allowed');
      return this.failAttempt(session, 'credential_not_allowed', actor);
    }
    // One limit per account, in its currency: another currency counts at the configured rate.
    const limitAmount = convertForLimit(
      session.amount,
      session.currency,
      account.currency,
      this.ctx.exchangeRates,
    );
    if (limitAmount === null) {
      return this.refuse(approval, 'currency_not_supported', actor, {
        accountCurrency: account.currency,
      });
    }
    const decision = await this.ctx.policy.evaluate({
      session,
      merchant,
      account,
      card,
      limitAmount,
      phoneIp: actor.ip,
      now: this.ctx.now(),
    });
    this.ctx.observer.riskDecision(decision.allow ? 'allow' : decision.code);
    if (decision.allow) return { limitAmount, risk: decision.signals };
    return this.refuse(approval, decision.code, actor, {
      cardId: card.id,
      accountId: account.id,
      reasons: decision.reasons,
      risk: decision.signals,
    });
  }

  /** Step 4: the conditional write; retried while another payment by this card moves its counter. */
  private async settle(
    approval: Approval,
    newCounter: number,
    { limitAmount, risk }: Allowed,
    actor: Actor,
  ): Promise<SessionRecord> {
    const { session, challenge, account } = approval;
    let card = approval.card;
    const now = this.ctx.now();
    const settlementId = generateSortableId('stl', now);
    const token = this.signToken(session, settlementId, now, approval.card);
    const limit = {
      accountId: account.id,
      since: monthStartUtc(now),
      amount: limitAmount,
      max: account.monthlyLimit,
    };
    const signed = await token;
    // The merchant's event, rendered from the session as the settlement leaves it.
    const webhook = sessionWebhookEvent(
      { ...session, status: 'settled', settlementId, settlementToken: signed, errorCode: null },
      now,
    );
    for (let attempt = 0; ; attempt++) {
      const result = await settleOnce(this.ctx.store, {
        sessionId: session.id,
        challenge: challenge.challenge,
        card: { id: card.id, expectedCounter: card.counter, newCounter },
        limit,
        settlementId,
        token: signed,
        now,
        audit: this.ctx.auditEntry(actor, 'session.settled', session.id, {
          settlementId,
          cardId: card.id,
          accountId: account.id,
          ...(risk ? { risk } : {}),
        }),
        ...(webhook ? { webhook } : {}),
      });
      if (result.ok) {
        // The store wrote an event only for a merchant with a webhook URL; should this copy of
        // the merchant be older than its URL, the deliverer's next tick finds the event.
        if (approval.merchant.webhookUrl) this.ctx.webhookQueued();
        return result.session;
      }
      if (result.conflict === 'counter_moved' && attempt < COUNTER_RETRIES) {
        const fresh = await this.ctx.store.getCardByCredentialId(card.credentialId);
        if (fresh && counterAdvances(fresh.counter, newCounter)) {
          card = fresh;
          continue;
        }
      }
      if (result.conflict === 'card_inactive') return this.refuseCard(approval, actor);
      if (result.conflict === 'account_frozen') {
        return this.refuse(approval, 'account_frozen', actor, {});
      }
      if (result.conflict === 'over_limit') {
        return this.refuse(approval, 'limit_exceeded', actor, {
          monthlyLimit: limit.max,
          limitAmount,
        });
      }
      if (result.conflict === 'session_state') {
        // Lost to a decline, cancel, expiry or another approval: every loser leaves a trace.
        const error = refusalError(result, this.ctx.now());
        await this.ctx.audit(actor, 'session.settle.refused', session.id, {
          reason: error.code,
          status: result.session?.status,
        });
        throw error;
      }
      // Lost a race for the same challenge, or the counter went backwards meanwhile.
      return this.failAttempt(session, 'authentication_failed', actor);
    }
  }

  /**
   * The settlement token. `amr` (RFC 8176 §2) says `hwk` only for a card whose attestation chained
   * to a trusted root at enrolment; a test card's token (test merchants only) says `swk`, and a
   * verifier that demands hardware (`requireHardwareKey`) refuses it.
   */
  private signToken(
    session: SessionRecord,
    settlementId: string,
    now: number,
    card: CardRecord,
  ): Promise<string> {
    const iat = Math.floor(now / 1000);
    return this.ctx.keys.sign({
      iss: this.ctx.config.publicUrl,
      aud: session.merchantId,
      sub: session.id,
      jti: settlementId,
      iat,
      exp: iat + SETTLEMENT_TOKEN_TTL_SEC,
      orderId: session.orderId,
      amount: session.amount,
      currency: session.currency,
      txn: session.txn,
      amr: [...(card.test ? SETTLEMENT_AMR_SOFTWARE : SETTLEMENT_AMR_HARDWARE)],
    });
  }

  /**
   * Refuses a verified approval for good (limit, policy): the session fails with `code`, its
   * streams and the payer hear of it, and the phone gets the error.
   */
  private async refuse(
    approval: Approval,
    code: ErrorCode,
    actor: Actor,
    detail: Record<string, unknown>,
  ): Promise<never> {
    const { session } = approval;
    const result = await this.checkout.end(session, ['claimed'], 'failed', actor, {
      errorCode: code,
      // The card and account go into the row's own columns: `Store.approvingAccount` finds them.
      detail: { reason: code, cardId: approval.card.id, accountId: approval.account.id, ...detail },
    });
    if (!result.ok) throw refusalError(result, this.ctx.now());
    this.notify(approval, result.session, 'refused', code);
    throw new HttpError(code);
  }

  /**
   * A revoked (or still pending) card: a failed attempt on the wire, like any card that may not
   * approve (failure messages never say which factor failed), but its owner's phones hear of it.
   */
  private async refuseCard(approval: Approval, actor: Actor): Promise<never> {
    this.notify(approval, approval.session, 'refused', 'card_revoked');
    return this.failAttempt(approval.session, 'authentication_failed', actor, undefined, {
      cardId: approval.card.id,
      accountId: approval.account.id,
      why: cardStatus(approval.card, this.ctx.now()),
    });
  }

  /** Tells the notifier, without waiting for it or letting it fail the payment. */
  private notify(
    approval: Approval,
    session: SessionRecord,
    outcome: 'settled' | 'refused',
    reason?: ErrorCode,
  ): void {
    const notice = {
      outcome,
      ...(reason ? { reason } : {}),
      session,
      merchant: approval.merchant,
      account: approval.account,
      card: approval.card,
      at: this.ctx.now(),
    };
    this.ctx.notifyLater((notifier) => notifier.paymentAttempt(notice));
  }

  /** Counts a failed approval and throws the error the phone sees. */
  private async failAttempt(
    session: SessionRecord,
    reason: ErrorCode,
    actor: Actor,
    cause?: unknown,
    detail: Record<string, unknown> = {},
  ): Promise<never> {
    const now = this.ctx.now();
    await this.ctx.audit(actor, 'approval.failed', session.id, { reason, ...detail });
    const webhook = sessionWebhookEvent(
      { ...session, status: 'failed', errorCode: 'session_failed' },
      now,
    );
    const after = await this.ctx.store.recordFailedAttempt({
      sessionId: session.id,
      maxAttempts: MAX_FAILED_ATTEMPTS,
      now,
      audit: this.ctx.auditEntry(actor, 'session.failed', session.id, {
        reason: 'too_many_attempts',
      }),
      ...(webhook ? { webhook } : {}),
    });
    if (after?.failedNow) {
      this.ctx.publish(after.session);
      this.ctx.webhookQueued();
      throw new HttpError('session_failed', 'Too many failed attempts; this payment is locked', {
        cause,
      });
    }
    if (after && after.session.status !== 'claimed') {
      throw new HttpError(sessionStateCode(after.session, now));
    }
    const left = MAX_FAILED_ATTEMPTS - (after?.session.failedAttempts ?? MAX_FAILED_ATTEMPTS);
    const message =
      {
        credential_not_allowed:
          'This merchant accepts only cards with a trusted hardware attestation; this is a test card',
      }[reason as string] ?? 'The approval could not be verified';
    throw new HttpError(reason, `${message} (${left} attempts left)`, { cause });
  }
}
