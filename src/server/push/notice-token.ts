/**
 * The token that opens a payment's notice page (`/p/:sessionId#<token>`). It travels only inside
 * the end-to-end encrypted push message, so only the account's phones (and the merchant page,
 * which holds the client secret it derives from and knows the payment anyway) can read the
 * notice: a session id alone — in a merchant's logs or URLs — opens nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from '../store/types.js';

/** 128 bits, base64url. */
export function paymentNoticeToken(session: Pick<SessionRecord, 'clientSecret'>): string {
  return createHmac('sha256', session.clientSecret)
    .update('dualpay payment notice v1')
    .digest('base64url')
    .slice(0, 22);
}

export function isPaymentNoticeToken(
  session: Pick<SessionRecord, 'clientSecret'>,
  token: string | undefined,
): boolean {
  if (typeof token !== 'string' || token.length !== 22) return false;
  return timingSafeEqual(Buffer.from(paymentNoticeToken(session)), Buffer.from(token));
}
