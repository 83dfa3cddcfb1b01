/**
 * Records for store tests, built straight from the store's types (no issuer): every call makes
 * fresh ids, so one store can serve a whole suite without tests seeing each other's rows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  AuditEntry,
  CardRecord,
  HandoffRecord,
  MerchantKeyRecord,
  MerchantRecord,
  SessionRecord,
  Store,
} from '../../../src/server/store/types.js';

export const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const TEN_MINUTES = 10 * 60_000;

let counter = 0;
const unique = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${++counter}`;

export const audit = (action: string, sessionId?: string, at = T0): AuditEntry => ({
  actor: 'test',
  ip: '127.0.0.1',
  at,
  action,
  ...(sessionId ? { sessionId } : {}),
});

/** A merchant with a fresh id and a name (and name key) no other fixture merchant has. */
export function merchantRecord(overrides: Partial<MerchantRecord> = {}): MerchantRecord {
  const id = unique('m');
  return {
    id,
    name: `Store Test Shop ${id}`,
    nameKey: `store test shop ${id}`,
    mode: 'test',
    allowedOrigins: ['https://shop.example'],
    webhookUrl: null,
    createdAt: T0,
    ...overrides,
  };
}

/** A fresh secret key record for `merchant` (its hash; the key itself is never needed). */
export function keyOf(merchant: MerchantRecord): MerchantKeyRecord {
  return {
    keyHash: randomBytes(32).toString('hex'),
    merchantId: merchant.id,
    prefix: 'sk_test_',
    createdAt: merchant.createdAt,
    expiresAt: null,
  };
}

/** Creates `merchant` with a fresh key. */
export function createWithKey(store: Store, merchant: MerchantRecord) {
  return store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
}

export function sessionRecord(
  merchantId: string,
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  const id = unique('cs');
  return {
    id,
    merchantId,
    status: 'open',
    amount: 1500,
    currency: 'KRW',
    orderId: unique('order'),
    description: 'Coffee',
    metadata: {},
    clientSecret: `${id}_secret_${randomUUID()}`,
    bindingCode: '42',
    txn: randomBytes(32).toString('base64url'),
    idempotencyKey: unique('idem'),
    requestHash: 'hash-a',
    phoneTokenHash: null,
    failedAttempts: 0,
    createdAt: T0,
    expiresAt: T0 + TEN_MINUTES,
    settlementId: null,
    settlementToken: null,
    errorCode: null,
    eventSeq: 0,
    pageNetwork: null,
    ...overrides,
  };
}

export function handoffRecord(
  sessionId: string,
  overrides: Partial<HandoffRecord> = {},
): HandoffRecord {
  return {
    codeHash: randomBytes(32).toString('hex'),
    sessionId,
    userCode: randomUserCode(),
    createdAt: T0,
    expiresAt: T0 + 60_000,
    supersededAt: null,
    claimedAt: null,
    ...overrides,
  };
}

function randomUserCode(): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';
  return Array.from(randomBytes(8), (byte) => alphabet[byte % alphabet.length]).join('');
}

export function cardRecord(accountId: string, overrides: Partial<CardRecord> = {}): CardRecord {
  return {
    id: unique('card'),
    accountId,
    credentialId: randomBytes(16).toString('base64url'),
    publicKey: new Uint8Array(randomBytes(77)),
    counter: 0,
    transports: ['nfc'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    attestationFormat: 'packed',
    name: 'Card',
    test: true,
    createdAt: T0,
    lastUsedAt: null,
    revokedAt: null,
    activatesAt: null,
    ...overrides,
  };
}

/** A merchant with one account holding one card, stored through the store's own API. */
export async function withPayer(
  store: Store,
  options: { monthlyLimit?: number; counter?: number; activatesAt?: number } = {},
) {
  const merchant = merchantRecord();
  await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
  const accountId = unique('acct');
  await store.createAccount(
    {
      id: accountId,
      displayName: 'Payer',
      nameKey: 'payer',
      frozenAt: null,
      idCheck: null,
      userHandle: randomBytes(32).toString('base64url'),
      monthlyLimit: options.monthlyLimit ?? 1_000_000,
      currency: 'KRW',
      createdAt: T0,
    },
    audit('account.created'),
  );
  const card = cardRecord(accountId, {
    counter: options.counter ?? 0,
    activatesAt: options.activatesAt ?? null,
  });
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
  if (!(await store.completeEnrollment(codeHash, card, T0, audit('card.enrolled')))) {
    throw new Error('withPayer: enrolment refused');
  }
  return { merchant, accountId, card };
}

/** A session of `merchantId` claimed by a phone, with a fresh challenge; ready to settle. */
export async function claimedSession(
  store: Store,
  merchantId: string,
  overrides: Partial<SessionRecord> = {},
) {
  const created = await store.createSession(sessionRecord(merchantId, overrides), audit('created'));
  if (created.outcome !== 'created') throw new Error('claimedSession: not created');
  const handoff = handoffRecord(created.session.id);
  const made = await store.createHandoff(handoff, T0);
  if (!made.ok) throw new Error(`claimedSession: hand-off ${made.conflict}`);
  const claimed = await store.claimHandoff({
    codeHash: handoff.codeHash,
    phoneTokenHash: 'phone-1',
    now: T0 + 1000,
    audit: audit('session.claimed', created.session.id),
  });
  if (!claimed.ok) throw new Error(`claimedSession: claim ${claimed.conflict}`);
  const challenge = randomBytes(32).toString('base64url');
  await store.storeChallenge(
    {
      challenge,
      sessionId: claimed.session.id,
      txn: claimed.session.txn,
      expiresAt: T0 + 300_000,
      usedAt: null,
    },
    T0 + 1500,
  );
  return { session: claimed.session, handoff, challenge };
}
