/**
 * Merchants and admin keys: creation, look-up by id and by secret key (both cached, since every
 * merchant request needs one), allowed origins.
 */
import { generateId, generateSecret, type CreateMerchantResponse } from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { Actor, MerchantRecord } from '../store/types.js';
import * as v from '../validate.js';
import type { DomainContext } from './context.js';
import { merchantNameKey } from './merchant-names.js';

export class MerchantService {
  private readonly ctx: DomainContext;
  private readonly byId = new Map<string, MerchantRecord>();
  private readonly byKeyHash = new Map<string, MerchantRecord>();

  constructor(ctx: DomainContext) {
    this.ctx = ctx;
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const merchant = await this.ctx.store.getMerchant(id);
    if (merchant) this.byId.set(id, merchant);
    return merchant;
  }

  async merchantBySecretKey(secretKey: string): Promise<MerchantRecord | null> {
    const hash = sha256Hex(secretKey);
    const cached = this.byKeyHash.get(hash);
    if (cached) return cached;
    const merchant = await this.ctx.store.findMerchantBySecretKeyHash(hash);
    // The cache holds only keys that matched (no growth from bad guesses).
    if (merchant) this.byKeyHash.set(hash, merchant);
    return merchant;
  }

  /** Forgets cached copies of a merchant that changed. */
  private forget(id: string): void {
    this.byId.delete(id);
    for (const [hash, merchant] of this.byKeyHash) {
      if (merchant.id === id) this.byKeyHash.delete(hash);
    }
  }

  async isAdminKey(key: string): Promise<boolean> {
    return this.ctx.store.hasAdminKey(sha256Hex(key));
  }

  async addAdminKey(key: string): Promise<void> {
    await this.ctx.store.addAdminKey(sha256Hex(key), this.ctx.now());
  }

  /**
   * `POST /v1/merchants`. Pass `id`/`secretKey` only when seeding known test values. A name another
   * merchant has (`merchantNameKey`) is `merchant_name_taken`.
   */
  async createMerchant(
    input: unknown,
    actor: Actor,
    fixed: { id?: string; secretKey?: string } = {},
  ): Promise<CreateMerchantResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['name', 'allowedOrigins', 'mode']);
    const name = v.text(body.name, 'name', { max: 100 });
    const allowedOrigins = v.origins(body.allowedOrigins);
    const mode = v.merchantMode(body.mode) ?? 'test';
    const id = fixed.id ?? generateId('m');
    const secretKey = fixed.secretKey ?? generateSecret(`sk_${mode}`);
    const record: MerchantRecord = {
      id,
      name,
      nameKey: merchantNameKey(name),
      mode,
      secretKeyHash: sha256Hex(secretKey),
      allowedOrigins,
      createdAt: this.ctx.now(),
    };
    const created = await this.ctx.store.createMerchant(
      record,
      this.ctx.auditEntry(actor, 'merchant.created', undefined, {
        merchantId: id,
        name,
        mode,
        allowedOrigins,
      }),
    );
    if (!created.ok) {
      // Payers tell merchants apart by name: two names that read the same are one name.
      throw new HttpError(
        'merchant_name_taken',
        'Another merchant has this name (names are compared after NFKC normalization and case folding)',
      );
    }
    this.byId.set(id, record);
    return { id, name, mode, secretKey };
  }

  /** Replaces a merchant's allowed origins (seeding the demo on another port). */
  async setAllowedOrigins(id: string, allowedOrigins: string[], actor: Actor): Promise<void> {
    const updated = await this.ctx.store.setMerchantAllowedOrigins(
      id,
      allowedOrigins,
      this.ctx.auditEntry(actor, 'merchant.updated', undefined, { merchantId: id, allowedOrigins }),
    );
    this.forget(id);
    if (!updated) throw new HttpError('not_found', 'No such merchant');
  }
}
