/**
 * The issuer's domain logic, independent of HTTP: merchants, accounts, enrolment, checkout
 * sessions, hand-offs, two-factor confirmation, settlement, events and expiry. Routes validate
 * credentials and call these methods; every failure is an `HttpError` with a documented code.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  DEFAULT_POLL_INTERVAL_SEC,
  ENROLLMENT_TTL_MS,
  HANDOFF_TTL_MS,
  MAX_FAILED_ATTEMPTS,
  SESSION_TTL_MS,
  SETTLEMENT_AMR,
  SETTLEMENT_TOKEN_TTL_SEC,
  SIMULATED_AAGUID,
  base64urlDecode,
  base64urlEncode,
  generateBindingChoices,
  generateBindingCode,
  generateHandoffCode,
  generateId,
  generateSecret,
  generateUserCode,
  isTerminalSessionStatus,
  randomBytes,
  type ClaimResponse,
  type ConfirmResponse,
  type CreateAccountResponse,
  type CreateEnrollmentResponse,
  type CreateMerchantResponse,
  type ErrorCode,
  type Handoff,
  type MerchantMode,
  type PublicSession,
  type Session,
  type SessionStatus,
  type VerifyEnrollmentResponse,
} from '../protocol/index.js';
import { sha256Hex, stableJson, transactionHashSync } from './crypto.js';
import { HttpError } from './errors.js';
import { EventHub } from './events.js';
import { SigningKeys } from './keys.js';
import { DEFAULT_MONTHLY_LIMITS, monthStartUtc } from './limits.js';
import { RateLimiter, type RateRule } from './rate-limit.js';
import type {
  Actor,
  MerchantRecord,
  Refusal,
  SessionEventRecord,
  SessionRecord,
  Store,
} from './store/types.js';
import * as v from './validate.js';

/** Rate limits by name; see docs/protocol.md "Rate limits". */
export interface RateLimits {
  /** Session creations per merchant. */
  sessionCreate: RateRule;
  /** Hand-off creations per session (rotation is about one a minute). */
  handoffCreate: RateRule;
  /** Claims by hand-off code, per client IP. */
  claim: RateRule;
  /** Claims by user code (guessable), per client IP. */
  userCodeClaim: RateRule;
  /** Enrolment calls, per client IP. */
  enrollment: RateRule;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  sessionCreate: { perMinute: 60_000, burst: 2_000 },
  handoffCreate: { perMinute: 20, burst: 10 },
  claim: { perMinute: 60, burst: 20 },
  userCodeClaim: { perMinute: 10, burst: 10 },
  enrollment: { perMinute: 60, burst: 20 },
};

export interface IssuerOptions {
  store: Store;
  /** Public origin of the issuer: `iss`, WebAuthn origin, base of hand-off URLs. */
  publicUrl: string;
  /** Relying-party name shown by authenticators. */
  rpName?: string;
  /** Clock (epoch ms); tests pass a fake. */
  now?: () => number;
  /** Poll interval the page must respect, in seconds. */
  pollIntervalSec?: number;
  /** Life of a hand-off code in ms (default 60 s, DESIGN.md §5); shorter only for tests. */
  handoffTtlMs?: number;
  rateLimits?: Partial<RateLimits>;
}

/** A challenge stays usable this long (and never beyond the session's expiry). */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** Polls this much earlier than `interval` are still accepted (network jitter). */
const POLL_TOLERANCE_MS = 250;

const REFUSAL_MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such checkout session',
  session_settled: 'The session is already settled',
  session_declined: 'The payer declined this payment',
  session_failed: 'The session failed and is locked',
  session_cancelled: 'The session was cancelled',
  session_expired: 'The session has expired',
  session_not_open: 'The session is not open for this step',
  handoff_expired: 'This code has expired or was replaced by a newer one',
  handoff_claimed: 'This code was already used on another phone',
  challenge_expired: 'The approval request expired; start the approval again',
  limit_exceeded: "This payment would exceed the account's monthly limit",
};

function refusalError(refusal: Refusal): HttpError {
  return new HttpError(refusal.reason, REFUSAL_MESSAGES[refusal.reason]);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The issuer service. Create with `Issuer.create()`, stop with `close()`. */
export class Issuer {
  readonly store: Store;
  readonly hub = new EventHub();
  readonly keys: SigningKeys;
  readonly publicUrl: string;
  readonly rpId: string;
  readonly rpName: string;
  readonly pollIntervalSec: number;
  /** Life of a hand-off code in ms. */
  handoffTtlMs: number;
  readonly rateLimits: RateLimits;
  readonly limiter = new RateLimiter();
  readonly now: () => number;
  private readonly merchants = new Map<string, MerchantRecord>();
  private readonly merchantsByKey = new Map<string, MerchantRecord>();
  private readonly lastPollAt = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;

  private constructor(options: IssuerOptions) {
    const url = new URL(options.publicUrl);
    this.store = options.store;
    this.publicUrl = url.origin;
    this.rpId = url.hostname;
    this.rpName = options.rpName ?? 'dualpay';
    this.now = options.now ?? Date.now;
    this.pollIntervalSec = options.pollIntervalSec ?? DEFAULT_POLL_INTERVAL_SEC;
    this.handoffTtlMs = options.handoffTtlMs ?? HANDOFF_TTL_MS;
    this.rateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    this.keys = new SigningKeys(this.store);
  }

  /** Opens the issuer over `store`: loads or creates signing keys. */
  static async create(options: IssuerOptions): Promise<Issuer> {
    const issuer = new Issuer(options);
    await issuer.keys.init(issuer.now());
    return issuer;
  }

  /** Starts the expiry sweeper (every `intervalMs`). */
  startSweeper(intervalMs = 1000): void {
    this.sweeper ??= setInterval(() => void this.sweep(), intervalMs);
    this.sweeper.unref();
  }

  /** Expires due sessions, drops stale rate-limit state and retired keys. */
  async sweep(): Promise<number> {
    const now = this.now();
    let expired = 0;
    for (;;) {
      const ids = await this.store.listExpiredSessionIds(now, 500);
      for (const id of ids) if (await this.expire(id, now)) expired++;
      if (ids.length < 500) break;
    }
    this.limiter.sweep(now);
    for (const [id, at] of this.lastPollAt) {
      if (now - at > SESSION_TTL_MS) this.lastPollAt.delete(id);
    }
    this.keys.refresh(now);
    return expired;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Creates a new current signing key; earlier tokens keep verifying (DESIGN.md §6). */
  async rotateSigningKey(): Promise<string> {
    return this.keys.rotate(this.now());
  }

  /** Throws `rate_limited` with Retry-After when `key` is over `rule`. */
  rateLimit(bucket: keyof RateLimits, key: string): void {
    const wait = this.limiter.take(`${bucket}:${key}`, this.rateLimits[bucket], this.now());
    if (wait > 0) {
      throw new HttpError('rate_limited', `Too many requests; retry in ${wait} s`, {
        headers: { 'retry-after': String(wait) },
      });
    }
  }

  // ── merchants, admin keys, accounts ──

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const cached = this.merchants.get(id);
    if (cached) return cached;
    const merchant = await this.store.getMerchant(id);
    if (merchant) this.merchants.set(id, merchant);
    return merchant;
  }

  async merchantBySecretKey(secretKey: string): Promise<MerchantRecord | null> {
    const hash = sha256Hex(secretKey);
    const cached = this.merchantsByKey.get(hash);
    if (cached) return cached;
    const merchant = await this.store.findMerchantBySecretKeyHash(hash);
    // Keys never change; the cache holds only keys that matched (no growth from bad guesses).
    if (merchant) this.merchantsByKey.set(hash, merchant);
    return merchant;
  }

  async isAdminKey(key: string): Promise<boolean> {
    return this.store.hasAdminKey(sha256Hex(key));
  }

  async addAdminKey(key: string): Promise<void> {
    await this.store.addAdminKey(sha256Hex(key), this.now());
  }

  /** `POST /v1/merchants`. Pass `id`/`secretKey` only when seeding known test values. */
  async createMerchant(
    input: unknown,
    fixed: { id?: string; secretKey?: string } = {},
  ): Promise<CreateMerchantResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['name', 'allowedOrigins', 'mode']);
    const name = v.text(body.name, 'name', { max: 100 });
    if (!Array.isArray(body.allowedOrigins) || body.allowedOrigins.length > 20) {
      throw new HttpError(
        'invalid_request',
        'allowedOrigins must be an array of at most 20 origins',
      );
    }
    const allowedOrigins = body.allowedOrigins.map((o, i) => v.origin(o, `allowedOrigins[${i}]`));
    if (body.mode !== undefined && body.mode !== 'test' && body.mode !== 'live') {
      throw new HttpError('invalid_request', 'mode must be "test" or "live"');
    }
    const mode: MerchantMode = body.mode ?? 'test';
    const id = fixed.id ?? generateId('m');
    const secretKey = fixed.secretKey ?? generateSecret(`sk_${mode}`);
    const record: MerchantRecord = {
      id,
      name,
      mode,
      secretKeyHash: sha256Hex(secretKey),
      allowedOrigins: [...new Set(allowedOrigins)],
      createdAt: this.now(),
    };
    await this.store.createMerchant(record);
    this.merchants.set(id, record);
    return { id, name, mode, secretKey };
  }

  /** Replaces a merchant's allowed origins (seeding the demo on another port). */
  async setAllowedOrigins(id: string, allowedOrigins: string[]): Promise<void> {
    await this.store.setMerchantAllowedOrigins(id, allowedOrigins);
    this.merchants.delete(id);
    this.merchantsByKey.clear();
  }

  /** `POST /v1/accounts`. Pass `id` only when seeding a known test account. */
  async createAccount(input: unknown, fixed: { id?: string } = {}): Promise<CreateAccountResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['displayName', 'monthlyLimit', 'currency']);
    const displayName = v.text(body.displayName, 'displayName', { max: 100 });
    const currency = body.currency === undefined ? 'KRW' : v.currency(body.currency);
    const fallback = DEFAULT_MONTHLY_LIMITS[currency];
    if (body.monthlyLimit === undefined && fallback === undefined) {
      throw new HttpError('invalid_request', `monthlyLimit is required for ${currency} accounts`);
    }
    const monthlyLimit =
      body.monthlyLimit === undefined
        ? (fallback ?? 0)
        : v.nonNegativeInteger(body.monthlyLimit, 'monthlyLimit');
    const id = fixed.id ?? generateId('acct');
    await this.store.createAccount({
      id,
      displayName,
      userHandle: base64urlEncode(randomBytes(32)),
      monthlyLimit,
      currency,
      createdAt: this.now(),
    });
    return { id };
  }

  // ── enrolment ──

  /** `POST /v1/accounts/:id/enrollments`: a one-time code for registering a card. */
  async createEnrollment(accountId: string, actor: Actor): Promise<CreateEnrollmentResponse> {
    const account = await this.store.getAccount(accountId);
    if (!account) throw new HttpError('not_found', 'No such account');
    const code = generateHandoffCode();
    const now = this.now();
    const expiresAt = now + ENROLLMENT_TTL_MS;
    await this.store.createEnrollment({
      codeHash: sha256Hex(code),
      accountId,
      expiresAt,
      challenge: null,
      usedAt: null,
      createdAt: now,
    });
    await this.store.appendAudit({
      ...actor,
      at: now,
      action: 'enrollment.created',
      detail: { accountId },
    });
    return { code, url: `${this.publicUrl}/e/${code}`, expiresAt: iso(expiresAt) };
  }

  private async liveEnrollment(code: string) {
    const enrollment = await this.store.getEnrollment(sha256Hex(code));
    if (!enrollment) throw new HttpError('not_found', 'No such enrolment code');
    if (enrollment.usedAt !== null || this.now() >= enrollment.expiresAt) {
      throw new HttpError(
        'enrollment_expired',
        'This enrolment code has expired or was already used',
      );
    }
    const account = await this.store.getAccount(enrollment.accountId);
    if (!account) throw new HttpError('not_found', 'No such account');
    return { enrollment, account };
  }

  /** `POST /v1/enrollments/:code/registration-options`. */
  async registrationOptions(code: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { enrollment, account } = await this.liveEnrollment(code);
    const cards = await this.store.listCards(account.id);
    const options = await generateRegistrationOptions({
      rpName: this.rpName,
      rpID: this.rpId,
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
    await this.store.setEnrollmentChallenge(enrollment.codeHash, options.challenge);
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
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: enrollment.challenge,
        expectedOrigin: this.publicUrl,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch (cause) {
      throw new HttpError('authentication_failed', 'The card could not be registered', { cause });
    }
    if (!verification.verified) {
      throw new HttpError('authentication_failed', 'The card could not be registered');
    }
    const info = verification.registrationInfo;
    if (await this.store.getCardByCredentialId(info.credential.id)) {
      throw new HttpError('credential_not_allowed', 'This card is already enrolled');
    }
    const now = this.now();
    const cardId = generateId('card');
    const transports = Array.isArray(response.response?.transports)
      ? response.response.transports.filter((t): t is string => typeof t === 'string').slice(0, 8)
      : [];
    const stored = await this.store.completeEnrollment(
      enrollment.codeHash,
      {
        id: cardId,
        accountId: account.id,
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        counter: info.credential.counter,
        transports,
        aaguid: info.aaguid,
        attestationFormat: info.fmt,
        name,
        test: info.aaguid === SIMULATED_AAGUID,
        createdAt: now,
        lastUsedAt: null,
      },
      now,
    );
    if (!stored) throw new HttpError('enrollment_expired', 'This enrolment code was already used');
    await this.store.appendAudit({
      ...actor,
      at: now,
      action: 'card.enrolled',
      detail: { accountId: account.id, cardId, aaguid: info.aaguid, fmt: info.fmt },
    });
    return { cardId };
  }

  // ── checkout sessions ──

  /** `POST /v1/checkout-sessions` for `merchant`, idempotent on `idempotencyKey`. */
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
    this.rateLimit('sessionCreate', merchant.id);

    const requestHash = sha256Hex(stableJson({ amount, currency, orderId, description, metadata }));
    const now = this.now();
    const id = generateId('cs');
    const result = await this.store.createSession(
      {
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
        bindingChoices: null,
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
      },
      actor,
    );
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
    const session = await this.store.getSession(id);
    if (session && !isTerminalSessionStatus(session.status) && this.now() >= session.expiresAt) {
      await this.expire(id, this.now());
      return this.store.getSession(id);
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
    const owner = await this.store.getSessionByClientSecret(clientSecret);
    if (!owner) throw new HttpError('unauthorized', 'The client secret is not valid');
    if (owner.id !== id) throw new HttpError('not_found', 'No such checkout session');
    return (await this.loadSession(id)) ?? owner;
  }

  toSession(record: SessionRecord): Session {
    return {
      id: record.id,
      status: record.status,
      amount: record.amount,
      currency: record.currency,
      orderId: record.orderId,
      description: record.description,
      merchantId: record.merchantId,
      clientSecret: record.clientSecret,
      expiresAt: iso(record.expiresAt),
      createdAt: iso(record.createdAt),
      ...(record.settlementToken && record.status === 'settled'
        ? { settlementToken: record.settlementToken }
        : {}),
    };
  }

  /** The page's view of a session, as of `event` (default: now). */
  async toPublicSession(
    record: SessionRecord,
    event: { status: SessionStatus; errorCode: ErrorCode | null } = record,
  ): Promise<PublicSession> {
    const merchant = await this.getMerchant(record.merchantId);
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
      interval: this.pollIntervalSec,
      ...(event.status === 'settled' && record.settlementToken
        ? { settlementToken: record.settlementToken }
        : {}),
      ...(errorCode
        ? { error: { code: errorCode, message: REFUSAL_MESSAGES[errorCode] ?? errorCode } }
        : {}),
    };
  }

  /**
   * `GET /v1/checkout-sessions/:id/public`: enforces `interval` (RFC 8628 §3.5: a client polling
   * faster gets `slow_down` and must add 5 s).
   */
  async pollPublicSession(session: SessionRecord): Promise<PublicSession> {
    const now = this.now();
    const last = this.lastPollAt.get(session.id);
    const intervalMs = this.pollIntervalSec * 1000;
    if (last !== undefined && now - last < intervalMs - POLL_TOLERANCE_MS) {
      throw new HttpError('slow_down', `Poll at most every ${this.pollIntervalSec} s; add 5 s`, {
        headers: { 'retry-after': String(this.pollIntervalSec) },
      });
    }
    this.lastPollAt.set(session.id, now);
    return this.toPublicSession(session);
  }

  /** Cancels an unsettled session (merchant or page). */
  async cancel(session: SessionRecord, actor: Actor): Promise<Session> {
    const result = await this.end(session.id, ['open', 'claimed'], 'cancelled', actor);
    if (!result.ok) throw refusalError(result);
    return this.toSession(result.session);
  }

  /**
   * Ends a session in `to` when it is in one of `from` (one transaction), and wakes its streams.
   * Returns the refusal otherwise.
   */
  private async end(
    sessionId: string,
    from: readonly SessionStatus[],
    to: 'cancelled' | 'declined' | 'expired',
    actor: Actor,
    now = this.now(),
  ) {
    const result = await this.store.finish({
      sessionId,
      from,
      to,
      errorCode: `session_${to}`,
      now,
      actor,
    });
    if (result.ok) this.publish(result.session);
    return result;
  }

  private async expire(id: string, now: number): Promise<boolean> {
    return (await this.end(id, ['open', 'claimed'], 'expired', { actor: 'system' }, now)).ok;
  }

  /** Wakes this process's streams with the session's latest event. */
  private publish(session: SessionRecord): void {
    this.hub.publish({
      sessionId: session.id,
      seq: session.eventSeq,
      status: session.status,
      errorCode: session.errorCode,
      createdAt: this.now(),
    });
  }

  // ── hand-offs ──

  /** `POST /v1/checkout-sessions/:id/handoffs`: a fresh code; earlier codes die. */
  async createHandoff(session: SessionRecord): Promise<Handoff> {
    this.rateLimit('handoffCreate', session.id);
    const now = this.now();
    const code = generateHandoffCode();
    let userCode = generateUserCode();
    // A live collision (1 in 2^34 per live code) would make the typed code ambiguous: draw again.
    while (await this.store.findLiveHandoffByUserCode(userCode, now)) userCode = generateUserCode();
    const expiresAt = Math.min(now + this.handoffTtlMs, session.expiresAt);
    const result = await this.store.createHandoff(
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
    );
    if (!result.ok) throw refusalError(result);
    return { code, url: `${this.publicUrl}/h/${code}`, userCode, expiresAt: iso(expiresAt) };
  }

  /**
   * `POST /v1/handoffs/:code/claim`: binds this phone. `code` is the hand-off code, or a user code
   * typed at `/h`. Returns the display details; claiming again from the same phone repeats them.
   */
  async claim(
    code: string,
    viaUserCode: boolean,
    phoneToken: string,
    actor: Actor,
  ): Promise<ClaimResponse & { code: string }> {
    const now = this.now();
    const phoneTokenHash = sha256Hex(phoneToken);
    const handoff = viaUserCode
      ? ((await this.store.findLiveHandoffByUserCode(code, now)) ??
        (await this.ownClaimedHandoff(code, phoneTokenHash)))
      : await this.store.getHandoff(sha256Hex(code));
    if (!handoff) {
      if (viaUserCode) {
        await this.store.appendAudit({ ...actor, at: now, action: 'user_code.miss' });
      }
      throw new HttpError(
        'not_found',
        viaUserCode ? 'No live payment has this code' : 'No such code',
      );
    }
    const session = await this.loadSession(handoff.sessionId);
    if (!session) throw new HttpError('not_found', 'No such code');
    if (handoff.claimedAt !== null && session.phoneTokenHash === phoneTokenHash) {
      // The same phone reloading the page.
      if (isTerminalSessionStatus(session.status)) {
        throw refusalError({ ok: false, session, reason: this.refusalReason(session) });
      }
      return this.claimDetails(session, code);
    }
    const result = await this.store.claimHandoff({
      codeHash: handoff.codeHash,
      phoneTokenHash,
      bindingChoices: generateBindingChoices(session.bindingCode),
      now,
      actor,
    });
    if (!result.ok) throw refusalError(result);
    this.publish(result.session);
    return this.claimDetails(result.session, code);
  }

  /** The hand-off this phone already claimed with `userCode` (a page reload), if any. */
  private async ownClaimedHandoff(userCode: string, phoneTokenHash: string) {
    for (const handoff of await this.store.listClaimedHandoffsByUserCode(userCode)) {
      const session = await this.store.getSession(handoff.sessionId);
      if (session?.phoneTokenHash === phoneTokenHash) return handoff;
    }
    return null;
  }

  private refusalReason(session: SessionRecord): ErrorCode {
    const map: Partial<Record<SessionStatus, ErrorCode>> = {
      settled: 'session_settled',
      declined: 'session_declined',
      failed: 'session_failed',
      cancelled: 'session_cancelled',
      expired: 'session_expired',
    };
    return map[session.status] ?? 'session_not_open';
  }

  private async claimDetails(
    session: SessionRecord,
    code: string,
  ): Promise<ClaimResponse & { code: string }> {
    const merchant = await this.getMerchant(session.merchantId);
    return {
      code,
      sessionId: session.id,
      status: session.status,
      merchantName: merchant?.name ?? '',
      amount: session.amount,
      currency: session.currency,
      description: session.description,
      expiresAt: iso(session.expiresAt),
      bindingChoices: session.bindingChoices ?? generateBindingChoices(session.bindingCode),
      testMode: merchant?.mode !== 'live',
    };
  }

  /**
   * The claimed session behind a hand-off code or user code, for the phone that claimed it.
   * `unauthorized` when this phone did not claim it.
   */
  async phoneSession(
    code: { handoffCode: string } | { userCode: string },
    phoneToken: string | undefined,
    step: { actor: Actor; action: string },
  ): Promise<SessionRecord> {
    const handoffs =
      'handoffCode' in code
        ? [await this.store.getHandoff(sha256Hex(code.handoffCode))].filter((h) => h !== null)
        : await this.store.listClaimedHandoffsByUserCode(code.userCode);
    if (handoffs.length === 0) throw new HttpError('not_found', 'No such code');
    const tokenHash = phoneToken === undefined ? null : sha256Hex(phoneToken);
    for (const handoff of handoffs) {
      if (handoff.claimedAt === null) continue;
      const session = await this.loadSession(handoff.sessionId);
      if (!session || session.phoneTokenHash !== tokenHash) continue;
      if (session.status !== 'claimed') {
        const reason = this.refusalReason(session);
        await this.audit(step, `${step.action}.refused`, session.id, { reason });
        throw refusalError({ ok: false, session, reason });
      }
      return session;
    }
    // Another phone (or none) knocking on a claimed payment: worth a trace.
    const target = handoffs.find((handoff) => handoff.claimedAt !== null);
    if (target)
      await this.audit(step, `${step.action}.denied`, target.sessionId, {
        reason: 'not_this_phone',
      });
    throw new HttpError('unauthorized', 'Open this payment from the phone that scanned the code');
  }

  private async audit(
    step: { actor: Actor },
    action: string,
    sessionId: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.store.appendAudit({ ...step.actor, at: this.now(), action, sessionId, detail });
  }

  /** Counts a failed approval and throws the error the phone sees. */
  private async failAttempt(
    session: SessionRecord,
    reason: ErrorCode,
    actor: Actor,
    cause?: unknown,
  ): Promise<never> {
    const after = await this.store.recordFailedAttempt({
      sessionId: session.id,
      reason,
      maxAttempts: MAX_FAILED_ATTEMPTS,
      now: this.now(),
      actor,
    });
    if (after && after.status === 'failed' && after.eventSeq !== session.eventSeq) {
      this.publish(after);
      throw new HttpError('session_failed', 'Too many failed attempts; this payment is locked', {
        cause,
      });
    }
    if (after && after.status !== 'claimed') {
      throw refusalError({ ok: false, session: after, reason: this.refusalReason(after) });
    }
    const left = MAX_FAILED_ATTEMPTS - (after?.failedAttempts ?? MAX_FAILED_ATTEMPTS);
    const message =
      {
        binding_mismatch: 'That number does not match the merchant screen',
        credential_not_allowed:
          'Simulated cards work only with test merchants; use a real security key',
      }[reason as string] ?? 'The approval could not be verified';
    throw new HttpError(reason, `${message} (${left} attempts left)`, { cause });
  }

  /** `POST /v1/handoffs/:code/authentication-options`: checks the binding number, then a challenge. */
  async authenticationOptions(
    session: SessionRecord,
    input: unknown,
    actor: Actor,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const body = v.object(input);
    v.onlyFields(body, ['bindingCode', 'credentialIds']);
    const bindingCode = v.text(body.bindingCode, 'bindingCode', { max: 2, pattern: /^[0-9]{2}$/ });
    const credentialIds = v.credentialIds(body.credentialIds);
    if (bindingCode !== session.bindingCode) {
      return this.failAttempt(session, 'binding_mismatch', actor);
    }
    // Discoverable credentials need no list; cards with server-side credentials need their ids,
    // which the phone remembers from enrolment. Unknown ids are dropped, not reported.
    const cards = (
      await Promise.all(credentialIds.map((id) => this.store.getCardByCredentialId(id)))
    ).filter((card) => card !== null);
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
      timeout: 120_000,
      allowCredentials: cards.map((card) => ({
        id: card.credentialId,
        transports: card.transports,
      })),
    });
    const now = this.now();
    await this.store.storeChallenge({
      challenge: options.challenge,
      sessionId: session.id,
      txn: session.txn,
      expiresAt: Math.min(now + CHALLENGE_TTL_MS, session.expiresAt),
      usedAt: null,
    });
    return options;
  }

  /**
   * `POST /v1/handoffs/:code/confirm`: verifies the assertion (origin, RP ID, UV, counter, single-
   * use challenge bound to this transaction), then settles exactly once.
   */
  async confirm(session: SessionRecord, input: unknown, actor: Actor): Promise<ConfirmResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['response']);
    const response = readAssertion(body.response);
    const challenge = await this.store.getChallenge(response.challenge);
    const now = this.now();
    if (
      !challenge ||
      challenge.sessionId !== session.id ||
      challenge.usedAt !== null ||
      now >= challenge.expiresAt ||
      challenge.txn !== session.txn
    ) {
      return this.failAttempt(session, 'authentication_failed', actor);
    }
    const card = await this.store.getCardByCredentialId(response.json.id);
    if (!card) return this.failAttempt(session, 'authentication_failed', actor);
    let newCounter: number;
    try {
      const result = await verifyAuthenticationResponse({
        response: response.json,
        expectedChallenge: challenge.challenge,
        expectedOrigin: this.publicUrl,
        expectedRPID: this.rpId,
        credential: {
          id: card.credentialId,
          publicKey: card.publicKey,
          counter: card.counter,
          transports: card.transports,
        },
        requireUserVerification: true,
      });
      if (!result.verified || !result.authenticationInfo.userVerified)
        throw new Error('not verified');
      newCounter = result.authenticationInfo.newCounter;
    } catch (cause) {
      return this.failAttempt(session, 'authentication_failed', actor, cause);
    }
    const account = await this.store.getAccount(card.accountId);
    if (!account) return this.failAttempt(session, 'authentication_failed', actor);
    if (
      response.json.response.userHandle &&
      response.json.response.userHandle !== account.userHandle
    ) {
      return this.failAttempt(session, 'authentication_failed', actor);
    }
    const merchant = await this.getMerchant(session.merchantId);
    if (card.test && merchant?.mode === 'live') {
      return this.failAttempt(session, 'credential_not_allowed', actor);
    }
    const monthlyLimit =
      session.currency === account.currency
        ? account.monthlyLimit
        : (DEFAULT_MONTHLY_LIMITS[session.currency] ?? 0);

    const settlementId = generateId('stl');
    const iat = Math.floor(now / 1000);
    const token = await this.keys.sign({
      iss: this.publicUrl,
      aud: session.merchantId,
      sub: session.id,
      jti: settlementId,
      iat,
      exp: iat + SETTLEMENT_TOKEN_TTL_SEC,
      orderId: session.orderId,
      amount: session.amount,
      currency: session.currency,
      txn: session.txn,
      amr: [...SETTLEMENT_AMR],
    });
    const result = await this.store.settle({
      sessionId: session.id,
      challenge: challenge.challenge,
      cardId: card.id,
      accountId: account.id,
      newCounter,
      settlementId,
      token,
      now,
      monthStart: monthStartUtc(now),
      monthlyLimit,
      actor,
    });
    if (!result.ok) {
      if (result.reason === 'limit_exceeded' && result.session) this.publish(result.session);
      if (result.reason === 'challenge_expired' || result.reason === 'authentication_failed') {
        // Lost a race for the same challenge, or the counter went backwards meanwhile.
        return this.failAttempt(session, 'authentication_failed', actor);
      }
      if (
        result.reason === 'limit_exceeded' &&
        session.currency !== account.currency &&
        !(session.currency in DEFAULT_MONTHLY_LIMITS)
      ) {
        throw new HttpError(
          'limit_exceeded',
          `This account has no ${session.currency} spending limit`,
        );
      }
      throw refusalError(result);
    }
    this.publish(result.session);
    return { status: 'settled', settlementId, settledAt: iso(now) };
  }

  /** `POST /v1/handoffs/:code/decline`. */
  async decline(session: SessionRecord, actor: Actor): Promise<{ status: 'declined' }> {
    const result = await this.end(session.id, ['claimed'], 'declined', actor);
    if (!result.ok) throw refusalError(result);
    return { status: 'declined' };
  }

  /** Events of a session after `seq`, for SSE resume. */
  async eventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]> {
    return this.store.listEventsAfter(sessionId, seq);
  }
}

/** Reads the assertion JSON enough to route it; the WebAuthn library checks the rest. */
function readAssertion(value: unknown): { json: AuthenticationResponseJSON; challenge: string } {
  const json = v.object(value, 'response');
  const inner = v.object(json.response, 'response.response');
  v.text(json.id, 'response.id', { max: 1024, pattern: /^[A-Za-z0-9_-]+$/ });
  const clientDataJSON = v.text(inner.clientDataJSON, 'response.response.clientDataJSON', {
    max: 8192,
    pattern: /^[A-Za-z0-9_-]+$/,
  });
  v.text(inner.authenticatorData, 'response.response.authenticatorData', {
    max: 8192,
    pattern: /^[A-Za-z0-9_-]+$/,
  });
  v.text(inner.signature, 'response.response.signature', {
    max: 1024,
    pattern: /^[A-Za-z0-9_-]+$/,
  });
  if (inner.userHandle !== undefined && inner.userHandle !== null) {
    v.text(inner.userHandle, 'response.response.userHandle', {
      max: 512,
      pattern: /^[A-Za-z0-9_-]+$/,
    });
  }
  let challenge: unknown;
  try {
    challenge = (
      JSON.parse(new TextDecoder().decode(base64urlDecode(clientDataJSON))) as {
        challenge?: unknown;
      }
    ).challenge;
  } catch {
    throw new HttpError(
      'invalid_request',
      'response.response.clientDataJSON is not valid client data',
    );
  }
  if (typeof challenge !== 'string' || challenge.length > 512) {
    throw new HttpError('invalid_request', 'response.response.clientDataJSON has no challenge');
  }
  return { json: json as unknown as AuthenticationResponseJSON, challenge };
}
