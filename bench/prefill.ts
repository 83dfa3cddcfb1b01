/**
 * Pre-fills an issuer database for figure 6: the real schema (opened and migrated by
 * `SqliteStore`, seeded like `--seed-demo`), then `count` finished sessions written straight into
 * it with better-sqlite3 in one transaction — not through the API. Each session gets what the
 * issuer itself would have written: 70 % settled (3 events, a hand-off, a used challenge, a
 * ledger entry on one of 1,000 payer accounts, a settlement token of real length, 3 audit rows),
 * 20 % expired and 10 % cancelled (2 events, a hand-off, 2 audit rows), created over the last
 * 30 days.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { server } from './lib/dist.js';

const { Issuer, openSqliteStore, seedDemo } = server;

const DAY = 86_400_000;
const ACCOUNTS = 1000;

/** Random base64url/hex text, cut from one big random buffer refilled as needed. */
class Randomness {
  private pool = randomBytes(1 << 20);
  private offset = 0;
  private take(n: number): Buffer {
    if (this.offset + n > this.pool.length) {
      this.pool = randomBytes(1 << 20);
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  b64(bytes: number): string {
    return this.take(bytes).toString('base64url');
  }
  /** 77 bytes: the size of a COSE P-256 public key. */
  take64(): Buffer {
    return Buffer.from(this.take(77));
  }
  hex(bytes: number): string {
    return this.take(bytes).toString('hex');
  }
  int(max: number): number {
    return this.take(4).readUInt32LE() % max;
  }
}

export async function prefill(
  file: string,
  count: number,
): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  // Schema, signing key and demo seed, exactly as a fresh issuer makes them.
  const store = openSqliteStore({ filename: file });
  const issuer = await Issuer.create({ store, publicUrl: 'http://localhost:4010' });
  await seedDemo(issuer);
  await store.close();

  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -2000000');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('foreign_keys = OFF');
  const r = new Randomness();
  const now = Date.now();
  const letters = 'BCDFGHJKLMNPQRSTVWXZ';
  const userCode = () => Array.from({ length: 8 }, () => letters[r.int(20)]).join('');

  const insAccount = db.prepare(
    'INSERT INTO accounts (id, display_name, user_handle, monthly_limit, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insCard = db.prepare(
    `INSERT INTO cards (id, account_id, credential_id, public_key, counter, transports, aaguid, attestation_fmt, name, test, created_at, last_used_at)
     VALUES (?, ?, ?, ?, 0, '["nfc","usb"]', '00000000-0000-0000-0000-000000000000', 'packed', 'Card', 0, ?, NULL)`,
  );
  const insSession = db.prepare(
    `INSERT INTO sessions (id, merchant_id, status, amount, currency, order_id, description, metadata, client_secret,
       binding_code, txn, idempotency_key, request_hash, phone_token_hash, failed_attempts, created_at,
       expires_at, settlement_id, settlement_token, error_code, event_seq)
     VALUES (?, 'm_demo', ?, ?, 'KRW', ?, 'Coffee', '{}', ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
  );
  const insEvent = db.prepare(
    'INSERT INTO session_events (session_id, seq, status, error_code, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insHandoff = db.prepare(
    'INSERT INTO handoffs (code_hash, session_id, user_code, created_at, expires_at, superseded_at, claimed_at) VALUES (?, ?, ?, ?, ?, NULL, ?)',
  );
  const insChallenge = db.prepare(
    'INSERT INTO challenges (challenge, session_id, txn, expires_at, used_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insLedger = db.prepare(
    "INSERT INTO ledger_entries (id, session_id, merchant_id, account_id, card_id, amount, currency, created_at) VALUES (?, ?, 'm_demo', ?, ?, ?, 'KRW', ?)",
  );
  const insAudit = db.prepare(
    'INSERT INTO audit_log (at, actor, action, session_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  let rows = 0;
  db.transaction(() => {
    for (let a = 0; a < ACCOUNTS; a++) {
      insAccount.run(`acct_fill${a}`, `Payer ${a}`, r.b64(32), 1_000_000, 'KRW', now - 60 * DAY);
      insCard.run(`card_fill${a}`, `acct_fill${a}`, r.b64(32), r.take64(), now - 60 * DAY);
      rows += 2;
    }
    // Random ids as the issuer makes them, inserted in sorted order: every index keyed by session id
    // then grows at its end instead of at random pages (a much faster fill; pages end up fuller
    // than random inserts would leave them, the depth of each B-tree is the same).
    // The same for the other random keys with an index of their own.
    const sorted = (make: () => string) => Array.from({ length: count }, make).sort();
    const ids = sorted(() => `cs_${r.b64(16)}`);
    const settlementIds = sorted(() => `stl_${r.b64(16)}`);
    const codeHashes = sorted(() => r.hex(32));
    const challenges = sorted(() => r.b64(32));
    for (let i = 0; i < count; i++) {
      const id = ids[i] as string;
      const roll = r.int(10);
      const status = roll < 7 ? 'settled' : roll < 9 ? 'expired' : 'cancelled';
      const created = now - 30 * DAY + r.int(30 * DAY - 20 * 60_000);
      const amount = 100 + r.int(20_000);
      const settled = status === 'settled';
      const at = created + 20_000;
      const settlementId = settled ? (settlementIds[i] as string) : null;
      insSession.run(
        id,
        status,
        amount,
        `order-fill-${i}`,
        `${id}_secret_${r.b64(24)}`,
        '42',
        r.b64(32),
        `fill-${String(i).padStart(8, '0')}`,
        r.hex(32),
        settled ? r.hex(32) : null,
        created,
        created + 600_000,
        settlementId,
        settled ? `${r.b64(60)}.${r.b64(260)}.${r.b64(64)}` : null,
        status === 'expired'
          ? 'session_expired'
          : status === 'cancelled'
            ? 'session_cancelled'
            : null,
        settled ? 3 : 2,
      );
      insEvent.run(id, 1, 'open', null, created);
      insAudit.run(
        created,
        'merchant:m_demo',
        'session.created',
        id,
        '127.0.0.1',
        'node',
        `{"amount":${amount},"currency":"KRW","orderId":"order-fill-${i}"}`,
      );
      insHandoff.run(
        codeHashes[i],
        id,
        userCode(),
        created + 1000,
        created + 61_000,
        settled ? created + 5000 : null,
      );
      rows += 4;
      if (settled) {
        const account = r.int(ACCOUNTS);
        insEvent.run(id, 2, 'claimed', null, created + 5000);
        insEvent.run(id, 3, 'settled', null, at);
        insChallenge.run(challenges[i], id, r.b64(32), created + 300_000, at);
        insLedger.run(settlementId, id, `acct_fill${account}`, `card_fill${account}`, amount, at);
        insAudit.run(
          created + 5000,
          'phone',
          'session.claimed',
          id,
          '127.0.0.1',
          'Mozilla/5.0',
          '{}',
        );
        insAudit.run(
          at,
          'phone',
          'session.settled',
          id,
          '127.0.0.1',
          'Mozilla/5.0',
          `{"settlementId":"${settlementId}","cardId":"card_fill${account}","accountId":"acct_fill${account}"}`,
        );
        rows += 6;
      } else {
        const end = status === 'expired' ? created + 600_000 : created + 30_000;
        insEvent.run(id, 2, status, `session_${status}`, end);
        insAudit.run(
          end,
          status === 'expired' ? 'system' : 'merchant:m_demo',
          `session.${status}`,
          id,
          null,
          null,
          '{"from":"open"}',
        );
        rows += 2;
      }
    }
  })();
  db.pragma('journal_mode = WAL');
  db.close();
  return { seconds: (performance.now() - started) / 1000, rows };
}
