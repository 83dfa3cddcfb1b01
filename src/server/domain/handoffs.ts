/**
 * Hand-offs: the short-lived codes that carry a payment from the merchant page to a phone (QR,
 * NFC, link, or the typed user code), claiming one (which binds the phone by its cookie), and
 * finding the session a phone request is about.
 */
import { networkOf } from '../rate-limit.js';
import {
  ERROR_SUMMARIES,
  generateHandoffCode,
  generateUserCode,
  isTerminalSessionStatus,
  type ClaimResponse,
  type Handoff,
  type HandoffStatus,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { Actor, HandoffRecord, SessionRecord } from '../store/types.js';
import type { CheckoutService } from './checkout.js';
import { iso, type DomainContext } from './context.js';
import type { MerchantService } from './merchants.js';
import { refusalError, sessionStateCode } from './refusals.js';

/** The one answer of a phone step to a code this phone did not claim, known or not. */
export const NOT_THIS_PHONE = 'No payment on this phone has this code';

/** How a phone names the payment it is working on: the QR's code, or the typed user code. */
export type PhoneCode = { handoffCode: string } | { userCode: string };

export class HandoffService {
  private readonly ctx: DomainContext;
  private readonly merchants: MerchantService;
  private readonly checkout: CheckoutService;

  constructor(ctx: DomainContext, merchants: MerchantService, checkout: CheckoutService) {
    this.ctx = ctx;
    this.merchants = merchants;
    this.checkout = checkout;
  }

  /**
   * `POST /v1/checkout-sessions/:id/handoffs`: a fresh code; earlier codes die. `pageIp` is the
   * merchant page's address: its network is kept for the risk policy (page and phone together).
   */
  async createHandoff(session: SessionRecord, pageIp?: string): Promise<Handoff> {
    await this.ctx.rateLimit('handoffCreate', session.id);
    const now = this.ctx.now();
    const code = generateHandoffCode();
    let userCode = generateUserCode();
    // A live collision (1 in 2^34 per live code) would make the typed code ambiguous: draw again.
    while (await this.ctx.store.findLiveHandoffByUserCode(userCode, now)) {
      userCode = generateUserCode();
    }
    const expiresAt = Math.min(now + this.ctx.config.handoffTtlMs, session.expiresAt);
    const result = await this.ctx.store.createHandoff(
      {
        codeHash: sha256Hex(code),
        sessionId: session.id,
        userCode,
        createdAt: now,
        expiresAt,
        supersededAt: null,
        claimedAt: null,
      },
      now,
      networkOf(pageIp),
    );
    if (!result.ok) throw refusalError(result, now);
    const { publicUrl } = this.ctx.config;
    return { code, url: `${publicUrl}/h/${code}`, userCode, expiresAt: iso(expiresAt) };
  }

  /**
   * `POST /v1/handoffs/:code/claim`: binds this phone. `code` is the hand-off code, or a user code
   * typed at `/h`. Returns the display details; claiming again from the same phone repeats them.
   */
  async claimHandoff(
    code: string,
    viaUserCode: boolean,
    phoneToken: string,
    actor: Actor,
  ): Promise<ClaimResponse & { code: string }> {
    const now = this.ctx.now();
    const phoneTokenHash = sha256Hex(phoneToken);
    const handoff = viaUserCode
      ? ((await this.ctx.store.findLiveHandoffByUserCode(code, now)) ??
        (await this.claimedHandoffs({ userCode: code }, phoneTokenHash)).own?.handoff)
      : await this.ctx.store.getHandoff(sha256Hex(code));
    if (!handoff) {
      if (viaUserCode) await this.ctx.audit(actor, 'user_code.miss');
      throw new HttpError(
        'not_found',
        viaUserCode ? 'No live payment has this code' : 'No such code',
      );
    }
    const session = await this.checkout.loadSession(handoff.sessionId);
    if (!session) throw new HttpError('not_found', 'No such code');
    if (handoff.claimedAt !== null && session.phoneTokenHash === phoneTokenHash) {
      // The same phone reloading the page.
      if (isTerminalSessionStatus(session.status)) {
        throw new HttpError(sessionStateCode(session, now));
      }
      return this.claimDetails(session, code);
    }
    const result = await this.ctx.store.claimHandoff({
      codeHash: handoff.codeHash,
      phoneTokenHash,
      now,
      audit: this.ctx.auditEntry(actor, 'session.claimed', session.id),
    });
    if (!result.ok) {
      const error = refusalError(result, now);
      if (result.session) {
        await this.ctx.audit(actor, 'handoff.claim.refused', result.session.id, {
          reason: error.code,
          status: result.session.status,
        });
      }
      throw error;
    }
    this.ctx.publish(result.session);
    return this.claimDetails(result.session, code);
  }

  private async claimDetails(
    session: SessionRecord,
    code: string,
  ): Promise<ClaimResponse & { code: string }> {
    const merchant = await this.merchants.getMerchant(session.merchantId);
    return {
      code,
      sessionId: session.id,
      status: session.status,
      merchantName: merchant?.name ?? '',
      amount: session.amount,
      currency: session.currency,
      description: session.description,
      expiresAt: iso(session.expiresAt),
      testMode: merchant?.mode !== 'live',
    };
  }

  /**
   * The claimed hand-offs behind `code` with their sessions, and which of them this phone
   * claimed (the phone cookie decides; a user code may have been reused over time). Reads at
   * least one session whatever it finds, so an unknown code costs what a claimed one does.
   */
  private async claimedHandoffs(
    code: PhoneCode,
    phoneTokenHash: string | null,
  ): Promise<{
    own: { handoff: HandoffRecord; session: SessionRecord } | null;
    other: string | null;
  }> {
    const found =
      'handoffCode' in code
        ? [await this.ctx.store.getHandoff(sha256Hex(code.handoffCode))]
        : await this.ctx.store.listClaimedHandoffsByUserCode(code.userCode);
    const claimed = found.filter(
      (handoff): handoff is HandoffRecord => handoff !== null && handoff.claimedAt !== null,
    );
    let own: { handoff: HandoffRecord; session: SessionRecord } | null = null;
    // One session read for an unknown code too (an id no session has): no timing oracle.
    for (const handoff of claimed.length > 0 ? claimed : [null]) {
      const session = await this.checkout.loadSession(handoff?.sessionId ?? '');
      if (
        handoff &&
        session &&
        phoneTokenHash !== null &&
        session.phoneTokenHash === phoneTokenHash
      ) {
        own ??= { handoff, session };
      }
    }
    return { own, other: own ? null : (claimed[0]?.sessionId ?? null) };
  }

  /**
   * The claimed session behind a hand-off code or user code, for the phone that claimed it; the
   * session's status error when it is over. A code this phone did not claim answers exactly like
   * a code that names nothing — same `404 not_found`, same message, same work, same (budgeted)
   * `….denied` audit row — so the phone endpoints cannot tell live codes from dead ones.
   */
  async phoneSession(
    code: PhoneCode,
    phoneToken: string | undefined,
    step: { actor: Actor; action: string },
  ): Promise<SessionRecord> {
    const tokenHash = phoneToken === undefined ? null : sha256Hex(phoneToken);
    const { own, other } = await this.claimedHandoffs(code, tokenHash);
    if (own) {
      if (own.session.status === 'claimed') return own.session;
      const reason = sessionStateCode(own.session, this.ctx.now());
      await this.ctx.audit(step.actor, `${step.action}.refused`, own.session.id, { reason });
      throw new HttpError(reason);
    }
    return this.notThisPhone(step, other);
  }

  /**
   * `GET /v1/handoffs/:code/status`: where this phone's payment stands, polled by its page while
   * it waits so it learns within seconds that the shop cancelled or the session ended. A read: the
   * claiming phone's answer writes nothing (no audit row per poll); anyone else gets exactly
   * `phoneSession`'s refusal — same look-ups, same budgeted `….denied` row, same `404`.
   */
  async phoneStatus(
    code: PhoneCode,
    phoneToken: string | undefined,
    step: { actor: Actor; action: string },
  ): Promise<HandoffStatus> {
    const tokenHash = phoneToken === undefined ? null : sha256Hex(phoneToken);
    const { own, other } = await this.claimedHandoffs(code, tokenHash);
    if (!own) return this.notThisPhone(step, other);
    const { session } = own;
    // A live session past its deadline is as good as expired (the sweeper may not have run yet).
    const expired = !isTerminalSessionStatus(session.status) && this.ctx.now() >= session.expiresAt;
    const status = expired ? 'expired' : session.status;
    const errorCode = expired ? 'session_expired' : session.errorCode;
    return {
      status,
      ...(errorCode ? { error: { code: errorCode, message: ERROR_SUMMARIES[errorCode] } } : {}),
    };
  }

  /** Another phone (or none) knocking on a claimed payment, or on nothing: worth a trace. */
  private async notThisPhone(
    step: { actor: Actor; action: string },
    other: string | null,
  ): Promise<never> {
    await this.ctx.audit(step.actor, `${step.action}.denied`, other ?? undefined, {
      reason: other ? 'not_this_phone' : 'unknown_code',
    });
    throw new HttpError('not_found', NOT_THIS_PHONE);
  }
}
