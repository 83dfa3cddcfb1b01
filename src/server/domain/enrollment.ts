/**
 * Enrolment: an operator makes a one-time enrolment code for an account after checking the
 * payer's ID; the payer's phone registers a card with it (WebAuthn registration with user
 * verification required). A card is trusted hardware only when its attestation chains to one of
 * the issuer's attestation roots; every other card is a test card.
 */
import type { X509Certificate } from 'node:crypto';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  ENROLLMENT_TTL_MS,
  base64urlDecode,
  generateHandoffCode,
  generateId,
  type CreateEnrollmentResponse,
  type EnrollmentStatus,
  type VerifyEnrollmentResponse,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { AccountRecord, Actor, CardRecord, EnrollmentRecord } from '../store/types.js';
import * as v from '../validate.js';
import { assessAttestation, type AttestationTrust } from '../webauthn/attestation.js';
import { iso, type DomainContext } from './context.js';
import { newRecoveryCodes } from './recovery.js';

/** What the `card.enrolled` audit row says about the trust decision. */
function trustDetail(trust: AttestationTrust): Record<string, unknown> {
  return trust.trusted
    ? {
        trusted: true,
        root: trust.root.subject.replaceAll('\n', ', '),
        rootFingerprint: trust.root.fingerprint256,
      }
    : { trusted: false, reason: trust.reason };
}

export class EnrollmentService {
  private readonly ctx: DomainContext;
  private readonly attestationRoots: readonly X509Certificate[];

  /** `attestationRoots`: the trusted attestation roots (`IssuerOptions.attestationRoots`). */
  constructor(ctx: DomainContext, attestationRoots: readonly X509Certificate[] = []) {
    this.ctx = ctx;
    this.attestationRoots = attestationRoots;
  }

  /** `POST /v1/accounts/:id/enrollments`: a one-time code for registering a card. */
  async createEnrollment(accountId: string, actor: Actor): Promise<CreateEnrollmentResponse> {
    const account = await this.ctx.store.getAccount(accountId);
    if (!account) throw new HttpError('not_found', 'No such account');
    const code = generateHandoffCode();
    const now = this.ctx.now();
    const expiresAt = now + ENROLLMENT_TTL_MS;
    await this.ctx.store.createEnrollment(
      {
        codeHash: sha256Hex(code),
        accountId,
        expiresAt,
        challenge: null,
        usedAt: null,
        createdAt: now,
        purpose: 'desk',
        activatesAt: null,
      },
      { ...this.ctx.auditEntry(actor, 'enrollment.created', undefined, { accountId }), accountId },
    );
    return { code, url: `${this.ctx.config.publicUrl}/e/${code}`, expiresAt: iso(expiresAt) };
  }

  private async liveEnrollment(
    code: string,
  ): Promise<{ enrollment: EnrollmentRecord; account: AccountRecord }> {
    const enrollment = await this.ctx.store.getEnrollment(sha256Hex(code));
    if (!enrollment) throw new HttpError('not_found', 'No such enrolment code');
    if (enrollment.usedAt !== null || this.ctx.now() >= enrollment.expiresAt) {
      throw new HttpError(
        'enrollment_expired',
        'This enrolment code has expired or was already used',
      );
    }
    const account = await this.ctx.store.getAccount(enrollment.accountId);
    if (!account) throw new HttpError('not_found', 'No such account');
    return { enrollment, account };
  }

  /**
   * `GET /v1/enrollments/:code`: what the enrolment page checks when it opens, so a spent or
   * expired link says so before the payer presses "Register". A read: no challenge, no write.
   */
  async enrollmentStatus(code: string): Promise<EnrollmentStatus> {
    const enrollment = await this.ctx.store.getEnrollment(sha256Hex(code));
    if (!enrollment) throw new HttpError('not_found', 'No such enrolment code');
    if (enrollment.usedAt !== null) return { status: 'used' };
    return { status: this.ctx.now() >= enrollment.expiresAt ? 'expired' : 'live' };
  }

  /** `POST /v1/enrollments/:code/registration-options`. */
  async getRegistrationOptions(code: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { enrollment, account } = await this.liveEnrollment(code);
    const cards = await this.ctx.store.listCards(account.id);
    const options = await generateRegistrationOptions({
      rpName: this.ctx.config.rpName,
      rpID: this.ctx.config.rpId,
      userName: account.displayName,
      userDisplayName: account.displayName,
      userID: base64urlDecode(account.userHandle),
      attestationType: 'direct',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      excludeCredentials: cards.map((card) => ({
        id: card.credentialId,
        transports: card.transports,
      })),
      supportedAlgorithmIDs: [-7, -257],
      timeout: 120_000,
    });
    await this.ctx.store.setEnrollmentChallenge(enrollment.codeHash, options.challenge);
    return options;
  }

  /** `POST /v1/enrollments/:code/verify`: checks the attestation and stores the card. */
  async verifyEnrollment(
    code: string,
    input: unknown,
    actor: Actor,
  ): Promise<VerifyEnrollmentResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['response', 'name']);
    const name = v.optionalText(body.name, 'name', { max: 64 }) ?? 'Security key';
    const response = v.object(body.response, 'response') as unknown as RegistrationResponseJSON;
    const { enrollment, account } = await this.liveEnrollment(code);
    if (!enrollment.challenge) {
      throw new HttpError('challenge_expired', 'Request registration options first');
    }
    const { card, trust } = await this.verifyRegistration(
      response,
      enrollment.challenge,
      account,
      name,
    );
    if (await this.ctx.store.getCardByCredentialId(card.credentialId)) {
      throw new HttpError('credential_not_allowed', 'This card is already enrolled');
    }
    // A recovery enrolment's card is pending through its cooling-off (docs/protocol.md "Recovery").
    card.activatesAt = enrollment.activatesAt;
    // The account's first card comes with its recovery codes, stored hashed in the same write.
    const first = (await this.ctx.store.listCards(account.id)).length === 0;
    const recovery = first ? newRecoveryCodes() : null;
    const stored = await this.ctx.store.completeEnrollment(
      enrollment.codeHash,
      card,
      card.createdAt,
      {
        ...this.ctx.auditEntry(actor, 'card.enrolled', undefined, {
          aaguid: card.aaguid,
          fmt: card.attestationFormat,
          purpose: enrollment.purpose,
          ...(card.activatesAt !== null ? { activatesAt: iso(card.activatesAt) } : {}),
          ...trustDetail(trust),
        }),
        accountId: account.id,
        cardId: card.id,
      },
      recovery?.hashes,
    );
    if (!stored) throw new HttpError('enrollment_expired', 'This enrolment code was already used');
    return { cardId: card.id, ...(await this.issuedCodes(account.id, recovery)) };
  }

  /**
   * The codes to show, if the write kept them: of two first cards enrolled at once, only one
   * set is stored, and only its enrolment answers with it.
   */
  private async issuedCodes(
    accountId: string,
    recovery: { codes: string[]; hashes: string[] } | null,
  ): Promise<{ recoveryCodes?: string[] }> {
    const hash = recovery?.hashes[0];
    if (!recovery || hash === undefined) return {};
    const kept = await this.ctx.store.getRecoveryCode(hash);
    return kept?.accountId === accountId ? { recoveryCodes: recovery.codes } : {};
  }

  /**
   * WebAuthn registration: origin, RP ID, challenge, UV, the attestation statement; then the trust
   * decision. Returns the new card, not yet stored.
   */
  private async verifyRegistration(
    response: RegistrationResponseJSON,
    challenge: string,
    account: AccountRecord,
    name: string,
  ): Promise<{ card: CardRecord; trust: AttestationTrust }> {
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.ctx.config.publicUrl,
        expectedRPID: this.ctx.config.rpId,
        requireUserVerification: true,
      });
    } catch (cause) {
      throw new HttpError('authentication_failed', 'The card could not be registered', { cause });
    }
    if (!verification.verified) {
      throw new HttpError('authentication_failed', 'The card could not be registered');
    }
    const info = verification.registrationInfo;
    const transports = Array.isArray(response.response?.transports)
      ? response.response.transports.filter((t): t is string => typeof t === 'string').slice(0, 8)
      : [];
    // WebAuthn §7.1 step 24: trust the attestation only if its chain reaches a trusted root. The
    // AAGUID is the card's own claim (kept for information); it decides nothing.
    const trust = assessAttestation({
      attestationObject: info.attestationObject,
      backupEligible: info.credentialDeviceType === 'multiDevice',
      roots: this.attestationRoots,
      now: new Date(this.ctx.now()),
    });
    const card: CardRecord = {
      id: generateId('card'),
      accountId: account.id,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports,
      aaguid: info.aaguid,
      attestationFormat: info.fmt,
      name,
      test: !trust.trusted,
      createdAt: this.ctx.now(),
      lastUsedAt: null,
      revokedAt: null,
      activatesAt: null,
    };
    return { card, trust };
  }
}
