/**
 * Wire types of the admin API and the operator console (docs/protocol.md "Admin API"): accounts
 * and cards, merchants and their keys, admin keys, console sessions, the audit log.
 */
import type { IsoTimestamp, MerchantMode } from './types.js';
import type { WebhookEventType } from './webhooks.js';

/** Kinds of identity document an operator may record at the desk. */
export const ID_DOCUMENT_TYPES = [
  'passport',
  'national_id',
  'driver_license',
  'residence_card',
  'other',
] as const;
export type IdDocumentType = (typeof ID_DOCUMENT_TYPES)[number];

/** What was checked face to face: never the whole document number. */
export interface IdCheck {
  documentType: IdDocumentType;
  /** The last 2–4 letters or digits of the document number. */
  numberEnding: string;
  note: string;
  /** Label of the admin key that recorded it. */
  checkedBy: string;
  checkedAt: IsoTimestamp;
}

export type CardStatus = 'active' | 'pending' | 'revoked';

export interface AccountCard {
  id: string;
  name: string;
  status: CardStatus;
  createdAt: IsoTimestamp;
  lastUsedAt: IsoTimestamp | null;
  /** When a pending card becomes active. */
  activatesAt?: IsoTimestamp;
  revokedAt?: IsoTimestamp;
  /** A test card (no trusted hardware attestation): refused by live merchants. */
  test: boolean;
}

/** `GET /v1/accounts/:id` answer. */
export interface Account {
  id: string;
  displayName: string;
  currency: string;
  monthlyLimit: number;
  /** What payments counted against the limit since the start of this UTC month. */
  usedThisMonth: number;
  frozen: boolean;
  frozenAt?: IsoTimestamp;
  createdAt: IsoTimestamp;
  idCheck: IdCheck | null;
  cards: AccountCard[];
}

/** `PATCH /v1/accounts/:id` body. */
export interface UpdateAccountRequest {
  displayName?: string;
  monthlyLimit?: number;
  frozen?: boolean;
}

/** `POST /v1/cards/:id/revoke` answer. */
export interface RevokeCardResponse {
  id: string;
  status: 'revoked';
  revokedAt: IsoTimestamp;
}

/** A merchant as operators see it. */
export interface MerchantView {
  id: string;
  name: string;
  mode: MerchantMode;
  allowedOrigins: string[];
  createdAt?: IsoTimestamp;
  /** Its secret keys (never the keys themselves): the prefix, made, and when each stops. */
  secretKeys?: { prefix: string; createdAt: IsoTimestamp; expiresAt: IsoTimestamp | null }[];
  /** Where the issuer POSTs webhook events; null: nowhere. */
  webhookUrl: string | null;
  /** Its webhook signing secrets (never the secrets): made, and when each stops signing. */
  webhookSecrets?: { createdAt: IsoTimestamp; expiresAt: IsoTimestamp | null }[];
  /**
   * The webhook signing secret (`whsec_…`), shown once: in the answer of the `PATCH` that first
   * set a webhook URL.
   */
  webhookSecret?: string;
}

/** `POST /v1/merchants/:id/roll-webhook-secret` answer: the new secret, shown once. */
export interface RollWebhookSecretResponse {
  webhookSecret: string;
  /** When the previous secrets stop signing. */
  previousSecretExpiresAt: IsoTimestamp;
}

/** One attempt to deliver a webhook event. */
export interface WebhookAttemptView {
  at: IsoTimestamp;
  /** The HTTP status the merchant's server answered; null when it did not answer. */
  statusCode: number | null;
  /** Why there was no answer (timeout, refused address, connection error); null with a status. */
  error: string | null;
  durationMs: number;
  /** The next try this attempt scheduled; null when none was. */
  nextAttemptAt: IsoTimestamp | null;
}

export type WebhookEventStatus = 'pending' | 'delivered' | 'failed';

/** A webhook event of a merchant with its delivery attempts (the admin API). */
export interface WebhookEventView {
  id: string;
  type: WebhookEventType;
  createdAt: IsoTimestamp;
  /** `pending` (will be tried), `delivered` (a 2xx answer) or `failed` (given up). */
  status: WebhookEventStatus;
  nextAttemptAt: IsoTimestamp | null;
  deliveredAt: IsoTimestamp | null;
  /** Oldest first. */
  attempts: WebhookAttemptView[];
}

/** `GET /v1/merchants/:id/webhook-events` answer, newest first; pass `nextCursor` as `cursor`. */
export interface WebhookEventPage {
  events: WebhookEventView[];
  nextCursor: string | null;
}

/** `POST /v1/merchants/:id/roll-secret-key` answer: the new key, shown once. */
export interface RollSecretKeyResponse {
  secretKey: string;
  /** When the previous key stops working. */
  previousKeyExpiresAt: IsoTimestamp;
}

export interface AdminKeyView {
  id: string;
  label: string;
  createdAt: IsoTimestamp;
  lastUsedAt: IsoTimestamp | null;
  revokedAt: IsoTimestamp | null;
}

/** `POST /v1/admin-keys` answer: the key, shown once. */
export interface CreateAdminKeyResponse {
  id: string;
  label: string;
  key: string;
}

/** `POST /v1/console/session` and `GET /v1/console/session` answer. */
export interface ConsoleSessionView {
  label: string;
  expiresAt: IsoTimestamp;
  idleExpiresAt: IsoTimestamp;
}

export interface AuditEvent {
  id: number;
  at: IsoTimestamp;
  actor: string;
  action: string;
  ip: string | null;
  sessionId: string | null;
  accountId: string | null;
  cardId: string | null;
  merchantId: string | null;
  detail: Record<string, unknown>;
}

/** `GET /v1/audit-events` answer, newest first; pass `nextCursor` as `cursor` for more. */
export interface AuditEventPage {
  events: AuditEvent[];
  nextCursor: string | null;
}
