/**
 * The issuer: one object that owns the domain services and the background work. HTTP routes
 * (`http/routes/`) validate credentials and call the services; every failure is an `HttpError`
 * with a documented code. Each area lives in `domain/`: merchants and admin keys, accounts and
 * enrolment, checkout sessions, hand-offs, confirmation and settlement. See docs/architecture.md.
 */
import { IssuerMetrics, instrumentStore } from './metrics.js';
import { HANDOFF_TTL_MS, DEFAULT_POLL_INTERVAL_SEC } from '../protocol/index.js';
import { AccountService } from './domain/accounts.js';
import { AdminService } from './domain/admins.js';
import { AuditService } from './domain/audit.js';
import { EnrollmentService } from './domain/enrollment.js';
import { CheckoutService } from './domain/checkout.js';
import { ConfirmationService } from './domain/confirmation.js';
import {
  DEFAULT_RATE_LIMITS,
  DomainContext,
  type DomainLogger,
  type IssuerConfig,
  type MissScope,
  type RateLimits,
} from './domain/context.js';
import { HandoffService } from './domain/handoffs.js';
import { MerchantService } from './domain/merchants.js';
import { PushService } from './domain/push.js';
import { RecoveryService } from './domain/recovery.js';
import { SILENT_NOTIFIER, type Notifier } from './domain/notifier.js';
import type { PaymentPolicy } from './domain/policy.js';
import { RiskPolicy, type RiskPolicyConfig } from './domain/risk.js';
import { RefundService } from './domain/refunds.js';
import { WebhookDelivery, type WebhookDeliveryOptions } from './domain/webhook-delivery.js';
import { WebhookService } from './domain/webhooks.js';
import { SigningKeys } from './keys.js';
import { isLoopbackAddress } from './push/endpoints.js';
import { VapidKeys } from './push/vapid.js';
import type { ExchangeRates } from './limits.js';
import { sharedFeatures, type Store } from './store/types.js';
import { parseAttestationRoots, type AttestationRoot } from './webauthn/attestation.js';
import { systemLookup, type WebhookLookup } from './webhooks/target.js';

export { DEFAULT_RATE_LIMITS, type MissScope, type RateLimits } from './domain/context.js';

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
  /** Life of a hand-off code in ms (default 60 s); shorter only for tests. */
  handoffTtlMs?: number;
  rateLimits?: Partial<RateLimits>;
  /**
   * Checks every verified approval before it settles. Default: the risk policy (`RiskPolicy`)
   * with `riskPolicy`'s thresholds.
   */
  policy?: PaymentPolicy;
  /** Thresholds of the default risk policy (`loadRiskPolicy(file)`); default: the defaults. */
  riskPolicy?: RiskPolicyConfig;
  /** Told after every attempt in which a card was identified; default: no one. */
  notifier?: Notifier;
  /** Where survivable faults are reported; default: nowhere. */
  logger?: DomainLogger;
  /**
   * Rates for counting a payment in another currency against an account's monthly limit; without
   * a rate such payments are refused with `currency_not_supported`.
   */
  exchangeRates?: ExchangeRates;
  /** AES-256 key that seals private signing keys at rest (`DUALPAY_KEY_ENCRYPTION_KEY`). */
  keyEncryptionKey?: Buffer;
  /** How long a next signing key is published before rotation may make it current. */
  signingKeyLeadMs?: number;
  /**
   * Trusted attestation roots (PEM strings or `X509Certificate`s; `loadAttestationRoots(dir)` reads
   * a directory of `*.pem`). A card whose attestation chain verifies up to one of them is trusted
   * hardware and may pay live merchants; every other card is a test card. Default: none, so every
   * card is a test card. A string that is not a PEM certificate throws.
   */
  attestationRoots?: readonly AttestationRoot[];
  /**
   * Also accept push subscriptions whose endpoint is `http:` (or any port) on loopback: the
   * tests' and the demo's stand-in push services (`--dev-push`). Only for an issuer whose public
   * URL is itself on loopback; anything else throws.
   */
  devPush?: boolean;
  /**
   * Development only: webhook URLs may be loopback addresses, over http (`--dev-webhooks`).
   * Without it a webhook URL must be https to a public address.
   */
  devWebhooks?: boolean;
  /** Retry schedule, time limit and concurrency of webhook delivery (defaults: docs/protocol.md). */
  webhookDelivery?: WebhookDeliveryOptions;
  /** Resolves webhook host names (tests); default `dns.lookup` with every address. */
  webhookLookup?: WebhookLookup;
  /**
   * How long a recovery enrolment's card stays pending, in seconds (`--recovery-cooling-off`);
   * default 86400 (24 h).
   */
  recoveryCoolingOffSeconds?: number;
}

/** The recovery cooling-off in ms; throws for a value that is not a whole number of seconds ≥ 0. */
function coolingOffMs(seconds: number | undefined): number {
  if (seconds === undefined) return 86_400_000;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError('recoveryCoolingOffSeconds must be a whole number of seconds, 0 or more');
  }
  return seconds * 1000;
}

const SILENT_LOGGER: DomainLogger = { warn: () => undefined };

/** The issuer service. Create with `Issuer.create()`, stop with `close()`. */
export class Issuer {
  readonly store: Store;
  readonly keys: SigningKeys;
  readonly config: IssuerConfig;
  readonly now: () => number;
  readonly merchants: MerchantService;
  readonly admins: AdminService;
  readonly audit: AuditService;
  readonly accounts: AccountService;
  readonly enrollment: EnrollmentService;
  readonly checkout: CheckoutService;
  readonly handoffs: HandoffService;
  readonly confirmation: ConfirmationService;
  readonly push: PushService;
  /** The VAPID key pair push subscriptions are bound to. */
  readonly vapid: VapidKeys;
  readonly webhooks: WebhookService;
  readonly refunds: RefundService;
  private readonly delivery: WebhookDelivery;
  readonly recovery: RecoveryService;
  /** This process's Prometheus metrics (`GET /metrics`). */
  readonly metrics: IssuerMetrics;
  private readonly ctx: DomainContext;
  private sweeper: NodeJS.Timeout | undefined;
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(options: IssuerOptions) {
    const url = new URL(options.publicUrl);
    this.now = options.now ?? Date.now;
    this.metrics = new IssuerMetrics(this.now);
    this.store = instrumentStore(options.store, this.metrics);
    this.keys = new SigningKeys(this.store, {
      keyEncryptionKey: options.keyEncryptionKey,
      publishLeadMs: options.signingKeyLeadMs,
    });
    this.config = {
      publicUrl: url.origin,
      rpId: url.hostname,
      rpName: options.rpName ?? 'dualpay',
      pollIntervalSec: options.pollIntervalSec ?? DEFAULT_POLL_INTERVAL_SEC,
      handoffTtlMs: options.handoffTtlMs ?? HANDOFF_TTL_MS,
      devPush: options.devPush ?? false,
    };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (this.config.devPush && host !== 'localhost' && !isLoopbackAddress(host)) {
      throw new Error('devPush (--dev-push) is for an issuer on loopback only (tests, the demo)');
    }
    this.vapid = new VapidKeys(this.store, { keyEncryptionKey: options.keyEncryptionKey });
    this.ctx = new DomainContext({
      store: this.store,
      now: this.now,
      config: this.config,
      keys: this.keys,
      rateLimits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
      policy: options.policy ?? new RiskPolicy(this.store, options.riskPolicy),
      notifier: options.notifier ?? SILENT_NOTIFIER,
      observer: this.metrics,
      logger: options.logger ?? SILENT_LOGGER,
      exchangeRates: options.exchangeRates,
      keyEncryptionKey: options.keyEncryptionKey,
      webhookTargets: {
        devWebhooks: options.devWebhooks ?? false,
        lookup: options.webhookLookup ?? systemLookup,
      },
    });
    this.webhooks = new WebhookService(this.ctx);
    this.delivery = new WebhookDelivery(this.ctx, this.webhooks, options.webhookDelivery);
    this.merchants = new MerchantService(this.ctx, this.webhooks);
    this.admins = new AdminService(this.ctx);
    this.audit = new AuditService(this.ctx);
    this.accounts = new AccountService(this.ctx);
    this.enrollment = new EnrollmentService(
      this.ctx,
      parseAttestationRoots(options.attestationRoots ?? []),
    );
    this.checkout = new CheckoutService(this.ctx, this.merchants);
    this.handoffs = new HandoffService(this.ctx, this.merchants, this.checkout);
    this.confirmation = new ConfirmationService(this.ctx, this.merchants, this.checkout);
    this.push = new PushService(this.ctx, this.merchants, this.vapid);
    this.refunds = new RefundService(this.ctx, this.checkout);
    this.recovery = new RecoveryService(this.ctx, coolingOffMs(options.recoveryCoolingOffSeconds));
  }

  /**
   * Opens the issuer over `store`: loads or creates signing keys; with a store several processes
   * share, also listens to every process's events and merchant changes.
   */
  static async create(options: IssuerOptions): Promise<Issuer> {
    const issuer = new Issuer(options);
    await issuer.keys.init(issuer.now());
    await issuer.vapid.load(issuer.now());
    await issuer.webhooks.sealClearSecrets();
    const shared = sharedFeatures(issuer.store);
    if (shared) {
      const hub = issuer.ctx.hub;
      const stopEvents = await shared.subscribeEvents(
        (event) => hub.publish(event),
        () => hub.resync(),
      );
      const merchants = issuer.merchants;
      const stopMerchants = await shared.subscribeMerchantChanges?.(
        (id) => merchants.forgetMerchant(id),
        () => merchants.forgetAll(),
      );
      issuer.stopListening = async () => {
        await stopEvents();
        await stopMerchants?.();
      };
    }
    return issuer;
  }

  /** The issuer's public origin. */
  get publicUrl(): string {
    return this.config.publicUrl;
  }

  /** In-process fan-out of session events to open streams. */
  get hub() {
    return this.ctx.hub;
  }

  /** Throws `rate_limited` with Retry-After when `key` is over the `bucket` rule. */
  async rateLimit(bucket: keyof RateLimits, key: string): Promise<void> {
    await this.ctx.rateLimit(bucket, key);
  }

  /** `rate_limited` before any look-up when client `key` (or the issuer) has no code misses left. */
  async checkMisses(key: string, scope: MissScope): Promise<void> {
    await this.ctx.checkMisses(key, scope);
  }

  /** Counts one code miss of client `key` (and of the issuer, for a user-code claim). */
  async countMiss(key: string, scope: MissScope): Promise<void> {
    await this.ctx.countMiss(key, scope);
  }

  /** Reports survivable domain faults (a failing notifier) to `logger` from now on. */
  setLogger(logger: DomainLogger): void {
    this.ctx.logger = logger;
  }

  /** Starts the expiry sweeper (every `intervalMs`); a sweep never overlaps the previous one. */
  startSweeper(intervalMs = 1000): void {
    let running = false;
    this.sweeper ??= setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'sweep failed'))
        .finally(() => (running = false));
    }, intervalMs);
    this.sweeper.unref();
  }

  /**
   * Starts delivering webhooks: a tick every `intervalMs` and one after each write that queued an
   * event; ticks never overlap, and their errors are logged (`logger`), never thrown.
   */
  startWebhookDelivery(intervalMs = 1000): void {
    this.delivery.start(intervalMs);
  }

  /** Delivers what is due now and waits for those attempts (tests and tools); returns how many. */
  async deliverWebhooks(): Promise<number> {
    return this.delivery.deliverDue();
  }

  /**
   * Expires due sessions, drops stale rate-limit state, reloads signing keys (another process may
   * have rotated), and writes the summaries of dropped refused-step audit rows whose minute ended.
   * With several processes on one database, expiry runs on one of them at a time.
   */
  async sweep(): Promise<number> {
    const now = this.now();
    const shared = sharedFeatures(this.store);
    const expire = async () => {
      const expired = await this.checkout.sweepExpired(now);
      await this.ctx.sweepBuckets(now);
      return expired;
    };
    const expired = shared
      ? ((await shared.withTryAdvisoryLock('dualpay-sweeper', expire)) ?? 0)
      : await expire();
    this.checkout.forgetOldPolls(now);
    await this.ctx.flushRefusalAudits();
    await this.keys.refresh(now);
    return expired;
  }

  /**
   * Stops the sweeper and webhook delivery (attempts in flight are cut off, recorded and
   * rescheduled) and writes what the refused-step audit budget still counts (call before closing
   * the store).
   */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.delivery.stop();
    await this.stopListening?.();
    this.stopListening = undefined;
    await this.ctx.flushRefusalAudits(true);
  }

  /**
   * Makes the published next signing key current (new tokens carry its kid) and publishes a new
   * next key; earlier tokens keep verifying. Throws `RotationTooSoonError` while the next key has
   * been published for less than `signingKeyLeadMs`.
   */
  async rotateSigningKey(): Promise<string> {
    return this.keys.rotate(this.now());
  }
}
