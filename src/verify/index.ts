/**
 * `dualpay/verify`: offline verification of dualpay settlement tokens for merchant servers, with a
 * replay guard, and of the issuer's signed webhooks. Depends only on `jose`, `standardwebhooks`
 * (pure JavaScript) and Web Crypto; runs in Node, browsers and edge runtimes. docs/verify.md is
 * the guide.
 * @packageDocumentation
 */
export {
  SETTLEMENT_TOKEN_ERROR_CODES,
  SettlementTokenError,
  isSettlementTokenErrorCode,
  type SettlementTokenErrorCode,
} from './errors.js';
export {
  createMemoryReplayGuard,
  type MemoryReplayGuard,
  type MemoryReplayGuardOptions,
  type ReplayGuard,
} from './replay-guard.js';
export {
  verifySettlementToken,
  type ExpectedOrder,
  type VerifySettlementTokenOptions,
} from './verify.js';
export {
  WEBHOOK_ERROR_CODES,
  WebhookError,
  verifyWebhook,
  type VerifyWebhookOptions,
  type WebhookErrorCode,
  type WebhookHeaders,
} from './webhooks.js';
export type {
  CheckoutWebhookEvent,
  Refund,
  RefundWebhookEvent,
  Session,
  SettlementClaims,
  WebhookEvent,
  WebhookEventType,
} from '../protocol/index.js';
