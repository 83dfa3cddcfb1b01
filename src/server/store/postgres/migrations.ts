/**
 * Versioned schema migrations for the PostgreSQL store. Append a new entry to change the schema;
 * never edit an applied one. Times are epoch milliseconds (BIGINT, read as JS numbers). Text
 * compares as bytes (`COLLATE "C"`), as in SQLite, whatever the cluster's locale: ids order the
 * same way in both stores and the audit log's action-prefix range is exact. JSON is kept as TEXT,
 * byte for byte as the domain wrote it (a merchant's metadata keeps its key order).
 *
 * `migrate` applies them under a session-level advisory lock, so several processes starting at
 * once on one database migrate once: the others wait, then find every version recorded.
 */
import type { PoolClient } from 'pg';
import { advisoryKey } from './advisory.js';
import { SETTLE_FUNCTION_V6 } from './settle-function.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The advisory lock migrations hold. */
export const MIGRATION_LOCK_KEY = advisoryKey('schema migrations');

const T = 'TEXT COLLATE "C"';
const SESSION_STATUS_CHECK =
  "status IN ('open','claimed','settled','declined','failed','expired','cancelled')";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema (as SQLite version 7) plus shared rate-limit buckets',
    sql: `
      CREATE TABLE merchants (
        id ${T} PRIMARY KEY,
        name ${T} NOT NULL,
        name_key ${T} NOT NULL,
        mode ${T} NOT NULL CHECK (mode IN ('test', 'live')),
        allowed_origins ${T} NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX merchants_name_key ON merchants (name_key);

      CREATE TABLE merchant_keys (
        key_hash ${T} PRIMARY KEY,
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        prefix ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT
      );
      CREATE INDEX merchant_keys_merchant ON merchant_keys (merchant_id);

      CREATE TABLE admin_keys (
        id ${T} PRIMARY KEY,
        key_hash ${T} NOT NULL UNIQUE,
        label ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      );

      CREATE TABLE console_sessions (
        token_hash ${T} PRIMARY KEY,
        admin_key_id ${T} NOT NULL REFERENCES admin_keys (id),
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        ended_at BIGINT
      );
      CREATE INDEX console_sessions_key ON console_sessions (admin_key_id);

      CREATE TABLE accounts (
        id ${T} PRIMARY KEY,
        display_name ${T} NOT NULL,
        name_key ${T} NOT NULL,
        user_handle ${T} NOT NULL UNIQUE,
        monthly_limit BIGINT NOT NULL CHECK (monthly_limit >= 0),
        currency ${T} NOT NULL,
        frozen_at BIGINT,
        id_check ${T},
        created_at BIGINT NOT NULL
      );
      CREATE INDEX accounts_created ON accounts (created_at);

      CREATE TABLE enrollments (
        code_hash ${T} PRIMARY KEY,
        account_id ${T} NOT NULL REFERENCES accounts (id),
        expires_at BIGINT NOT NULL,
        challenge ${T},
        used_at BIGINT,
        card_id ${T},
        created_at BIGINT NOT NULL
      );

      CREATE TABLE cards (
        id ${T} PRIMARY KEY,
        account_id ${T} NOT NULL REFERENCES accounts (id),
        credential_id ${T} NOT NULL UNIQUE,
        public_key BYTEA NOT NULL,
        counter BIGINT NOT NULL CHECK (counter >= 0),
        transports ${T} NOT NULL,
        aaguid ${T} NOT NULL,
        attestation_fmt ${T} NOT NULL,
        name ${T} NOT NULL,
        test BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT,
        activates_at BIGINT
      );
      CREATE INDEX cards_account ON cards (account_id);

      CREATE TABLE sessions (
        id ${T} PRIMARY KEY,
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        status ${T} NOT NULL CHECK (${SESSION_STATUS_CHECK}),
        amount BIGINT NOT NULL CHECK (amount > 0),
        currency ${T} NOT NULL,
        order_id ${T} NOT NULL,
        description ${T} NOT NULL,
        metadata ${T} NOT NULL,
        client_secret ${T} NOT NULL UNIQUE,
        binding_code ${T} NOT NULL,
        txn ${T} NOT NULL,
        idempotency_key ${T} NOT NULL,
        request_hash ${T} NOT NULL,
        phone_token_hash ${T},
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        settlement_id ${T} UNIQUE,
        settlement_token ${T},
        error_code ${T},
        event_seq INTEGER NOT NULL,
        UNIQUE (merchant_id, idempotency_key)
      );
      CREATE INDEX sessions_live_expiry ON sessions (expires_at)
        WHERE status IN ('open', 'claimed');

      CREATE TABLE handoffs (
        code_hash ${T} PRIMARY KEY,
        session_id ${T} NOT NULL REFERENCES sessions (id),
        user_code ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        superseded_at BIGINT,
        claimed_at BIGINT
      );
      CREATE INDEX handoffs_session ON handoffs (session_id);
      CREATE INDEX handoffs_user_code ON handoffs (user_code, expires_at);

      CREATE TABLE challenges (
        challenge ${T} PRIMARY KEY,
        session_id ${T} NOT NULL REFERENCES sessions (id),
        txn ${T} NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX challenges_session ON challenges (session_id);

      CREATE TABLE ledger_entries (
        id ${T} PRIMARY KEY,
        session_id ${T} NOT NULL UNIQUE REFERENCES sessions (id),
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        account_id ${T} NOT NULL REFERENCES accounts (id),
        card_id ${T} NOT NULL REFERENCES cards (id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        currency ${T} NOT NULL,
        limit_amount BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      );
      -- The month's sum reads the index alone (settle holds the account's row lock meanwhile).
      CREATE INDEX ledger_account_month ON ledger_entries (account_id, created_at)
        INCLUDE (limit_amount);

      CREATE TABLE session_events (
        session_id ${T} NOT NULL REFERENCES sessions (id),
        seq INTEGER NOT NULL,
        status ${T} NOT NULL CHECK (${SESSION_STATUS_CHECK}),
        error_code ${T},
        created_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, seq)
      );

      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        actor ${T} NOT NULL,
        action ${T} NOT NULL,
        session_id ${T},
        account_id ${T},
        card_id ${T},
        merchant_id ${T},
        ip ${T},
        user_agent ${T},
        detail ${T} NOT NULL
      );
      CREATE INDEX audit_session ON audit_log (session_id);
      CREATE INDEX audit_account ON audit_log (account_id, id) WHERE account_id IS NOT NULL;
      CREATE INDEX audit_card ON audit_log (card_id, id) WHERE card_id IS NOT NULL;
      CREATE INDEX audit_merchant ON audit_log (merchant_id, id) WHERE merchant_id IS NOT NULL;
      CREATE INDEX audit_action ON audit_log (action, id);

      CREATE TABLE signing_keys (
        kid ${T} PRIMARY KEY,
        private_jwk ${T} NOT NULL,
        public_jwk ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        activated_at BIGINT,
        retired_at BIGINT
      );
      -- At most one current key, in the schema itself (activateSigningKey also locks the table).
      CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((true))
        WHERE activated_at IS NOT NULL AND retired_at IS NULL;

      -- Token buckets shared by every process (PgStore.takeRateToken).
      CREATE TABLE rate_buckets (
        bucket_key ${T} PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated_at BIGINT NOT NULL,
        allowed BOOLEAN NOT NULL
      );
      CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);
    `,
  },
  {
    version: 2,
    name: 'risk signals: the page network of a session; indexes for card, merchant and phone history',
    sql: `
      ALTER TABLE sessions ADD COLUMN page_network ${T};
      CREATE INDEX sessions_phone ON sessions (phone_token_hash, created_at)
        WHERE phone_token_hash IS NOT NULL;
      CREATE INDEX ledger_card ON ledger_entries (card_id, created_at);
      CREATE INDEX ledger_account_merchant ON ledger_entries (account_id, merchant_id);
      CREATE INDEX ledger_account_amount ON ledger_entries (account_id, limit_amount);
      CREATE INDEX audit_failed_card ON audit_log (card_id, at) WHERE action = 'approval.failed';
      CREATE INDEX audit_failed_account ON audit_log (account_id, at) WHERE action = 'approval.failed';
    `,
  },
  {
    version: 3,
    name: 'recovery: one-time recovery codes, enrolment purposes and cooling-off, device challenges',
    sql: `
      CREATE TABLE recovery_codes (
        code_hash ${T} PRIMARY KEY,
        account_id ${T} NOT NULL REFERENCES accounts (id),
        created_at BIGINT NOT NULL,
        used_at BIGINT,
        used_for ${T} CHECK (used_for IN ('freeze', 'enrollment'))
      );
      CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

      ALTER TABLE enrollments ADD COLUMN purpose ${T} NOT NULL DEFAULT 'desk'
        CHECK (purpose IN ('desk', 'recovery', 'device'));
      ALTER TABLE enrollments ADD COLUMN activates_at BIGINT;

      CREATE TABLE device_challenges (
        challenge ${T} PRIMARY KEY,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX device_challenges_expiry ON device_challenges (expires_at);
    `,
  },
  {
    version: 4,
    name: 'webhooks (URL, secrets, an event outbox with delivery attempts) and refunds',
    sql: `
      ALTER TABLE merchants ADD COLUMN webhook_url ${T};

      CREATE TABLE webhook_secrets (
        id ${T} PRIMARY KEY,
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        secret ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT
      );
      CREATE INDEX webhook_secrets_merchant ON webhook_secrets (merchant_id, created_at);

      -- The outbox: each row is written in the transaction of the change it reports.
      CREATE TABLE webhook_events (
        id ${T} PRIMARY KEY,
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        type ${T} NOT NULL,
        payload ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        status ${T} NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at BIGINT,
        delivered_at BIGINT,
        locked_until BIGINT,
        lock_token ${T}
      );
      CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at, id) WHERE status = 'pending';
      CREATE INDEX webhook_events_merchant ON webhook_events (merchant_id, id);

      CREATE TABLE webhook_attempts (
        event_id ${T} NOT NULL REFERENCES webhook_events (id),
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        at BIGINT NOT NULL,
        url ${T} NOT NULL,
        status_code INTEGER,
        error ${T},
        duration_ms INTEGER NOT NULL,
        next_attempt_at BIGINT,
        PRIMARY KEY (event_id, attempt)
      );

      CREATE TABLE refunds (
        id ${T} PRIMARY KEY,
        session_id ${T} NOT NULL REFERENCES sessions (id),
        merchant_id ${T} NOT NULL REFERENCES merchants (id),
        account_id ${T} NOT NULL REFERENCES accounts (id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        currency ${T} NOT NULL,
        limit_amount BIGINT NOT NULL CHECK (limit_amount >= 0),
        payment_at BIGINT NOT NULL,
        reason ${T},
        idempotency_key ${T} NOT NULL,
        request_hash ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (merchant_id, idempotency_key)
      );
      CREATE INDEX refunds_session ON refunds (session_id);
      CREATE INDEX refunds_account_payment ON refunds (account_id, payment_at);
    `,
  },
  {
    version: 5,
    name: 'web push: subscriptions per account, the VAPID key pair (as SQLite version 10)',
    sql: `
      CREATE TABLE push_subscriptions (
        endpoint ${T} PRIMARY KEY,
        account_id ${T} NOT NULL REFERENCES accounts (id),
        p256dh ${T} NOT NULL,
        auth ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_success_at BIGINT
      );
      CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id, updated_at);

      CREATE TABLE vapid_keys (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key ${T} NOT NULL,
        private_key ${T} NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'accounts per phone kept at settlement (as SQLite version 13); the settlement function',
    sql: `
      CREATE TABLE phone_accounts (
        phone_token_hash ${T} NOT NULL,
        account_id ${T} NOT NULL REFERENCES accounts (id),
        last_paid_at BIGINT NOT NULL,
        PRIMARY KEY (phone_token_hash, account_id)
      );
      INSERT INTO phone_accounts (phone_token_hash, account_id, last_paid_at)
        SELECT s.phone_token_hash, l.account_id, MAX(l.created_at)
        FROM ledger_entries l JOIN sessions s ON s.id = l.session_id
        WHERE s.phone_token_hash IS NOT NULL
        GROUP BY s.phone_token_hash, l.account_id;
      DROP INDEX sessions_phone;
      ${SETTLE_FUNCTION_V6}
    `,
  },
];

/**
 * Applies, in version order, every migration the database has not recorded, each in its own
 * transaction, holding the migration advisory lock throughout (`client` is a dedicated
 * connection: a session-level advisory lock belongs to its connection).
 */
export async function migrate(client: PoolClient): Promise<void> {
  // Waiting for another process's migration, or a migration of a large table, may take longer
  // than the pool's statement and lock timeouts allow a request: none while migrating.
  await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations',
    );
    const applied = new Set(rows.map((row) => Number(row.version)));
    const ordered = [...MIGRATIONS].sort((a, b) => a.version - b.version);
    for (const migration of ordered) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.name, Date.now()],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    // A lost connection has dropped the lock already; the original error is what matters.
    await client
      .query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    // Back to the connection's own timeouts (its startup parameters) before the pool reuses it.
    await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
  }
}
