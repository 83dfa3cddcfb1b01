import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeStoreConformance } from './conformance.js';
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

  it('creates one file in WAL mode with synchronous FULL and foreign keys on', async () => {
    const store = new SqliteStore(join(dir, 'a.db'));

    const journal = store.db.pragma('journal_mode', { simple: true });
    const synchronous = store.db.pragma('synchronous', { simple: true });
    const foreignKeys = store.db.pragma('foreign_keys', { simple: true });
    await store.close();

    assert.equal(journal, 'wal');
    assert.equal(synchronous, 2);
    assert.equal(foreignKeys, 1);
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
    await store.addAdminKey('hash-1', 1);
    await store.close();

    const reopened = new SqliteStore(file);
    const found = await reopened.hasAdminKey('hash-1');
    await reopened.close();

    assert.equal(found, true);
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
