/**
 * Conformance: Web Push subscriptions, the VAPID key pair and the account that approved a
 * session. Part of the store conformance suite (conformance.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type {
  AuditEntry,
  PushSubscriptionRecord,
  Store,
  VapidKeyRecord,
} from '../../../src/server/store/types.js';
import { T0, audit, claimedSession, withPayer } from './fixtures.js';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');

function subscription(
  accountId: string,
  overrides: Partial<PushSubscriptionRecord> = {},
): PushSubscriptionRecord {
  return {
    endpoint: `https://push.example/send/${b64(12)}`,
    accountId,
    p256dh: b64(65),
    auth: b64(16),
    createdAt: T0,
    updatedAt: T0,
    lastSuccessAt: null,
    ...overrides,
  };
}

const saved = (accountId: string): AuditEntry => ({ ...audit('push.subscribed'), accountId });

export function describePush(storeOf: () => Store): void {
  describe('web push', () => {
    it('adds subscriptions and lists an account’s, least recently updated first', async () => {
      const store = storeOf();
      const { accountId } = await withPayer(store);
      const older = subscription(accountId, { updatedAt: T0 });
      const newer = subscription(accountId, { createdAt: T0 + 5, updatedAt: T0 + 5 });

      const first = await store.savePushSubscription(newer, 10, saved(accountId));
      await store.savePushSubscription(older, 10, saved(accountId));

      assert.deepEqual(first, { created: true, evicted: 0 });
      assert.deepEqual(await store.listPushSubscriptions(accountId), [older, newer]);
      assert.deepEqual(await store.listPushSubscriptions('acct_nobody'), []);
    });

    it('refreshes the same endpoint: new keys and account, the first creation time kept', async () => {
      const store = storeOf();
      const first = await withPayer(store);
      const second = await withPayer(store);
      const original = subscription(first.accountId);
      await store.savePushSubscription(original, 10, saved(first.accountId));
      await store.markPushDelivered(original.endpoint, T0 + 1);

      const again = subscription(second.accountId, {
        endpoint: original.endpoint,
        createdAt: T0 + 60_000,
        updatedAt: T0 + 60_000,
      });
      const result = await store.savePushSubscription(again, 10, saved(second.accountId));

      assert.deepEqual(result, { created: false, evicted: 0 });
      assert.deepEqual(await store.listPushSubscriptions(first.accountId), []);
      assert.deepEqual(await store.listPushSubscriptions(second.accountId), [
        { ...again, createdAt: T0, lastSuccessAt: T0 + 1 },
      ]);
    });

    it('keeps at most the cap per account, dropping the least recently updated', async () => {
      const store = storeOf();
      const { accountId } = await withPayer(store);
      const [oldest, middle, newer] = [0, 1, 2].map((i) =>
        subscription(accountId, { updatedAt: T0 + i }),
      ) as [PushSubscriptionRecord, PushSubscriptionRecord, PushSubscriptionRecord];
      for (const sub of [oldest, middle, newer]) {
        await store.savePushSubscription(sub, 3, saved(accountId));
      }

      const newest = subscription(accountId, { updatedAt: T0 + 10 });
      const result = await store.savePushSubscription(newest, 3, saved(accountId));

      assert.equal(result.evicted, 1);
      assert.deepEqual(
        (await store.listPushSubscriptions(accountId)).map((s) => s.endpoint),
        [middle.endpoint, newer.endpoint, newest.endpoint],
      );
    });

    it('writes the audit row with the subscription', async () => {
      const store = storeOf();
      const { accountId } = await withPayer(store);
      const action = `push.subscribed.${b64(6)}`;

      await store.savePushSubscription(subscription(accountId), 10, {
        ...audit(action),
        accountId,
      });

      const rows = (await store.listAudit()).filter((row) => row.action === action);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.accountId, accountId);
    });

    it('deletes an endpoint only while its key is the one the caller sent to', async () => {
      const store = storeOf();
      const { accountId } = await withPayer(store);
      const sub = subscription(accountId);
      await store.savePushSubscription(sub, 10, saved(accountId));
      const action = `push.gone.${b64(6)}`;

      const stale = await store.deletePushSubscription(sub.endpoint, b64(65), audit(action));
      const deleted = await store.deletePushSubscription(sub.endpoint, sub.p256dh, audit(action));
      const twice = await store.deletePushSubscription(sub.endpoint, sub.p256dh, audit(action));

      assert.equal(stale, false);
      assert.equal(deleted, true);
      assert.equal(twice, false);
      assert.deepEqual(await store.listPushSubscriptions(accountId), []);
      const rows = (await store.listAudit()).filter((row) => row.action === action);
      assert.equal(rows.length, 1, 'only the delete that happened is audited');
    });

    it('records the last delivery', async () => {
      const store = storeOf();
      const { accountId } = await withPayer(store);
      const sub = subscription(accountId);
      await store.savePushSubscription(sub, 10, saved(accountId));

      await store.markPushDelivered(sub.endpoint, T0 + 42);

      assert.equal((await store.listPushSubscriptions(accountId))[0]?.lastSuccessAt, T0 + 42);
    });

    it('stores one VAPID key pair: the first candidate wins, later ones get it back', async () => {
      const store = storeOf();
      const candidates = [0, 1, 2, 3].map((i) => ({
        publicKey: b64(65),
        privateKey: b64(32),
        createdAt: T0 + i,
      }));

      const answers = await Promise.all(candidates.map((c) => store.ensureVapidKey(c)));
      const later = await store.ensureVapidKey({
        publicKey: b64(65),
        privateKey: b64(32),
        createdAt: T0,
      });

      const [winner] = answers as [VapidKeyRecord];
      assert.ok(candidates.some((c) => c.publicKey === winner.publicKey));
      for (const answer of [...answers, later]) assert.deepEqual(answer, winner);
    });

    it('replaces the VAPID private key only if it is still the expected one', async () => {
      const store = storeOf();
      const current = await store.ensureVapidKey({
        publicKey: b64(65),
        privateKey: b64(32),
        createdAt: T0,
      });

      assert.equal(await store.replaceVapidPrivateKey('not-it', 'enc:v1:x'), false);
      assert.equal(await store.replaceVapidPrivateKey(current.privateKey, 'enc:v1:y'), true);
      const after = await store.ensureVapidKey({
        publicKey: b64(65),
        privateKey: b64(32),
        createdAt: T0,
      });
      assert.deepEqual(after, { ...current, privateKey: 'enc:v1:y' });
    });

    it('names the account that approved a session: ledger entry, or a failure that names one', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const settledOne = await claimedSession(store, payer.merchant.id);
      const refusedOne = await claimedSession(store, payer.merchant.id);
      const declinedOne = await claimedSession(store, payer.merchant.id);
      const settled = await store.settle({
        sessionId: settledOne.session.id,
        challenge: settledOne.challenge,
        card: { id: payer.card.id, expectedCounter: 0, newCounter: 0 },
        limit: { accountId: payer.accountId, since: 0, amount: 1500, max: 1_000_000 },
        settlementId: `stl_${b64(8)}`,
        token: 'h.p.s',
        now: T0 + 2000,
        audit: audit('session.settled', settledOne.session.id),
      });
      assert.ok(settled.ok);
      const finish = (sessionId: string, detail: Record<string, unknown>, ids = {}) =>
        store.finish({
          sessionId,
          from: ['claimed'],
          to: sessionId === declinedOne.session.id ? 'declined' : 'failed',
          errorCode: sessionId === declinedOne.session.id ? 'session_declined' : 'limit_exceeded',
          now: T0 + 2000,
          audit: {
            ...audit(
              sessionId === declinedOne.session.id ? 'session.declined' : 'session.failed',
              sessionId,
            ),
            ...ids,
            detail,
          },
        });
      assert.ok(
        (
          await finish(
            refusedOne.session.id,
            { reason: 'limit_exceeded' },
            { accountId: payer.accountId, cardId: payer.card.id },
          )
        ).ok,
      );
      assert.ok((await finish(declinedOne.session.id, {})).ok);

      assert.deepEqual(await store.approvingAccount(settledOne.session.id), {
        accountId: payer.accountId,
        cardId: payer.card.id,
      });
      assert.deepEqual(await store.approvingAccount(refusedOne.session.id), {
        accountId: payer.accountId,
        cardId: payer.card.id,
      });
      assert.equal(await store.approvingAccount(declinedOne.session.id), null);
      assert.equal(await store.approvingAccount('cs_unknown'), null);
    });

    it('ignores a failure audit row that names no account', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const claimed = await claimedSession(store, payer.merchant.id);
      await store.appendAudit({
        ...audit('session.failed', claimed.session.id),
        detail: { reason: 'too_many_attempts' },
      });
      await store.appendAudit({
        ...audit('approval.failed', claimed.session.id),
        accountId: payer.accountId,
      });

      assert.equal(await store.approvingAccount(claimed.session.id), null);
    });
  });
}
