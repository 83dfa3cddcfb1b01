/**
 * Row ↔ record mapping of the PostgreSQL store. The columns are those of the SQLite store (same
 * names, epoch ms, JSON as text), so its mapping is reused; only `cards.test` differs (BOOLEAN
 * here, 0/1 there). BIGINT columns arrive as numbers (`TYPES` in `database.ts`), BYTEA as Buffers.
 */
import type { CardRecord } from '../types.js';
import * as sqlite from '../sqlite/rows.js';

export type { Row } from '../sqlite/rows.js';
export {
  num,
  toAccount,
  toAdminKey,
  toAudit,
  toChallenge,
  toConsoleSession,
  toEnrollment,
  toEvent,
  toHandoff,
  toLedgerEntry,
  toMerchant,
  toMerchantKey,
  toRecoveryCode,
  toRefund,
  toSession,
  toSigningKey,
  toWebhookAttempt,
  toWebhookEvent,
  toWebhookSecret,
} from '../sqlite/rows.js';

export function toCard(row: sqlite.Row): CardRecord {
  return sqlite.toCard({ ...row, test: row.test === true ? 1 : 0 });
}

/** A BYTEA value as `to_jsonb` writes it (`\x` and hex digits), back as the Buffer pg gives. */
export function byteaFromJson(value: unknown): Buffer {
  if (typeof value !== 'string' || !value.startsWith('\\x')) {
    throw new TypeError('expected a BYTEA value as JSON (\\x and hex digits)');
  }
  return Buffer.from(value.slice(2), 'hex');
}
