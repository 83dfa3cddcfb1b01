/**
 * What every area of the issuer's domain shares: the store, the clock, configuration, the event
 * hub, rate limits, the seams (policy, notifier, logger) and small helpers for auditing and
 * publishing. One instance per issuer; the services in this folder each take it.
 */
import { isTerminalSessionStatus } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import { EventHub } from '../events.js';
import type { SigningKeys } from '../keys.js';
import type { ExchangeRates } from '../limits.js';
import { RateLimiter, clientKey, type RateRule, type TokenBuckets } from '../rate-limit.js';
import {
  sharedFeatures,
  type Actor,
  type AuditEntry,
  type SessionRecord,
  type Store,
} from '../store/types.js';
import type { TargetPolicy } from '../webhooks/target.js';
import type { Notifier } from './notifier.js';
import type { DomainObserver } from './observer.js';
import type { PaymentPolicy } from './policy.js';
import { RefusalAuditBudget, isRefusedStep } from './refusal-audit.js';

/**
 * Rate limits by name; see docs/protocol.md "Rate limits". "Per client" means per `clientKey`:
 * the IPv4 address, or the IPv6 /64.
 */
export interface RateLimits {
  /** Session creations per merchant. */
  sessionCreate: RateRule;
  /** Hand-off creations per session (rotation is about one a minute). */
  handoffCreate: RateRule;
  /** Claims by hand-off code, per client. */
  claim: RateRule;
  /** Claims by user code (guessable), per client. */
  userCodeClaim: RateRule;
  /** Enrolment calls, per client. */
  enrollment: RateRule;
  /** Recovery-code uses (freeze, recovery enrolment), per client: guessable like user codes. */
  recovery: RateRule;
  /**
   * Misses per client on every route that takes a code (claim, the phone steps, enrolment,
   * recovery): an answer of `404 not_found`, a code that names nothing this caller may act on.
   */
  codeMiss: RateRule;
  /** Misses of user-code claims over the whole issuer, whoever sends them (many addresses). */
  userCodeMissGlobal: RateRule;
  /** Console sign-ins (admin key guesses), per client. */
  consoleSignIn: RateRule;
  /** Push subscriptions (both endpoints), per client. */
  pushSubscribe: RateRule;
  /** Reads of a payment's notice page data, per client. */
  paymentNotice: RateRule;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  sessionCreate: { perMinute: 60_000, burst: 2_000 },
  handoffCreate: { perMinute: 20, burst: 10 },
  claim: { perMinute: 60, burst: 20 },
  userCodeClaim: { perMinute: 10, burst: 10 },
  enrollment: { perMinute: 60, burst: 20 },
  recovery: { perMinute: 10, burst: 10 },
  codeMiss: { perMinute: 10, burst: 10 },
  userCodeMissGlobal: { perMinute: 60, burst: 120 },
  consoleSignIn: { perMinute: 10, burst: 10 },
  pushSubscribe: { perMinute: 10, burst: 10 },
  paymentNotice: { perMinute: 60, burst: 30 },
};

/** Which miss budgets a code route spends: every code route the client's, user-code claims also the issuer's. */
export type MissScope = 'code' | 'userCodeClaim';

function rateLimited(wait: number): HttpError {
  return new HttpError('rate_limited', `Too many requests; retry in ${wait} s`, {
    headers: { 'retry-after': String(wait) },
  });
}

/** Where the domain reports faults it survives (a notifier that threw, say). */
export interface DomainLogger {
  warn(detail: Record<string, unknown>, message: string): void;
}

export interface IssuerConfig {
  /** Public origin of the issuer: `iss`, WebAuthn origin, base of hand-off URLs. */
  readonly publicUrl: string;
  /** WebAuthn RP ID: the public URL's host name. */
  readonly rpId: string;
  /** Relying-party name shown by authenticators. */
  readonly rpName: string;
  /** Poll interval the page must respect, in seconds. */
  readonly pollIntervalSec: number;
  /** Life of a hand-off code in ms (tests shorten it on a running issuer). */
  handoffTtlMs: number;
  /** Push endpoints may also be `http:` on loopback (`--dev-push`: tests, the demo). */
  readonly devPush: boolean;
}

export interface ContextParts {
  store: Store;
  now: () => number;
  config: IssuerConfig;
  keys: SigningKeys;
  rateLimits: RateLimits;
  policy: PaymentPolicy;
  notifier: Notifier;
  observer: DomainObserver;
  logger: DomainLogger;
  exchangeRates: ExchangeRates | undefined;
  /** Seals webhook secrets at rest, as it seals signing keys; none: stored in clear. */
  keyEncryptionKey: Buffer | undefined;
  /** Where webhooks may go (`devWebhooks`) and how host names resolve. */
  webhookTargets: TargetPolicy;
}

export class DomainContext {
  readonly store: Store;
  readonly now: () => number;
  readonly config: IssuerConfig;
  readonly keys: SigningKeys;
  readonly rateLimits: RateLimits;
  readonly policy: PaymentPolicy;
  readonly notifier: Notifier;
  /** Told what happens, for monitoring (metrics). */
  readonly observer: DomainObserver;
  /** Rates for counting payments in other currencies against limits; none: refused. */
  readonly exchangeRates: ExchangeRates | undefined;
  readonly keyEncryptionKey: Buffer | undefined;
  readonly webhookTargets: TargetPolicy;
  logger: DomainLogger;
  /**
   * Called after a write that may have put a webhook event in the outbox: the delivery worker
   * (when started) sends it at once instead of at its next tick.
   */
  webhookQueued: () => void = () => undefined;
  readonly hub = new EventHub();
  /** This process's token buckets. */
  readonly limiter = new RateLimiter();
  /** Buckets every process shares, when the store has them (several processes on PostgreSQL). */
  private readonly sharedBuckets: TokenBuckets | null;
  private readonly refusalAudits = new RefusalAuditBudget();

  constructor(parts: ContextParts) {
    this.store = parts.store;
    this.now = parts.now;
    this.config = parts.config;
    this.keys = parts.keys;
    this.rateLimits = parts.rateLimits;
    this.policy = parts.policy;
    this.notifier = parts.notifier;
    this.observer = parts.observer;
    this.logger = parts.logger;
    this.exchangeRates = parts.exchangeRates;
    this.keyEncryptionKey = parts.keyEncryptionKey;
    this.webhookTargets = parts.webhookTargets;
    const shared = sharedFeatures(parts.store);
    this.sharedBuckets = shared
      ? {
          take: (key, rule, now) => shared.takeRateToken(key, rule, now),
          peek: (key, rule, now) => shared.peekRateToken(key, rule, now),
          sweep: (now) => shared.sweepRateBuckets(now - 10 * 60_000),
        }
      : null;
  }

  /**
   * Where `bucket` is counted: in the store, shared by every process, when the store offers it;
   * except session creations, a throughput throttle checked thousands of times a second, which
   * each process counts on its own (docs/protocol.md "Rate limits").
   */
  private buckets(bucket: keyof RateLimits): TokenBuckets {
    return bucket === 'sessionCreate' || !this.sharedBuckets ? this.limiter : this.sharedBuckets;
  }

  /** Forgets idle buckets, here and (on one process at a time) in the store. */
  async sweepBuckets(now: number): Promise<void> {
    this.limiter.sweep(now);
    await this.sharedBuckets?.sweep(now);
  }

  /** Throws `rate_limited` with Retry-After when `key` is over the `bucket` rule. */
  async rateLimit(bucket: keyof RateLimits, key: string): Promise<void> {
    const wait = await this.buckets(bucket).take(
      `${bucket}:${key}`,
      this.rateLimits[bucket],
      this.now(),
    );
    if (wait > 0) throw rateLimited(wait);
  }

  /**
   * Throws `rate_limited` with Retry-After, before anything is looked up, when client `key` has no
   * code misses left, or, for a user-code claim, the issuer has none (a guesser spread over many
   * addresses empties the issuer's budget, not each address's).
   */
  async checkMisses(key: string, scope: MissScope): Promise<void> {
    const now = this.now();
    const wait = Math.max(
      await this.buckets('codeMiss').peek(`codeMiss:${key}`, this.rateLimits.codeMiss, now),
      scope === 'userCodeClaim'
        ? await this.buckets('userCodeMissGlobal').peek(
            'userCodeMissGlobal',
            this.rateLimits.userCodeMissGlobal,
            now,
          )
        : 0,
    );
    if (wait > 0) throw rateLimited(wait);
  }

  /** Spends one miss of client `key` (and of the issuer, for a user-code claim). */
  async countMiss(key: string, scope: MissScope): Promise<void> {
    const now = this.now();
    await this.buckets('codeMiss').take(`codeMiss:${key}`, this.rateLimits.codeMiss, now);
    if (scope === 'userCodeClaim') {
      await this.buckets('userCodeMissGlobal').take(
        'userCodeMissGlobal',
        this.rateLimits.userCodeMissGlobal,
        now,
      );
    }
  }

  /** An audit row for a write to carry (written in the write's own transaction). */
  auditEntry(
    actor: Actor,
    action: string,
    sessionId?: string,
    detail?: Record<string, unknown>,
    at = this.now(),
  ): AuditEntry {
    // Ids in the detail are also the row's own columns (the audit API filters by them).
    const id = (key: string) => (typeof detail?.[key] === 'string' ? detail[key] : undefined);
    return {
      ...actor,
      at,
      action,
      sessionId,
      accountId: id('accountId'),
      cardId: id('cardId'),
      merchantId: id('merchantId'),
      detail,
    };
  }

  /**
   * Writes an audit row on its own (steps that change nothing else). The one place refusals are
   * audited: refused-step rows (`isRefusedStep`: `….refused`, `….denied`, `user_code.miss`) are
   * limited per client key (`RefusalAuditBudget`: 30 a minute, then counted and summarised in
   * one `audit.refusals_dropped` row); every other row, `approval.failed` included, is written.
   */
  async audit(
    actor: Actor,
    action: string,
    sessionId?: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    const entry = this.auditEntry(actor, action, sessionId, detail);
    if (!isRefusedStep(action)) {
      await this.store.appendAudit(entry);
      return;
    }
    const { write, summary } = this.refusalAudits.admit(clientKey(actor.ip), entry);
    if (summary) await this.store.appendAudit(summary);
    if (write) await this.store.appendAudit(entry);
  }

  /**
   * Writes the summaries of refused-step windows that have ended (the sweeper), or of all windows
   * (`final`, at shutdown), so no dropped row goes uncounted.
   */
  async flushRefusalAudits(final = false): Promise<void> {
    const now = this.now();
    for (const summary of this.refusalAudits.flush(final ? Infinity : now, now)) {
      await this.store.appendAudit(summary);
    }
  }

  /**
   * Runs `tell` (a call to the notifier) without waiting for it: a slow or failing notifier can
   * neither delay nor undo the change it is told about; a failure is logged.
   */
  notifyLater(tell: (notifier: Notifier) => unknown): void {
    void Promise.resolve()
      .then(() => tell(this.notifier))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'notifier failed'));
  }

  /** Wakes this process's streams with the session's latest event (and counts an ending). */
  publish(session: SessionRecord): void {
    if (isTerminalSessionStatus(session.status)) {
      this.observer.sessionEnded(session.status, session.errorCode);
    }
    this.hub.publish({
      sessionId: session.id,
      seq: session.eventSeq,
      status: session.status,
      errorCode: session.errorCode,
      createdAt: this.now(),
    });
  }
}

/** ISO 8601 UTC of epoch ms. */
export const iso = (ms: number): string => new Date(ms).toISOString();
