/**
 * `WebPushNotifier`: the issuer's default notifier (`startIssuer`). After every attempt in which a
 * card was identified it sends one Web Push message to each subscription of the card's account:
 * the payload encrypted for that browser (RFC 8291, `aes128gcm`), signed with the issuer's VAPID
 * key (RFC 8292), `TTL` one day, `Urgency: high` (RFC 8030 §5.2–5.3). A `404` or `410` from the
 * push service means the subscription is gone, so it is deleted. Delivery is best effort: no
 * outbox, a bounded retry for network faults and 5xx/429, at most `concurrency` requests at once,
 * and a payment never waits for any of it (`ConfirmationService.notify` does not await).
 */
import http from 'node:http';
import https from 'node:https';
import type * as WebPush from 'web-push';
import type { AccountNoticePush, PaymentAttemptPush, RefundPush } from '../../protocol/index.js';
import { iso, type DomainLogger } from '../domain/context.js';
import type { AccountNotice, AttemptNotice, Notifier, RefundNotice } from '../domain/notifier.js';
import type { AuditEntry, PushSubscriptionRecord, Store } from '../store/types.js';
import { PushAddressRefused, checkPushEndpoint, type EndpointRoute } from './endpoints.js';
import { paymentNoticeToken } from './notice-token.js';
import { sendPushRequest, type PushResponse } from './send.js';
import { VapidKeys } from './vapid.js';

/** What became of one message to one subscription (the metrics hook, `onDelivery`). */
export type PushDeliveryResult =
  /** The push service accepted it (2xx). */
  | 'delivered'
  /** The push service answered 404 or 410: the subscription was deleted. */
  | 'gone'
  /** Anything else, after the retries: a network fault, a timeout, another status. */
  | 'failed'
  /** Not sent: the endpoint is not allowed (deleted) or its name resolved to no public address. */
  | 'refused';

/** Tunables of the notifier; every one has a default. */
export interface WebPushSettings {
  /**
   * VAPID `sub` claim (RFC 8292 §2.1): an `https:` URL or a `mailto:` address the push service
   * can reach the operator at. Default: the public URL when it is https, else `mailto:push@<host>`.
   */
  contact?: string | undefined;
  /** Deadline of one request to a push service, in ms (default 10 000). */
  timeoutMs?: number | undefined;
  /** Tries per message for network faults, 429 and 5xx (default 2). */
  attempts?: number | undefined;
  /** Wait before trying again, in ms (default 2000). */
  retryDelayMs?: number | undefined;
  /** Requests to push services at once (default 8); more wait their turn. */
  concurrency?: number | undefined;
  /** Messages that may wait for a turn; beyond that they are dropped as `failed` (default 1000). */
  maxQueued?: number | undefined;
  /** How long a push service keeps an undelivered message, in seconds (default one day). */
  ttlSec?: number | undefined;
  /** Called once per message and subscription with what became of it (metrics). */
  onDelivery?: ((result: PushDeliveryResult) => void) | undefined;
}

export interface WebPushNotifierOptions extends WebPushSettings {
  store: Store;
  /** The issuer's public origin (the default VAPID contact). */
  publicUrl: string;
  /** Seals the VAPID private key at rest, as it does signing keys. */
  keyEncryptionKey?: Buffer | undefined;
  /** Also allow `http:` endpoints on loopback (tests, the demo). */
  devPush?: boolean | undefined;
  logger?: DomainLogger | undefined;
  now?: (() => number) | undefined;
}

type WebPushLib = Pick<typeof WebPush, 'generateRequestDetails'>;
let webPushLib: Promise<WebPushLib | null> | undefined;

/** web-push (an optional peer), loaded on first use; null when it is not installed. */
function loadWebPush(): Promise<WebPushLib | null> {
  webPushLib ??= import('web-push').then(
    (module) => ((module as { default?: WebPushLib }).default ?? module) as WebPushLib,
    () => null,
  );
  return webPushLib;
}

/** The message about one attempt, exactly as documented (docs/protocol.md "Push message"). */
export function paymentAttemptPayload(notice: AttemptNotice): PaymentAttemptPush {
  return {
    type: 'payment-attempt',
    outcome: notice.outcome,
    ...(notice.outcome === 'refused' && notice.reason ? { reason: notice.reason } : {}),
    sessionId: notice.session.id,
    noticeToken: paymentNoticeToken(notice.session),
    merchantName: notice.merchant.name,
    amount: notice.session.amount,
    currency: notice.session.currency,
    at: iso(notice.at),
  };
}

/** The message about a refund (docs/protocol.md "Push message"). */
export function refundPayload(notice: RefundNotice): RefundPush {
  return {
    type: 'refund',
    sessionId: notice.session.id,
    noticeToken: paymentNoticeToken(notice.session),
    merchantName: notice.merchant.name,
    amount: notice.refund.amount,
    currency: notice.refund.currency,
    at: iso(notice.refund.createdAt),
  };
}

/** The message about the account itself (docs/protocol.md "Push message"). */
export function accountNoticePayload(notice: AccountNotice): AccountNoticePush {
  return {
    type: 'account-notice',
    notice: notice.type,
    at: iso(notice.at),
    ...(notice.activatesAt === undefined ? {} : { activatesAt: iso(notice.activatesAt) }),
  };
}

/** The VAPID contact: given (checked), or derived from the public URL. */
function vapidSubject(contact: string | undefined, publicUrl: string): string {
  if (contact !== undefined) {
    if (!/^(https:\/\/\S+|mailto:\S+@\S+)$/.test(contact)) {
      throw new TypeError('The push contact must be an https: URL or a mailto: address');
    }
    return contact;
  }
  const url = new URL(publicUrl);
  return url.protocol === 'https:' ? url.origin : `mailto:push@${url.hostname}`;
}

const retryable = (response: PushResponse): boolean =>
  'error' in response
    ? !(response.error instanceof PushAddressRefused)
    : response.status === 429 || response.status >= 500;

export class WebPushNotifier implements Notifier {
  private readonly store: Store;
  private readonly vapid: VapidKeys;
  private readonly subject: string;
  private readonly devPush: boolean;
  private readonly now: () => number;
  private readonly settings: Record<
    'timeoutMs' | 'attempts' | 'retryDelayMs' | 'concurrency' | 'maxQueued' | 'ttlSec',
    number
  >;
  private readonly onDelivery: ((result: PushDeliveryResult) => void) | undefined;
  private readonly aborter = new AbortController();
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  private logger: DomainLogger;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: WebPushNotifierOptions) {
    this.store = options.store;
    this.vapid = new VapidKeys(options.store, { keyEncryptionKey: options.keyEncryptionKey });
    this.subject = vapidSubject(options.contact, options.publicUrl);
    this.devPush = options.devPush ?? false;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? { warn: () => undefined };
    this.onDelivery = options.onDelivery;
    this.settings = {
      timeoutMs: options.timeoutMs ?? 10_000,
      attempts: Math.max(1, options.attempts ?? 2),
      retryDelayMs: options.retryDelayMs ?? 2000,
      concurrency: Math.max(1, options.concurrency ?? 8),
      maxQueued: options.maxQueued ?? 1000,
      ttlSec: options.ttlSec ?? 86_400,
    };
  }

  /** Reports delivery faults to `logger` from now on. */
  setLogger(logger: DomainLogger): void {
    this.logger = logger;
  }

  async paymentAttempt(notice: AttemptNotice): Promise<void> {
    await this.notifyAccount(notice.account.id, paymentAttemptPayload(notice));
  }

  async refund(notice: RefundNotice): Promise<void> {
    await this.notifyAccount(notice.account.id, refundPayload(notice));
  }

  /** A freeze, a recovery enrolment or a new card: every phone of the account hears of it. */
  async accountNotice(notice: AccountNotice): Promise<void> {
    await this.notifyAccount(notice.account.id, accountNoticePayload(notice));
  }

  /**
   * Sends `payload` (JSON, under 3 KiB) to every subscription of the account, each once (with the
   * bounded retry); answers what became of each. Never throws for a delivery fault.
   */
  async notifyAccount(accountId: string, payload: object): Promise<PushDeliveryResult[]> {
    if (this.aborter.signal.aborted) return [];
    const body = JSON.stringify(payload);
    const subscriptions = await this.store.listPushSubscriptions(accountId);
    return Promise.all(subscriptions.map((sub) => this.deliver(sub, body)));
  }

  /** Stops: requests under way are aborted, waiting ones dropped, agents closed. */
  async close(): Promise<void> {
    this.aborter.abort();
    for (const wake of this.waiting.splice(0)) wake();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private report(result: PushDeliveryResult): PushDeliveryResult {
    try {
      this.onDelivery?.(result);
    } catch (error) {
      this.logger.warn({ err: error }, 'push delivery hook failed');
    }
    return result;
  }

  private async deliver(sub: PushSubscriptionRecord, body: string): Promise<PushDeliveryResult> {
    const service = new URL(sub.endpoint).origin;
    let route: EndpointRoute;
    try {
      route = checkPushEndpoint(sub.endpoint, this.devPush);
    } catch {
      // Allowed when it was stored, not under this configuration (say, --dev-push is off now).
      await this.forget(sub, 'push.subscription.refused', { pushService: service });
      this.logger.warn({ pushService: service }, 'push endpoint no longer allowed; deleted');
      return this.report('refused');
    }
    const lib = await loadWebPush();
    if (!lib) {
      this.logger.warn({}, 'web-push is not installed; no push notification sent');
      return this.report('failed');
    }
    let response: PushResponse = { error: new Error('not sent') };
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      if (attempt > 1 && !(await this.pause(this.settings.retryDelayMs))) break;
      response = await this.send(lib, sub, route, body);
      if (!retryable(response)) break;
    }
    return this.report(await this.conclude(sub, service, response));
  }

  /** Turns the last answer into the outcome, deleting a gone subscription. */
  private async conclude(
    sub: PushSubscriptionRecord,
    service: string,
    response: PushResponse,
  ): Promise<PushDeliveryResult> {
    if ('status' in response && response.status >= 200 && response.status < 300) {
      await this.store.markPushDelivered(sub.endpoint, this.now());
      return 'delivered';
    }
    if ('status' in response && (response.status === 404 || response.status === 410)) {
      // RFC 8030 §7.3: the subscription expired or was unsubscribed; never send to it again.
      await this.forget(sub, 'push.subscription.gone', {
        pushService: service,
        status: response.status,
      });
      return 'gone';
    }
    if ('error' in response && response.error instanceof PushAddressRefused) {
      this.logger.warn({ pushService: service }, response.error.message);
      return 'refused';
    }
    const detail =
      'status' in response ? { status: response.status } : { err: response.error.message };
    this.logger.warn({ pushService: service, ...detail }, 'push message not delivered');
    return 'failed';
  }

  /** One encrypted, VAPID-signed request, in its turn. */
  private async send(
    lib: WebPushLib,
    sub: PushSubscriptionRecord,
    route: EndpointRoute,
    body: string,
  ): Promise<PushResponse> {
    const keys = await this.vapid.load(this.now());
    const details = lib.generateRequestDetails(
      { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
      body,
      {
        vapidDetails: { subject: this.subject, ...keys },
        TTL: this.settings.ttlSec,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      },
    );
    const turn = await this.turn();
    if (!turn) return { error: new Error('dropped: too many push messages waiting') };
    try {
      return await sendPushRequest(
        { route, headers: details.headers as Record<string, string | number>, body: details.body },
        { timeoutMs: this.settings.timeoutMs, signal: this.aborter.signal, agents: this.agents },
      );
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Waits for a free request slot; false when the queue is full or the notifier closed. */
  private async turn(): Promise<boolean> {
    if (this.active >= this.settings.concurrency) {
      if (this.waiting.length >= this.settings.maxQueued) return false;
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    if (this.aborter.signal.aborted) return false;
    this.active++;
    return true;
  }

  /** Sleeps `ms`; false when the notifier closed meanwhile. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.aborter.signal.aborted), ms);
      timer.unref();
      this.aborter.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }

  private async forget(
    sub: PushSubscriptionRecord,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const audit: AuditEntry = {
      actor: 'system',
      at: this.now(),
      action,
      accountId: sub.accountId,
      detail: { accountId: sub.accountId, ...detail },
    };
    await this.store.deletePushSubscription(sub.endpoint, sub.p256dh, audit);
  }
}
