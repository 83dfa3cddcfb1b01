import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { describeStoreConformance } from './conformance.js';
import { T0, audit, createWithKey, merchantRecord, withPayer } from './fixtures.js';
import { pay, query } from './risk-signals.js';
import { MIGRATIONS } from '../../../src/server/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/server/store/sqlite/store.js';

describeStoreConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-conformance-'));
  const store = new SqliteStore(join(dir, 'store.db'));
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one file in WAL mode with synchronous FULL, foreign keys on, temporaries in memory', async () => {
    const store = new SqliteStore(join(dir, 'a.db'));

    const journal = store.db.pragma('journal_mode', { simple: true });
    const synchronous = store.db.pragma('synchronous', { simple: true });
    const foreignKeys = store.db.pragma('foreign_keys', { simple: true });
    const tempStore = store.db.pragma('temp_store', { simple: true });
    await store.close();

    assert.equal(journal, 'wal');
    assert.equal(synchronous, 2);
    assert.equal(foreignKeys, 1);
    assert.equal(tempStore, 2, 'savepoint journals in memory (MEMORY = 2)');
  });

  it('applies versioned migrations once and records them', async () => {
    const file = join(dir, 'b.db');
    const first = new SqliteStore(file);
    const version = first.schemaVersion();
    await first.close();

    const reopened = new SqliteStore(file);
    const rows = reopened.db.prepare('SELECT version FROM schema_migrations').all();
    await reopened.close();

    assert.equal(version, MIGRATIONS.at(-1)?.version);
    assert.equal(rows.length, MIGRATIONS.length);
  });

  it('keeps what was written across reopening', async () => {
    const file = join(dir, 'c.db');
    const store = new SqliteStore(file);
    await store.createAdminKey(
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
    await store.close();

    const reopened = new SqliteStore(file);
    const found = await reopened.findAdminKeyByHash('hash-1');
    await reopened.close();

    assert.equal(found?.label, 'one');
  });

  it('refuses rows that break the schema (CHECK constraints), writing nothing', async () => {
    const store = new SqliteStore(join(dir, 'd.db'));

    assert.throws(() =>
      store.db
        .prepare(
          "INSERT INTO accounts (id, display_name, user_handle, monthly_limit, currency, created_at) VALUES ('a', 'x', 'h', -1, 'KRW', 0)",
        )
        .run(),
    );
    const count = store.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number };
    await store.close();

    assert.equal(count.n, 0);
  });
});

describe('SqliteStore merchant name keys (migration 3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-store-names-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A file as the issuer left it before migration 3: schema version 1, with these merchants. */
  function versionOneFile(file: string, merchants: [id: string, name: string][]): void {
    const db = new Database(file);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    const first = MIGRATIONS.find((migration) => migration.version === 1);
    db.exec(first?.sql ?? '');
    db.prepare("INSERT INTO schema_migrations VALUES (1, 'initial schema', 0)").run();
    merchants.forEach(([id, name], i) =>
      db
        .prepare(
          "INSERT INTO merchants (id, name, mode, secret_key_hash, allowed_origins, created_at) VALUES (?, ?, 'test', ?, '[]', ?)",
        )
        .run(id, name, `hash-${id}`, i),
    );
    db.close();
    // As the issuer would have made it: the owner's alone.
    chmodSync(file, 0o600);
  }

  it('lists migrations in ascending versions without repeats (gaps are allowed)', () => {
    const versions = MIGRATIONS.map((migration) => migration.version);

    assert.deepEqual(
      versions,
      [...new Set(versions)].sort((a, b) => a - b),
    );
    assert.ok(versions.includes(3));
  });

  it('upgrades a version-1 file: fills every name key, keeps older clashing merchants working', async () => {
    const file = join(dir, 'v1.db');
    versionOneFile(file, [
      ['m_first', 'Demo Shop'],
      ['m_wide', '\uff24\uff25\uff2d\uff2f\u3000\uff33\uff28\uff2f\uff30'],
      ['m_cafe', 'Corner Café'],
    ]);

    const store = new SqliteStore(file);
    const version = store.schemaVersion();
    const keys = (['m_first', 'm_wide', 'm_cafe'] as const).map(
      (id) => store.db.prepare('SELECT name_key FROM merchants WHERE id = ?').get(id) as object,
    );
    const wide = await store.getMerchant('m_wide');
    const clash = await createWithKey(store, merchantRecord({ nameKey: 'demo shop' }));
    const applied = store.db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all();
    await store.close();

    assert.equal(version, MIGRATIONS.at(-1)?.version);
    assert.deepEqual(keys, [
      { name_key: 'demo shop' },
      // The later of two names that already clashed keeps a key of its own (never a name's key).
      { name_key: 'demo shop\u0001m_wide' },
      { name_key: 'corner café' },
    ]);
    assert.equal(wide?.name, '\uff24\uff25\uff2d\uff2f\u3000\uff33\uff28\uff2f\uff30');
    assert.deepEqual(clash, { ok: false, conflict: 'name_taken' });
    assert.deepEqual(
      applied.map((row) => (row as { version: number }).version),
      MIGRATIONS.map((migration) => migration.version),
    );
  });

  it('upgrades a version-12 file: the accounts each phone paid for come from its ledger', async () => {
    const file = join(dir, 'v12.db');
    const store = new SqliteStore(file);
    const [me, friend] = [await withPayer(store), await withPayer(store)];
    await pay(store, me, T0 + 1000, 100, 'phone-1');
    await pay(store, friend, T0 + 2000, 100, 'phone-1');
    // Back to version 12, with the ledger as it stands.
    store.db.exec(`
      DROP TABLE phone_accounts;
      CREATE INDEX sessions_phone ON sessions(phone_token_hash, created_at)
        WHERE phone_token_hash IS NOT NULL;
      DROP INDEX ledger_account_month;
      CREATE INDEX ledger_account_month ON ledger_entries(account_id, created_at);
      DELETE FROM schema_migrations WHERE version = 13;
    `);
    await store.close();

    const upgraded = new SqliteStore(file);
    const signals = await upgraded.riskSignals(query(me, T0 + 3000, 'phone-1'));
    const version = upgraded.schemaVersion();
    await upgraded.close();

    assert.equal(version, MIGRATIONS.at(-1)?.version);
    assert.equal(signals.phoneOtherAccountsLong, 1);
  });

  it('keeps name keys unique in the schema itself (UNIQUE index)', async () => {
    const store = new SqliteStore(join(dir, 'unique.db'));
    const insert = (id: string) =>
      store.db
        .prepare(
          "INSERT INTO merchants (id, name, name_key, mode, secret_key_hash, allowed_origins, created_at) VALUES (?, 'x', 'same key', 'test', ?, '[]', 0)",
        )
        .run(id, `hash-${id}`);

    insert('m_one');
    assert.throws(() => insert('m_two'), /UNIQUE constraint failed: merchants\.name_key/);
    await store.close();
  });
});
