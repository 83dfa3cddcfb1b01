/**
 * What the console reads and sends: the admin API's wire types from src/protocol
 * (admin-types.ts, types.ts), under the names the console uses, plus its own audit filters.
 * Amounts are integers in the minor unit of the account's currency; timestamps are ISO 8601.
 */
import type {
  AccountCard,
  AuditEventPage,
  ConsoleSessionView,
  CreateAccountRequest,
  CreateEnrollmentResponse,
  CreateMerchantRequest,
  CreateMerchantResponse,
  IdDocumentType,
  MerchantView,
  UpdateAccountRequest,
} from '../protocol/index.js';

export { ID_DOCUMENT_TYPES as DOCUMENT_TYPES } from '../protocol/index.js';
export type {
  Account,
  AuditEvent,
  CardStatus,
  IdCheck,
  MerchantMode,
  RevokeCardResponse,
  RollSecretKeyResponse,
  RollWebhookSecretResponse,
  WebhookEventPage,
  WebhookEventView,
} from '../protocol/index.js';

export type ConsoleSession = ConsoleSessionView;
export type DocumentType = IdDocumentType;
export type Card = AccountCard;
export type Merchant = MerchantView;
export type AuditPage = AuditEventPage;
export type Enrollment = CreateEnrollmentResponse;
export type AccountChanges = UpdateAccountRequest;
export type CreatedMerchant = CreateMerchantResponse;
export type MerchantFields = Required<CreateMerchantRequest>;

/** `POST /v1/accounts` as the console sends it: always with the ID check made at the desk. */
export interface NewAccount extends CreateAccountRequest {
  currency: string;
  idCheck: { documentType: DocumentType; numberEnding: string; note?: string };
}

/** The audit log's filters, as in the URL; `from`/`to` become `since`/`until` (format.ts). */
export interface AuditFilters {
  accountId?: string;
  cardId?: string;
  merchantId?: string;
  sessionId?: string;
  action?: string;
  /** First day shown, `YYYY-MM-DD` in the operator's time zone. */
  from?: string;
  /** Last day shown (inclusive), `YYYY-MM-DD`. */
  to?: string;
}

export const AUDIT_FILTER_KEYS = [
  'accountId',
  'cardId',
  'merchantId',
  'sessionId',
  'action',
  'from',
  'to',
] as const satisfies readonly (keyof AuditFilters)[];
