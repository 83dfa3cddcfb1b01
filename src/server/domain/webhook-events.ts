/**
 * The webhook events the domain hands to its writes (`WithWebhookEvent`): the JSON body
 * `{id, type, createdAt, data}` is rendered before the write, from the record as the write leaves
 * it, and stored as is, so that every attempt POSTs (and signs) the same bytes.
 */
import type { CheckoutEventType, SessionStatus, WebhookEventType } from '../../protocol/index.js';
import { generateSortableId } from '../ids.js';
import type { RefundRecord, SessionRecord, WebhookEventInput } from '../store/types.js';
import { iso } from './context.js';
import { refundView, sessionView } from './views.js';

/** The event each way a session ends produces. */
const SESSION_EVENT_TYPES: Partial<Record<SessionStatus, CheckoutEventType>> = {
  settled: 'checkout.settled',
  failed: 'checkout.failed',
  expired: 'checkout.expired',
  cancelled: 'checkout.cancelled',
  declined: 'checkout.declined',
};

function webhookEvent(
  merchantId: string,
  type: WebhookEventType,
  data: unknown,
  now: number,
): WebhookEventInput {
  const id = generateSortableId('evt', now);
  return {
    id,
    merchantId,
    type,
    payload: JSON.stringify({ id, type, createdAt: iso(now), data }),
    createdAt: now,
  };
}

/**
 * The event of a session that a write leaves as `after` (its status, error and token as they will
 * be); undefined for a status that ends nothing. Refunds come later, so the list is empty.
 */
export function sessionWebhookEvent(
  after: SessionRecord,
  now: number,
): WebhookEventInput | undefined {
  const type = SESSION_EVENT_TYPES[after.status];
  return type ? webhookEvent(after.merchantId, type, sessionView(after, []), now) : undefined;
}

export function refundWebhookEvent(refund: RefundRecord, now: number): WebhookEventInput {
  return webhookEvent(refund.merchantId, 'refund.succeeded', refundView(refund), now);
}
