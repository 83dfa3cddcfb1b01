/**
 * Webhook events the issuer POSTs to a merchant's server (docs/protocol.md "Webhooks"), signed as
 * Standard Webhooks 1.0 says. `dualpay/verify`'s `verifyWebhook` checks them.
 */
import type { IsoTimestamp, Refund, Session } from './types.js';

/** Every event type, in the order a session and its refunds produce them. */
export const WEBHOOK_EVENT_TYPES = [
  'checkout.settled',
  'checkout.failed',
  'checkout.expired',
  'checkout.cancelled',
  'checkout.declined',
  'refund.succeeded',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event types that carry a session: one per way a session ends. */
export type CheckoutEventType = Exclude<WebhookEventType, 'refund.succeeded'>;

interface EventBase {
  /** `evt_…`: also the `webhook-id` header, the same on every retry (deduplicate on it). */
  id: string;
  createdAt: IsoTimestamp;
}

/** A session ended: `data` is the session as `GET /v1/checkout-sessions/:id` showed it then. */
export interface CheckoutWebhookEvent extends EventBase {
  type: CheckoutEventType;
  data: Session;
}

/** A refund succeeded: `data` is the refund. */
export interface RefundWebhookEvent extends EventBase {
  type: 'refund.succeeded';
  data: Refund;
}

/** The JSON body of a webhook request. */
export type WebhookEvent = CheckoutWebhookEvent | RefundWebhookEvent;

/** Whether `value` is one of {@link WEBHOOK_EVENT_TYPES}. */
export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
