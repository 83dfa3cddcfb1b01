/**
 * Database invariants of the issuer, checked with SQL on the SQLite file itself (not through the
 * store's API, which could hide a broken row). Each check returns the rows that break it, so a
 * failure names the session and the rule.
 *
 * The rules (docs/protocol.md "Storage and durability", "Settlement", "Session lifecycle"):
 * - every settled session has exactly one ledger entry, and every ledger entry's session is settled;
 * - a ledger entry carries its session's amount, currency and merchant, and its id is the
 *   session's settlement id; a settled session has a token;
 * - one row per session id, its status in the allowed set, its error code fitting its status;
 * - no orphans: hand-offs, challenges, ledger entries and events point at existing sessions; cards
 *   and enrolments at existing accounts; ledger entries at existing cards, accounts and merchants;
 * - events of a session run 1, 2, … n without gaps, n is the session's `event_seq`, the first is
 *   `open`, the last has the session's status, and at most one terminal event exists (the last);
 * - failed attempts never pass MAX_FAILED_ATTEMPTS, and a session that reached it is not live;
 * - per account and UTC month, the ledger's limit amounts, less what refunds of that month's
 *   payments gave back, stay within the account's limit;
 * - refunds are of settled sessions, in their currency and merchant, and never sum past the
 *   session's amount; the limit they give back never passes what their payment counted;
 * - webhook events belong to existing merchants, and attempts to existing events;
 * - no stored display text or identifier holds a control (but `\t`, `\n`, `\r` in descriptions and
 *   metadata values), format (`Cf`) or line/paragraph separator character (finding 11);
 * - every merchant's `name_key` is `merchantNameKey` of its name, and no two merchants share one.
 */
import Database from 'better-sqlite3';
import {
  MAX_FAILED_ATTEMPTS,
  SESSION_STATUSES,
  TERMINAL_SESSION_STATUSES,
} from '../../../src/protocol/index.js';
import { merchantNameKey } from '../../../src/server/domain/merchant-names.js';

type Row = Record<string, unknown>;

const inList = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');
const STATUSES = inList(SESSION_STATUSES);
/** Why a session may have failed: too many attempts, a limit, a wrong number, a refusal. */
const FAILURE_CODES = [
  'session_failed',
  'limit_exceeded',
  'binding_mismatch',
  'currency_not_supported',
  'account_frozen',
];
const TERMINAL = inList(TERMINAL_SESSION_STATUSES);

/** Named SQL queries that must return no rows. */
const EMPTY_QUERIES: Record<string, string> = {
  'settled session without exactly one ledger entry': `
    SELECT s.id, (SELECT COUNT(*) FROM ledger_entries l WHERE l.session_id = s.id) AS entries
    FROM sessions s WHERE s.status = 'settled' AND entries <> 1`,
  'ledger entry of a session that is not settled': `
    SELECT l.id, l.session_id, s.status FROM ledger_entries l
    JOIN sessions s ON s.id = l.session_id WHERE s.status <> 'settled'`,
  'more than one ledger entry for a session': `
    SELECT session_id, COUNT(*) AS n FROM ledger_entries GROUP BY session_id HAVING n > 1`,
  'ledger entry that does not match its session': `
    SELECT l.id, l.amount, s.amount AS session_amount, l.currency, s.currency AS session_currency
    FROM ledger_entries l JOIN sessions s ON s.id = l.session_id
    WHERE l.amount <> s.amount OR l.currency <> s.currency OR l.merchant_id <> s.merchant_id
       OR s.settlement_id IS NOT l.id`,
  'settled session without settlement id or token': `
    SELECT id FROM sessions WHERE status = 'settled'
      AND (settlement_id IS NULL OR settlement_token IS NULL OR settlement_token = '')`,
  'unsettled session holding a settlement': `
    SELECT id, status FROM sessions WHERE status <> 'settled' AND settlement_id IS NOT NULL`,
  'session id on more than one row': `
    SELECT id, COUNT(*) AS n FROM sessions GROUP BY id HAVING n > 1`,
  'session status outside the allowed set': `
    SELECT id, status FROM sessions WHERE status NOT IN (${STATUSES})`,
  'error code that does not fit the status': `
    SELECT id, status, error_code FROM sessions WHERE NOT (
      (status IN ('open', 'claimed', 'settled') AND error_code IS NULL)
      OR (status = 'declined' AND error_code = 'session_declined')
      OR (status = 'cancelled' AND error_code = 'session_cancelled')
      OR (status = 'expired' AND error_code = 'session_expired')
      OR (status = 'failed' AND error_code IN (${inList(FAILURE_CODES)})))`,
  'claimed session without a phone': `
    SELECT id FROM sessions WHERE status = 'claimed' AND phone_token_hash IS NULL`,
  'hand-off of a missing session': `
    SELECT code_hash FROM handoffs WHERE session_id NOT IN (SELECT id FROM sessions)`,
  'challenge of a missing session': `
    SELECT challenge FROM challenges WHERE session_id NOT IN (SELECT id FROM sessions)`,
  'ledger entry of a missing session, card, account or merchant': `
    SELECT id FROM ledger_entries
    WHERE session_id NOT IN (SELECT id FROM sessions) OR card_id NOT IN (SELECT id FROM cards)
       OR account_id NOT IN (SELECT id FROM accounts) OR merchant_id NOT IN (SELECT id FROM merchants)`,
  'event of a missing session': `
    SELECT session_id, seq FROM session_events WHERE session_id NOT IN (SELECT id FROM sessions)`,
  'session of a missing merchant': `
    SELECT id FROM sessions WHERE merchant_id NOT IN (SELECT id FROM merchants)`,
  'card of a missing account': `
    SELECT id FROM cards WHERE account_id NOT IN (SELECT id FROM accounts)`,
  'enrolment of a missing account': `
    SELECT code_hash FROM enrollments WHERE account_id NOT IN (SELECT id FROM accounts)`,
  'events not contiguous from 1 to event_seq': `
    SELECT s.id, s.event_seq, COUNT(e.seq) AS n, MIN(e.seq) AS first, MAX(e.seq) AS last
    FROM sessions s LEFT JOIN session_events e ON e.session_id = s.id
    GROUP BY s.id HAVING n <> s.event_seq OR first IS NOT 1 OR last IS NOT s.event_seq`,
  'first event is not open': `
    SELECT session_id FROM session_events WHERE seq = 1 AND status <> 'open'`,
  'last event status differs from the session status': `
    SELECT s.id, s.status, e.status AS event_status FROM sessions s
    JOIN session_events e ON e.session_id = s.id AND e.seq = s.event_seq
    WHERE e.status <> s.status OR e.error_code IS NOT s.error_code`,
  'more than one terminal event, or a terminal event that is not the last': `
    SELECT s.id, COUNT(*) AS terminal FROM sessions s
    JOIN session_events e ON e.session_id = s.id AND e.status IN (${TERMINAL})
    GROUP BY s.id HAVING terminal > 1 OR MAX(e.seq) <> s.event_seq`,
  'refund of a session that is not settled, or of another merchant, account or currency': `
    SELECT r.id, s.status FROM refunds r
    LEFT JOIN sessions s ON s.id = r.session_id
    LEFT JOIN ledger_entries l ON l.session_id = r.session_id
    WHERE s.status IS NOT 'settled' OR r.merchant_id <> s.merchant_id
       OR r.currency <> s.currency OR r.account_id IS NOT l.account_id
       OR r.payment_at IS NOT l.created_at`,
  'refunds of a session summing past its amount, or giving back more than it counted': `
    SELECT r.session_id, SUM(r.amount) AS refunded, s.amount,
           SUM(r.limit_amount) AS given_back, l.limit_amount
    FROM refunds r JOIN sessions s ON s.id = r.session_id
    JOIN ledger_entries l ON l.session_id = r.session_id
    GROUP BY r.session_id HAVING refunded > s.amount OR given_back > l.limit_amount`,
  'webhook event of a missing merchant, or attempt of a missing event': `
    SELECT id FROM webhook_events WHERE merchant_id NOT IN (SELECT id FROM merchants)
    UNION ALL
    SELECT event_id FROM webhook_attempts WHERE event_id NOT IN (SELECT id FROM webhook_events)`,
  'failed attempts past the maximum, or a locked session still live': `
    SELECT id, status, failed_attempts FROM sessions
    WHERE failed_attempts > ${MAX_FAILED_ATTEMPTS}
       OR (failed_attempts >= ${MAX_FAILED_ATTEMPTS} AND status IN ('open', 'claimed'))`,
};

/** Every invariant violation in the issuer database `db`, as readable strings (empty: all hold). */
export function invariantViolations(db: Database.Database): string[] {
  const violations: string[] = [];
  for (const [rule, sql] of Object.entries(EMPTY_QUERIES)) {
    for (const row of db.prepare(sql).all() as Row[]) {
      violations.push(`${rule}: ${JSON.stringify(row)}`);
    }
  }
  violations.push(...limitViolations(db), ...textViolations(db), ...nameKeyViolations(db));
  return violations;
}

/** Controls, format characters and separators; `\t`, `\n`, `\r` are checked apart. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const HIDDEN_BUT_LINE_BREAKS = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Stored text a payer or a merchant reads that holds a character which hides what it says. */
function textViolations(db: Database.Database): string[] {
  const columns: [table: string, column: string, multiline: boolean][] = [
    ['merchants', 'name', false],
    ['accounts', 'display_name', false],
    ['cards', 'name', false],
    ['sessions', 'order_id', false],
    ['sessions', 'description', true],
  ];
  const violations: string[] = [];
  for (const [table, column, multiline] of columns) {
    for (const row of db.prepare(`SELECT rowid, ${column} AS text FROM ${table}`).all() as Row[]) {
      if ((multiline ? HIDDEN_BUT_LINE_BREAKS : HIDDEN).test(String(row.text)))
        violations.push(`hidden character in ${table}.${column}: ${JSON.stringify(row)}`);
    }
  }
  for (const row of db.prepare('SELECT id, metadata FROM sessions').all() as Row[]) {
    const metadata = JSON.parse(String(row.metadata)) as Record<string, string>;
    if (
      Object.entries(metadata).some(
        ([key, value]) => HIDDEN.test(key) || HIDDEN_BUT_LINE_BREAKS.test(value),
      )
    )
      violations.push(`hidden character in sessions.metadata: ${JSON.stringify(row)}`);
  }
  return violations;
}

/** Merchants whose name key is not their name's, or two merchants with one name. */
function nameKeyViolations(db: Database.Database): string[] {
  const violations: string[] = [];
  const owners = new Map<string, string>();
  for (const row of db.prepare('SELECT id, name, name_key FROM merchants').all() as Row[]) {
    const key = merchantNameKey(String(row.name));
    if (row.name_key !== key)
      violations.push(`merchant name key that is not its name's: ${JSON.stringify(row)}`);
    const owner = owners.get(key);
    if (owner !== undefined)
      violations.push(`two merchants with one name: ${owner}, ${String(row.id)}`);
    owners.set(key, String(row.id));
  }
  return violations;
}

/** Limit amounts per account and UTC month above the account's monthly limit. */
function limitViolations(db: Database.Database): string[] {
  const rows = db
    .prepare(
      `SELECT l.account_id, strftime('%Y-%m', l.created_at / 1000, 'unixepoch') AS month,
              SUM(l.limit_amount - COALESCE(
                (SELECT SUM(r.limit_amount) FROM refunds r WHERE r.session_id = l.session_id),
                0)) AS total,
              a.monthly_limit
       FROM ledger_entries l JOIN accounts a ON a.id = l.account_id
       GROUP BY l.account_id, month`,
    )
    .all() as Row[];
  const violations: string[] = [];
  for (const row of rows) {
    const limit = Number(row.monthly_limit);
    if (Number(row.total) > limit) {
      violations.push(`ledger sum above the monthly limit ${limit}: ${JSON.stringify(row)}`);
    }
  }
  return violations;
}

/** Opens an issuer database file read-only (for a file another process writes). */
export function openReadonly(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** The ledger entries of one session, straight from the table. */
export function ledgerOf(db: Database.Database, sessionId: string): Row[] {
  return db.prepare('SELECT * FROM ledger_entries WHERE session_id = ?').all(sessionId) as Row[];
}

/** The session row, straight from the table. */
export function sessionRow(db: Database.Database, sessionId: string): Row | undefined {
  return db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as Row | undefined;
}

/** Statuses of a session's events in order. */
export function eventStatuses(db: Database.Database, sessionId: string): string[] {
  return (
    db
      .prepare('SELECT status FROM session_events WHERE session_id = ? ORDER BY seq')
      .all(sessionId) as Row[]
  ).map((row) => String(row.status));
}
