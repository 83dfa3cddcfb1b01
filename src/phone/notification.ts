/**
 * The system notification for a push message (docs/protocol.md "Push message"): what the service
 * worker shows (`sw.ts`). A payment attempt reads "₩4,500 paid to Demo Shop" or "A payment of
 * ₩4,500 was refused: monthly limit", tagged with the session id (a second message about the same
 * payment replaces the first), and opens `/p/:id`. A notice about the account (frozen, a
 * replacement card, a new card) opens the recovery page, `/r`; a refund ("₩1,500 refunded by Demo
 * Shop") opens the payment's page.
 */
import {
  formatAmount,
  type AccountNoticePush,
  type PaymentAttemptPush,
  type PaymentPushFields,
  type RefundPush,
} from '../protocol/index.js';
import { formatDateTime, phoneLocale, type PhoneLocale } from './locales.js';
import { pushMessage, refusalReason, type PushMessageKey } from './push-locales.js';

export interface NotificationContent {
  title: string;
  options: NotificationOptions & { timestamp?: number; data: { url: string | null } };
}

const SESSION_ID = /^cs_[A-Za-z0-9_-]{8,80}$/;

/** Whether `p` has the fields every message about one payment carries, well formed. */
function aboutAPayment(p: Partial<PaymentPushFields>): boolean {
  return (
    typeof p.sessionId === 'string' &&
    SESSION_ID.test(p.sessionId) &&
    typeof p.merchantName === 'string' &&
    typeof p.amount === 'number' &&
    typeof p.currency === 'string' &&
    typeof p.at === 'string'
  );
}

/** The payload, when it is a well-formed payment attempt. */
function paymentAttempt(payload: unknown): PaymentAttemptPush | null {
  const p = payload as Partial<PaymentAttemptPush> | null;
  if (!p || p.type !== 'payment-attempt' || (p.outcome !== 'settled' && p.outcome !== 'refused')) {
    return null;
  }
  return aboutAPayment(p) ? (p as PaymentAttemptPush) : null;
}

/** The payload, when it is a well-formed refund (its page needs the notice token). */
function refund(payload: unknown): RefundPush | null {
  const p = payload as Partial<RefundPush> | null;
  if (!p || p.type !== 'refund' || typeof p.noticeToken !== 'string') return null;
  return aboutAPayment(p) ? (p as RefundPush) : null;
}

function refundContent(r: RefundPush, locale: PhoneLocale, language: string): NotificationContent {
  const values = { amount: money(r.amount, r.currency, language), merchant: r.merchantName };
  const at = Date.parse(r.at);
  return {
    title: pushMessage(locale, 'refundTitle', values),
    options: {
      body: pushMessage(locale, 'refundBody'),
      tag: `refund-${r.sessionId}`,
      lang: locale,
      ...(Number.isNaN(at) ? {} : { timestamp: at }),
      data: { url: `/p/${r.sessionId}#${r.noticeToken}` },
    },
  };
}

const NOTICES: Record<AccountNoticePush['notice'], [PushMessageKey, PushMessageKey]> = {
  'account-frozen': ['frozenTitle', 'frozenBody'],
  'recovery-enrollment': ['recoveryCardTitle', 'recoveryCardBody'],
  'card-added': ['cardAddedTitle', 'cardAddedBody'],
};

/** The payload, when it is a well-formed notice about the account. */
function accountNotice(payload: unknown): AccountNoticePush | null {
  const p = payload as Partial<AccountNoticePush> | null;
  if (
    !p ||
    p.type !== 'account-notice' ||
    typeof p.notice !== 'string' ||
    !Object.hasOwn(NOTICES, p.notice) ||
    typeof p.at !== 'string' ||
    (p.activatesAt !== undefined && typeof p.activatesAt !== 'string')
  ) {
    return null;
  }
  return p as AccountNoticePush;
}

function noticeContent(notice: AccountNoticePush, locale: PhoneLocale): NotificationContent {
  const [title, body] = NOTICES[notice.notice];
  const activates = notice.activatesAt ? Date.parse(notice.activatesAt) : Number.NaN;
  const date = Number.isNaN(activates) ? '' : formatDateTime(locale, new Date(activates));
  const at = Date.parse(notice.at);
  return {
    title: pushMessage(locale, title, { date }),
    options: {
      body: pushMessage(locale, body),
      tag: `account-${notice.notice}`,
      lang: locale,
      ...(Number.isNaN(at) ? {} : { timestamp: at }),
      data: { url: '/r' },
    },
  };
}

function money(amount: number, currency: string, language: string): string {
  try {
    return formatAmount(amount, currency, language);
  } catch {
    return `${amount} ${currency}`;
  }
}

/**
 * The notification for `payload` in the phone's `language` (a BCP 47 tag). Anything that is not a
 * payment attempt or an account notice still gets a notification (browsers require one for every push to a
 * `userVisibleOnly` subscription), a generic one that opens nothing.
 */
export function notificationFor(payload: unknown, language: string): NotificationContent {
  const locale = phoneLocale(language);
  const notice = accountNotice(payload);
  if (notice) return noticeContent(notice, locale);
  const refunded = refund(payload);
  if (refunded) return refundContent(refunded, locale, language);
  const attempt = paymentAttempt(payload);
  if (!attempt) {
    return {
      title: pushMessage(locale, 'genericTitle'),
      options: { body: pushMessage(locale, 'genericBody'), lang: locale, data: { url: null } },
    };
  }
  const amount = money(attempt.amount, attempt.currency, language);
  const values = {
    amount,
    merchant: attempt.merchantName,
    reason: refusalReason(locale, attempt.reason),
  };
  const settled = attempt.outcome === 'settled';
  const at = Date.parse(attempt.at);
  return {
    title: pushMessage(locale, settled ? 'settledTitle' : 'refusedTitle', values),
    options: {
      body: pushMessage(locale, settled ? 'settledBody' : 'refusedBody', values),
      tag: attempt.sessionId,
      lang: locale,
      ...(Number.isNaN(at) ? {} : { timestamp: at }),
      data: { url: `/p/${attempt.sessionId}#${attempt.noticeToken}` },
    },
  };
}

/** Only a path on the issuer's own origin is ever opened. */
export function targetUrl(data: unknown, origin: string): string {
  const path = (data as { url?: unknown } | null)?.url;
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//'))
    return `${origin}/`;
  const url = new URL(path, origin);
  return url.origin === origin ? url.href : `${origin}/`;
}
