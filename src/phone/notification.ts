/**
 * The system notification for a push message (docs/protocol.md "Push message"): what the service
 * worker shows (`sw.ts`), and the demo's stand-in inbox too. A payment attempt reads
 * "₩4,500 paid to Demo Shop" or "A payment of ₩4,500 was refused: monthly limit", tagged with the
 * session id (a second message about the same payment replaces the first), and opens `/p/:id`.
 */
import { formatAmount, type PaymentAttemptPush } from '../protocol/index.js';
import { phoneLocale } from './locales.js';
import { pushMessage, refusalReason } from './push-locales.js';

export interface NotificationContent {
  title: string;
  options: NotificationOptions & { timestamp?: number; data: { url: string | null } };
}

const SESSION_ID = /^cs_[A-Za-z0-9_-]{8,80}$/;

/** The payload, when it is a well-formed payment attempt. */
function paymentAttempt(payload: unknown): PaymentAttemptPush | null {
  const p = payload as Partial<PaymentAttemptPush> | null;
  if (
    !p ||
    p.type !== 'payment-attempt' ||
    (p.outcome !== 'settled' && p.outcome !== 'refused') ||
    typeof p.sessionId !== 'string' ||
    !SESSION_ID.test(p.sessionId) ||
    typeof p.merchantName !== 'string' ||
    typeof p.amount !== 'number' ||
    typeof p.currency !== 'string' ||
    typeof p.at !== 'string'
  ) {
    return null;
  }
  return p as PaymentAttemptPush;
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
 * payment attempt still gets a notification (browsers require one for every push to a
 * `userVisibleOnly` subscription), a generic one that opens nothing.
 */
export function notificationFor(payload: unknown, language: string): NotificationContent {
  const locale = phoneLocale(language);
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
      data: { url: `/p/${attempt.sessionId}` },
    },
  };
}
