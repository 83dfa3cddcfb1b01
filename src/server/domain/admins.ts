/**
 * Operators: admin keys, each with a label naming who holds it, and the console's sessions (an
 * admin key exchanged for a short-lived cookie). A revoked key signs nobody in and ends its
 * sessions. Keys and session tokens are stored as SHA-256.
 */
import {
  generateId,
  generateSecret,
  type AdminKeyView,
  type ConsoleSessionView,
  type CreateAdminKeyResponse,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { Actor, AdminKeyRecord, ConsoleSessionRecord } from '../store/types.js';
import * as v from '../validate.js';
import { iso, type DomainContext } from './context.js';

/** A console session ends after this long without a request… */
export const CONSOLE_IDLE_MS = 30 * 60_000;
/** …and this long after sign-in in any case. */
export const CONSOLE_MAX_AGE_MS = 12 * 60 * 60_000;
/** Uses of a key or a session are written at most this often (to spare the database). */
const TOUCH_EVERY_MS = 60_000;

const ADMIN_KEY = /^ak_[A-Za-z0-9_-]{8,200}$/;

export interface SignedIn {
  admin: AdminKeyRecord;
  session: ConsoleSessionRecord;
}

export class AdminService {
  private readonly ctx: DomainContext;
  private readonly touched = new Map<string, number>();

  constructor(ctx: DomainContext) {
    this.ctx = ctx;
  }

  /** The live admin key `key`, or null (unknown, revoked, malformed). */
  async authenticate(key: string): Promise<AdminKeyRecord | null> {
    if (!ADMIN_KEY.test(key)) return null;
    const admin = await this.ctx.store.findAdminKeyByHash(sha256Hex(key));
    if (!admin || admin.revokedAt !== null) return null;
    await this.touch(`key:${admin.id}`, () =>
      this.ctx.store.touchAdminKey(admin.id, this.ctx.now()),
    );
    return admin;
  }

  private async touch(what: string, write: () => Promise<void>): Promise<void> {
    const now = this.ctx.now();
    if (now - (this.touched.get(what) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(what, now);
    if (this.touched.size > 10_000) this.touched.clear();
    await write();
  }

  /** Adds `key` with `label` unless it exists (seeding and `--admin-key`; safe to race). */
  async ensureAdminKey(key: string, label: string, actor: Actor): Promise<void> {
    if (await this.ctx.store.findAdminKeyByHash(sha256Hex(key))) return;
    await this.ctx.store.createAdminKey(
      {
        id: generateId('adm'),
        keyHash: sha256Hex(key),
        label,
        createdAt: this.ctx.now(),
        lastUsedAt: null,
        revokedAt: null,
      },
      this.ctx.auditEntry(actor, 'admin_key.created', undefined, { label }),
    );
  }

  private async store(key: string, label: string, actor: Actor): Promise<AdminKeyRecord> {
    const record: AdminKeyRecord = {
      id: generateId('adm'),
      keyHash: sha256Hex(key),
      label,
      createdAt: this.ctx.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    const created = await this.ctx.store.createAdminKey(
      record,
      this.ctx.auditEntry(actor, 'admin_key.created', undefined, { adminKeyId: record.id, label }),
    );
    if (!created) throw new HttpError('invalid_request', 'This admin key exists already');
    return record;
  }

  /** `POST /v1/admin-keys`: a new key for `label`, shown once. */
  async createAdminKey(input: unknown, actor: Actor): Promise<CreateAdminKeyResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['label']);
    const label = v.text(body.label, 'label', { max: 64 });
    const key = generateSecret('ak');
    const record = await this.store(key, label, actor);
    return { id: record.id, label, key };
  }

  /** `GET /v1/admin-keys`. */
  async listAdminKeys(): Promise<{ adminKeys: AdminKeyView[] }> {
    const keys = await this.ctx.store.listAdminKeys();
    return { adminKeys: keys.map(adminKeyView) };
  }

  /** `POST /v1/admin-keys/:id/revoke`: the key and its console sessions stop at once. */
  async revokeAdminKey(id: string, actor: Actor): Promise<AdminKeyView> {
    const known = (await this.ctx.store.listAdminKeys()).find((key) => key.id === id);
    if (!known) throw new HttpError('not_found', 'No such admin key');
    const revoked = await this.ctx.store.revokeAdminKey(
      id,
      this.ctx.now(),
      this.ctx.auditEntry(actor, 'admin_key.revoked', undefined, {
        adminKeyId: id,
        label: known.label,
      }),
    );
    return adminKeyView(revoked ?? known);
  }

  /** `POST /v1/console/session`: an admin key for a console session token (the cookie). */
  async signIn(input: unknown, actor: Actor): Promise<{ token: string; view: ConsoleSessionView }> {
    const body = v.object(input);
    v.onlyFields(body, ['adminKey']);
    const key = v.text(body.adminKey, 'adminKey', { max: 256 });
    const admin = await this.authenticate(key);
    if (!admin) {
      await this.ctx.audit(actor, 'console.sign_in.refused');
      throw new HttpError('unauthorized', 'This admin key is not valid');
    }
    const token = generateSecret('console');
    const now = this.ctx.now();
    const session: ConsoleSessionRecord = {
      tokenHash: sha256Hex(token),
      adminKeyId: admin.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + CONSOLE_MAX_AGE_MS,
      endedAt: null,
    };
    const started = await this.ctx.store.createConsoleSession(
      session,
      this.ctx.auditEntry({ ...actor, actor: `admin:${admin.label}` }, 'console.signed_in'),
    );
    // Revoked since it was checked above (by another request, or another process).
    if (!started) throw new HttpError('unauthorized', 'This admin key is not valid');
    return { token, view: sessionView(admin, session) };
  }

  /** The live console session of `token` and its admin key, or null. */
  async consoleSession(token: string): Promise<SignedIn | null> {
    const session = await this.ctx.store.getConsoleSession(sha256Hex(token));
    const now = this.ctx.now();
    if (
      !session ||
      session.endedAt !== null ||
      now >= session.expiresAt ||
      now >= session.lastSeenAt + CONSOLE_IDLE_MS
    ) {
      return null;
    }
    const admin = (await this.ctx.store.listAdminKeys()).find((k) => k.id === session.adminKeyId);
    if (!admin || admin.revokedAt !== null) return null;
    await this.touch(`session:${session.tokenHash}`, () =>
      this.ctx.store.touchConsoleSession(session.tokenHash, now),
    );
    return { admin, session: { ...session, lastSeenAt: now } };
  }

  /** The signed-in operator's view of their session. */
  sessionView(signedIn: SignedIn): ConsoleSessionView {
    return sessionView(signedIn.admin, signedIn.session);
  }

  /** `DELETE /v1/console/session`: the cookie is dead from now on. */
  async signOut(token: string, actor: Actor): Promise<void> {
    await this.ctx.store.endConsoleSession(
      sha256Hex(token),
      this.ctx.now(),
      this.ctx.auditEntry(actor, 'console.signed_out'),
    );
  }
}

function adminKeyView(key: AdminKeyRecord): AdminKeyView {
  return {
    id: key.id,
    label: key.label,
    createdAt: iso(key.createdAt),
    lastUsedAt: key.lastUsedAt === null ? null : iso(key.lastUsedAt),
    revokedAt: key.revokedAt === null ? null : iso(key.revokedAt),
  };
}

function sessionView(admin: AdminKeyRecord, session: ConsoleSessionRecord): ConsoleSessionView {
  return {
    label: admin.label,
    expiresAt: iso(session.expiresAt),
    idleExpiresAt: iso(Math.min(session.expiresAt, session.lastSeenAt + CONSOLE_IDLE_MS)),
  };
}
