// Proves the PostgreSQL store's tests can fail: removes one of its concurrency rules at a time (a
// lock, a conflict clause, the NOTIFY, the listener's reconnection…) by a text mutation of its
// source, runs its suites, and checks that the test naming that rule fails. The SQLite-side rules
// are scripts/mutate-store.mjs's. Uses DATABASE_URL, or starts a throwaway cluster. Restores the
// sources after each mutation, and at the end whatever happens.
//
//   node scripts/mutate-pg-store.mjs [WORDS]   (WORDS: only the rules whose description holds them)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { startPgCluster } from './pg-cluster.mjs';

const SUITES = [
  'test/server/store/postgres.test.ts',
  'test/server/store/postgres-shared.test.ts',
  'test/server/store/postgres-outage.test.ts',
];
const DIR = 'src/server/store/postgres';
const SESSIONS = `${DIR}/sessions.ts`;
const OPERATIONS = `${DIR}/operations.ts`;
const MIGRATIONS = `${DIR}/migrations.ts`;
const STORE = `${DIR}/store.ts`;
const BASE = `${DIR}/base.ts`;
const LISTENER = `${DIR}/listener.ts`;
const RECORDS = `${DIR}/records.ts`;
const DATABASE = `${DIR}/database.ts`;
const UNAVAILABLE = `${DIR}/unavailable.ts`;
const PUSH = `${DIR}/push.ts`;
const OUTBOX = `${DIR}/webhooks.ts`;

/** [file, what the rule is, text to find (exactly once), replacement, test that must fail]. */
const MUTATIONS = [
  [
    SESSIONS,
    'settle locks the account before summing its month',
    "'SELECT frozen_at FROM accounts WHERE id = $1 FOR NO KEY UPDATE'",
    "'SELECT frozen_at FROM accounts WHERE id = $1'",
    'keeps the month within the limit when ten payments by ten cards',
  ],
  [
    SESSIONS,
    'a hand-off is made holding its session',
    '"UPDATE sessions SET page_network = COALESCE($3, page_network) WHERE id = $1 AND status = \'open\' AND expires_at > $2"',
    '"SELECT 1 FROM sessions WHERE id = $1 AND status = \'open\' AND expires_at > $2 AND ($3::text IS NULL OR true)"',
    'keeps one live hand-off code when two processes',
  ],
  [
    SESSIONS,
    'a claim holds the session before reading its code',
    'await tx.one(LOCK_SESSION, [code.session_id]);',
    '',
    'lets exactly one of eight phones on two processes',
  ],
  [
    SESSIONS,
    'a challenge is stored holding its session',
    'await tx.one(LOCK_SESSION, [c.sessionId]);',
    '',
    'keeps one live challenge when two processes',
  ],
  [
    SESSIONS,
    'the counter moves only from the value read',
    'WHERE id = $3 AND counter = $4 AND',
    'WHERE id = $3 AND $4::bigint IS NOT NULL AND',
    'moves the card counter only from the value the caller read',
  ],
  [
    SESSIONS,
    'an idempotency key makes one session',
    'ON CONFLICT (merchant_id, idempotency_key) DO NOTHING',
    '',
    'creates one session when ten requests with one idempotency key race on two processes',
  ],
  [
    OPERATIONS,
    'signing-key activations queue on the table',
    "await tx.run('LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE');",
    '',
    'makes one current signing key when two processes activate',
  ],
  [
    OPERATIONS,
    'a console session is started holding its admin key',
    'WHERE id = $2 AND revoked_at IS NULL\n         FOR SHARE`',
    'WHERE id = $2 AND revoked_at IS NULL`',
    'starts no console session for an admin key whose revocation commits',
  ],
  [
    DATABASE,
    'pooled connections wait for a row lock at most lock_timeout',
    'lock_timeout: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,',
    '',
    'gives up on a row lock held past lock_timeout',
  ],
  [
    UNAVAILABLE,
    'a timed-out statement or lock wait is unavailability (a 503)',
    'if (!isUnavailable(error) && !isBusy(error)) return error;',
    'if (!isUnavailable(error)) return error;',
    'gives up on a row lock held past lock_timeout',
  ],
  [
    MIGRATIONS,
    'the migrating connection gets its timeouts back',
    "await client.query('RESET statement_timeout; RESET lock_timeout')",
    "await client.query('SELECT 1')",
    'sets statement_timeout, lock_timeout and idle_in_transaction_session_timeout',
  ],
  [
    MIGRATIONS,
    'migrations run under the advisory lock',
    "await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);",
    '',
    'migrates once when two processes open one fresh database',
  ],
  [
    STORE,
    'a bucket never refills for time going backwards',
    'updated_at = GREATEST(b.updated_at, $3::bigint)',
    'updated_at = $3::bigint',
    'never refills for time going backwards',
  ],
  [
    STORE,
    'only the advisory lock holder runs',
    "'SELECT pg_try_advisory_lock($1::bigint) AS got'",
    "'SELECT $1::bigint IS NOT NULL AS got'",
    'runs on one process at a time',
  ],
  [
    BASE,
    'each event is announced in its transaction',
    'SELECT pg_notify(',
    'SELECT concat(',
    'delivers the events another process commits',
  ],
  [
    RECORDS,
    'a key roll announces its merchant',
    'await this.notifyMerchantChanged(tx, key.merchantId);',
    '',
    'announces every committed merchant update and key roll',
  ],
  [
    RECORDS,
    'a merchant update announces its merchant',
    'await this.notifyMerchantChanged(tx, id);',
    '',
    'announces every committed merchant update and key roll',
  ],
  [
    LISTENER,
    'a subscriber that arrives during an outage keeps the retry scheduled',
    'await this.connect();\n      clearTimeout(this.timer);',
    'clearTimeout(this.timer);\n      await this.connect();',
    'throws StoreUnavailableError while the server is down, then works again',
  ],
  [
    LISTENER,
    'the listener reconnects',
    'void client.end().catch(() => undefined);\n    if (this.subscribers.size > 0) this.retryLater();',
    'void client.end().catch(() => undefined);',
    'reconnects when its connection is killed',
  ],
  [
    PUSH,
    'subscriptions of one account are saved one at a time (the cap)',
    "await tx.one('SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [sub.accountId]);",
    '',
    'keeps the cap per account when twenty subscriptions race',
  ],
  [
    PUSH,
    'a refreshed endpoint moves to the new account',
    'ON CONFLICT (endpoint) DO UPDATE SET account_id = excluded.account_id,',
    'ON CONFLICT (endpoint) DO UPDATE SET',
    'refreshes the same endpoint',
  ],
  [
    PUSH,
    'a refreshed endpoint is not a new one',
    'RETURNING (xmax = 0) AS created',
    'RETURNING true AS created',
    'refreshes the same endpoint',
  ],
  [
    PUSH,
    'the cap drops the least recently updated subscriptions',
    'ORDER BY updated_at DESC, endpoint OFFSET $3',
    'ORDER BY updated_at ASC, endpoint OFFSET $3',
    'keeps at most the cap per account',
  ],
  [
    PUSH,
    'a subscription is deleted only with the key it was sent to',
    "'DELETE FROM push_subscriptions WHERE endpoint = $1 AND p256dh = $2'",
    "'DELETE FROM push_subscriptions WHERE endpoint = $1 AND $2::text IS NOT NULL'",
    'deletes an endpoint only while its key',
  ],
  [
    PUSH,
    'one VAPID key pair, the first wins',
    'ON CONFLICT (id) DO NOTHING',
    'ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key',
    'stores one VAPID key pair',
  ],
  [
    PUSH,
    'only a failure that names an account identifies one',
    "WHERE session_id = $1 AND action = 'session.failed' AND account_id IS NOT NULL",
    "WHERE session_id = $1 AND action = 'session.failed'",
    'ignores a failure audit row that names no account',
  ],
  [
    SESSIONS,
    'a settlement writes its webhook event in its transaction',
    'await this.insertWebhookEvent(tx, input.webhook);\n    await this.audit(tx, input.audit);\n    return { ok: true, session };\n  }',
    'await this.audit(tx, input.audit);\n    return { ok: true, session };\n  }',
    "writes a settlement's webhook event in its transaction",
  ],
  [
    BASE,
    'events only for merchants with a webhook URL',
    'WHERE id = $5 AND webhook_url IS NOT NULL',
    'WHERE id = $5',
    'writes an event only for a merchant that has a webhook URL',
  ],
  [
    RECORDS,
    'the month subtracts what refunds gave back',
    'WHERE r.account_id = $1 AND r.payment_at >= $2) AS total',
    'WHERE r.account_id = $1 AND r.payment_at >= $2 AND false) AS total',
    "gives a refund's limit amount back to the month of its payment",
  ],
  [
    RECORDS,
    'a webhook secret comes with a change only when none is live',
    'SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (',
    'SELECT $1, $2, $3, $4, $5 WHERE true OR NOT EXISTS (',
    'adds a webhook secret with a merchant change only when none is live',
  ],
  [
    OUTBOX,
    'a webhook claim leases its events',
    'AND (locked_until IS NULL OR locked_until <= $1)',
    'AND (locked_until IS NULL OR $1::bigint IS NOT NULL)',
    'leases a due event to one claim',
  ],
  [
    OUTBOX,
    'a webhook claim skips rows another process is claiming, and re-checks the lease',
    'ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)\n         AND ${CLAIMABLE}',
    'ORDER BY next_attempt_at, id LIMIT $4)',
    'hands each due event to exactly one of ten racing claims',
  ],
  [
    OUTBOX,
    'only the webhook claim holding an event changes it',
    'WHERE id = $4 AND lock_token = $5',
    'WHERE id = $4 AND $5::text IS NOT NULL',
    'records every attempt, and changes the event only under the claim',
  ],
  [
    OUTBOX,
    'a webhook redelivery takes the event from a claim in flight',
    'lock_token = NULL\n         WHERE id = $2 RETURNING *',
    'lock_token = lock_token\n         WHERE id = $2 RETURNING *',
    'redelivers an event with the same id',
  ],
  [
    OUTBOX,
    'refunds of one session queue on its row',
    "'SELECT merchant_id, status FROM sessions WHERE id = $1 FOR NO KEY UPDATE'",
    "'SELECT merchant_id, status FROM sessions WHERE id = $1'",
    'never refunds past the amount when ten refunds of one session race',
  ],
  [
    OUTBOX,
    'refunds only of settled sessions',
    "session.status !== 'settled'",
    "session.status === 'none'",
    'refuses a session that is not settled',
  ],
  [
    OUTBOX,
    'a refund is computed from the current total (compare-and-set)',
    'if (refunded !== input.expectedRefunded)',
    'if (refunded === -1)',
    'refuses a refund past the amount, and one computed from a stale total',
  ],
  [
    OUTBOX,
    'refunds never sum past the amount',
    'if (refunded + refund.amount > input.maxTotal)',
    'if (refunded < 0)',
    'never refunds past the amount when ten refunds of one session race',
  ],
  [
    OUTBOX,
    'a refund key with another body conflicts',
    'stored.requestHash === refund.requestHash',
    'stored.requestHash.length > 0',
    'refunds a settled session with its audit row and event',
  ],
];

function failingTests(env) {
  const run = spawnSync(
    'node',
    ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-timeout=30000', ...SUITES],
    { encoding: 'utf8', env },
  );
  return [...run.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((match) => match[1]);
}

const files = [...new Set(MUTATIONS.map(([file]) => file))];
const originals = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const restore = () => {
  for (const [file, text] of originals) writeFileSync(file, text);
};
const cluster = process.env.DATABASE_URL ? null : await startPgCluster();
process.on('exit', () => {
  restore();
  cluster?.stop();
});
process.on('SIGINT', () => process.exit(130));
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? cluster?.url };

let survived = 0;
const baseline = failingTests(env);
if (baseline.length > 0) {
  console.error(`The suites fail before any mutation: ${baseline.join('; ')}`);
  process.exit(1);
}
const only = process.argv.slice(2).join(' ');
const chosen = MUTATIONS.filter(([, rule]) => rule.includes(only));
for (const [file, rule, find, replace, mustFail] of chosen) {
  const source = originals.get(file);
  const count = source.split(find).length - 1;
  if (count !== 1) {
    console.error(`✗ ${rule}: the text to mutate occurs ${count} times in ${file}`);
    survived++;
    continue;
  }
  writeFileSync(file, source.replace(find, replace));
  const failed = failingTests(env);
  restore();
  const caught = failed.some((name) => name.startsWith(mustFail));
  if (!caught) survived++;
  console.log(
    `${caught ? '✓ caught  ' : '✗ SURVIVED'} ${rule} — "${mustFail}…"${caught ? '' : ` (failed: ${failed.join('; ') || 'none'})`}`,
  );
}
console.log(`\n${chosen.length - survived} of ${chosen.length} mutations caught`);
process.exitCode = survived > 0 ? 1 : 0;
