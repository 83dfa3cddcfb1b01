/**
 * The store conformance suite: the guarantees every `Store` keeps, stated once and run against
 * each store (`sqlite.test.ts`; a networked store adds its own file). It talks to the store only
 * through the `Store` interface. Each test names the rule it checks; `scripts/mutate-store.mjs`
 * removes each rule from the SQLite store in turn and shows the matching test failing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type {
  RefundInput,
  SettleInput,
  Store,
  WebhookEventInput,
} from '../../../src/server/store/types.js';
import {
  T0,
  audit,
  claimedSession,
  createWithKey,
  handoffRecord,
  keyOf,
  merchantRecord,
  sessionRecord,
  withPayer,
} from './fixtures.js';
import { describePush } from './push.js';
import { describeRecovery } from './recovery.js';
import { describeRiskSignals } from './risk-signals.js';

export interface StoreUnderTest {
  store: Store;
  dispose(): Promise<void>;
}

type Payer = Awaited<ReturnType<typeof withPayer>>;

function settleInput(
  payer: Payer,
  claimed: { session: { id: string }; challenge: string },
  overrides: Partial<SettleInput> = {},
): SettleInput {
  return {
    sessionId: claimed.session.id,
    challenge: claimed.challenge,
    card: { id: payer.card.id, expectedCounter: payer.card.counter, newCounter: 0 },
    limit: { accountId: payer.accountId, since: T0 - 86_400_000, amount: 1500, max: 1_000_000 },
    settlementId: `stl_${randomBytes(8).toString('hex')}`,
    token: 'header.payload.signature',
    now: T0 + 2000,
    audit: audit('session.settled', claimed.session.id),
    ...overrides,
  };
}

/** Registers the whole suite for the store `open()` returns (one store for the suite). */
export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.dispose());

    describe('settlement', () => {
      it('settles a claimed session once, writing the ledger entry, event, token and audit row', async () => {
        const payer = await withPayer(store);
        const claimed = await claimedSession(store, payer.merchant.id);
        const input = settleInput(payer, claimed);

        const result = await store.settle(input);

        assert.equal(result.ok, true);
        const session = await store.getSession(claimed.session.id);
        assert.equal(session?.status, 'settled');
        assert.equal(session?.settlementId, input.settlementId);
        assert.equal(session?.settlementToken, input.token);
        const ledger = await store.listLedgerEntries({ sessionId: claimed.session.id });
        assert.deepEqual(
          ledger.map((entry) => [entry.id, entry.amount, entry.accountId, entry.cardId]),
          [[input.settlementId, 1500, payer.accountId, payer.card.id]],
        );
        const events = await store.listEventsAfter(claimed.session.id, 0);
        assert.deepEqual(
          events.map((event) => event.status),
          ['open', 'claimed', 'settled'],
        );
        const actions = (await store.listAudit({ sessionId: claimed.session.id })).map(
          (row) => row.action,
        );
        assert.ok(actions.includes('session.settled'));
      });

      it('settles exactly once when twenty settlements of one session race', async () => {
        const payer = await withPayer(store);
        const claimed = await claimedSession(store, payer.merchant.id);

        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.settle(settleInput(payer, claimed))),
        );

        assert.equal(results.filter((result) => result.ok).length, 1);
        for (const result of results.filter((r) => !r.ok)) {
          assert.equal(result.ok ? '' : result.conflict, 'session_state');
          assert.equal(result.ok ? '' : result.session?.status, 'settled');
        }
        assert.equal((await store.listLedgerEntries({ sessionId: claimed.session.id })).length, 1);
      });

      it('reads an approval’s challenge, card and account together, as the single reads do', async () => {
        const payer = await withPayer(store);
        const claimed = await claimedSession(store, payer.merchant.id);
        await store.settle(settleInput(payer, claimed)); // a used challenge, a counter, lastUsedAt

        const together = await store.getApprovalRecords(claimed.challenge, payer.card.credentialId);
        const unknown = await store.getApprovalRecords('no-such-challenge', 'no-such-card');
        const nul = await store.getApprovalRecords('a\u0000', 'b\u0000');

        assert.deepEqual(together, {
          challenge: await store.getChallenge(claimed.challenge),
          card: await store.getCardByCredentialId(payer.card.credentialId),
          account: await store.getAccount(payer.accountId),
        });
        assert.ok(together.challenge && together.card && together.account);
        assert.ok(together.card.publicKey instanceof Uint8Array);
        assert.deepEqual([...together.card.publicKey], [...payer.card.publicKey]);
        assert.deepEqual(unknown, { challenge: null, card: null, account: null });
        assert.deepEqual(nul, { challenge: null, card: null, account: null });
      });

      it('keeps one live challenge per session: a new one spends the earlier', async () => {
        const payer = await withPayer(store);
        const claimed = await claimedSession(store, payer.merchant.id);
        const fresh = randomBytes(32).toString('base64url');
        await store.storeChallenge(
          {
            challenge: fresh,
            sessionId: claimed.session.id,
            txn: claimed.session.txn,
            expiresAt: T0 + 300_000,
            usedAt: null,
          },
          T0 + 1800,
        );

        const stale = await store.settle(settleInput(payer, claimed));
        const live = await store.settle(settleInput(payer, { ...claimed, challenge: fresh }));

        assert.equal((await store.getChallenge(claimed.challenge))?.usedAt, T0 + 1800);
        assert.equal(stale.ok ? '' : stale.conflict, 'challenge_spent');
        assert.equal(live.ok, true);
      });

      it('refuses a session that is not claimed (open, or already final)', async () => {
        const payer = await withPayer(store);
        const open = await store.createSession(sessionRecord(payer.merchant.id), audit('created'));
        assert.equal(open.outcome, 'created');
        const id = open.outcome === 'created' ? open.session.id : '';

        const result = await store.settle(
          settleInput(payer, { session: { id }, challenge: 'none' }),
        );

        assert.equal(result.ok ? '' : result.conflict, 'session_state');
        assert.equal((await store.getSession(id))?.status, 'open');
      });

      it('refuses a claimed session past its deadline and writes nothing', async () => {
        const payer = await withPayer(store);
        const claimed = await claimedSession(store, payer.merchant.id);

        const result = await store.settle(
          settleInput(payer, claimed, { now: claimed.session.expiresAt }),
        );

        assert.equal(result.ok ? '' : result.conflict, 'session_state');
        assert.equal((await store.getSession(claimed.session.id))?.status, 'claimed');
        assert.equal((await store.listLedgerEntries({ sessionId: claimed.session.id })).length, 0);
      });

      it('spends a challenge once: a used, expired or foreign challenge is refused', async () => {
        const payer = await withPayer(store);
        const first = await claimedSession(store, payer.merchant.id);
        const second = await claimedSession(store, payer.merchant.id);
        const third = await claimedSession(store, payer.merchant.id);
        assert.equal((await store.settle(settleInput(payer, first))).ok, true);

        const reused = await store.settle(
          settleInput(payer, { session: second.session, challenge: first.challenge }),
        );
        const foreign = await store.settle(
          settleInput(payer, { session: second.session, challenge: third.challenge }),
        );
        const late = await store.settle(settleInput(payer, third, { now: T0 + 300_000 }));

        for (const result of [reused, foreign]) {
          assert.equal(result.ok ? '' : result.conflict, 'challenge_spent');
        }
        assert.equal(late.ok ? '' : late.conflict, 'challenge_spent');
        assert.equal((await store.getChallenge(third.challenge))?.usedAt, null);
      });

      it('moves the card counter only from the value the caller read (no lost update)', async () => {
        const payer = await withPayer(store, { counter: 5 });
        const claimed = await claimedSession(store, payer.merchant.id);
        const card = { id: payer.card.id, expectedCounter: 4, newCounter: 9 };

        const stale = await store.settle(settleInput(payer, claimed, { card }));
        const fresh = await store.settle(
          settleInput(payer, claimed, { card: { ...card, expectedCounter: 5 } }),
        );

        assert.equal(stale.ok ? '' : stale.conflict, 'counter_moved');
        assert.equal(fresh.ok, true);
        const stored = await store.getCardByCredentialId(payer.card.credentialId);
        assert.equal(stored?.counter, 9);
        assert.equal(stored?.lastUsedAt, T0 + 2000);
      });

      it('keeps the month within the limit, even when five payments race for it', async () => {
        const payer = await withPayer(store);
        const sessions = await Promise.all(
          Array.from({ length: 5 }, () => claimedSession(store, payer.merchant.id)),
        );
        const limit = { accountId: payer.accountId, since: T0 - 1, amount: 1500, max: 3000 };

        const results = await Promise.all(
          sessions.map((claimed) => store.settle(settleInput(payer, claimed, { limit }))),
        );

        assert.equal(results.filter((result) => result.ok).length, 2);
        for (const result of results.filter((r) => !r.ok)) {
          assert.equal(result.ok ? '' : result.conflict, 'over_limit');
        }
        const total = (await store.listLedgerEntries())
          .filter((entry) => entry.accountId === payer.accountId)
          .reduce((sum, entry) => sum + entry.limitAmount, 0);
        assert.equal(total, 3000);
      });

      it('counts only the window since its start, in limit amounts, across currencies', async () => {
        const payer = await withPayer(store);
        const old = await claimedSession(store, payer.merchant.id);
        const usd = await claimedSession(store, payer.merchant.id, { currency: 'USD' });
        const now = await claimedSession(store, payer.merchant.id);
        const limit = (since: number, amount: number, max: number) => ({
          accountId: payer.accountId,
          since,
          amount,
          max,
        });
        await store.settle(settleInput(payer, old, { now: T0 + 2000 }));
        await store.settle(
          settleInput(payer, usd, { now: T0 + 3000, limit: limit(T0, 6900, 1_000_000) }),
        );

        const over = await store.settle(
          settleInput(payer, now, { now: T0 + 4000, limit: limit(T0 + 2500, 1500, 8399) }),
        );
        const within = await store.settle(
          settleInput(payer, now, { now: T0 + 4000, limit: limit(T0 + 2500, 1500, 8400) }),
        );

        assert.equal(over.ok ? '' : over.conflict, 'over_limit');
        assert.equal(within.ok, true);
        const [entry] = await store.listLedgerEntries({ sessionId: usd.session.id });
        assert.deepEqual([entry?.amount, entry?.currency, entry?.limitAmount], [1500, 'USD', 6900]);
      });

      it('writes nothing when it refuses: challenge unspent, counter unmoved, no ledger, no event', async () => {
        const payer = await withPayer(store, { counter: 3 });
        const claimed = await claimedSession(store, payer.merchant.id);
        const before = await store.getSession(claimed.session.id);

        const result = await store.settle(
          settleInput(payer, claimed, {
            card: { id: payer.card.id, expectedCounter: 3, newCounter: 4 },
            limit: { accountId: payer.accountId, since: T0, amount: 1500, max: 100 },
          }),
        );

        assert.equal(result.ok ? '' : result.conflict, 'over_limit');
        assert.deepEqual(await store.getSession(claimed.session.id), before);
        assert.equal((await store.getChallenge(claimed.challenge))?.usedAt, null);
        assert.equal((await store.getCardByCredentialId(payer.card.credentialId))?.counter, 3);
        assert.equal((await store.listLedgerEntries({ sessionId: claimed.session.id })).length, 0);
        assert.equal((await store.listEventsAfter(claimed.session.id, 0)).length, 2);
      });
      it('refuses a revoked or pending card, and a frozen account, writing nothing', async () => {
        const revokedPayer = await withPayer(store);
        const revokedClaim = await claimedSession(store, revokedPayer.merchant.id);
        await store.revokeCard(revokedPayer.card.id, T0 + 1500, audit('card.revoked'));
        const pendingPayer = await withPayer(store, { activatesAt: T0 + 10_000 });
        const pendingClaim = await claimedSession(store, pendingPayer.merchant.id);
        const frozenPayer = await withPayer(store);
        const frozenClaim = await claimedSession(store, frozenPayer.merchant.id);
        await store.updateAccount(frozenPayer.accountId, { frozenAt: T0 + 1500 }, audit('f'));

        const revoked = await store.settle(settleInput(revokedPayer, revokedClaim));
        const pending = await store.settle(settleInput(pendingPayer, pendingClaim));
        const frozen = await store.settle(settleInput(frozenPayer, frozenClaim));
        const activated = await store.settle(
          settleInput(pendingPayer, pendingClaim, { now: T0 + 10_000 }),
        );

        assert.equal(revoked.ok ? '' : revoked.conflict, 'card_inactive');
        assert.equal(pending.ok ? '' : pending.conflict, 'card_inactive');
        assert.equal(frozen.ok ? '' : frozen.conflict, 'account_frozen');
        assert.equal(activated.ok, true);
        for (const claim of [revokedClaim, frozenClaim]) {
          assert.equal((await store.getSession(claim.session.id))?.status, 'claimed');
          assert.equal((await store.getChallenge(claim.challenge))?.usedAt, null);
          assert.equal((await store.listLedgerEntries({ sessionId: claim.session.id })).length, 0);
        }
        assert.equal(
          await store.revokeCard(revokedPayer.card.id, T0 + 9, audit('card.revoked')),
          null,
        );
      });
    });

    describeSessions(() => store);
    describeCodes(() => store);
    describeRecords(() => store);
    describeOutbox(() => store);
    describeRefunds(() => store);
    describeRiskSignals(() => store);
    describePush(() => store);
    describeRecovery(() => store);
  });
}

/** A webhook event for the outbox (the store treats the payload as opaque text). */
function webhookEvent(merchantId: string, createdAt = T0 + 2000): WebhookEventInput {
  const id = `evt_${randomBytes(8).toString('hex')}`;
  return {
    id,
    merchantId,
    type: 'checkout.settled',
    payload: JSON.stringify({ id, type: 'checkout.settled', data: { n: 1 } }),
    createdAt,
  };
}

/** Gives the merchant a webhook URL (events are written only for merchants that have one). */
async function withWebhookUrl(store: Store, merchantId: string): Promise<void> {
  const result = await store.updateMerchant(
    merchantId,
    { webhookUrl: 'https://hooks.example/dualpay' },
    audit('merchant.updated'),
  );
  assert.ok(result.ok);
}

/**
 * Claim times for the tests that claim: each call is earlier than every one before, so events
 * other tests left pending in the shared store are never due at it.
 */
let claimWindow = T0 - 1e11;
const nextClaimWindow = (): number => (claimWindow -= 1e8);

function describeSessions(storeOf: () => Store): void {
  describe('sessions', () => {
    it('creates a session with its open event and audit row', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const record = sessionRecord(merchant.id);

      const result = await store.createSession(record, audit('session.created', record.id));

      assert.equal(result.outcome, 'created');
      assert.equal((await store.getSession(record.id))?.eventSeq, 1);
      assert.deepEqual(
        (await store.listEventsAfter(record.id, 0)).map((event) => [event.seq, event.status]),
        [[1, 'open']],
      );
      assert.equal((await store.getSessionByClientSecret(record.clientSecret))?.id, record.id);
      assert.deepEqual(
        (await store.listAudit({ sessionId: record.id })).map((row) => row.action),
        ['session.created'],
      );
    });

    it('answers a repeated idempotency key with the first session, a changed body with a conflict', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      const other = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      await store.createMerchant(other, keyOf(other), audit('merchant.created'));
      const first = sessionRecord(merchant.id);

      await store.createSession(first, audit('created'));
      const again = await store.createSession(
        sessionRecord(merchant.id, { idempotencyKey: first.idempotencyKey }),
        audit('created'),
      );
      const changed = await store.createSession(
        sessionRecord(merchant.id, { idempotencyKey: first.idempotencyKey, requestHash: 'b' }),
        audit('created'),
      );
      const elsewhere = await store.createSession(
        sessionRecord(other.id, { idempotencyKey: first.idempotencyKey }),
        audit('created'),
      );

      assert.equal(again.outcome, 'repeated');
      assert.equal(again.outcome === 'repeated' ? again.session.id : '', first.id);
      assert.equal(changed.outcome, 'conflict');
      assert.equal(elsewhere.outcome, 'created');
    });

    it('creates one session when ten requests with one idempotency key race', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const key = `race-${randomBytes(4).toString('hex')}`;

      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.createSession(sessionRecord(merchant.id, { idempotencyKey: key }), audit('c')),
        ),
      );

      assert.equal(results.filter((result) => result.outcome === 'created').length, 1);
      const ids = new Set(results.map((result) => ('session' in result ? result.session.id : '')));
      assert.equal(ids.size, 1);
    });

    it('moves a session to a final status only from the given statuses, once', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const record = sessionRecord(merchant.id);
      await store.createSession(record, audit('created'));
      const finish = (to: 'cancelled' | 'declined', from: ('open' | 'claimed')[]) =>
        store.finish({
          sessionId: record.id,
          from,
          to,
          errorCode: `session_${to}`,
          unexpiredAt: T0 + 1000,
          now: T0 + 1000,
          audit: audit(`session.${to}`, record.id),
        });

      const wrongFrom = await finish('declined', ['claimed']);
      const cancelled = await finish('cancelled', ['open', 'claimed']);
      const again = await finish('cancelled', ['open', 'claimed']);

      assert.equal(wrongFrom.ok ? '' : wrongFrom.conflict, 'session_state');
      assert.equal(cancelled.ok, true);
      assert.equal(again.ok ? '' : again.conflict, 'session_state');
      assert.equal(again.ok ? '' : again.session?.status, 'cancelled');
      const events = await store.listEventsAfter(record.id, 0);
      assert.deepEqual(
        events.map((event) => [event.seq, event.status, event.errorCode]),
        [
          [1, 'open', null],
          [2, 'cancelled', 'session_cancelled'],
        ],
      );
    });

    it('refuses to finish after the deadline when asked to, and always allows expiry', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const record = sessionRecord(merchant.id);
      await store.createSession(record, audit('created'));
      const late = record.expiresAt + 1;

      const cancel = await store.finish({
        sessionId: record.id,
        from: ['open'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        unexpiredAt: late,
        now: late,
        audit: audit('session.cancelled', record.id),
      });
      const expire = await store.finish({
        sessionId: record.id,
        from: ['open', 'claimed'],
        to: 'expired',
        errorCode: 'session_expired',
        now: late,
        audit: audit('session.expired', record.id),
      });

      assert.equal(cancel.ok ? '' : cancel.conflict, 'session_state');
      assert.equal(expire.ok, true);
    });

    it('lists due live sessions for expiry, and no final or future ones', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const due = sessionRecord(merchant.id, { expiresAt: T0 - 5 });
      const future = sessionRecord(merchant.id, { expiresAt: T0 + 60_000 });
      const ended = sessionRecord(merchant.id, { expiresAt: T0 - 5 });
      for (const record of [due, future, ended]) await store.createSession(record, audit('c'));
      await store.finish({
        sessionId: ended.id,
        from: ['open'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        now: T0 - 10,
        audit: audit('session.cancelled', ended.id),
      });

      const ids = await store.listExpiredSessionIds(T0, 10_000);

      assert.ok(ids.includes(due.id));
      assert.ok(!ids.includes(future.id));
      assert.ok(!ids.includes(ended.id));
      assert.ok((await store.listExpiredSessionIds(T0, 1)).length <= 1);
    });

    it('locks a session at the maximum of failed attempts, and counts nothing after', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const claimed = await claimedSession(store, payer.merchant.id);
      const fail = () =>
        store.recordFailedAttempt({
          sessionId: claimed.session.id,
          maxAttempts: 3,
          now: T0 + 5000,
          audit: audit('session.failed', claimed.session.id),
        });

      const results = [await fail(), await fail(), await fail(), await fail()];

      assert.deepEqual(
        results.map((result) => [result?.session.failedAttempts, result?.failedNow]),
        [
          [1, false],
          [2, false],
          [3, true],
          [3, false],
        ],
      );
      assert.equal((await store.getSession(claimed.session.id))?.status, 'failed');
      assert.equal((await store.getSession(claimed.session.id))?.errorCode, 'session_failed');
      assert.equal(
        await store.recordFailedAttempt({
          sessionId: 'cs_missing',
          maxAttempts: 3,
          now: T0,
          audit: audit('x'),
        }),
        null,
      );
    });

    it('numbers events 1, 2, … n per session and resumes after any of them', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const claimed = await claimedSession(store, payer.merchant.id);
      await store.settle(settleInput(payer, claimed));

      const all = await store.listEventsAfter(claimed.session.id, 0);
      const resumed = await store.listEventsAfter(claimed.session.id, 1);
      const none = await store.listEventsAfter(claimed.session.id, 3);

      assert.deepEqual(
        all.map((event) => event.seq),
        [1, 2, 3],
      );
      assert.deepEqual(
        resumed.map((event) => [event.seq, event.status]),
        [
          [2, 'claimed'],
          [3, 'settled'],
        ],
      );
      assert.deepEqual(none, []);
      assert.equal((await store.getSession(claimed.session.id))?.eventSeq, 3);
    });
  });
}

function describeCodes(storeOf: () => Store): void {
  describe('hand-off and enrolment codes', () => {
    async function openSession(store: Store) {
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const record = sessionRecord(merchant.id);
      await store.createSession(record, audit('created'));
      return record;
    }
    const claim = (store: Store, codeHash: string, phone = 'phone', now = T0 + 1000) =>
      store.claimHandoff({
        codeHash,
        phoneTokenHash: phone,
        now,
        audit: audit('session.claimed'),
      });

    it('lets exactly one of eight racing phones claim a hand-off code', async () => {
      const store = storeOf();
      const record = await openSession(store);
      const handoff = handoffRecord(record.id);
      await store.createHandoff(handoff, T0);

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => claim(store, handoff.codeHash, `phone-${i}`)),
      );

      const winners = results.filter((result) => result.ok);
      assert.equal(winners.length, 1);
      for (const result of results.filter((r) => !r.ok)) {
        assert.equal(result.ok ? '' : result.conflict, 'handoff_claimed');
      }
      const session = await store.getSession(record.id);
      assert.equal(session?.status, 'claimed');
      assert.equal(session?.eventSeq, 2);
      assert.notEqual((await store.getHandoff(handoff.codeHash))?.claimedAt, null);
    });

    it('kills earlier codes when a new one is made, and refuses a superseded or expired code', async () => {
      const store = storeOf();
      const record = await openSession(store);
      const first = handoffRecord(record.id);
      const second = handoffRecord(record.id, { createdAt: T0 + 10 });
      await store.createHandoff(first, T0);
      await store.createHandoff(second, T0 + 10);

      const superseded = await claim(store, first.codeHash);
      const expired = await claim(store, second.codeHash, 'phone', second.expiresAt);

      assert.notEqual((await store.getHandoff(first.codeHash))?.supersededAt, null);
      assert.equal(superseded.ok ? '' : superseded.conflict, 'handoff_superseded');
      assert.equal(expired.ok ? '' : expired.conflict, 'handoff_expired');
      assert.equal((await store.getSession(record.id))?.status, 'open');
    });

    it('makes hand-offs only for open, unexpired sessions', async () => {
      const store = storeOf();
      const record = await openSession(store);

      const late = await store.createHandoff(handoffRecord(record.id), record.expiresAt);
      const missing = await store.createHandoff(handoffRecord('cs_missing'), T0);

      assert.equal(late.ok ? '' : late.conflict, 'session_state');
      assert.equal(missing.ok ? '' : missing.conflict, 'session_state');
      assert.equal(missing.ok ? 'x' : missing.session, null);
    });

    it('refuses to claim for a session past its deadline, and an unknown code', async () => {
      const store = storeOf();
      const record = await openSession(store);
      const handoff = handoffRecord(record.id, { expiresAt: record.expiresAt + 60_000 });
      await store.createHandoff(handoff, T0);

      const late = await claim(store, handoff.codeHash, 'phone', record.expiresAt);
      const unknown = await claim(store, 'f'.repeat(64));

      assert.equal(late.ok ? '' : late.conflict, 'session_state');
      assert.equal(unknown.ok ? 'x' : unknown.session, null);
    });

    it('finds a live hand-off by user code, and claimed ones newest first', async () => {
      const store = storeOf();
      const record = await openSession(store);
      const handoff = handoffRecord(record.id);
      await store.createHandoff(handoff, T0);

      const live = await store.findLiveHandoffByUserCode(handoff.userCode, T0 + 1);
      const dead = await store.findLiveHandoffByUserCode(handoff.userCode, handoff.expiresAt);
      await claim(store, handoff.codeHash);
      const afterClaim = await store.findLiveHandoffByUserCode(handoff.userCode, T0 + 1);
      const claimed = await store.listClaimedHandoffsByUserCode(handoff.userCode);

      assert.equal(live?.codeHash, handoff.codeHash);
      assert.equal(dead, null);
      assert.equal(afterClaim, null);
      assert.deepEqual(
        claimed.map((h) => h.codeHash),
        [handoff.codeHash],
      );
    });

    it('spends an enrolment code once when two phones race, storing one card', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const codeHash = randomBytes(32).toString('hex');
      await store.createEnrollment(
        {
          codeHash,
          accountId: payer.accountId,
          expiresAt: T0 + 900_000,
          challenge: null,
          usedAt: null,
          createdAt: T0,
          purpose: 'desk',
          activatesAt: null,
        },
        audit('enrollment.created'),
      );
      const { cardRecord } = await import('./fixtures.js');
      const cards = [cardRecord(payer.accountId), cardRecord(payer.accountId)];

      const results = await Promise.all(
        cards.map((card) => store.completeEnrollment(codeHash, card, T0 + 1, audit('enrolled'))),
      );
      const late = await store.completeEnrollment(
        randomBytes(32).toString('hex'),
        cardRecord(payer.accountId),
        T0,
        audit('enrolled'),
      );

      assert.deepEqual(results.filter(Boolean).length, 1);
      assert.equal(late, false);
      assert.equal((await store.listCards(payer.accountId)).length, 2);
      assert.notEqual((await store.getEnrollment(codeHash))?.usedAt, null);
    });

    it('refuses an expired enrolment code', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const codeHash = randomBytes(32).toString('hex');
      await store.createEnrollment(
        {
          codeHash,
          accountId: payer.accountId,
          expiresAt: T0 + 10,
          challenge: null,
          usedAt: null,
          createdAt: T0,
          purpose: 'desk',
          activatesAt: null,
        },
        audit('enrollment.created'),
      );
      const { cardRecord } = await import('./fixtures.js');

      const result = await store.completeEnrollment(
        codeHash,
        cardRecord(payer.accountId),
        T0 + 10,
        audit('enrolled'),
      );

      assert.equal(result, false);
      assert.equal((await store.getEnrollment(codeHash))?.usedAt, null);
    });
  });
}

function describeRecords(storeOf: () => Store): void {
  describe('merchants, accounts, keys and audit', () => {
    it('keeps a merchant findable by id and by an unexpired secret-key hash, and changes it', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      const key = keyOf(merchant);
      await store.createMerchant(merchant, key, audit('merchant.created'));

      const updated = await store.updateMerchant(
        merchant.id,
        { allowedOrigins: ['https://a.example', 'https://b.example'], mode: 'live' },
        audit('merchant.updated'),
      );
      const missing = await store.updateMerchant('m_missing', { mode: 'live' }, audit('x'));

      assert.ok(updated.ok);
      assert.deepEqual(await store.findMerchantBySecretKeyHash(key.keyHash, T0), updated.merchant);
      assert.deepEqual(updated.merchant.allowedOrigins, ['https://a.example', 'https://b.example']);
      assert.equal(updated.merchant.mode, 'live');
      assert.deepEqual(missing, { ok: false, conflict: 'not_found' });
    });

    it('refuses a rename to a name key another merchant holds, writing nothing', async () => {
      const store = storeOf();
      const first = merchantRecord({ nameKey: `taken ${randomBytes(4).toString('hex')}` });
      const second = merchantRecord();
      await createWithKey(store, first);
      await createWithKey(store, second);

      const clash = await store.updateMerchant(
        second.id,
        { name: 'Taken', nameKey: first.nameKey },
        audit('merchant.updated'),
      );
      const same = await store.updateMerchant(
        first.id,
        { name: 'Taken again', nameKey: first.nameKey },
        audit('merchant.updated'),
      );

      assert.deepEqual(clash, { ok: false, conflict: 'name_taken' });
      assert.equal((await store.getMerchant(second.id))?.nameKey, second.nameKey);
      assert.ok(same.ok);
    });

    it('rolls a merchant key: the old one works until its expiry, the new one from now', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      const old = keyOf(merchant);
      await store.createMerchant(merchant, old, audit('merchant.created'));
      const fresh = { ...keyOf(merchant), createdAt: T0 + 10 };

      const rolled = await store.rollMerchantKey(fresh, T0 + 60_000, audit('merchant.key_rolled'));
      const nowhere = await store.rollMerchantKey(
        { ...keyOf(merchant), merchantId: 'm_missing' },
        T0,
        audit('x'),
      );

      assert.equal(rolled, true);
      assert.equal(nowhere, false);
      assert.equal(
        (await store.findMerchantBySecretKeyHash(old.keyHash, T0 + 59_999))?.id,
        merchant.id,
      );
      assert.equal(await store.findMerchantBySecretKeyHash(old.keyHash, T0 + 60_000), null);
      assert.equal(
        (await store.findMerchantBySecretKeyHash(fresh.keyHash, T0 + 90_000))?.id,
        merchant.id,
      );
      assert.deepEqual(
        (await store.listMerchantKeys(merchant.id)).map((key) => key.expiresAt),
        [null, T0 + 60_000],
      );
    });

    it('stores a merchant only if no merchant has its name key, writing nothing when refused', async () => {
      const store = storeOf();
      const nameKey = `name key ${randomBytes(4).toString('hex')}`;
      const first = merchantRecord({ nameKey });
      const clash = merchantRecord({ nameKey, name: 'Another spelling of the name' });
      const other = merchantRecord();
      const action = `merchant.created ${nameKey}`;

      const results = [
        await store.createMerchant(first, keyOf(first), audit(action)),
        await store.createMerchant(clash, keyOf(clash), audit(action)),
        await store.createMerchant(other, keyOf(other), audit(action)),
      ];

      assert.deepEqual(results, [
        { ok: true },
        { ok: false, conflict: 'name_taken' },
        { ok: true },
      ]);
      assert.deepEqual(await store.getMerchant(first.id), first);
      assert.equal(await store.getMerchant(clash.id), null);
      assert.deepEqual(await store.listMerchantKeys(clash.id), []);
      assert.equal((await store.listAudit()).filter((row) => row.action === action).length, 2);
    });

    it('creates one merchant when ten creations with one name key race', async () => {
      const store = storeOf();
      const nameKey = `race ${randomBytes(4).toString('hex')}`;

      const results = await Promise.all(
        Array.from({ length: 10 }, () => createWithKey(store, merchantRecord({ nameKey }))),
      );

      assert.equal(results.filter((result) => result.ok).length, 1);
      assert.deepEqual(
        results.filter((result) => !result.ok),
        Array.from({ length: 9 }, () => ({ ok: false, conflict: 'name_taken' })),
      );
    });

    it('stores cards with their public key bytes and lists them oldest first', async () => {
      const store = storeOf();
      const payer = await withPayer(store);

      const cards = await store.listCards(payer.accountId);

      assert.equal(cards.length, 1);
      assert.deepEqual(Buffer.from(cards[0]?.publicKey ?? []), Buffer.from(payer.card.publicKey));
      assert.deepEqual(await store.getCardByCredentialId(payer.card.credentialId), cards[0]);
    });

    it('adds an admin key once, revokes it once, and ends its console sessions with it', async () => {
      const store = storeOf();
      const key = {
        id: `adm_${randomBytes(6).toString('hex')}`,
        keyHash: randomBytes(32).toString('hex'),
        label: 'desk 1',
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
      };
      const before = await store.countAdminKeys();
      const session = {
        tokenHash: randomBytes(32).toString('hex'),
        adminKeyId: key.id,
        createdAt: T0,
        lastSeenAt: T0,
        expiresAt: T0 + 3_600_000,
        endedAt: null,
      };

      const added = [
        await store.createAdminKey(key, audit('admin_key.created')),
        await store.createAdminKey({ ...key, id: `${key.id}x` }, audit('admin_key.created')),
      ];
      const counted = await store.countAdminKeys();
      await store.createConsoleSession(session, audit('console.signed_in'));
      await store.touchConsoleSession(session.tokenHash, T0 + 5);
      await store.touchAdminKey(key.id, T0 + 5);
      const revoked = await store.revokeAdminKey(key.id, T0 + 10, audit('admin_key.revoked'));
      const again = await store.revokeAdminKey(key.id, T0 + 20, audit('admin_key.revoked'));

      assert.deepEqual(added, [true, false]);
      assert.equal(counted, before + 1);
      assert.equal(revoked?.revokedAt, T0 + 10);
      assert.equal(revoked?.lastUsedAt, T0 + 5);
      assert.equal(again, null);
      assert.equal(await store.countAdminKeys(), before);
      assert.equal((await store.findAdminKeyByHash(key.keyHash))?.revokedAt, T0 + 10);
      const ended = await store.getConsoleSession(session.tokenHash);
      assert.deepEqual([ended?.lastSeenAt, ended?.endedAt], [T0 + 5, T0 + 10]);
    });

    it('ends a console session once', async () => {
      const store = storeOf();
      const key = {
        id: `adm_${randomBytes(6).toString('hex')}`,
        keyHash: randomBytes(32).toString('hex'),
        label: 'desk 2',
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.createAdminKey(key, audit('admin_key.created'));
      const tokenHash = randomBytes(32).toString('hex');
      await store.createConsoleSession(
        {
          tokenHash,
          adminKeyId: key.id,
          createdAt: T0,
          lastSeenAt: T0,
          expiresAt: T0 + 1,
          endedAt: null,
        },
        audit('console.signed_in'),
      );

      const first = await store.endConsoleSession(tokenHash, T0 + 1, audit('console.signed_out'));
      const second = await store.endConsoleSession(tokenHash, T0 + 2, audit('console.signed_out'));

      assert.deepEqual([first, second], [true, false]);
      assert.equal((await store.getConsoleSession(tokenHash))?.endedAt, T0 + 1);
    });

    it('starts no console session for a revoked or unknown admin key, and writes no audit row', async () => {
      const store = storeOf();
      const key = {
        id: `adm_${randomBytes(6).toString('hex')}`,
        keyHash: randomBytes(32).toString('hex'),
        label: 'desk 3',
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.createAdminKey(key, audit('admin_key.created'));
      const live = { adminKeyId: key.id, createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000 };
      const first = randomBytes(32).toString('hex');
      const second = randomBytes(32).toString('hex');
      const unknown = randomBytes(32).toString('hex');
      const action = `console.signed_in.${randomBytes(4).toString('hex')}`;

      const started = await store.createConsoleSession(
        { ...live, tokenHash: first, endedAt: null },
        audit(action),
      );
      await store.revokeAdminKey(key.id, T0 + 1, audit('admin_key.revoked'));
      const afterRevoke = await store.createConsoleSession(
        { ...live, tokenHash: second, endedAt: null },
        audit(action),
      );
      const forUnknown = await store.createConsoleSession(
        { ...live, adminKeyId: `${key.id}-none`, tokenHash: unknown, endedAt: null },
        audit(action),
      );

      assert.deepEqual([started, afterRevoke, forUnknown], [true, false, false]);
      assert.equal(await store.getConsoleSession(second), null);
      assert.equal(await store.getConsoleSession(unknown), null);
      const rows = await store.queryAudit({ action, limit: 10 });
      assert.equal(rows.length, 1);
    });

    it('lists accounts newest first, by id prefix or by a part of the name key', async () => {
      const store = storeOf();
      const tag = randomBytes(4).toString('hex');
      const ids = [`acct_${tag}_1`, `acct_${tag}_2`, `acct_${tag}_3`];
      for (const [i, id] of ids.entries()) {
        await store.createAccount(
          {
            id,
            displayName: `Payer ${i}`,
            nameKey: `payer ${tag} ${i === 2 ? 'kim' : 'lee'}`,
            userHandle: randomBytes(16).toString('base64url'),
            monthlyLimit: 10_000,
            currency: 'KRW',
            frozenAt: null,
            idCheck: null,
            createdAt: T0 + i,
          },
          audit('account.created'),
        );
      }

      const byPrefix = await store.listAccounts({ idPrefix: `acct_${tag}`, limit: 10 });
      const byName = await store.listAccounts({ nameKeyPart: `${tag} kim`, limit: 10 });
      const limited = await store.listAccounts({ idPrefix: `acct_${tag}`, limit: 2 });

      assert.deepEqual(
        byPrefix.map((a) => a.id),
        [...ids].reverse(),
      );
      assert.deepEqual(
        byName.map((a) => a.id),
        [ids[2]],
      );
      assert.equal(limited.length, 2);
    });

    it('freezes and unfreezes an account, and sums what its ledger counted', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const claimed = await claimedSession(store, payer.merchant.id);
      await store.settle(settleInput(payer, claimed));

      const frozen = await store.updateAccount(payer.accountId, { frozenAt: T0 + 3 }, audit('a'));
      const unfrozen = await store.updateAccount(payer.accountId, { frozenAt: null }, audit('a'));
      const missing = await store.updateAccount('acct_missing', { monthlyLimit: 1 }, audit('a'));

      assert.equal(frozen?.frozenAt, T0 + 3);
      assert.equal(unfrozen?.frozenAt, null);
      assert.equal(missing, null);
      assert.equal(await store.limitUsedSince(payer.accountId, T0), 1500);
      assert.equal(await store.limitUsedSince(payer.accountId, T0 + 3000), 0);
    });

    it('reads the audit log newest first, by subject, action prefix, time, in pages', async () => {
      const store = storeOf();
      const tag = randomBytes(4).toString('hex');
      const accountId = `acct_${tag}`;
      for (const [i, action] of ['card.enrolled', 'card.revoked', 'account.frozen'].entries()) {
        await store.appendAudit({
          ...audit(action, undefined, T0 + i),
          accountId,
          cardId: `card_${tag}`,
        });
      }
      await store.appendAudit({
        ...audit('card.revoked', undefined, T0 + 5),
        merchantId: `m_${tag}`,
      });

      const all = await store.queryAudit({ accountId, limit: 10 });
      const cards = await store.queryAudit({ accountId, action: 'card.', limit: 10 });
      const exact = await store.queryAudit({ accountId, action: 'card', limit: 10 });
      const late = await store.queryAudit({ accountId, since: T0 + 1, until: T0 + 2, limit: 10 });
      const firstPage = await store.queryAudit({ accountId, limit: 2 });
      const nextPage = await store.queryAudit({
        accountId,
        limit: 2,
        beforeId: firstPage.at(-1)?.id ?? 0,
      });

      assert.deepEqual(
        all.map((row) => row.action),
        ['account.frozen', 'card.revoked', 'card.enrolled'],
      );
      assert.deepEqual(
        cards.map((row) => row.action),
        ['card.revoked', 'card.enrolled'],
      );
      assert.deepEqual(exact, []);
      assert.deepEqual(
        late.map((row) => row.action),
        ['card.revoked'],
      );
      assert.deepEqual(
        [...firstPage, ...nextPage].map((row) => row.id),
        all.map((row) => row.id),
      );
      assert.equal(all[0]?.cardId, `card_${tag}`);
    });

    it('appends audit rows in order, readable per session', async () => {
      const store = storeOf();
      const sessionId = `cs_audit_${randomBytes(4).toString('hex')}`;

      await store.appendAudit({ ...audit('one', sessionId), detail: { n: 1 } });
      await store.appendAudit({ ...audit('two', sessionId), userAgent: 'x'.repeat(1000) });

      const rows = await store.listAudit({ sessionId });
      assert.deepEqual(
        rows.map((row) => [row.action, row.detail]),
        [
          ['one', { n: 1 }],
          ['two', {}],
        ],
      );
      assert.ok((rows[1]?.userAgent?.length ?? 0) <= 256);
      assert.ok((rows[0]?.id ?? 0) < (rows[1]?.id ?? 0));
    });

    it('activates a next signing key only from the expected current key, retiring it', async () => {
      const store = storeOf();
      const key = (kid: string, at: number) => ({
        kid,
        privateKey: JSON.stringify({ kty: 'EC', d: kid }),
        publicJwk: { kty: 'EC', x: kid },
        createdAt: at,
        activatedAt: null,
        retiredAt: null,
      });
      const current = (await store.listSigningKeys()).find(
        (k) => k.activatedAt !== null && k.retiredAt === null,
      );
      const k1 = `k1-${randomBytes(4).toString('hex')}`;
      const k2 = `k2-${randomBytes(4).toString('hex')}`;
      await store.addSigningKey(key(k1, T0));
      await store.addSigningKey(key(k2, T0 + 1));

      const first = await store.activateSigningKey(k1, T0 + 5, current?.kid ?? null);
      const stale = await store.activateSigningKey(k2, T0 + 6, current?.kid ?? null);
      const second = await store.activateSigningKey(k2, T0 + 7, k1);
      const again = await store.activateSigningKey(k1, T0 + 8, k2);
      await store.setSigningKeyPrivate(k2, 'enc:v1:sealed');

      assert.deepEqual([first, stale, second, again], [true, false, true, false]);
      const keys = await store.listSigningKeys();
      const live = keys.filter((k) => k.activatedAt !== null && k.retiredAt === null);
      assert.deepEqual(
        live.map((k) => k.kid),
        [k2],
      );
      assert.equal(keys.find((k) => k.kid === k1)?.retiredAt, T0 + 7);
      assert.equal(keys.find((k) => k.kid === k2)?.privateKey, 'enc:v1:sealed');
    });
  });
}

function describeOutbox(storeOf: () => Store): void {
  describe('webhook secrets and the webhook outbox', () => {
    it("writes a settlement's webhook event in its transaction, due at once; none when refused", async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      await withWebhookUrl(store, payer.merchant.id);
      const paid = await claimedSession(store, payer.merchant.id);
      const refused = await claimedSession(store, payer.merchant.id);
      const settledEvent = webhookEvent(payer.merchant.id);
      const refusedEvent = webhookEvent(payer.merchant.id);

      const ok = await store.settle(settleInput(payer, paid, { webhook: settledEvent }));
      const over = await store.settle(
        settleInput(payer, refused, {
          webhook: refusedEvent,
          limit: { accountId: payer.accountId, since: T0, amount: 1500, max: 100 },
        }),
      );

      assert.equal(ok.ok, true);
      assert.equal(over.ok ? '' : over.conflict, 'over_limit');
      assert.deepEqual(await store.getWebhookEvent(settledEvent.id), {
        ...settledEvent,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: settledEvent.createdAt,
        deliveredAt: null,
        lockedUntil: null,
      });
      assert.equal(await store.getWebhookEvent(refusedEvent.id), null);
    });

    it('writes an event only for a merchant that has a webhook URL at the write', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await createWithKey(store, merchant);
      const first = sessionRecord(merchant.id);
      const second = sessionRecord(merchant.id);
      for (const record of [first, second]) await store.createSession(record, audit('c'));
      const cancel = (sessionId: string, webhook: WebhookEventInput) =>
        store.finish({
          sessionId,
          from: ['open'],
          to: 'cancelled',
          errorCode: 'session_cancelled',
          now: T0 + 10,
          audit: audit('session.cancelled', sessionId),
          webhook,
        });
      const without = webhookEvent(merchant.id);
      const withUrl = webhookEvent(merchant.id);

      const before = await cancel(first.id, without);
      await withWebhookUrl(store, merchant.id);
      const after = await cancel(second.id, withUrl);

      assert.deepEqual([before.ok, after.ok], [true, true]);
      assert.equal(await store.getWebhookEvent(without.id), null);
      assert.equal((await store.getWebhookEvent(withUrl.id))?.status, 'pending');
    });

    it("writes the failing attempt's event, and none for an attempt that does not fail the session", async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      await withWebhookUrl(store, payer.merchant.id);
      const claimed = await claimedSession(store, payer.merchant.id);
      const events = [webhookEvent(payer.merchant.id), webhookEvent(payer.merchant.id)];

      for (const webhook of events) {
        await store.recordFailedAttempt({
          sessionId: claimed.session.id,
          maxAttempts: 2,
          now: T0 + 5000,
          audit: audit('session.failed', claimed.session.id),
          webhook,
        });
      }

      assert.equal(await store.getWebhookEvent(events[0]?.id ?? ''), null);
      assert.equal((await store.getWebhookEvent(events[1]?.id ?? ''))?.type, 'checkout.settled');
    });

    it('leases a due event to one claim: a second claim gets it only after the lease ends', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await createWithKey(store, merchant);
      await withWebhookUrl(store, merchant.id);
      const now = nextClaimWindow();
      const event = webhookEvent(merchant.id, now);
      const session = sessionRecord(merchant.id);
      await store.createSession(session, audit('c'));
      await store.finish({
        sessionId: session.id,
        from: ['open'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        now,
        audit: audit('session.cancelled', session.id),
        webhook: event,
      });
      const claim = (at: number, lockToken: string) =>
        store.claimWebhookEvents({ now: at, lockedUntil: at + 60_000, lockToken, limit: 10 });

      const early = await claim(now - 1, 'a');
      const first = await claim(now, 'a');
      const during = await claim(now + 59_999, 'b');
      const afterLease = await claim(now + 60_000, 'b');

      assert.deepEqual(early, []);
      assert.deepEqual(
        first.map((e) => [e.id, e.lockedUntil]),
        [[event.id, now + 60_000]],
      );
      assert.deepEqual(during, []);
      assert.deepEqual(
        afterLease.map((e) => e.id),
        [event.id],
      );
    });

    it('hands each due event to exactly one of ten racing claims', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      await withWebhookUrl(store, payer.merchant.id);
      const now = nextClaimWindow();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const claimed = await claimedSession(store, payer.merchant.id);
        const event = webhookEvent(payer.merchant.id, now - i);
        ids.push(event.id);
        assert.ok((await store.settle(settleInput(payer, claimed, { webhook: event }))).ok);
      }

      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.claimWebhookEvents({
            now,
            lockedUntil: now + 60_000,
            lockToken: `racer-${i}`,
            limit: 2,
          }),
        ),
      );

      const claimedIds = claims.flat().map((event) => event.id);
      assert.equal(claimedIds.length, 6);
      assert.deepEqual(new Set(claimedIds), new Set(ids));
    });

    it('records every attempt, and changes the event only under the claim that holds it', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await createWithKey(store, merchant);
      await withWebhookUrl(store, merchant.id);
      const now = nextClaimWindow();
      const event = webhookEvent(merchant.id, now);
      const session = sessionRecord(merchant.id);
      await store.createSession(session, audit('c'));
      await store.finish({
        sessionId: session.id,
        from: ['open'],
        to: 'expired',
        errorCode: 'session_expired',
        now,
        audit: audit('session.expired', session.id),
        webhook: event,
      });
      await store.claimWebhookEvents({ now, lockedUntil: now + 60_000, lockToken: 'a', limit: 10 });
      const attempt = (
        lockToken: string,
        at: number,
        outcome: Parameters<Store['recordWebhookAttempt']>[0]['outcome'],
      ) =>
        store.recordWebhookAttempt({
          eventId: event.id,
          lockToken,
          at,
          url: 'https://hooks.example/dualpay',
          statusCode: outcome.status === 'delivered' ? 204 : 500,
          error: null,
          durationMs: 12,
          outcome,
        });

      const stranger = await attempt('b', now + 1, { status: 'delivered' });
      const holder = await attempt('a', now + 2, {
        status: 'pending',
        nextAttemptAt: now + 10_000,
      });
      const rescheduled = await store.getWebhookEvent(event.id);
      const notYet = await store.claimWebhookEvents({
        now: now + 9_999,
        lockedUntil: now + 70_000,
        lockToken: 'c',
        limit: 10,
      });
      const again = await store.claimWebhookEvents({
        now: now + 10_000,
        lockedUntil: now + 70_000,
        lockToken: 'c',
        limit: 10,
      });
      const delivered = await attempt('c', now + 10_001, { status: 'delivered' });

      assert.deepEqual([stranger, holder, delivered], [false, true, true]);
      assert.deepEqual(
        [
          rescheduled?.status,
          rescheduled?.attempts,
          rescheduled?.nextAttemptAt,
          rescheduled?.lockedUntil,
        ],
        ['pending', 2, now + 10_000, null],
      );
      assert.deepEqual(notYet, []);
      assert.deepEqual(
        again.map((e) => e.id),
        [event.id],
      );
      const done = await store.getWebhookEvent(event.id);
      assert.deepEqual(
        [done?.status, done?.attempts, done?.deliveredAt, done?.nextAttemptAt],
        ['delivered', 3, now + 10_001, null],
      );
      assert.deepEqual(
        (await store.listWebhookAttempts([event.id])).map((a) => [
          a.attempt,
          a.statusCode,
          a.nextAttemptAt,
        ]),
        [
          [1, 204, null],
          [2, 500, now + 10_000],
          [3, 204, null],
        ],
      );
      assert.deepEqual(
        await store.claimWebhookEvents({
          now: now + 100_000,
          lockedUntil: now + 200_000,
          lockToken: 'd',
          limit: 10,
        }),
        [],
      );
    });

    it('redelivers an event with the same id, due at once; a claim in flight can no longer change it', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await createWithKey(store, merchant);
      await withWebhookUrl(store, merchant.id);
      const now = nextClaimWindow();
      const event = webhookEvent(merchant.id, now);
      const session = sessionRecord(merchant.id);
      await store.createSession(session, audit('c'));
      await store.finish({
        sessionId: session.id,
        from: ['open'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        now,
        audit: audit('session.cancelled', session.id),
        webhook: event,
      });
      const claim = (at: number, lockToken: string) =>
        store.claimWebhookEvents({ now: at, lockedUntil: at + 60_000, lockToken, limit: 10 });
      const record = (lockToken: string, at: number) =>
        store.recordWebhookAttempt({
          eventId: event.id,
          lockToken,
          at,
          url: 'https://hooks.example/dualpay',
          statusCode: 200,
          error: null,
          durationMs: 5,
          outcome: { status: 'delivered' },
        });
      await claim(now, 'a');
      await record('a', now + 1);

      const redelivered = await store.redeliverWebhookEvent(
        event.id,
        now + 100,
        audit('redeliver'),
      );
      const reclaimed = await claim(now + 100, 'b');
      const again = await store.redeliverWebhookEvent(event.id, now + 200, audit('redeliver'));
      const inFlight = await record('b', now + 201);
      const missing = await store.redeliverWebhookEvent('evt_missing', now, audit('x'));

      assert.deepEqual(
        [
          redelivered?.id,
          redelivered?.status,
          redelivered?.nextAttemptAt,
          redelivered?.deliveredAt,
        ],
        [event.id, 'pending', now + 100, null],
      );
      assert.deepEqual(
        reclaimed.map((e) => e.id),
        [event.id],
      );
      assert.equal(again?.status, 'pending');
      assert.equal(inFlight, false);
      assert.equal((await store.getWebhookEvent(event.id))?.status, 'pending');
      assert.deepEqual(await claim(now + 201, 'c'), []);
      assert.deepEqual(
        (await claim(now + 100 + 60_000, 'c')).map((e) => e.id),
        [event.id],
      );
      assert.equal(missing, null);
    });

    it("lists a merchant's events newest first in pages, with their attempts", async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      const other = merchantRecord();
      for (const m of [merchant, other]) {
        await createWithKey(store, m);
        await withWebhookUrl(store, m.id);
      }
      const tag = randomBytes(4).toString('hex');
      const ids = [1, 2, 3].map((n) => `evt_${tag}_${n}`);
      for (const [i, id] of [...ids, `evt_${tag}_4`].entries()) {
        const owner = i < 3 ? merchant.id : other.id;
        const session = sessionRecord(owner);
        await store.createSession(session, audit('c'));
        await store.finish({
          sessionId: session.id,
          from: ['open'],
          to: 'cancelled',
          errorCode: 'session_cancelled',
          now: T0,
          audit: audit('session.cancelled', session.id),
          webhook: { ...webhookEvent(owner), id },
        });
      }

      const first = await store.listWebhookEvents({ merchantId: merchant.id, limit: 2 });
      const next = await store.listWebhookEvents({
        merchantId: merchant.id,
        limit: 2,
        beforeId: first.at(-1)?.id ?? '',
      });

      assert.deepEqual(
        [...first, ...next].map((e) => e.id),
        [...ids].reverse(),
      );
      assert.deepEqual(await store.listWebhookAttempts(ids), []);
      assert.deepEqual(await store.listWebhookAttempts([]), []);
    });

    it('adds a webhook secret with a merchant change only when none is live, and rolls secrets with an overlap', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await createWithKey(store, merchant);
      const secret = (n: number, createdAt = T0) => ({
        id: `whs_${randomBytes(6).toString('hex')}_${n}`,
        merchantId: merchant.id,
        secret: `whsec_${randomBytes(24).toString('base64')}`,
        createdAt,
        expiresAt: null,
      });
      const [s1, s2, s3] = [secret(1), secret(2, T0 + 1), secret(3, T0 + 2)];

      const first = await store.updateMerchant(
        merchant.id,
        { webhookUrl: 'https://hooks.example/a' },
        audit('merchant.updated'),
        { webhookSecret: s1 },
      );
      const second = await store.updateMerchant(
        merchant.id,
        { webhookUrl: 'https://hooks.example/b' },
        audit('merchant.updated'),
        { webhookSecret: s2 },
      );
      const rolled = await store.rollWebhookSecret(s3, T0 + 60_000, audit('rolled'));
      const nowhere = await store.rollWebhookSecret(
        { ...secret(4), merchantId: 'm_missing' },
        T0,
        audit('rolled'),
      );
      await store.setWebhookSecretValue(s3.id, 'enc:v1:sealed');
      const removed = await store.updateMerchant(
        merchant.id,
        { webhookUrl: null },
        audit('merchant.updated'),
      );

      assert.deepEqual(
        [first.ok && first.webhookSecretAdded, second.ok && second.webhookSecretAdded],
        [true, false],
      );
      assert.equal(second.ok ? second.merchant.webhookUrl : '', 'https://hooks.example/b');
      assert.deepEqual([rolled, nowhere], [true, false]);
      assert.deepEqual(
        (await store.listWebhookSecrets(merchant.id)).map((s) => [s.id, s.secret, s.expiresAt]),
        [
          [s3.id, 'enc:v1:sealed', null],
          [s1.id, s1.secret, T0 + 60_000],
        ],
      );
      assert.equal(removed.ok ? removed.merchant.webhookUrl : '', null);
      assert.equal((await store.getMerchant(merchant.id))?.webhookUrl, null);
    });
  });
}

function describeRefunds(storeOf: () => Store): void {
  describe('refunds', () => {
    async function settled(store: Store, options: { amount?: number } = {}) {
      const payer = await withPayer(store);
      const claimed = await claimedSession(store, payer.merchant.id, {
        amount: options.amount ?? 1500,
      });
      const input = settleInput(payer, claimed, {
        limit: {
          accountId: payer.accountId,
          since: T0 - 86_400_000,
          amount: options.amount ?? 1500,
          max: 1_000_000,
        },
      });
      assert.ok((await store.settle(input)).ok);
      return { payer, session: claimed.session };
    }
    const refundInput = (
      world: Awaited<ReturnType<typeof settled>>,
      overrides: Partial<RefundInput['refund']> = {},
      expectedRefunded = 0,
    ): RefundInput => ({
      refund: {
        id: `re_${randomBytes(8).toString('hex')}`,
        sessionId: world.session.id,
        merchantId: world.payer.merchant.id,
        accountId: world.payer.accountId,
        amount: 500,
        currency: 'KRW',
        limitAmount: 500,
        paymentAt: T0 + 2000,
        reason: null,
        idempotencyKey: `key-${randomBytes(6).toString('hex')}`,
        requestHash: 'hash-a',
        createdAt: T0 + 9000,
        ...overrides,
      },
      expectedRefunded,
      maxTotal: world.session.amount,
      audit: audit('refund.created', world.session.id),
    });

    it('refunds a settled session with its audit row and event; the same key repeats it, another body conflicts', async () => {
      const store = storeOf();
      const world = await settled(store);
      await withWebhookUrl(store, world.payer.merchant.id);
      const event = webhookEvent(world.payer.merchant.id);
      const input = { ...refundInput(world), webhook: event };

      const created = await store.createRefund(input);
      const repeated = await store.createRefund({
        ...refundInput(world, { idempotencyKey: input.refund.idempotencyKey }, 500),
      });
      const conflict = await store.createRefund(
        refundInput(world, { idempotencyKey: input.refund.idempotencyKey, requestHash: 'b' }, 500),
      );

      assert.deepEqual(created, { outcome: 'created', refund: input.refund });
      assert.deepEqual(repeated, { outcome: 'repeated', refund: input.refund });
      assert.deepEqual(conflict, { outcome: 'conflict' });
      assert.deepEqual(await store.listRefunds(world.session.id), [input.refund]);
      assert.equal((await store.getWebhookEvent(event.id))?.status, 'pending');
      assert.ok(
        (await store.listAudit({ sessionId: world.session.id })).some(
          (row) => row.action === 'refund.created',
        ),
      );
    });

    it("refuses a session that is not settled, or another merchant's, writing nothing", async () => {
      const store = storeOf();
      const world = await settled(store);
      const open = await store.createSession(sessionRecord(world.payer.merchant.id), audit('c'));
      const openId = open.outcome === 'created' ? open.session.id : '';
      const stranger = merchantRecord();
      await createWithKey(store, stranger);

      const notSettled = await store.createRefund(refundInput(world, { sessionId: openId }));
      const foreign = await store.createRefund(refundInput(world, { merchantId: stranger.id }));

      assert.deepEqual(notSettled, { outcome: 'refused', conflict: 'session_state', refunded: 0 });
      assert.deepEqual(foreign, { outcome: 'refused', conflict: 'session_state', refunded: 0 });
      assert.deepEqual(await store.listRefunds(openId), []);
      assert.deepEqual(await store.listRefunds(world.session.id), []);
    });

    it('refuses a refund past the amount, and one computed from a stale total (compare-and-set)', async () => {
      const store = storeOf();
      const world = await settled(store);
      await store.createRefund(refundInput(world, { amount: 1000, limitAmount: 1000 }));

      const stale = await store.createRefund(refundInput(world, { amount: 100 }, 0));
      const over = await store.createRefund(refundInput(world, { amount: 501 }, 1000));
      const rest = await store.createRefund(
        refundInput(world, { amount: 500, createdAt: T0 + 9500 }, 1000),
      );

      assert.deepEqual(stale, { outcome: 'refused', conflict: 'refunds_moved', refunded: 1000 });
      assert.deepEqual(over, { outcome: 'refused', conflict: 'over_refund', refunded: 1000 });
      assert.equal(rest.outcome, 'created');
      assert.deepEqual(
        (await store.listRefunds(world.session.id)).map((r) => r.amount),
        [1000, 500],
      );
    });

    it('never refunds past the amount when ten refunds of one session race (each retrying as the domain does)', async () => {
      const store = storeOf();
      const world = await settled(store);

      const outcomes = await Promise.all(
        Array.from({ length: 10 }, async () => {
          for (;;) {
            const refunded = (await store.listRefunds(world.session.id)).reduce(
              (sum, r) => sum + r.amount,
              0,
            );
            const result = await store.createRefund(refundInput(world, {}, refunded));
            if (result.outcome !== 'refused' || result.conflict !== 'refunds_moved') {
              return result.outcome === 'refused' ? result.conflict : result.outcome;
            }
          }
        }),
      );

      assert.equal(outcomes.filter((o) => o === 'created').length, 3);
      assert.equal(outcomes.filter((o) => o === 'over_refund').length, 7);
      const total = (await store.listRefunds(world.session.id)).reduce((s, r) => s + r.amount, 0);
      assert.equal(total, 1500);
    });

    it("gives a refund's limit amount back to the month of its payment, in limitUsedSince and in the settlement's limit", async () => {
      const store = storeOf();
      const world = await settled(store);
      const [entry] = await store.listLedgerEntries({ sessionId: world.session.id });
      await store.createRefund(
        refundInput(world, { amount: 500, limitAmount: 400, paymentAt: entry?.createdAt ?? 0 }),
      );
      const next = await claimedSession(store, world.payer.merchant.id);
      const limit = (max: number) => ({
        accountId: world.payer.accountId,
        since: T0,
        amount: 1500,
        max,
      });

      const used = await store.limitUsedSince(world.payer.accountId, T0);
      const later = await store.limitUsedSince(world.payer.accountId, (entry?.createdAt ?? 0) + 1);
      const over = await store.settle(settleInput(world.payer, next, { limit: limit(2599) }));
      const within = await store.settle(settleInput(world.payer, next, { limit: limit(2600) }));

      assert.equal(used, 1100);
      assert.equal(later, 0);
      assert.equal(over.ok ? '' : over.conflict, 'over_limit');
      assert.equal(within.ok, true);
    });
  });
}
