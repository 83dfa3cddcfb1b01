/**
 * Recovery (docs/protocol.md "Recovery"): a payer who lost a card spends one of the account's
 * one-time recovery codes to freeze the account at once, or to make a recovery enrolment whose
 * card stays `pending` through a cooling-off while the account's phones are told and an operator
 * can revoke it. A payer who still holds an active card approves a second device's enrolment with
 * it (no cooling-off: the card is the proof). Codes are stored as SHA-256 of their normalized form.
 */
import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  ENROLLMENT_TTL_MS,
  RECOVERY_CODE_COUNT,
  generateHandoffCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
  type CreateEnrollmentResponse,
  type FreezeResponse,
  type RecoveryEnrollmentResponse,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { Actor, CardRecord, EnrollmentRecord } from '../store/types.js';
import * as v from '../validate.js';
import { credentialKeyFromCose, rpIdHash, verifyAssertion } from '../webauthn/assertion.js';
import { cardStatus } from './accounts.js';
import { counterAdvances } from './confirmation.js';
import { iso, type DomainContext } from './context.js';
import type { AccountNotice } from './notifier.js';

/** Default cooling-off of a recovery enrolment's card: 24 hours. */
export const DEFAULT_RECOVERY_COOLING_OFF_MS = 86_400_000;
/** A second device's approval challenge stays usable this long. */
const DEVICE_CHALLENGE_TTL_MS = 2 * 60_000;
/** Trying again after the approving card's counter moved under us (it paid meanwhile). */
const COUNTER_RETRIES = 3;

/** Ten fresh recovery codes as shown to people, and the hashes the store keeps. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  return { codes, hashes: codes.map(recoveryCodeHash) };
}

/** The SHA-256 (hex) of a recovery code's normalized form; throws for a malformed code. */
export function recoveryCodeHash(code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new TypeError('Not a recovery code');
  return sha256Hex(normalized);
}

/**
 * Tells the notifier about a change to an account's access, without waiting for it or letting it
 * fail the change (like payment notices).
 */
export function noticeAccount(
  ctx: DomainContext,
  type: AccountNotice['type'],
  accountId: string,
  activatesAt?: number,
): void {
  if (!ctx.notifier.accountNotice) return;
  const at = ctx.now();
  ctx.notifyLater(async (notifier) => {
    const account = await ctx.store.getAccount(accountId);
    if (!account) return;
    await notifier.accountNotice?.({
      type,
      account,
      at,
      ...(activatesAt !== undefined ? { activatesAt } : {}),
    });
  });
}

export class RecoveryService {
  private readonly ctx: DomainContext;
  private readonly coolingOffMs: number;
  private readonly rpIdHash: Buffer;

  /** `coolingOffMs`: how long a recovery enrolment's card stays pending. */
  constructor(ctx: DomainContext, coolingOffMs = DEFAULT_RECOVERY_COOLING_OFF_MS) {
    this.ctx = ctx;
    this.coolingOffMs = coolingOffMs;
    this.rpIdHash = rpIdHash(ctx.config.rpId);
  }

  /** `POST /v1/recovery/freeze`: spends a code to freeze its account at once. */
  async freezeAccount(input: unknown, actor: Actor): Promise<FreezeResponse> {
    const codeHash = readRecoveryCode(input);
    const now = this.ctx.now();
    const result = await this.ctx.store.useRecoveryCode({
      codeHash,
      now,
      use: { freeze: true },
      audit: this.ctx.auditEntry(actor, 'recovery.freeze', undefined, {}, now),
    });
    if (!result.ok) throw codeRefused(result.conflict);
    noticeAccount(this.ctx, 'account-frozen', result.accountId);
    return { frozen: true };
  }

  /**
   * `POST /v1/recovery/enrollments`: spends a code on an enrolment whose card is pending until
   * the cooling-off ends.
   */
  async createRecoveryEnrollment(
    input: unknown,
    actor: Actor,
  ): Promise<RecoveryEnrollmentResponse> {
    const codeHash = readRecoveryCode(input);
    const code = generateHandoffCode();
    const now = this.ctx.now();
    const expiresAt = now + ENROLLMENT_TTL_MS;
    const activatesAt = now + this.coolingOffMs;
    const result = await this.ctx.store.useRecoveryCode({
      codeHash,
      now,
      use: {
        enrollment: {
          codeHash: sha256Hex(code),
          expiresAt,
          challenge: null,
          usedAt: null,
          createdAt: now,
          purpose: 'recovery',
          activatesAt,
        },
      },
      audit: this.ctx.auditEntry(
        actor,
        'recovery.enrollment',
        undefined,
        { activatesAt: iso(activatesAt) },
        now,
      ),
    });
    if (!result.ok) throw codeRefused(result.conflict);
    noticeAccount(this.ctx, 'recovery-enrollment', result.accountId, activatesAt);
    return {
      code,
      url: `${this.ctx.config.publicUrl}/e/${code}`,
      expiresAt: iso(expiresAt),
      activatesAt: iso(activatesAt),
    };
  }

  /**
   * `POST /v1/recovery/device-options`: a challenge for an active card to approve a second
   * device. No credential list: the card's discoverable credential says whose it is.
   */
  async getDeviceOptions(input: unknown): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (input !== undefined && input !== null) v.onlyFields(v.object(input), []);
    const options = await generateAuthenticationOptions({
      rpID: this.ctx.config.rpId,
      userVerification: 'required',
      timeout: 120_000,
    });
    const now = this.ctx.now();
    await this.ctx.store.storeDeviceChallenge(
      options.challenge,
      now + DEVICE_CHALLENGE_TTL_MS,
      now,
    );
    return options;
  }

  /**
   * `POST /v1/recovery/device-enrollments`: verifies the card's assertion as a payment approval
   * is verified (signature, origin, RP ID, UV, user handle, counter), then makes an enrolment for
   * its account, spending the challenge in the same write.
   */
  async createDeviceEnrollment(input: unknown, actor: Actor): Promise<CreateEnrollmentResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['response']);
    const assertion = v.assertion(body.response);
    const card = await this.ctx.store.getCardByCredentialId(assertion.json.id);
    const account = card && (await this.ctx.store.getAccount(card.accountId));
    if (!card || !account) throw new HttpError('authentication_failed');
    let newCounter: number;
    try {
      newCounter = verifyAssertion({
        response: assertion.json,
        expectedChallenge: assertion.challenge,
        expectedOrigin: this.ctx.config.publicUrl,
        rpIdHash: this.rpIdHash,
        credential: { id: card.credentialId, ...credentialKeyFromCose(card.publicKey) },
        requireUserVerification: true,
      }).newCounter;
    } catch (cause) {
      throw new HttpError('authentication_failed', undefined, { cause });
    }
    const userHandle = assertion.json.response.userHandle;
    if (
      (userHandle && userHandle !== account.userHandle) ||
      !counterAdvances(card.counter, newCounter)
    ) {
      throw new HttpError('authentication_failed');
    }
    if (cardStatus(card, this.ctx.now()) !== 'active') return this.refuseCard(card, actor);
    if (account.frozenAt !== null) throw new HttpError('account_frozen');
    return this.storeDeviceEnrollment(card, assertion.challenge, newCounter, actor);
  }

  /** The conditional write, retried while the approving card's counter moves under us. */
  private async storeDeviceEnrollment(
    approving: CardRecord,
    challenge: string,
    newCounter: number,
    actor: Actor,
  ): Promise<CreateEnrollmentResponse> {
    let card = approving;
    const code = generateHandoffCode();
    const now = this.ctx.now();
    const enrollment: EnrollmentRecord = {
      codeHash: sha256Hex(code),
      accountId: card.accountId,
      expiresAt: now + ENROLLMENT_TTL_MS,
      challenge: null,
      usedAt: null,
      createdAt: now,
      purpose: 'device',
      activatesAt: null,
    };
    for (let attempt = 0; ; attempt++) {
      const result = await this.ctx.store.createDeviceEnrollment({
        challenge,
        card: { id: card.id, expectedCounter: card.counter, newCounter },
        enrollment,
        now,
        audit: this.ctx.auditEntry(
          actor,
          'enrollment.device',
          undefined,
          { accountId: card.accountId, cardId: card.id },
          now,
        ),
      });
      if (result.ok) break;
      if (result.conflict === 'counter_moved' && attempt < COUNTER_RETRIES) {
        const fresh = await this.ctx.store.getCard(card.id);
        if (fresh && counterAdvances(fresh.counter, newCounter)) {
          card = fresh;
          continue;
        }
      }
      if (result.conflict === 'challenge_spent') {
        throw new HttpError('challenge_expired', 'Ask for new options and approve again');
      }
      if (result.conflict === 'card_inactive') return this.refuseCard(card, actor);
      if (result.conflict === 'account_frozen') throw new HttpError('account_frozen');
      throw new HttpError('authentication_failed');
    }
    noticeAccount(this.ctx, 'card-added', card.accountId);
    return {
      code,
      url: `${this.ctx.config.publicUrl}/e/${code}`,
      expiresAt: iso(enrollment.expiresAt),
    };
  }

  /**
   * A revoked or pending card may not approve a device: `authentication_failed` on the wire (as a
   * payment approval by such a card), the reason in the audit log.
   */
  private async refuseCard(card: CardRecord, actor: Actor): Promise<never> {
    await this.ctx.audit(actor, 'enrollment.device.refused', undefined, {
      accountId: card.accountId,
      cardId: card.id,
      why: cardStatus(card, this.ctx.now()),
    });
    throw new HttpError('authentication_failed');
  }
}

/**
 * The hash of the body's `recoveryCode`. A body without a string code is `invalid_request`; a
 * string that cannot be a code is `not_found`, like an unknown one (a miss).
 */
function readRecoveryCode(input: unknown): string {
  const body = v.object(input);
  v.onlyFields(body, ['recoveryCode']);
  const text = v.text(body.recoveryCode, 'recoveryCode', { max: 64 });
  const normalized = normalizeRecoveryCode(text);
  if (normalized === null) throw new HttpError('not_found', 'No such recovery code');
  return sha256Hex(normalized);
}

function codeRefused(conflict: 'not_found' | 'code_used'): HttpError {
  return conflict === 'not_found'
    ? new HttpError('not_found', 'No such recovery code')
    : new HttpError('recovery_code_used', 'This recovery code was already used');
}
