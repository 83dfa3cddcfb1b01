/**
 * PostgreSQL for tests: `DATABASE_URL` names a server where the tests may create databases (
 * `npm test` starts a throwaway cluster when PostgreSQL is installed, scripts/pg-cluster.mjs).
 * Every test file works in fresh databases of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the PostgreSQL tests use, if any. */
export const POSTGRES_URL = process.env.DATABASE_URL;

/**
 * Why PostgreSQL tests are skipped here (for `describe(…, { skip })`), or false to run them. With
 * DUALPAY_REQUIRE_POSTGRES=1 (CI) nothing is skipped: without a server the tests fail, saying why.
 */
export const SKIP_POSTGRES: string | false =
  POSTGRES_URL || process.env.DUALPAY_REQUIRE_POSTGRES === '1'
    ? false
    : 'PostgreSQL tests need DATABASE_URL; `npm test` starts a cluster when PostgreSQL is installed (apt-get install postgresql)';

/** Creates an empty database on the test server; `drop()` removes it (ending its connections). */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!POSTGRES_URL) throw new Error(String(SKIP_POSTGRES));
  const name = `dualpay_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
