/**
 * The database invariants of test/hardening/support/invariants.ts are the oracle of the crash,
 * race and hostile-input tests; here each rule is shown to catch the corruption it is about, so
 * an empty list of violations elsewhere means something. Each corruption runs in a savepoint
 * that is rolled back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqliteStore } from '../../src/server/index.js';
import {
  Phone,
  createSession,
  startTestIssuer,
  type TestIssuer,
} from '../server/support/harness.js';
import { settledSession } from '../server/support/pay.js';
import { invariantViolations } from './support/invariants.js';

describe('invariantViolations', () => {
  let server: TestIssuer;
  let db: SqliteStore['db'];
  let settledId: string;
  let openId: string;

  before(async () => {
    server = await startTestIssuer();
    db = (server.issuer.store as SqliteStore).db;
    const phone = new Phone(server.url);
    await phone.enrol();
    settledId = (await settledSession(server, phone, { amount: 2_000 })).id;
    openId = (await createSession(server.url)).id;
  });
  after(() => server.dispose());

  /** The violations `corrupt` causes, with the database restored afterwards. */
  function violationsAfter(corrupt: () => void): string[] {
    db.pragma('foreign_keys = OFF');
    db.exec('SAVEPOINT corruption');
    try {
      corrupt();
      return invariantViolations(db);
    } finally {
      db.exec('ROLLBACK TO corruption; RELEASE corruption');
      db.pragma('foreign_keys = ON');
    }
  }

  it('finds none in a database the issuer wrote', () => {
    assert.deepEqual(invariantViolations(db), []);
  });

  const corruptions: [string, () => void][] = [
    [
      'settled session without exactly one ledger entry',
      () => db.prepare('DELETE FROM ledger_entries WHERE session_id = ?').run(settledId),
    ],
    [
      'ledger entry of a session that is not settled',
      () =>
        db
          .prepare(
            `INSERT INTO ledger_entries (id, session_id, merchant_id, account_id, card_id, amount, currency, created_at)
             SELECT 'stl_forged', ?, merchant_id, account_id, card_id, amount, currency, created_at
             FROM ledger_entries WHERE session_id = ?`,
          )
          .run(openId, settledId),
    ],
    [
      'ledger entry that does not match its session',
      () =>
        db
          .prepare('UPDATE ledger_entries SET amount = amount + 1 WHERE session_id = ?')
          .run(settledId),
    ],
    [
      'error code that does not fit the status',
      () =>
        db.prepare("UPDATE sessions SET error_code = 'session_failed' WHERE id = ?").run(openId),
    ],
    [
      'event of a missing session',
      () =>
        db
          .prepare(
            "INSERT INTO session_events (session_id, seq, status, error_code, created_at) VALUES ('cs_gone', 1, 'open', NULL, 0)",
          )
          .run(),
    ],
    [
      'hand-off of a missing session',
      () =>
        db
          .prepare(
            "INSERT INTO handoffs (code_hash, session_id, user_code, created_at, expires_at) VALUES ('x', 'cs_gone', 'BBBBBBBB', 0, 0)",
          )
          .run(),
    ],
    [
      'card of a missing account',
      () => db.prepare("UPDATE cards SET account_id = 'acct_gone'").run(),
    ],
    [
      'events not contiguous from 1 to event_seq',
      () =>
        db.prepare('DELETE FROM session_events WHERE session_id = ? AND seq = 2').run(settledId),
    ],
    [
      'last event status differs from the session status',
      () => db.prepare("UPDATE sessions SET status = 'claimed' WHERE id = ?").run(openId),
    ],
    [
      'more than one terminal event',
      () =>
        db
          .prepare(
            "UPDATE session_events SET status = 'declined', error_code = 'session_declined' WHERE session_id = ? AND seq = 2",
          )
          .run(settledId),
    ],
    [
      'failed attempts past the maximum, or a locked session still live',
      () => db.prepare('UPDATE sessions SET failed_attempts = 5 WHERE id = ?').run(openId),
    ],
    [
      'ledger sum above the monthly limit',
      () => db.prepare("UPDATE accounts SET monthly_limit = 1 WHERE id = 'acct_demo'").run(),
    ],
    [
      'hidden character in sessions.description',
      () =>
        db
          .prepare("UPDATE sessions SET description = 'pay \u202etxe.exe' WHERE id = ?")
          .run(openId),
    ],
    [
      'hidden character in sessions.metadata',
      () =>
        db.prepare('UPDATE sessions SET metadata = ? WHERE id = ?').run('{"a":"\u2028"}', openId),
    ],
    [
      'hidden character in merchants.name',
      () => db.prepare("UPDATE merchants SET name = name || '\u200b'").run(),
    ],
    [
      "merchant name key that is not its name's",
      () => db.prepare("UPDATE merchants SET name = 'Another Shop'").run(),
    ],
    [
      'two merchants with one name',
      () =>
        db
          .prepare(
            `INSERT INTO merchants (id, name, name_key, mode, secret_key_hash, allowed_origins, created_at)
             SELECT 'm_twin', upper(name), 'twin', mode, 'twin-hash', allowed_origins, created_at
             FROM merchants WHERE id = 'm_demo'`,
          )
          .run(),
    ],
  ];

  for (const [rule, corrupt] of corruptions) {
    it(`reports "${rule}"`, () => {
      const violations = violationsAfter(corrupt);

      assert.ok(
        violations.some((violation) => violation.startsWith(rule)),
        `expected "${rule}" in ${JSON.stringify(violations)}`,
      );
    });
  }
});
