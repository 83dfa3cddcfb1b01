/**
 * The admin API's bodies as the console reads them (issue #13, the admin API contract). Amounts are
 * integers in the minor unit of the account's currency; timestamps are ISO 8601 strings.
 */

export interface ConsoleSession {
  /** The admin key's label (who is signed in). */
  label: string;
  expiresAt: string;
  idleExpiresAt: string;
}

export type DocumentType =
  'passport' | 'national_id' | 'driver_license' | 'residence_card' | 'other';

export const DOCUMENT_TYPES: readonly DocumentType[] = [
  'passport',
  'national_id',
  'driver_license',
  'residence_card',
  'other',
];

/** What was checked when the account was opened; never the document's whole number. */
export interface IdCheck {
  documentType: DocumentType;
  /** The last 2–4 characters of the document number. */
  numberEnding: string;
  note: string | null;
  checkedBy: string;
  checkedAt: string;
}

export type CardStatus = 'active' | 'pending' | 'revoked';

export interface Card {
  id: string;
  name: string;
  status: CardStatus;
  createdAt: string;
  lastUsedAt: string | null;
  activatesAt?: string | null;
  revokedAt?: string | null;
  /** A test card (software or unattested), refused by live merchants. */
  test: boolean;
}

export interface Account {
  id: string;
  displayName: string;
  currency: string;
  monthlyLimit: number;
  frozen: boolean;
  createdAt: string;
  usedThisMonth: number;
  idCheck: IdCheck | null;
  cards: Card[];
}

export interface NewAccount {
  displayName: string;
  currency: string;
  monthlyLimit?: number;
  idCheck: { documentType: DocumentType; numberEnding: string; note?: string };
}

export interface AccountChanges {
  displayName?: string;
  monthlyLimit?: number;
  frozen?: boolean;
}

export interface Enrollment {
  code: string;
  url: string;
  expiresAt: string;
}

export type MerchantMode = 'test' | 'live';

export interface SecretKeyInfo {
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface Merchant {
  id: string;
  name: string;
  mode: MerchantMode;
  allowedOrigins: string[];
  createdAt: string;
  secretKeys: SecretKeyInfo[];
}

export interface MerchantFields {
  name: string;
  allowedOrigins: string[];
  mode: MerchantMode;
}

export interface CreatedMerchant {
  id: string;
  name: string;
  mode: MerchantMode;
  secretKey: string;
}

export interface AuditEvent {
  id: string | number;
  at: string;
  actor: string;
  action: string;
  ip: string | null;
  sessionId: string | null;
  accountId: string | null;
  cardId: string | null;
  merchantId: string | null;
  detail: unknown;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

/** The audit log's filters, as in the URL and the query string of `GET /v1/audit-events`. */
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
