/**
 * Conformance: recovery codes (issued with the first card, spent once on a freeze or a recovery
 * enrolment) and a second device's enrolment approved by an active card. Part of the store
 * conformance suite (conformance.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { EnrollmentRecord, Store } from '../../../src/server/store/types.js';
import { T0, audit, cardRecord, withPayer } from './fixtures.js';

const hash = (): string => randomBytes(32).toString('hex');

function enrollment(accountId: string, purpose: EnrollmentRecord['purpose']): EnrollmentRecord {
  return {
    codeHash: hash(),
    accountId,
    expiresAt: T0 + 900_000,
    challenge: null,
    usedAt: null,
    createdAt: T0,
    purpose,
    activatesAt: purpose === 'recovery' ? T0 + 86_400_000 : null,
  };
}

function withoutAccount(e: EnrollmentRecord): Omit<EnrollmentRecord, 'accountId'> {
  const { accountId, ...rest } = e;
  void accountId;
  return rest;
}

/** A payer whose first card came with `codes` recovery codes (their hashes returned). */
async function payerWithCodes(store: Store, codes = 3) {
  const payer = await withPayer(store);
  const hashes = Array.from({ length: codes }, hash);
  const desk = enrollment(payer.accountId, 'desk');
  await store.createEnrollment(desk, audit('enrollment.created'));
  const stored = await store.completeEnrollment(
    desk.codeHash,
    cardRecord(payer.accountId),
    T0,
    audit('card.enrolled'),
    hashes,
  );
  assert.ok(stored);
  return { ...payer, hashes };
}

export function describeRecovery(storeOf: () => Store): void {
  describe('recovery codes and second devices', () => {
    it('stores recovery codes with a card, once per account', async () => {
      const store = storeOf();
      const payer = await payerWithCodes(store);
      const again = enrollment(payer.accountId, 'desk');
      await store.createEnrollment(again, audit('enrollment.created'));
      await store.completeEnrollment(
        again.codeHash,
        cardRecord(payer.accountId),
        T0,
        audit('card.enrolled'),
        [hash(), hash()],
      );

      assert.deepEqual(await store.countRecoveryCodes(payer.accountId), { issued: 3, unused: 3 });
      const record = await store.getRecoveryCode(payer.hashes[0] ?? '');
      assert.equal(record?.accountId, payer.accountId);
      assert.equal(record?.usedAt, null);
      assert.equal(await store.getRecoveryCode(hash()), null);
    });

    it('writes no codes when the enrolment code is refused', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const codes = [hash()];
      const refused = await store.completeEnrollment(
        hash(),
        cardRecord(payer.accountId),
        T0,
        audit('card.enrolled'),
        codes,
      );

      assert.equal(refused, false);
      assert.equal(await store.getRecoveryCode(codes[0] ?? ''), null);
    });

    it('freezes the account with a code, which then cannot be used again', async () => {
      const store = storeOf();
      const payer = await payerWithCodes(store);
      const input = {
        codeHash: payer.hashes[0] ?? '',
        now: T0 + 5,
        use: { freeze: true } as const,
        audit: audit('recovery.freeze'),
      };

      const first = await store.useRecoveryCode(input);
      const second = await store.useRecoveryCode({ ...input, now: T0 + 6 });
      const unknown = await store.useRecoveryCode({ ...input, codeHash: hash() });

      assert.deepEqual(first, { ok: true, accountId: payer.accountId });
      assert.deepEqual(second, { ok: false, conflict: 'code_used' });
      assert.deepEqual(unknown, { ok: false, conflict: 'not_found' });
      assert.equal((await store.getAccount(payer.accountId))?.frozenAt, T0 + 5);
      const record = await store.getRecoveryCode(payer.hashes[0] ?? '');
      assert.equal(record?.usedAt, T0 + 5);
      assert.equal(record?.usedFor, 'freeze');
      assert.deepEqual(await store.countRecoveryCodes(payer.accountId), { issued: 3, unused: 2 });
    });

    it('spends one code once when two uses race', async () => {
      const store = storeOf();
      const payer = await payerWithCodes(store);
      const uses = [
        enrollment(payer.accountId, 'recovery'),
        enrollment(payer.accountId, 'recovery'),
      ];

      const results = await Promise.all(
        uses.map((e) =>
          store.useRecoveryCode({
            codeHash: payer.hashes[1] ?? '',
            now: T0 + 1,
            use: { enrollment: withoutAccount(e) },
            audit: audit('recovery.enrollment'),
          }),
        ),
      );

      assert.equal(results.filter((r) => r.ok).length, 1);
      const made = await Promise.all(uses.map((e) => store.getEnrollment(e.codeHash)));
      assert.equal(made.filter(Boolean).length, 1);
    });

    it('makes a recovery enrolment for the code’s account, its card pending until activatesAt', async () => {
      const store = storeOf();
      const payer = await payerWithCodes(store);
      const e = withoutAccount(enrollment('acct_someone_else', 'recovery'));

      const used = await store.useRecoveryCode({
        codeHash: payer.hashes[2] ?? '',
        now: T0 + 1,
        use: { enrollment: e },
        audit: audit('recovery.enrollment'),
      });
      const stored = await store.getEnrollment(e.codeHash);

      assert.deepEqual(used, { ok: true, accountId: payer.accountId });
      assert.equal(stored?.accountId, payer.accountId);
      assert.equal(stored?.purpose, 'recovery');
      assert.equal(stored?.activatesAt, T0 + 86_400_000);
      assert.equal((await store.getAccount(payer.accountId))?.frozenAt, null);
    });

    it('makes a second device’s enrolment once per challenge, approved by an active card', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const challenge = randomBytes(32).toString('base64url');
      await store.storeDeviceChallenge(challenge, T0 + 60_000, T0);
      const input = (e: EnrollmentRecord, expectedCounter = 0) => ({
        challenge,
        card: { id: payer.card.id, expectedCounter, newCounter: expectedCounter + 1 },
        enrollment: e,
        now: T0 + 1,
        audit: audit('enrollment.device'),
      });
      const first = enrollment(payer.accountId, 'device');
      const second = enrollment(payer.accountId, 'device');

      const results = await Promise.all([
        store.createDeviceEnrollment(input(first)),
        store.createDeviceEnrollment(input(second)),
      ]);

      assert.equal(results.filter((r) => r.ok).length, 1);
      const refused = results.find((r) => !r.ok);
      assert.equal(refused && !refused.ok ? refused.conflict : null, 'challenge_spent');
      assert.equal((await store.getCard(payer.card.id))?.counter, 1);
      const made = await Promise.all([first, second].map((e) => store.getEnrollment(e.codeHash)));
      assert.equal(made.filter(Boolean).length, 1);
      assert.equal(made.find(Boolean)?.purpose, 'device');
    });

    it('refuses a second device for an expired challenge, a moved counter, a revoked card or a frozen account', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const attempt = async (expectedCounter: number, expiresAt = T0 + 60_000) => {
        const challenge = randomBytes(32).toString('base64url');
        await store.storeDeviceChallenge(challenge, expiresAt, T0);
        const e = enrollment(payer.accountId, 'device');
        const result = await store.createDeviceEnrollment({
          challenge,
          card: { id: payer.card.id, expectedCounter, newCounter: expectedCounter + 1 },
          enrollment: e,
          now: T0 + 1,
          audit: audit('enrollment.device'),
        });
        assert.equal(await store.getEnrollment(e.codeHash), result.ok ? e : null);
        return result.ok ? 'ok' : result.conflict;
      };

      assert.equal(await attempt(0, T0 + 1), 'challenge_spent');
      assert.equal(await attempt(7), 'counter_moved');
      const frozen = await payerWithCodes(store, 1);
      await store.useRecoveryCode({
        codeHash: frozen.hashes[0] ?? '',
        now: T0,
        use: { freeze: true },
        audit: audit('recovery.freeze'),
      });
      const challenge = randomBytes(32).toString('base64url');
      await store.storeDeviceChallenge(challenge, T0 + 60_000, T0);
      const onFrozen = await store.createDeviceEnrollment({
        challenge,
        card: { id: frozen.card.id, expectedCounter: 0, newCounter: 1 },
        enrollment: enrollment(frozen.accountId, 'device'),
        now: T0 + 1,
        audit: audit('enrollment.device'),
      });
      assert.equal(onFrozen.ok ? 'ok' : onFrozen.conflict, 'account_frozen');
      await store.revokeCard(payer.card.id, T0, audit('card.revoked'));
      assert.equal(await attempt(0), 'card_inactive');
    });
  });
}
