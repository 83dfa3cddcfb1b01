// Proves the store conformance suite can fail: removes one rule at a time from the SQLite store
// (a text mutation of its source), runs the suite, and checks that the test naming that rule
// fails. Restores the source after each mutation, and at the end whatever happens.
//
//   node scripts/mutate-store.mjs
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const SUITE = 'test/server/store/sqlite.test.ts';
const STORE = 'src/server/store/sqlite/store.ts';
const RECORDS = 'src/server/store/sqlite/records.ts';
const PUSH = 'src/server/store/sqlite/push.ts';
const BASE = 'src/server/store/sqlite/base.ts';
const OUTBOX = 'src/server/store/sqlite/webhooks.ts';
const OPERATIONS = 'src/server/store/sqlite/operations.ts';
const RECOVERY = 'src/server/store/sqlite/recovery.ts';
const RISK_SQL = 'src/server/store/risk-sql.ts';

/** [file, what the rule is, text to find (exactly once), replacement, test that must fail]. */
const MUTATIONS = [
  [
    STORE,
    'settle needs a claimed session',
    "AND status = 'claimed' AND expires_at > ? ${SESSION_RETURNING}",
    'AND expires_at > ? ${SESSION_RETURNING}',
    'settles exactly once when twenty settlements of one session race',
  ],
  [
    STORE,
    'settle needs an unexpired session',
    "WHERE id = ? AND status = 'claimed' AND expires_at > ?",
    "WHERE id = ? AND status = 'claimed' AND ? IS NOT NULL",
    'refuses a claimed session past its deadline',
  ],
  [
    STORE,
    'a challenge is spent once',
    'AND session_id = ? AND used_at IS NULL AND expires_at > ?',
    'AND session_id = ? AND expires_at > ?',
    'keeps one live challenge per session',
  ],
  [
    STORE,
    'a challenge belongs to its session',
    'WHERE challenge = ? AND session_id = ? AND used_at IS NULL',
    'WHERE challenge = ? AND ? IS NOT NULL AND used_at IS NULL',
    'spends a challenge once',
  ],
  [
    STORE,
    'a new challenge spends the earlier ones',
    "'UPDATE challenges SET used_at = ? WHERE session_id = ? AND used_at IS NULL'",
    "'UPDATE challenges SET used_at = ? WHERE session_id = ? AND 0'",
    'keeps one live challenge per session',
  ],
  [
    STORE,
    'the counter moves only from the value read',
    'WHERE id = ? AND counter = ?',
    'WHERE id = ? AND ? IS NOT NULL',
    'moves the card counter only from the value the caller read',
  ],
  [
    STORE,
    'the month stays within the limit',
    'if (total + limit.amount > limit.max)',
    'if (total < 0)',
    'keeps the month within the limit',
  ],
  [
    RECORDS,
    'the limit counts its window',
    'WHERE account_id = ? AND created_at >= ?',
    'WHERE account_id = ? AND ? IS NOT NULL',
    'counts only the window since its start',
  ],
  [
    RECORDS,
    'the limit counts limit amounts',
    'SELECT COALESCE(SUM(limit_amount), 0)',
    'SELECT COALESCE(SUM(amount), 0)',
    'counts only the window since its start',
  ],
  [
    STORE,
    'a refused settlement writes nothing',
    "throw new Refused('over_limit', sessionId);",
    "return { ok: false, conflict: 'over_limit', session };",
    'writes nothing when it refuses',
  ],
  [
    STORE,
    'settlement writes its audit row',
    'this.insertWebhookEvent(input.webhook);\n      this.audit(input.audit);\n      return { ok: true, session };\n    });\n  }\n\n  async finish',
    'this.insertWebhookEvent(input.webhook);\n      return { ok: true, session };\n    });\n  }\n\n  async finish',
    'settles a claimed session once, writing',
  ],
  [
    STORE,
    'events are numbered without gaps',
    "this.insertEvent(sessionId, session.eventSeq, 'settled', null, now);",
    "this.insertEvent(sessionId, session.eventSeq + 1, 'settled', null, now);",
    'numbers events 1, 2, … n',
  ],
  [
    STORE,
    'an idempotency key makes one session',
    'ON CONFLICT (merchant_id, idempotency_key) DO NOTHING',
    '',
    'creates one session when ten requests with one idempotency key race',
  ],
  [
    STORE,
    'a changed body under the same key conflicts',
    'session.requestHash === s.requestHash',
    'session.requestHash.length > 0',
    'answers a repeated idempotency key',
  ],
  [
    STORE,
    'a new hand-off supersedes earlier ones',
    "'UPDATE handoffs SET superseded_at = ? WHERE session_id = ? AND superseded_at IS NULL'",
    "'UPDATE handoffs SET superseded_at = ? WHERE session_id = ? AND 0'",
    'kills earlier codes',
  ],
  [
    STORE,
    'hand-offs only for live sessions',
    "WHERE id = ? AND status = 'open' AND expires_at > ?\",",
    "WHERE id = ? AND status = 'open' AND ? IS NOT NULL\",",
    'makes hand-offs only for open, unexpired sessions',
  ],
  [
    STORE,
    'a hand-off code is claimed once',
    'if (handoff.claimedAt !== null)',
    'if (handoff.claimedAt === -1)',
    'lets exactly one of eight racing phones claim',
  ],
  [
    STORE,
    'superseded codes are dead',
    'if (handoff.supersededAt !== null)',
    'if (handoff.supersededAt === -1)',
    'kills earlier codes',
  ],
  [
    STORE,
    'expired codes are dead',
    'if (now >= handoff.expiresAt)',
    'if (now < 0)',
    'kills earlier codes',
  ],
  [
    STORE,
    'claims only before the session deadline',
    "WHERE id = ? AND status = 'open' AND expires_at > ? ${SESSION_RETURNING}",
    "WHERE id = ? AND status = 'open' AND ? IS NOT NULL ${SESSION_RETURNING}",
    'refuses to claim for a session past its deadline',
  ],
  [
    STORE,
    'finish only from the given statuses',
    'AND status IN (${statuses}) AND expires_at',
    'AND (status IN (${statuses}) OR 1) AND expires_at',
    'moves a session to a final status only from the given statuses',
  ],
  [
    STORE,
    'finish respects the deadline when asked',
    'input.unexpiredAt ?? Number.MIN_SAFE_INTEGER',
    'Number.MIN_SAFE_INTEGER',
    'refuses to finish after the deadline',
  ],
  [
    STORE,
    'only live sessions expire',
    "WHERE status IN ('open', 'claimed') AND expires_at <= ? LIMIT ?",
    'WHERE expires_at <= ? LIMIT ?',
    'lists due live sessions for expiry',
  ],
  [
    STORE,
    'the maximum-th failed attempt locks',
    'counted.failedAttempts < maxAttempts',
    'counted.failedAttempts <= maxAttempts',
    'locks a session at the maximum of failed attempts',
  ],
  [
    STORE,
    'failed attempts count only on live sessions',
    "WHERE id = ? AND status IN ('open', 'claimed') ${SESSION_RETURNING}",
    'WHERE id = ? ${SESSION_RETURNING}',
    'locks a session at the maximum of failed attempts',
  ],
  [
    RECORDS,
    'an enrolment code is spent once',
    'WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?',
    'WHERE code_hash = ? AND expires_at > ?',
    'spends an enrolment code once',
  ],
  [
    RECORDS,
    'an expired enrolment code is refused',
    'WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?',
    'WHERE code_hash = ? AND used_at IS NULL AND ? IS NOT NULL',
    'refuses an expired enrolment code',
  ],
  [
    RECORDS,
    'a merchant name key is taken once',
    ' ON CONFLICT (name_key) DO NOTHING',
    '',
    'stores a merchant only if no merchant has its name key',
  ],
  [
    OPERATIONS,
    'an admin key is added once',
    ' ON CONFLICT (key_hash) DO NOTHING',
    '',
    'adds an admin key once',
  ],
  [
    OPERATIONS,
    'activation retires the previous key',
    "'UPDATE signing_keys SET retired_at = ? WHERE activated_at IS NOT NULL AND retired_at IS NULL AND kid <> ?'",
    "'UPDATE signing_keys SET retired_at = ? WHERE 0 AND kid <> ?'",
    'activates a next signing key only from the expected current key',
  ],
  [
    STORE,
    'a settlement records which account its phone paid for',
    'if (session.phoneTokenHash) {',
    'if (session.phoneTokenHash && 0) {',
    'counts the other accounts one phone paid for in the long window',
  ],
  [
    STORE,
    'a phone keeps the latest payment for each account',
    'SET last_paid_at = MAX(last_paid_at, excluded.last_paid_at)',
    'SET last_paid_at = excluded.last_paid_at',
    'counts the other accounts one phone paid for in the long window',
  ],
  [
    RISK_SQL,
    'a phone counts only its other accounts, in the long window',
    "AND last_paid_at >= ${p('long')}",
    "AND ${p('long')} IS NOT NULL",
    'counts the other accounts one phone paid for in the long window',
  ],
  [
    OPERATIONS,
    'activation only from the expected current key',
    'if ((current ? String(current.kid) : null) !== expectedCurrentKid) return false;',
    '',
    'activates a next signing key only from the expected current key',
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
    'the cap drops the least recently updated subscriptions',
    'ORDER BY updated_at DESC, endpoint LIMIT -1 OFFSET ?',
    'ORDER BY updated_at ASC, endpoint LIMIT -1 OFFSET ?',
    'keeps at most the cap per account',
  ],
  [
    PUSH,
    'a subscription is deleted only with the key it was sent to',
    "'DELETE FROM push_subscriptions WHERE endpoint = ? AND p256dh = ?'",
    "'DELETE FROM push_subscriptions WHERE endpoint = ? AND ? IS NOT NULL'",
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
    "WHERE session_id = ? AND action = 'session.failed' AND account_id IS NOT NULL",
    "WHERE session_id = ? AND action = 'session.failed'",
    'ignores a failure audit row that names no account',
  ],
  [
    RECORDS,
    'the limit (settlement and limitUsedSince) subtracts what refunds gave back',
    'WHERE r.account_id = ? AND r.payment_at >= ?) AS total',
    'WHERE r.account_id = ? AND r.payment_at >= ? AND 0) AS total',
    "gives a refund's limit amount back to the month of its payment",
  ],
  [
    BASE,
    'events only for merchants with a webhook URL',
    'WHERE id = ? AND webhook_url IS NOT NULL',
    'WHERE id = ?',
    'writes an event only for a merchant that has a webhook URL',
  ],
  [
    OUTBOX,
    'a claim leases its events',
    'AND (locked_until IS NULL OR locked_until <= ?)\n           ORDER BY',
    'AND (locked_until IS NULL OR ? IS NOT NULL)\n           ORDER BY',
    'hands each due event to exactly one of ten racing claims',
  ],
  [
    OUTBOX,
    'only the claim holding an event changes it',
    'WHERE id = ? AND lock_token = ?',
    'WHERE id = ? AND ? IS NOT NULL',
    'records every attempt, and changes the event only under the claim',
  ],
  [
    OUTBOX,
    'a redelivery takes the event from a claim in flight',
    'lock_token = NULL\n         WHERE id = ? RETURNING *',
    'lock_token = lock_token\n         WHERE id = ? RETURNING *',
    'redelivers an event with the same id',
  ],
  [
    RECORDS,
    'a webhook secret comes with a change only when none is live',
    'SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (',
    'SELECT ?, ?, ?, ?, ? WHERE 1 OR NOT EXISTS (',
    'adds a webhook secret with a merchant change only when none is live',
  ],
  [
    OUTBOX,
    'refunds only of settled sessions',
    "AND merchant_id = ? AND status = 'settled'",
    'AND merchant_id = ?',
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
  [
    RECOVERY,
    'a recovery code is spent once',
    'WHERE code_hash = ? AND used_at IS NULL RETURNING account_id',
    'WHERE code_hash = ? RETURNING account_id',
    'freezes the account with a code, which then cannot be used again',
  ],
  [
    RECORDS,
    'an account gets one set of recovery codes',
    "if (this.one('SELECT 1 FROM recovery_codes WHERE account_id = ? LIMIT 1', accountId)) return;",
    '',
    'stores recovery codes with a card, once per account',
  ],
  [
    RECOVERY,
    'a device challenge is spent once',
    'WHERE challenge = ? AND used_at IS NULL AND expires_at > ?',
    'WHERE challenge = ? AND expires_at > ?',
    'makes a second device’s enrolment once per challenge',
  ],
  [
    RECOVERY,
    'a second device needs an active approving card',
    'WHERE id = ? AND account_id = ? AND counter = ? AND revoked_at IS NULL',
    'WHERE id = ? AND account_id = ? AND counter = ?',
    'refuses a second device for an expired challenge',
  ],
  [
    RECOVERY,
    'a frozen account adds no device',
    "'SELECT 1 FROM accounts WHERE id = ? AND frozen_at IS NOT NULL'",
    "'SELECT 1 FROM accounts WHERE id = ? AND 0'",
    'refuses a second device for an expired challenge',
  ],
];

function failingTests() {
  const run = spawnSync('node', ['--import', 'tsx', '--test', '--test-reporter=tap', SUITE], {
    encoding: 'utf8',
  });
  return [...run.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((match) => match[1]);
}

const originals = new Map(
  [STORE, RECORDS, BASE, OUTBOX, OPERATIONS, RECOVERY, PUSH, RISK_SQL].map((file) => [
    file,
    readFileSync(file, 'utf8'),
  ]),
);
const restore = () => {
  for (const [file, text] of originals) writeFileSync(file, text);
};
process.on('exit', restore);
process.on('SIGINT', () => process.exit(130));

let survived = 0;
const baseline = failingTests();
if (baseline.length > 0) {
  console.error(`The suite fails before any mutation: ${baseline.join('; ')}`);
  process.exit(1);
}
for (const [file, rule, find, replace, mustFail] of MUTATIONS) {
  const source = originals.get(file);
  const count = source.split(find).length - 1;
  if (count !== 1) {
    console.error(`✗ ${rule}: the text to mutate occurs ${count} times in ${file}`);
    survived++;
    continue;
  }
  writeFileSync(file, source.replace(find, replace));
  const failed = failingTests();
  restore();
  const caught = failed.some((name) => name.startsWith(mustFail));
  if (!caught) survived++;
  console.log(
    `${caught ? '✓ caught  ' : '✗ SURVIVED'} ${rule} — "${mustFail}…"${caught ? '' : ` (failed: ${failed.join('; ') || 'none'})`}`,
  );
}
console.log(`\n${MUTATIONS.length - survived} of ${MUTATIONS.length} mutations caught`);
process.exitCode = survived > 0 ? 1 : 0;
