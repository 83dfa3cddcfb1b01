/**
 * Versioned schema migrations for the SQLite store. Append a new entry to change the schema; never
 * edit an applied one. Times are epoch milliseconds. Versions ascend but may have gaps: the runner
 * (`SqliteDatabase.migrate`) applies, in this order, every entry whose version the file has not
 * recorded, so an entry added later with a lower version is still applied.
 */
import { merchantNameKey } from '../../domain/merchant-names.js';

/**
 * SQL functions the migrations call, registered on every connection before migrating. A backfill
 * must compute exactly what the domain computes for new rows, so it calls the domain's function.
 */
export const MIGRATION_FUNCTIONS: Readonly<Record<string, (value: string) => string>> = {
  dualpay_merchant_name_key: merchantNameKey,
};

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const SESSION_STATUS_CHECK =
  "status IN ('open','claimed','settled','declined','failed','expired','cancelled')";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE merchants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
        secret_key_hash TEXT NOT NULL UNIQUE,
        allowed_origins TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE admin_keys (
        key_hash TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        user_handle TEXT NOT NULL UNIQUE,
        monthly_limit INTEGER NOT NULL CHECK (monthly_limit >= 0),
        currency TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE enrollments (
        code_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        expires_at INTEGER NOT NULL,
        challenge TEXT,
        used_at INTEGER,
        card_id TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE cards (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        credential_id TEXT NOT NULL UNIQUE,
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL CHECK (counter >= 0),
        transports TEXT NOT NULL,
        aaguid TEXT NOT NULL,
        attestation_fmt TEXT NOT NULL,
        name TEXT NOT NULL,
        test INTEGER NOT NULL CHECK (test IN (0, 1)),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX cards_account ON cards(account_id);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        status TEXT NOT NULL CHECK (${SESSION_STATUS_CHECK}),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        order_id TEXT NOT NULL,
        description TEXT NOT NULL,
        metadata TEXT NOT NULL,
        client_secret TEXT NOT NULL UNIQUE,
        binding_code TEXT NOT NULL,
        binding_choices TEXT,
        txn TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        phone_token_hash TEXT,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        settlement_id TEXT UNIQUE,
        settlement_token TEXT,
        error_code TEXT,
        event_seq INTEGER NOT NULL,
        UNIQUE (merchant_id, idempotency_key)
      ) STRICT;
      CREATE INDEX sessions_live_expiry ON sessions(expires_at) WHERE status IN ('open', 'claimed');

      CREATE TABLE handoffs (
        code_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        user_code TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        superseded_at INTEGER,
        claimed_at INTEGER
      ) STRICT;
      CREATE INDEX handoffs_session ON handoffs(session_id);
      CREATE INDEX handoffs_user_code ON handoffs(user_code, expires_at);

      CREATE TABLE challenges (
        challenge TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        txn TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX challenges_session ON challenges(session_id);

      CREATE TABLE ledger_entries (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL UNIQUE REFERENCES sessions(id),
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        account_id TEXT NOT NULL REFERENCES accounts(id),
        card_id TEXT NOT NULL REFERENCES cards(id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ledger_account_month ON ledger_entries(account_id, currency, created_at);

      CREATE TABLE session_events (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (${SESSION_STATUS_CHECK}),
        error_code TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        session_id TEXT,
        ip TEXT,
        user_agent TEXT,
        detail TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_session ON audit_log(session_id);

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'typed number matching: no binding choices',
    // The phone no longer offers numbers to tap; the payer types the one on the merchant screen.
    sql: 'ALTER TABLE sessions DROP COLUMN binding_choices;',
  },
  {
    version: 3,
    name: 'merchant name keys',
    sql: `
      ALTER TABLE merchants ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
      UPDATE merchants SET name_key = dualpay_merchant_name_key(name);
      -- Names that already clashed: the oldest merchant keeps the key; each later one keeps
      -- working with its key + U+0001 + its id, which no name can produce (validate.ts refuses
      -- controls), so the name stays taken for new merchants.
      UPDATE merchants SET name_key = name_key || char(1) || id
        WHERE EXISTS (
          SELECT 1 FROM merchants AS earlier
          WHERE earlier.name_key = merchants.name_key
            AND (earlier.created_at, earlier.id) < (merchants.created_at, merchants.id)
        );
      CREATE UNIQUE INDEX merchants_name_key ON merchants(name_key);
    `,
  },
  {
    version: 4,
    name: 'one monthly limit per account: ledger amounts in the account currency',
    // Entries made before this version counted per currency; those in the account's own currency
    // carry over, others (no rate is known here) count as 0 against the new limit.
    sql: `
      ALTER TABLE ledger_entries ADD COLUMN limit_amount INTEGER NOT NULL DEFAULT 0;
      UPDATE ledger_entries SET limit_amount = amount
        WHERE currency = (SELECT currency FROM accounts WHERE accounts.id = ledger_entries.account_id);
      DROP INDEX ledger_account_month;
      CREATE INDEX ledger_account_month ON ledger_entries(account_id, created_at);
    `,
  },
  {
    version: 5,
    name: 'signing keys: next → current → retired; private halves may be sealed',
    // Keys made before this version were current from their creation.
    sql: `
      ALTER TABLE signing_keys ADD COLUMN activated_at INTEGER;
      UPDATE signing_keys SET activated_at = created_at;
    `,
  },
  {
    version: 6,
    name: 'cards are trusted only by a verified attestation chain',
    // Before this version a card's AAGUID, which the card reports about itself, decided whether it
    // was a test card; none of those attestations were checked against trusted roots, so every
    // earlier card becomes a test card until it is enrolled again.
    sql: 'UPDATE cards SET test = 1;',
  },
  {
    version: 7,
    name: 'operators: labelled admin keys, console sessions, frozen accounts, revoked cards, merchant key rolls, audit filters',
    sql: `
      CREATE TABLE operator_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      INSERT INTO operator_keys (id, key_hash, label, created_at)
        SELECT 'adm_' || substr(key_hash, 1, 22), key_hash, 'key ' || substr(key_hash, 1, 8), created_at
        FROM admin_keys;
      DROP TABLE admin_keys;
      ALTER TABLE operator_keys RENAME TO admin_keys;

      CREATE TABLE console_sessions (
        token_hash TEXT PRIMARY KEY,
        admin_key_id TEXT NOT NULL REFERENCES admin_keys(id),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ended_at INTEGER
      ) STRICT;
      CREATE INDEX console_sessions_key ON console_sessions(admin_key_id);

      ALTER TABLE accounts ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
      UPDATE accounts SET name_key = dualpay_merchant_name_key(display_name);
      ALTER TABLE accounts ADD COLUMN frozen_at INTEGER;
      ALTER TABLE accounts ADD COLUMN id_check TEXT;
      CREATE INDEX accounts_created ON accounts(created_at);

      ALTER TABLE cards ADD COLUMN revoked_at INTEGER;
      ALTER TABLE cards ADD COLUMN activates_at INTEGER;

      CREATE TABLE merchant_keys (
        key_hash TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX merchant_keys_merchant ON merchant_keys(merchant_id);
      -- merchants.secret_key_hash keeps the first key's hash; merchant_keys is what is checked.
      INSERT INTO merchant_keys (key_hash, merchant_id, prefix, created_at, expires_at)
        SELECT secret_key_hash, id, CASE mode WHEN 'live' THEN 'sk_live_' ELSE 'sk_test_' END,
          created_at, NULL
        FROM merchants;

      ALTER TABLE audit_log ADD COLUMN account_id TEXT;
      ALTER TABLE audit_log ADD COLUMN card_id TEXT;
      ALTER TABLE audit_log ADD COLUMN merchant_id TEXT;
      UPDATE audit_log SET
        account_id = json_extract(detail, '$.accountId'),
        card_id = json_extract(detail, '$.cardId'),
        merchant_id = json_extract(detail, '$.merchantId');
      CREATE INDEX audit_account ON audit_log(account_id, id) WHERE account_id IS NOT NULL;
      CREATE INDEX audit_card ON audit_log(card_id, id) WHERE card_id IS NOT NULL;
      CREATE INDEX audit_merchant ON audit_log(merchant_id, id) WHERE merchant_id IS NOT NULL;
      CREATE INDEX audit_action ON audit_log(action, id);
    `,
  },
  {
    version: 9,
    name: 'risk signals: the page network of a session; indexes for card, merchant and phone history',
    sql: `
      ALTER TABLE sessions ADD COLUMN page_network TEXT;
      CREATE INDEX sessions_phone ON sessions(phone_token_hash, created_at)
        WHERE phone_token_hash IS NOT NULL;
      CREATE INDEX ledger_card ON ledger_entries(card_id, created_at);
      CREATE INDEX ledger_account_merchant ON ledger_entries(account_id, merchant_id);
      CREATE INDEX ledger_account_amount ON ledger_entries(account_id, limit_amount);
      CREATE INDEX audit_failed_card ON audit_log(card_id, at) WHERE action = 'approval.failed';
      CREATE INDEX audit_failed_account ON audit_log(account_id, at) WHERE action = 'approval.failed';
    `,
  },
  {
    version: 10,
    name: 'web push: subscriptions per account, the VAPID key pair',
    // One row per browser subscription (the endpoint is the push service's URL for it); one VAPID
    // key pair per issuer (id 1), made once by whichever process gets there first.
    sql: `
      CREATE TABLE push_subscriptions (
        endpoint TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_success_at INTEGER
      ) STRICT;
      CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id, updated_at);

      CREATE TABLE vapid_keys (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key TEXT NOT NULL,
        private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 11,
    name: 'recovery: one-time recovery codes, enrolment purposes and cooling-off, device challenges',
    sql: `
      CREATE TABLE recovery_codes (
        code_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        created_at INTEGER NOT NULL,
        used_at INTEGER,
        used_for TEXT CHECK (used_for IN ('freeze', 'enrollment'))
      ) STRICT;
      CREATE INDEX recovery_codes_account ON recovery_codes(account_id);

      ALTER TABLE enrollments ADD COLUMN purpose TEXT NOT NULL DEFAULT 'desk'
        CHECK (purpose IN ('desk', 'recovery', 'device'));
      ALTER TABLE enrollments ADD COLUMN activates_at INTEGER;

      CREATE TABLE device_challenges (
        challenge TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX device_challenges_expiry ON device_challenges(expires_at);
    `,
  },
  {
    version: 12,
    name: 'webhooks (URL, secrets, an event outbox with delivery attempts) and refunds',
    sql: `
      ALTER TABLE merchants ADD COLUMN webhook_url TEXT;

      CREATE TABLE webhook_secrets (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX webhook_secrets_merchant ON webhook_secrets(merchant_id, created_at);

      -- The outbox: each row is written in the transaction of the change it reports.
      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at INTEGER,
        delivered_at INTEGER,
        locked_until INTEGER,
        lock_token TEXT
      ) STRICT;
      CREATE INDEX webhook_events_due ON webhook_events(next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_events_merchant ON webhook_events(merchant_id, id);

      CREATE TABLE webhook_attempts (
        event_id TEXT NOT NULL REFERENCES webhook_events(id),
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        at INTEGER NOT NULL,
        url TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        next_attempt_at INTEGER,
        PRIMARY KEY (event_id, attempt)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        merchant_id TEXT NOT NULL REFERENCES merchants(id),
        account_id TEXT NOT NULL REFERENCES accounts(id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        limit_amount INTEGER NOT NULL CHECK (limit_amount >= 0),
        payment_at INTEGER NOT NULL,
        reason TEXT,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (merchant_id, idempotency_key)
      ) STRICT;
      CREATE INDEX refunds_session ON refunds(session_id);
      CREATE INDEX refunds_account_payment ON refunds(account_id, payment_at);
    `,
  },
  {
    version: 13,
    name: 'risk and limits read less: accounts per phone kept at settlement; the month sum from the index',
    // The accounts a phone paid for, one row per pair, replace a join over the phone's sessions;
    // the month's sum reads limit_amount from the index instead of each entry's row.
    sql: `
      CREATE TABLE phone_accounts (
        phone_token_hash TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        last_paid_at INTEGER NOT NULL,
        PRIMARY KEY (phone_token_hash, account_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO phone_accounts (phone_token_hash, account_id, last_paid_at)
        SELECT s.phone_token_hash, l.account_id, MAX(l.created_at)
        FROM ledger_entries l JOIN sessions s ON s.id = l.session_id
        WHERE s.phone_token_hash IS NOT NULL
        GROUP BY s.phone_token_hash, l.account_id;
      DROP INDEX sessions_phone;
      DROP INDEX ledger_account_month;
      CREATE INDEX ledger_account_month ON ledger_entries(account_id, created_at, limit_amount);
    `,
  },
];
