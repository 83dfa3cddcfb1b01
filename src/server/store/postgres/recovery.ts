/**
 * The recovery part of the PostgreSQL store: one-time recovery codes (freeze, recovery
 * enrolment) and a second device's enrolment approved by an active card. As in the SQLite store
 * (`../sqlite/recovery.ts`), each change is one conditional write; row locks order racing ones.
 */
import type {
  DeviceEnrollmentInput,
  DeviceEnrollmentResult,
  EnrollmentRecord,
  RecoveryCodeRecord,
  UseRecoveryCodeInput,
  UseRecoveryCodeResult,
} from '../types.js';
import { Refused, type Tx } from './database.js';
import { PgRecords } from './records.js';
import * as rows from './rows.js';

async function insertEnrollment(tx: Tx, e: EnrollmentRecord): Promise<void> {
  await tx.run(
    `INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at,
       purpose, activates_at)
     VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6)`,
    [e.codeHash, e.accountId, e.expiresAt, e.createdAt, e.purpose, e.activatesAt],
  );
}

export class PgRecovery extends PgRecords {
  async getRecoveryCode(codeHash: string): Promise<RecoveryCodeRecord | null> {
    const row = await this.one('SELECT * FROM recovery_codes WHERE code_hash = $1', [codeHash]);
    return row ? rows.toRecoveryCode(row) : null;
  }

  async countRecoveryCodes(accountId: string): Promise<{ issued: number; unused: number }> {
    const row = await this.one(
      'SELECT COUNT(*) AS issued, COUNT(*) - COUNT(used_at) AS unused FROM recovery_codes WHERE account_id = $1',
      [accountId],
    );
    return { issued: rows.num(row?.issued ?? 0), unused: rows.num(row?.unused ?? 0) };
  }

  async useRecoveryCode(input: UseRecoveryCodeInput): Promise<UseRecoveryCodeResult> {
    const { codeHash, now, use } = input;
    return this.engine.write(async (tx): Promise<UseRecoveryCodeResult> => {
      // Spent first (the row lock makes a racing use wait, then find it used).
      const spent = await tx.one(
        `UPDATE recovery_codes SET used_at = $1, used_for = $2
         WHERE code_hash = $3 AND used_at IS NULL RETURNING account_id`,
        [now, 'freeze' in use ? 'freeze' : 'enrollment', codeHash],
      );
      if (!spent) {
        const known = await tx.one('SELECT 1 FROM recovery_codes WHERE code_hash = $1', [codeHash]);
        return { ok: false, conflict: known ? 'code_used' : 'not_found' };
      }
      const accountId = String(spent.account_id);
      if ('freeze' in use) {
        await tx.run('UPDATE accounts SET frozen_at = COALESCE(frozen_at, $1) WHERE id = $2', [
          now,
          accountId,
        ]);
      } else {
        await insertEnrollment(tx, { ...use.enrollment, accountId });
      }
      await this.audit(tx, { ...input.audit, accountId });
      return { ok: true, accountId };
    });
  }

  async storeDeviceChallenge(challenge: string, expiresAt: number, now: number): Promise<void> {
    await this.engine.write(async (tx) => {
      await tx.run('DELETE FROM device_challenges WHERE expires_at <= $1', [now]);
      await tx.run(
        'INSERT INTO device_challenges (challenge, expires_at, used_at) VALUES ($1, $2, NULL)',
        [challenge, expiresAt],
      );
    });
  }

  async createDeviceEnrollment(input: DeviceEnrollmentInput): Promise<DeviceEnrollmentResult> {
    const { card, enrollment: e, now } = input;
    return this.engine.write(async (tx): Promise<DeviceEnrollmentResult> => {
      const spent = await tx.run(
        'UPDATE device_challenges SET used_at = $1 WHERE challenge = $2 AND used_at IS NULL AND expires_at > $1',
        [now, input.challenge],
      );
      if (spent !== 1) throw new Refused('challenge_spent', null);
      const active = 'revoked_at IS NULL AND (activates_at IS NULL OR activates_at <= $3)';
      const moved = await tx.run(
        `UPDATE cards SET counter = $4, last_used_at = $3
         WHERE id = $1 AND account_id = $2 AND counter = $5 AND ${active}`,
        [card.id, e.accountId, now, card.newCounter, card.expectedCounter],
      );
      if (moved !== 1) {
        const live = await tx.one(
          `SELECT 1 FROM cards WHERE id = $1 AND account_id = $2 AND ${active}`,
          [card.id, e.accountId, now],
        );
        throw new Refused(live ? 'counter_moved' : 'card_inactive', null);
      }
      // The account row locked: a freeze racing this write either committed first (and is seen
      // here) or waits for it.
      const account = await tx.one(
        'SELECT frozen_at FROM accounts WHERE id = $1 FOR NO KEY UPDATE',
        [e.accountId],
      );
      if (!account || account.frozen_at !== null) throw new Refused('account_frozen', null);
      await insertEnrollment(tx, e);
      await this.audit(tx, input.audit);
      return { ok: true, enrollment: e };
    });
  }
}
