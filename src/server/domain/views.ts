/**
 * How a merchant's server sees its records: the Session of `GET /v1/checkout-sessions/:id` and the
 * webhook events, and a Refund. Pure functions of the records, so that the domain can render a
 * record as it will be after a write, and put that in the write's webhook event.
 */
import { ERROR_SUMMARIES, type Refund, type Session } from '../../protocol/index.js';
import type { RefundRecord, SessionRecord } from '../store/types.js';
import { iso } from './context.js';

/** The merchant server's view of a session; `refunds` only where the answer lists them. */
export function sessionView(record: SessionRecord, refunds?: readonly RefundRecord[]): Session {
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
    ...(record.errorCode && record.status !== 'settled'
      ? { error: { code: record.errorCode, message: ERROR_SUMMARIES[record.errorCode] } }
      : {}),
    ...(refunds ? { refunds: refunds.map(refundView) } : {}),
  };
}

export function refundView(record: RefundRecord): Refund {
  return {
    id: record.id,
    sessionId: record.sessionId,
    amount: record.amount,
    currency: record.currency,
    status: 'succeeded',
    ...(record.reason !== null ? { reason: record.reason } : {}),
    createdAt: iso(record.createdAt),
  };
}
