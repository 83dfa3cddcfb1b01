/**
 * The PostgreSQL store: the conformance suite, then what a networked store adds — migrations run
 * once by processes starting together, type mapping, faults, and the conditional writes holding
 * across processes (two `PgStore`s, two pools, stand in for two issuer processes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { describeStoreConformance } from './conformance.js';
import {
  T0,
  audit,
  cardRecord,
  claimedSession,
  handoffRecord,
  keyOf,
  merchantRecord,
  sessionRecord,
  withPayer,
} from './fixtures.js';
import { pay, query } from './risk-signals.js';
import { freshDatabase, SKIP_POSTGRES } from '../../support/postgres.js';
import * as server from '../../../src/server/index.js';
import { StoreUnavailableError } from '../../../src/server/store/contract.js';
import type { PgDatabase } from '../../../src/server/store/postgres/database.js';
import { MIGRATIONS } from '../../../src/server/store/postgres/migrations.js';
import { openPgStore, type PgStore } from '../../../src/server/store/postgres/store.js';
import type { SettleInput } from '../../../src/server/store/types.js';

describe('PostgreSQL store', { skip: SKIP_POSTGRES }, () => {
  describeStoreConformance('PostgreSQL', async () => {
    const database = await freshDatabase();
    const store = await openPgStore({ connectionString: database.url });
    return {
      store,
      async dispose() {
        await store.close();
        await database.drop();
      },
    };
  });
});

describe('dualpay/server and pg (an optional peer)', () => {
  it('loads without pg, which openPgStore loads on first use', () => {
    // A resolve hook that answers "not installed" for pg, in a child process.
    const hook = `export async function resolve(s, c, next) {
      if (s === 'pg') throw new Error('pg is not installed');
      return next(s, c);
    }`;
    const register = `import { register } from 'node:module';
      register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const probe = `const server = await import('./src/server/index.ts');
      const error = await server.openPgStore({ connectionString: 'postgres://x@127.0.0.1:1/x' })
        .catch((e) => e);
      console.log(JSON.stringify([typeof server.startIssuer, error.message]));`;

    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`],
      {
        input: probe,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '--input-type=module' },
      },
    );

    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), ['function', 'pg is not installed']);
  });
});

type Payer = Awaited<ReturnType<typeof withPayer>>;
type Claimed = Awaited<ReturnType<typeof claimedSession>>;

function settleInput(payer: Payer, claimed: Claimed, max = 1_000_000): SettleInput {
  return {
    sessionId: claimed.session.id,
    challenge: claimed.challenge,
    card: { id: payer.card.id, expectedCounter: 0, newCounter: 0 },
    limit: { accountId: payer.accountId, since: T0 - 1, amount: 1500, max },
    settlementId: `stl_${randomBytes(8).toString('hex')}`,
    token: 'header.payload.signature',
    now: T0 + 2000,
    audit: audit('session.settled', claimed.session.id),
  };
}

/** Enrols one more card on the account. */
async function addCard(store: PgStore, accountId: string) {
  const codeHash = randomBytes(32).toString('hex');
  await store.createEnrollment(
    {
      codeHash,
      accountId,
      expiresAt: T0 + 900_000,
      challenge: null,
      usedAt: null,
      createdAt: T0,
      purpose: 'desk',
      activatesAt: null,
    },
    audit('enrollment.created'),
  );
  const card = cardRecord(accountId);
  assert.equal(await store.completeEnrollment(codeHash, card, T0, audit('card.enrolled')), true);
  return card;
}

describe('PgStore', { skip: SKIP_POSTGRES }, () => {
  it('migrates once when two processes open one fresh database at the same time', async () => {
    const database = await freshDatabase();
    try {
      const stores = await Promise.all([
        openPgStore({ connectionString: database.url }),
        openPgStore({ connectionString: database.url }),
      ]);
      const applied = await stores[0].pool.query('SELECT version FROM schema_migrations');
      const versions = await Promise.all(stores.map((store) => store.schemaVersion()));
      await Promise.all(stores.map((store) => store.close()));

      assert.equal(applied.rowCount, MIGRATIONS.length);
      assert.deepEqual(versions, [MIGRATIONS.at(-1)?.version, MIGRATIONS.at(-1)?.version]);
    } finally {
      await database.drop();
    }
  });

  it('upgrades a version-5 database: the accounts each phone paid for come from its ledger', async () => {
    const database = await freshDatabase();
    try {
      const store = await openPgStore({ connectionString: database.url });
      const [me, friend] = [await withPayer(store), await withPayer(store)];
      await pay(store, me, T0 + 1000, 100, 'phone-1');
      await pay(store, friend, T0 + 2000, 100, 'phone-1');
      // Back to version 5, with the ledger as it stands.
      await store.pool.query(`
        DROP FUNCTION dualpay_settle;
        DROP TABLE phone_accounts;
        CREATE INDEX sessions_phone ON sessions (phone_token_hash, created_at)
          WHERE phone_token_hash IS NOT NULL;
        DELETE FROM schema_migrations WHERE version = 6;
      `);
      await store.close();

      const upgraded = await openPgStore({ connectionString: database.url });
      const signals = await upgraded.riskSignals(query(me, T0 + 3000, 'phone-1'));
      const version = await upgraded.schemaVersion();
      await pay(upgraded, me, T0 + 4000, 100, 'phone-1'); // the function is back
      await upgraded.close();

      assert.equal(version, MIGRATIONS.at(-1)?.version);
      assert.equal(signals.phoneOtherAccountsLong, 1);
    } finally {
      await database.drop();
    }
  });

  it('keeps reading after another process adds a column under its prepared statements', async () => {
    const database = await freshDatabase();
    try {
      const store = await openPgStore({ connectionString: database.url, max: 2 });
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const created = await store.createSession(sessionRecord(merchant.id), audit('created'));
      assert.equal(created.outcome, 'created');
      const id = created.session.id;
      // Prepared on both connections of the pool.
      await Promise.all([store.getSession(id), store.getSession(id), store.getSession(id)]);
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      await other.query('ALTER TABLE sessions ADD COLUMN added_later TEXT');
      await other.end();

      const after = await Promise.all([store.getSession(id), store.getSession(id)]);
      const again = await store.getSession(id);
      await store.close();

      assert.deepEqual(
        [...after, again].map((session) => session?.id),
        [id, id, id],
      );
    } finally {
      await database.drop();
    }
  });

  it('keeps what was written across reopening, and migrates nothing the second time', async () => {
    const database = await freshDatabase();
    try {
      const first = await openPgStore({ connectionString: database.url });
      await first.createAdminKey(
        {
          id: 'adm_1',
          keyHash: 'hash-1',
          label: 'one',
          createdAt: 1,
          lastUsedAt: null,
          revokedAt: null,
        },
        audit('admin_key.created'),
      );
      const appliedAt = await first.pool.query('SELECT applied_at FROM schema_migrations');
      await first.close();

      // Through the package entry point this time (which loads the store on first use).
      const reopened = await server.openPgStore({ connectionString: database.url });
      const found = await reopened.findAdminKeyByHash('hash-1');
      const again = await reopened.pool.query('SELECT applied_at FROM schema_migrations');
      await reopened.close();

      assert.equal(found?.label, 'one');
      assert.deepEqual(again.rows, appliedAt.rows);
    } finally {
      await database.drop();
    }
  });

  describe('on one database', () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    let store: PgStore;
    before(async () => {
      database = await freshDatabase();
      store = await openPgStore({ connectionString: database.url, max: 4 });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('reads BIGINT as numbers with its own type parsers, leaving pg’s global ones alone', async () => {
      const row = await store.pool.query<{ n: unknown }>('SELECT 1733486400000::bigint AS n');

      assert.equal(row.rows[0]?.n, 1_733_486_400_000);
      assert.equal(pg.types.getTypeParser(20)('12'), '12');
    });

    it('lets faults other than an unreachable database propagate as they are', async () => {
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const record = sessionRecord(merchant.id);
      await store.createSession(record, audit('session.created'));

      const clash = store.createSession(
        sessionRecord(merchant.id, { clientSecret: record.clientSecret }),
        audit('session.created'),
      );

      await assert.rejects(clash, (error: unknown) => {
        assert.ok(!(error instanceof StoreUnavailableError));
        assert.equal((error as { code?: string }).code, '23505');
        return true;
      });
    });

    it('finds nothing for a key holding U+0000 (which PostgreSQL text cannot hold), as SQLite does', async () => {
      const key = 'cs_\u0000';

      const claim = await store.claimHandoff({
        codeHash: key,
        phoneTokenHash: 'phone',
        now: T0,
        audit: audit('session.claimed'),
      });

      assert.equal(await store.getSession(key), null);
      assert.equal(await store.getSessionByClientSecret(key), null);
      assert.equal(await store.findLiveHandoffByUserCode(key, T0), null);
      assert.equal(await store.getAccount(key), null);
      assert.deepEqual(await store.listEventsAfter(key, 0), []);
      assert.deepEqual(claim, { ok: false, conflict: 'session_state', session: null });
    });

    it('runs a write again, whole, after a deadlock or serialization failure (up to 3 times)', async () => {
      const engine = (store as unknown as { engine: PgDatabase }).engine;
      const failing = (code: string, times: number) => {
        let attempts = 0;
        return engine
          .write(async (tx) => {
            attempts++;
            await tx.run('INSERT INTO rate_buckets VALUES ($1, 1, 0, true)', [
              `retry-${code}-${times}`,
            ]);
            if (attempts <= times) throw Object.assign(new Error(code), { code });
            return attempts;
          })
          .catch((error: { code?: string }) => error.code);
      };

      const results = await Promise.all([
        failing('40P01', 1),
        failing('40001', 2),
        failing('40P01', 3),
        failing('23505', 1),
      ]);
      const kept = await store.pool.query('SELECT bucket_key FROM rate_buckets ORDER BY 1');

      assert.deepEqual(results, [2, 3, '40P01', '23505']);
      assert.deepEqual(
        kept.rows.map((row: { bucket_key: string }) => row.bucket_key),
        ['retry-40001-2', 'retry-40P01-1'],
      );
    });

    it('refuses max below 2 (an advisory-lock holder keeps one connection)', async () => {
      await assert.rejects(openPgStore({ connectionString: database.url, max: 1 }), RangeError);
    });
  });
});

describe('PgStore across processes', { skip: SKIP_POSTGRES }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let one: PgStore;
  let two: PgStore;
  const either = (i: number) => (i % 2 === 0 ? one : two);
  before(async () => {
    database = await freshDatabase();
    [one, two] = await Promise.all([
      openPgStore({ connectionString: database.url }),
      openPgStore({ connectionString: database.url }),
    ]);
  });
  after(async () => {
    await Promise.all([one.close(), two.close()]);
    await database.drop();
  });

  it('settles exactly once when forty settlements race from two processes', async () => {
    const payer = await withPayer(one);
    const claimed = await claimedSession(two, payer.merchant.id);

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => either(i).settle(settleInput(payer, claimed))),
    );

    assert.equal(results.filter((result) => result.ok).length, 1);
    for (const result of results.filter((r) => !r.ok)) {
      assert.equal(result.ok ? '' : result.conflict, 'session_state');
    }
    assert.equal((await one.listLedgerEntries({ sessionId: claimed.session.id })).length, 1);
    assert.deepEqual(
      (await two.listEventsAfter(claimed.session.id, 0)).map((event) => event.status),
      ['open', 'claimed', 'settled'],
    );
  });

  it('keeps the month within the limit when ten payments by ten cards of one account race from two processes', async () => {
    const payer = await withPayer(one);
    // Ten cards: the card rows do not queue the payments, only the account's row can.
    const cards = await Promise.all(
      Array.from({ length: 10 }, () => addCard(two, payer.accountId)),
    );
    const sessions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claimedSession(either(i), payer.merchant.id)),
    );

    const results = await Promise.all(
      sessions.map((claimed, i) =>
        either(i + 1).settle(settleInput({ ...payer, card: cards[i]! }, claimed, 4500)),
      ),
    );

    assert.equal(results.filter((result) => result.ok).length, 3);
    for (const result of results.filter((r) => !r.ok)) {
      assert.equal(result.ok ? '' : result.conflict, 'over_limit');
    }
    assert.equal(await two.limitUsedSince(payer.accountId, T0 - 1), 4500);
  });

  it('lets exactly one of eight phones on two processes claim a hand-off code', async () => {
    const merchant = merchantRecord();
    await one.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
    const record = sessionRecord(merchant.id);
    await one.createSession(record, audit('session.created'));
    const handoff = handoffRecord(record.id);
    await two.createHandoff(handoff, T0);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        either(i).claimHandoff({
          codeHash: handoff.codeHash,
          phoneTokenHash: `phone-${i}`,
          now: T0 + 1000,
          audit: audit('session.claimed', record.id),
        }),
      ),
    );

    assert.equal(results.filter((result) => result.ok).length, 1);
    for (const result of results.filter((r) => !r.ok)) {
      assert.equal(result.ok ? '' : result.conflict, 'handoff_claimed');
    }
    assert.equal((await two.getSession(record.id))?.eventSeq, 2);
  });

  it('creates one session when ten requests with one idempotency key race on two processes', async () => {
    const merchant = merchantRecord();
    await one.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
    const key = `race-${randomBytes(4).toString('hex')}`;

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        either(i).createSession(sessionRecord(merchant.id, { idempotencyKey: key }), audit('c')),
      ),
    );

    assert.equal(results.filter((result) => result.outcome === 'created').length, 1);
    assert.equal(results.filter((result) => result.outcome === 'repeated').length, 9);
    const ids = new Set(results.map((result) => ('session' in result ? result.session.id : '')));
    assert.equal(ids.size, 1);
  });

  it('makes one current signing key when two processes activate from the same current key', async () => {
    const key = (kid: string) => ({
      kid,
      privateKey: '{}',
      publicJwk: { kty: 'EC' },
      createdAt: T0,
      activatedAt: null,
      retiredAt: null,
    });
    const kids = Array.from({ length: 6 }, (_, i) => `race-${i}-${randomBytes(3).toString('hex')}`);
    for (const kid of kids) await one.addSigningKey(key(kid));
    const current = (await one.listSigningKeys()).find((k) => k.activatedAt && !k.retiredAt);

    const results = await Promise.all(
      kids.map((kid, i) => either(i).activateSigningKey(kid, T0 + i, current?.kid ?? null)),
    );

    assert.equal(results.filter(Boolean).length, 1);
    const live = (await two.listSigningKeys()).filter((k) => k.activatedAt && !k.retiredAt);
    assert.deepEqual(
      live.map((k) => k.kid),
      [kids[results.indexOf(true)]],
    );
  });

  it('keeps one live hand-off code when two processes make codes for one session at once', async () => {
    const merchant = merchantRecord();
    await one.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
    const record = sessionRecord(merchant.id);
    await one.createSession(record, audit('session.created'));

    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        either(i).createHandoff(handoffRecord(record.id, { createdAt: T0 + i }), T0 + i),
      ),
    );

    const live = await one.pool.query(
      'SELECT code_hash FROM handoffs WHERE session_id = $1 AND superseded_at IS NULL',
      [record.id],
    );
    assert.equal(live.rowCount, 1);
  });
  it('keeps one live challenge when two processes store challenges for one session at once', async () => {
    const payer = await withPayer(one);
    const claimed = await claimedSession(one, payer.merchant.id);

    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        either(i).storeChallenge(
          {
            challenge: randomBytes(32).toString('base64url'),
            sessionId: claimed.session.id,
            txn: claimed.session.txn,
            expiresAt: T0 + 300_000,
            usedAt: null,
          },
          T0 + 1600 + i,
        ),
      ),
    );

    const live = await one.pool.query(
      'SELECT challenge FROM challenges WHERE session_id = $1 AND used_at IS NULL',
      [claimed.session.id],
    );
    assert.equal(live.rowCount, 1);
  });

  it('starts no console session for an admin key whose revocation commits while the session is being started', async () => {
    const key = {
      id: `adm_${randomBytes(6).toString('hex')}`,
      keyHash: randomBytes(32).toString('hex'),
      label: 'desk',
      createdAt: T0,
      lastUsedAt: null,
      revokedAt: null,
    };
    await one.createAdminKey(key, audit('admin_key.created'));
    const tokenHash = randomBytes(32).toString('hex');
    // Another process revoking the key, caught between its writes (revokeAdminKey's statements).
    const revoking = await two.pool.connect();
    await revoking.query('BEGIN');
    await revoking.query('UPDATE admin_keys SET revoked_at = $1 WHERE id = $2', [T0 + 1, key.id]);
    await revoking.query(
      'UPDATE console_sessions SET ended_at = $1 WHERE admin_key_id = $2 AND ended_at IS NULL',
      [T0 + 1, key.id],
    );

    let settled = false;
    const starting = one
      .createConsoleSession(
        {
          tokenHash,
          adminKeyId: key.id,
          createdAt: T0,
          lastSeenAt: T0,
          expiresAt: T0 + 60_000,
          endedAt: null,
        },
        audit('console.signed_in'),
      )
      .finally(() => (settled = true));
    const deadline = Date.now() + 2000;
    while (!settled && Date.now() < deadline) {
      const waiting = await two.pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting.rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await revoking.query('COMMIT');
    revoking.release();
    const started = await starting;

    assert.equal(started, false);
    assert.equal(await one.getConsoleSession(tokenHash), null);
  });

  /** A merchant with a webhook URL and `count` cancelled sessions, each with its event due at `at`. */
  async function pendingEvents(count: number, at: number): Promise<string[]> {
    const merchant = merchantRecord();
    await one.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
    const set = await two.updateMerchant(
      merchant.id,
      { webhookUrl: 'https://hooks.example/dualpay' },
      audit('merchant.updated'),
    );
    assert.ok(set.ok);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const record = sessionRecord(merchant.id);
      await either(i).createSession(record, audit('session.created'));
      const id = `evt_${randomBytes(8).toString('hex')}`;
      const done = await either(i + 1).finish({
        sessionId: record.id,
        from: ['open'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        now: at,
        audit: audit('session.cancelled', record.id),
        webhook: {
          id,
          merchantId: merchant.id,
          type: 'checkout.cancelled',
          payload: '{}',
          createdAt: at,
        },
      });
      assert.ok(done.ok);
      ids.push(id);
    }
    return ids;
  }

  it('leases each outbox event to one process at a time when twelve claims race from two processes', async () => {
    const at = T0 - 5e10;
    const ids = await pendingEvents(30, at);

    const claimed: string[] = [];
    for (let round = 0; round < 10; round++) {
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          either(i).claimWebhookEvents({
            now: at,
            lockedUntil: at + 60_000,
            lockToken: `claim-${round}-${i}`,
            limit: 2,
          }),
        ),
      );
      const got = claims.flat().map((event) => event.id);
      if (got.length === 0) break;
      claimed.push(...got);
    }

    assert.equal(new Set(claimed).size, claimed.length, 'an event was claimed twice');
    assert.deepEqual([...claimed].sort(), [...ids].sort());
  });

  it('loses no event when the process holding its claim dies: another delivers it after the lease', async () => {
    const at = T0 - 6e10;
    const [id] = await pendingEvents(1, at);
    const claim = (store: PgStore, now: number, lockToken: string) =>
      store.claimWebhookEvents({ now, lockedUntil: now + 60_000, lockToken, limit: 10 });
    const attempt = (store: PgStore, lockToken: string, now: number) =>
      store.recordWebhookAttempt({
        eventId: id ?? '',
        lockToken,
        at: now,
        url: 'https://hooks.example/dualpay',
        statusCode: 204,
        error: null,
        durationMs: 12,
        outcome: { status: 'delivered' },
      });

    const dead = await claim(one, at, 'dead-process');
    const during = await claim(two, at + 59_999, 'live-process');
    const after = await claim(two, at + 60_000, 'live-process');
    const delivered = await attempt(two, 'live-process', at + 60_100);
    const late = await attempt(one, 'dead-process', at + 60_200);

    assert.deepEqual(
      [dead, during, after].map((events) => events.map((event) => event.id)),
      [[id], [], [id]],
    );
    assert.deepEqual([delivered, late], [true, false]);
    const event = await one.getWebhookEvent(id ?? '');
    assert.deepEqual(
      [event?.status, event?.deliveredAt, event?.attempts],
      ['delivered', at + 60_100, 2],
    );
    assert.deepEqual(await claim(one, at + 1e9, 'later'), []);
  });
});
