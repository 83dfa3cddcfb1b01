/** Row ↔ record mapping of the SQLite store: column names are snake_case, times epoch ms. */
import type { ErrorCode, SessionStatus } from '../../../protocol/index.js';
import type {
  AccountRecord,
  AdminKeyRecord,
  ConsoleSessionRecord,
  IdCheckRecord,
  MerchantKeyRecord,
  AuditRecord,
  CardRecord,
  ChallengeRecord,
  EnrollmentRecord,
  HandoffRecord,
  LedgerEntryRecord,
  MerchantRecord,
  RecoveryCodeRecord,
  RefundRecord,
  SessionEventRecord,
  SessionRecord,
  SigningKeyRecord,
  WebhookAttemptRecord,
  WebhookEventRecord,
  WebhookEventStatus,
  WebhookSecretRecord,
} from '../types.js';

export type Row = Record<string, unknown>;

const str = (value: unknown): string => String(value);
export const num = (value: unknown): number => Number(value);
const strOrNull = (value: unknown): string | null => (value === null ? null : String(value));
const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value));
const json = <T>(value: unknown): T => JSON.parse(str(value)) as T;

export function toMerchant(row: Row): MerchantRecord {
  return {
    id: str(row.id),
    name: str(row.name),
    nameKey: str(row.name_key),
    mode: row.mode === 'live' ? 'live' : 'test',
    allowedOrigins: json<string[]>(row.allowed_origins),
    webhookUrl: strOrNull(row.webhook_url),
    createdAt: num(row.created_at),
  };
}

export function toAccount(row: Row): AccountRecord {
  return {
    id: str(row.id),
    displayName: str(row.display_name),
    nameKey: str(row.name_key),
    userHandle: str(row.user_handle),
    monthlyLimit: num(row.monthly_limit),
    currency: str(row.currency),
    frozenAt: numOrNull(row.frozen_at),
    idCheck: row.id_check === null ? null : json<IdCheckRecord>(row.id_check),
    createdAt: num(row.created_at),
  };
}

export function toMerchantKey(row: Row): MerchantKeyRecord {
  return {
    keyHash: str(row.key_hash),
    merchantId: str(row.merchant_id),
    prefix: str(row.prefix),
    createdAt: num(row.created_at),
    expiresAt: numOrNull(row.expires_at),
  };
}

export function toAdminKey(row: Row): AdminKeyRecord {
  return {
    id: str(row.id),
    keyHash: str(row.key_hash),
    label: str(row.label),
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function toConsoleSession(row: Row): ConsoleSessionRecord {
  return {
    tokenHash: str(row.token_hash),
    adminKeyId: str(row.admin_key_id),
    createdAt: num(row.created_at),
    lastSeenAt: num(row.last_seen_at),
    expiresAt: num(row.expires_at),
    endedAt: numOrNull(row.ended_at),
  };
}

export function toEnrollment(row: Row): EnrollmentRecord {
  return {
    codeHash: str(row.code_hash),
    accountId: str(row.account_id),
    expiresAt: num(row.expires_at),
    challenge: strOrNull(row.challenge),
    usedAt: numOrNull(row.used_at),
    createdAt: num(row.created_at),
    purpose: str(row.purpose ?? 'desk') as EnrollmentRecord['purpose'],
    activatesAt: numOrNull(row.activates_at ?? null),
  };
}

export function toRecoveryCode(row: Row): RecoveryCodeRecord {
  return {
    codeHash: str(row.code_hash),
    accountId: str(row.account_id),
    createdAt: num(row.created_at),
    usedAt: numOrNull(row.used_at),
    usedFor: strOrNull(row.used_for) as RecoveryCodeRecord['usedFor'],
  };
}

export function toCard(row: Row): CardRecord {
  return {
    id: str(row.id),
    accountId: str(row.account_id),
    credentialId: str(row.credential_id),
    publicKey: new Uint8Array(row.public_key as Buffer),
    counter: num(row.counter),
    transports: json<string[]>(row.transports),
    aaguid: str(row.aaguid),
    attestationFormat: str(row.attestation_fmt),
    name: str(row.name),
    test: row.test === 1,
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
    revokedAt: numOrNull(row.revoked_at),
    activatesAt: numOrNull(row.activates_at),
  };
}

export function toSession(row: Row): SessionRecord {
  return {
    id: str(row.id),
    merchantId: str(row.merchant_id),
    status: str(row.status) as SessionStatus,
    amount: num(row.amount),
    currency: str(row.currency),
    orderId: str(row.order_id),
    description: str(row.description),
    metadata: json<Record<string, string>>(row.metadata),
    clientSecret: str(row.client_secret),
    bindingCode: str(row.binding_code),
    txn: str(row.txn),
    idempotencyKey: str(row.idempotency_key),
    requestHash: str(row.request_hash),
    phoneTokenHash: strOrNull(row.phone_token_hash),
    failedAttempts: num(row.failed_attempts),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    settlementId: strOrNull(row.settlement_id),
    settlementToken: strOrNull(row.settlement_token),
    errorCode: strOrNull(row.error_code) as ErrorCode | null,
    eventSeq: num(row.event_seq),
    pageNetwork: strOrNull(row.page_network),
  };
}

export function toHandoff(row: Row): HandoffRecord {
  return {
    codeHash: str(row.code_hash),
    sessionId: str(row.session_id),
    userCode: str(row.user_code),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    supersededAt: numOrNull(row.superseded_at),
    claimedAt: numOrNull(row.claimed_at),
  };
}

export function toChallenge(row: Row): ChallengeRecord {
  return {
    challenge: str(row.challenge),
    sessionId: str(row.session_id),
    txn: str(row.txn),
    expiresAt: num(row.expires_at),
    usedAt: numOrNull(row.used_at),
  };
}

export function toEvent(row: Row): SessionEventRecord {
  return {
    sessionId: str(row.session_id),
    seq: num(row.seq),
    status: str(row.status) as SessionStatus,
    errorCode: strOrNull(row.error_code) as ErrorCode | null,
    createdAt: num(row.created_at),
  };
}

export function toLedgerEntry(row: Row): LedgerEntryRecord {
  return {
    id: str(row.id),
    sessionId: str(row.session_id),
    merchantId: str(row.merchant_id),
    accountId: str(row.account_id),
    cardId: str(row.card_id),
    amount: num(row.amount),
    currency: str(row.currency),
    limitAmount: num(row.limit_amount),
    createdAt: num(row.created_at),
  };
}

export function toAudit(row: Row): AuditRecord {
  return {
    id: num(row.id),
    at: num(row.at),
    actor: str(row.actor),
    action: str(row.action),
    sessionId: strOrNull(row.session_id),
    accountId: strOrNull(row.account_id),
    cardId: strOrNull(row.card_id),
    merchantId: strOrNull(row.merchant_id),
    ip: strOrNull(row.ip),
    userAgent: strOrNull(row.user_agent),
    detail: json<Record<string, unknown>>(row.detail),
  };
}

export function toSigningKey(row: Row): SigningKeyRecord {
  return {
    kid: str(row.kid),
    privateKey: str(row.private_jwk),
    publicJwk: json<JsonWebKey>(row.public_jwk),
    createdAt: num(row.created_at),
    activatedAt: numOrNull(row.activated_at),
    retiredAt: numOrNull(row.retired_at),
  };
}

export function toRefund(row: Row): RefundRecord {
  return {
    id: str(row.id),
    sessionId: str(row.session_id),
    merchantId: str(row.merchant_id),
    accountId: str(row.account_id),
    amount: num(row.amount),
    currency: str(row.currency),
    limitAmount: num(row.limit_amount),
    paymentAt: num(row.payment_at),
    reason: strOrNull(row.reason),
    idempotencyKey: str(row.idempotency_key),
    requestHash: str(row.request_hash),
    createdAt: num(row.created_at),
  };
}

export function toWebhookSecret(row: Row): WebhookSecretRecord {
  return {
    id: str(row.id),
    merchantId: str(row.merchant_id),
    secret: str(row.secret),
    createdAt: num(row.created_at),
    expiresAt: numOrNull(row.expires_at),
  };
}

export function toWebhookEvent(row: Row): WebhookEventRecord {
  return {
    id: str(row.id),
    merchantId: str(row.merchant_id),
    type: str(row.type),
    payload: str(row.payload),
    createdAt: num(row.created_at),
    status: str(row.status) as WebhookEventStatus,
    attempts: num(row.attempts),
    nextAttemptAt: numOrNull(row.next_attempt_at),
    deliveredAt: numOrNull(row.delivered_at),
    lockedUntil: numOrNull(row.locked_until),
  };
}

export function toWebhookAttempt(row: Row): WebhookAttemptRecord {
  return {
    eventId: str(row.event_id),
    attempt: num(row.attempt),
    at: num(row.at),
    url: str(row.url),
    statusCode: numOrNull(row.status_code),
    error: strOrNull(row.error),
    durationMs: num(row.duration_ms),
    nextAttemptAt: numOrNull(row.next_attempt_at),
  };
}
