/**
 * The recovery part of the SQLite store: one-time recovery codes (freeze, recovery enrolment)
 * and a second device's enrolment approved by an active card. Each change is one conditional
 * write, as everywhere in the store.
 */
import type {
  DeviceEnrollmentInput,
  DeviceEnrollmentResult,
  RecoveryCodeRecord,
  UseRecoveryCodeInput,
  UseRecoveryCodeResult,
} from '../types.js';
import { Refused } from './database.js';
import { SqliteRecords } from './records.js';
import * as rows from './rows.js';

export class SqliteRecovery extends SqliteRecords {
  async getRecoveryCode(codeHash: string): Promise<RecoveryCodeRecord | null> {
    const row = this.one('SELECT * FROM recovery_codes WHERE code_hash = ?', codeHash);
    return row ? rows.toRecoveryCode(row) : null;
  }

  async countRecoveryCodes(accountId: string): Promise<{ issued: number; unused: number }> {
    const row = this.one(
      'SELECT COUNT(*) AS issued, COUNT(*) - COUNT(used_at) AS unused FROM recovery_codes WHERE account_id = ?',
      accountId,
    );
    return { issued: rows.num(row?.issued ?? 0), unused: rows.num(row?.unused ?? 0) };
  }

  async useRecoveryCode(input: UseRecoveryCodeInput): Promise<UseRecoveryCodeResult> {
    const { codeHash, now, use } = input;
    return this.engine.write((): UseRecoveryCodeResult => {
      // Spent first: of two uses of one code at once, one finds it used and writes nothing.
      const spent = this.one(
        `UPDATE recovery_codes SET used_at = ?, used_for = ?
         WHERE code_hash = ? AND used_at IS NULL RETURNING account_id`,
        now,
        'freeze' in use ? 'freeze' : 'enrollment',
        codeHash,
      );
      if (!spent) {
        const known = this.one('SELECT 1 FROM recovery_codes WHERE code_hash = ?', codeHash);
        return { ok: false, conflict: known ? 'code_used' : 'not_found' };
      }
      const accountId = String(spent.account_id);
      if ('freeze' in use) {
        this.run(
          'UPDATE accounts SET frozen_at = COALESCE(frozen_at, ?) WHERE id = ?',
          now,
          accountId,
        );
      } else {
        const e = use.enrollment;
        this.run(
          `INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at,
             purpose, activates_at)
           VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)`,
          e.codeHash,
          accountId,
          e.expiresAt,
          e.createdAt,
          e.purpose,
          e.activatesAt,
        );
      }
      this.audit({ ...input.audit, accountId });
      return { ok: true, accountId };
    });
  }

  async storeDeviceChallenge(challenge: string, expiresAt: number, now: number): Promise<void> {
    await this.engine.write(() => {
      this.run('DELETE FROM device_challenges WHERE expires_at <= ?', now);
      this.run(
        'INSERT INTO device_challenges (challenge, expires_at, used_at) VALUES (?, ?, NULL)',
        challenge,
        expiresAt,
      );
    });
  }

  async createDeviceEnrollment(input: DeviceEnrollmentInput): Promise<DeviceEnrollmentResult> {
    const { card, enrollment: e, now } = input;
    return this.engine.write((): DeviceEnrollmentResult => {
      const spent = this.run(
        'UPDATE device_challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL AND expires_at > ?',
        now,
        input.challenge,
        now,
      );
      if (spent.changes !== 1) throw new Refused('challenge_spent', null);
      const moved = this.run(
        `UPDATE cards SET counter = ?, last_used_at = ?
         WHERE id = ? AND account_id = ? AND counter = ? AND revoked_at IS NULL
           AND (activates_at IS NULL OR activates_at <= ?)`,
        card.newCounter,
        now,
        card.id,
        e.accountId,
        card.expectedCounter,
        now,
      );
      if (moved.changes !== 1) {
        const live = this.one(
          'SELECT 1 FROM cards WHERE id = ? AND account_id = ? AND revoked_at IS NULL AND (activates_at IS NULL OR activates_at <= ?)',
          card.id,
          e.accountId,
          now,
        );
        throw new Refused(live ? 'counter_moved' : 'card_inactive', null);
      }
      if (this.one('SELECT 1 FROM accounts WHERE id = ? AND frozen_at IS NOT NULL', e.accountId)) {
        throw new Refused('account_frozen', null);
      }
      this.run(
        `INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at,
           purpose, activates_at)
         VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)`,
        e.codeHash,
        e.accountId,
        e.expiresAt,
        e.createdAt,
        e.purpose,
        e.activatesAt,
      );
      this.audit(input.audit);
      return { ok: true, enrollment: e };
    });
  }
}
