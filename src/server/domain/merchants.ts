/**
 * Merchants and their secret keys: creation, look-up by id and by secret key (both cached for a
 * moment, since every merchant request needs one), changes (name, origins, mode, webhook URL) and
 * key rolls with an overlap.
 */
import {
  generateId,
  generateSecret,
  type CreateMerchantResponse,
  type MerchantMode,
  type MerchantView,
  type RollSecretKeyResponse,
} from '../../protocol/index.js';
import { sha256Hex } from '../crypto.js';
import { HttpError } from '../errors.js';
import type { Actor, MerchantRecord } from '../store/types.js';
import * as v from '../validate.js';
import { iso, type DomainContext } from './context.js';
import { merchantNameKey } from './merchant-names.js';
import type { WebhookService } from './webhooks.js';

/**
 * Cached merchants are trusted this long. Changes made here take effect at once; so do changes
 * made by another process on a shared store that announces them (`subscribeMerchantChanges`:
 * the issuer calls `forgetMerchant`); without such a store, within this time.
 */
const CACHE_MS = 2000;
/** The longest overlap of a key roll: a week. */
const MAX_KEY_OVERLAP_SEC = 7 * 24 * 3600;

const NAME_TAKEN =
  'Another merchant has this name (names are compared after NFKC normalization and case folding)';

interface Cached {
  merchant: MerchantRecord;
  at: number;
}

export class MerchantService {
  private readonly ctx: DomainContext;
  private readonly webhooks: WebhookService;
  private readonly byId = new Map<string, Cached>();
  private readonly byKeyHash = new Map<string, Cached>();
  /**
   * Counts forgets: a read that started before one may have fetched what it forgot, so its
   * result is used but not cached (the announcement can overtake a read in flight).
   */
  private forgets = 0;

  constructor(ctx: DomainContext, webhooks: WebhookService) {
    this.ctx = ctx;
    this.webhooks = webhooks;
  }

  private fresh(entry: Cached | undefined): MerchantRecord | null {
    return entry && this.ctx.now() - entry.at < CACHE_MS ? entry.merchant : null;
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const cached = this.fresh(this.byId.get(id));
    if (cached) return cached;
    const forgets = this.forgets;
    const merchant = await this.ctx.store.getMerchant(id);
    if (merchant && forgets === this.forgets) this.byId.set(id, { merchant, at: this.ctx.now() });
    return merchant;
  }

  async merchantBySecretKey(secretKey: string): Promise<MerchantRecord | null> {
    const hash = sha256Hex(secretKey);
    const cached = this.fresh(this.byKeyHash.get(hash));
    if (cached) return cached;
    const now = this.ctx.now();
    const forgets = this.forgets;
    const merchant = await this.ctx.store.findMerchantBySecretKeyHash(hash, now);
    // The cache holds only keys that matched (no growth from bad guesses).
    if (merchant && forgets === this.forgets) this.byKeyHash.set(hash, { merchant, at: now });
    else this.byKeyHash.delete(hash);
    return merchant;
  }

  /** Forgets cached copies of a merchant that changed (here, or in another process). */
  forgetMerchant(id: string): void {
    this.forgets++;
    this.byId.delete(id);
    for (const [hash, entry] of this.byKeyHash) {
      if (entry.merchant.id === id) this.byKeyHash.delete(hash);
    }
  }

  /** Forgets every cached merchant (changes by other processes may have gone unheard). */
  forgetAll(): void {
    this.forgets++;
    this.byId.clear();
    this.byKeyHash.clear();
  }

  /** `GET /v1/merchants`: newest first. */
  async listMerchants(): Promise<{ merchants: MerchantView[] }> {
    const merchants = await this.ctx.store.listMerchants();
    return { merchants: await Promise.all(merchants.map((m) => this.toView(m))) };
  }

  /** `GET /v1/merchants/:id`. */
  async merchantView(id: string): Promise<MerchantView> {
    const merchant = await this.ctx.store.getMerchant(id);
    if (!merchant) throw new HttpError('not_found', 'No such merchant');
    return this.toView(merchant);
  }

  private async toView(merchant: MerchantRecord): Promise<MerchantView> {
    const [keys, webhookSecrets] = await Promise.all([
      this.ctx.store.listMerchantKeys(merchant.id),
      this.webhooks.secretViews(merchant.id),
    ]);
    const now = this.ctx.now();
    return {
      ...shortView(merchant),
      createdAt: iso(merchant.createdAt),
      secretKeys: keys
        .filter((key) => key.expiresAt === null || key.expiresAt > now)
        .map((key) => ({
          prefix: key.prefix,
          createdAt: iso(key.createdAt),
          expiresAt: key.expiresAt === null ? null : iso(key.expiresAt),
        })),
      webhookSecrets,
    };
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
    const now = this.ctx.now();
    const record: MerchantRecord = {
      id,
      name,
      nameKey: merchantNameKey(name),
      mode,
      allowedOrigins,
      webhookUrl: null,
      createdAt: now,
    };
    const created = await this.ctx.store.createMerchant(
      record,
      {
        keyHash: sha256Hex(secretKey),
        merchantId: id,
        prefix: keyPrefix(mode),
        createdAt: now,
        expiresAt: null,
      },
      {
        ...this.ctx.auditEntry(actor, 'merchant.created', undefined, {
          name,
          mode,
          allowedOrigins,
        }),
        merchantId: id,
      },
    );
    // Payers tell merchants apart by name: two names that read the same are one name.
    if (!created.ok) throw new HttpError('merchant_name_taken', NAME_TAKEN);
    this.byId.set(id, { merchant: record, at: now });
    return { id, name, mode, secretKey };
  }

  /**
   * `PATCH /v1/merchants/:id`: name, allowed origins, mode, webhook URL (null removes it). The
   * change that gives a merchant without a webhook secret its first URL also makes the secret, in
   * the same write, and answers it once (`webhookSecret`).
   */
  async updateMerchant(id: string, input: unknown, actor: Actor): Promise<MerchantView> {
    const body = v.object(input);
    v.onlyFields(body, ['name', 'allowedOrigins', 'mode', 'webhookUrl']);
    const name = body.name === undefined ? undefined : v.text(body.name, 'name', { max: 100 });
    const allowedOrigins =
      body.allowedOrigins === undefined ? undefined : v.origins(body.allowedOrigins);
    const mode = v.merchantMode(body.mode);
    const webhookUrl =
      body.webhookUrl === undefined ? undefined : await this.webhooks.checkUrl(body.webhookUrl);
    const changes = {
      ...(name !== undefined ? { name } : {}),
      ...(allowedOrigins !== undefined ? { allowedOrigins } : {}),
      ...(mode !== undefined ? { mode } : {}),
      ...(webhookUrl !== undefined ? { webhookUrl } : {}),
    };
    const offered = webhookUrl ? this.webhooks.newSecret(id, this.ctx.now()) : undefined;
    const result = await this.ctx.store.updateMerchant(
      id,
      { ...changes, ...(name !== undefined ? { nameKey: merchantNameKey(name) } : {}) },
      { ...this.ctx.auditEntry(actor, 'merchant.updated', undefined, changes), merchantId: id },
      offered ? { webhookSecret: offered.record } : {},
    );
    this.forgetMerchant(id);
    if (!result.ok) {
      if (result.conflict === 'not_found') throw new HttpError('not_found', 'No such merchant');
      throw new HttpError('merchant_name_taken', NAME_TAKEN);
    }
    return {
      ...shortView(result.merchant),
      ...(offered && result.webhookSecretAdded ? { webhookSecret: offered.secret } : {}),
    };
  }

  /**
   * `POST /v1/merchants/:id/roll-secret-key`: a new secret key, shown once; the previous keys
   * stop working `expiresInSeconds` from now (0: at once).
   */
  async rollSecretKey(id: string, input: unknown, actor: Actor): Promise<RollSecretKeyResponse> {
    const body = input === undefined ? {} : v.object(input);
    v.onlyFields(body, ['expiresInSeconds']);
    const overlapSec =
      body.expiresInSeconds === undefined
        ? 0
        : v.nonNegativeInteger(body.expiresInSeconds, 'expiresInSeconds');
    if (overlapSec > MAX_KEY_OVERLAP_SEC) {
      throw new HttpError(
        'invalid_request',
        `expiresInSeconds must be at most ${MAX_KEY_OVERLAP_SEC}`,
      );
    }
    const merchant = await this.ctx.store.getMerchant(id);
    if (!merchant) throw new HttpError('not_found', 'No such merchant');
    const now = this.ctx.now();
    const secretKey = generateSecret(`sk_${merchant.mode}`);
    const previousExpiresAt = now + overlapSec * 1000;
    const rolled = await this.ctx.store.rollMerchantKey(
      {
        keyHash: sha256Hex(secretKey),
        merchantId: id,
        prefix: keyPrefix(merchant.mode),
        createdAt: now,
        expiresAt: null,
      },
      previousExpiresAt,
      {
        ...this.ctx.auditEntry(actor, 'merchant.key_rolled', undefined, {
          expiresInSeconds: overlapSec,
        }),
        merchantId: id,
      },
    );
    this.forgetMerchant(id);
    if (!rolled) throw new HttpError('not_found', 'No such merchant');
    return { secretKey, previousKeyExpiresAt: iso(previousExpiresAt) };
  }
}

/** `sk_test_` or `sk_live_`: what an operator sees of a key. */
const keyPrefix = (mode: MerchantMode): string => `sk_${mode}_`;

function shortView(merchant: MerchantRecord): MerchantView {
  return {
    id: merchant.id,
    name: merchant.name,
    mode: merchant.mode,
    allowedOrigins: merchant.allowedOrigins,
    webhookUrl: merchant.webhookUrl,
  };
}
