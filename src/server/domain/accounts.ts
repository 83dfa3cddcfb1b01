/**
 * Accounts (payers) and their cards, as operators manage them: create an account after a
 * face-to-face ID check, list and search, read one with its cards and this month's usage, change
 * its name and limit, freeze it, revoke a card. Every change is audited with the operator.
 */
import {
  ID_DOCUMENT_TYPES,
  base64urlEncode,
  generateId,
  randomBytes,
  type Account,
  type AccountCard,
  type CardStatus,
  type CreateAccountResponse,
  type RevokeCardResponse,
} from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import { DEFAULT_MONTHLY_LIMITS, monthStartUtc } from '../limits.js';
import type {
  AccountPatch,
  AccountRecord,
  Actor,
  CardRecord,
  IdCheckRecord,
} from '../store/types.js';
import * as v from '../validate.js';
import { iso, type DomainContext } from './context.js';
import { merchantNameKey as textKey } from './merchant-names.js';

/** Accounts a list answers at most. */
export const MAX_ACCOUNTS_LISTED = 200;

/** The operator's label from an actor such as `admin:desk-1`. */
const operatorOf = (actor: Actor): string => actor.actor.replace(/^admin:/, '');

/** A card's status at `now`: revoked, pending (recovery cooling-off) or active. */
export function cardStatus(card: CardRecord, now: number): CardStatus {
  if (card.revokedAt !== null) return 'revoked';
  return card.activatesAt !== null && card.activatesAt > now ? 'pending' : 'active';
}

function cardView(card: CardRecord, now: number): AccountCard {
  return {
    id: card.id,
    name: card.name,
    status: cardStatus(card, now),
    createdAt: iso(card.createdAt),
    lastUsedAt: card.lastUsedAt === null ? null : iso(card.lastUsedAt),
    ...(card.activatesAt !== null ? { activatesAt: iso(card.activatesAt) } : {}),
    ...(card.revokedAt !== null ? { revokedAt: iso(card.revokedAt) } : {}),
    test: card.test,
  };
}

/** The ID-check record of a new account, from the operator's input. */
function readIdCheck(value: unknown, actor: Actor, now: number): IdCheckRecord | null {
  if (value === undefined) return null;
  const body = v.object(value, 'idCheck');
  v.onlyFields(body, ['documentType', 'numberEnding', 'note']);
  if (!(ID_DOCUMENT_TYPES as readonly unknown[]).includes(body.documentType)) {
    throw new HttpError(
      'invalid_request',
      `idCheck.documentType must be one of ${ID_DOCUMENT_TYPES.join(', ')}`,
    );
  }
  // Only the ending: the whole number is not the issuer's to keep.
  const numberEnding = v.text(body.numberEnding, 'idCheck.numberEnding', {
    min: 2,
    max: 4,
    pattern: /^[A-Za-z0-9]+$/,
  });
  const note = v.optionalText(body.note, 'idCheck.note', { min: 0, max: 500, multiline: true });
  return {
    documentType: body.documentType as string,
    numberEnding,
    note: note ?? '',
    checkedBy: operatorOf(actor),
    checkedAt: now,
  };
}

export class AccountService {
  private readonly ctx: DomainContext;

  constructor(ctx: DomainContext) {
    this.ctx = ctx;
  }

  /** `POST /v1/accounts`. Pass `id` only when seeding a known test account. */
  async createAccount(
    input: unknown,
    actor: Actor,
    fixed: { id?: string } = {},
  ): Promise<CreateAccountResponse> {
    const body = v.object(input);
    v.onlyFields(body, ['displayName', 'monthlyLimit', 'currency', 'idCheck']);
    const displayName = v.text(body.displayName, 'displayName', { max: 100 });
    const currency = body.currency === undefined ? 'KRW' : v.currency(body.currency);
    const fallback = DEFAULT_MONTHLY_LIMITS[currency];
    if (body.monthlyLimit === undefined && fallback === undefined) {
      throw new HttpError('invalid_request', `monthlyLimit is required for ${currency} accounts`);
    }
    const monthlyLimit =
      body.monthlyLimit === undefined
        ? (fallback ?? 0)
        : v.nonNegativeInteger(body.monthlyLimit, 'monthlyLimit');
    const now = this.ctx.now();
    const idCheck = readIdCheck(body.idCheck, actor, now);
    const id = fixed.id ?? generateId('acct');
    const record: AccountRecord = {
      id,
      displayName,
      nameKey: textKey(displayName),
      userHandle: base64urlEncode(randomBytes(32)),
      monthlyLimit,
      currency,
      frozenAt: null,
      idCheck,
      createdAt: now,
    };
    const detail = {
      monthlyLimit,
      currency,
      ...(idCheck ? { idCheck: { documentType: idCheck.documentType } } : {}),
    };
    await this.ctx.store.createAccount(record, {
      ...this.ctx.auditEntry(actor, 'account.created', undefined, detail),
      accountId: id,
    });
    return { id };
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    return this.ctx.store.getAccount(id);
  }

  /** `GET /v1/accounts?query=&limit=`: newest first; `query` is an id prefix or part of a name. */
  async listAccounts(query: Record<string, unknown>): Promise<{ accounts: Account[] }> {
    const text = v.optionalText(query.query, 'query', { min: 0, max: 100 })?.trim() ?? '';
    const limit = v.queryInteger(query.limit, 'limit', { min: 1, max: MAX_ACCOUNTS_LISTED }) ?? 50;
    const records = await this.ctx.store.listAccounts({
      ...(text ? { idPrefix: text, nameKeyPart: textKey(text) } : {}),
      limit,
    });
    return { accounts: await Promise.all(records.map((record) => this.toAccount(record))) };
  }

  /** `GET /v1/accounts/:id`. */
  async accountView(id: string): Promise<Account> {
    const record = await this.ctx.store.getAccount(id);
    if (!record) throw new HttpError('not_found', 'No such account');
    return this.toAccount(record);
  }

  private async toAccount(record: AccountRecord): Promise<Account> {
    const now = this.ctx.now();
    const [cards, used] = await Promise.all([
      this.ctx.store.listCards(record.id),
      this.ctx.store.limitUsedSince(record.id, monthStartUtc(now)),
    ]);
    const idCheck = record.idCheck
      ? { ...record.idCheck, checkedAt: iso(record.idCheck.checkedAt) }
      : null;
    return {
      id: record.id,
      displayName: record.displayName,
      currency: record.currency,
      monthlyLimit: record.monthlyLimit,
      usedThisMonth: used,
      frozen: record.frozenAt !== null,
      ...(record.frozenAt !== null ? { frozenAt: iso(record.frozenAt) } : {}),
      createdAt: iso(record.createdAt),
      idCheck: idCheck as Account['idCheck'],
      cards: cards.map((card) => cardView(card, now)),
    };
  }

  /** `PATCH /v1/accounts/:id`: name, limit, freeze; audited as one row with the changes. */
  async updateAccount(id: string, input: unknown, actor: Actor): Promise<Account> {
    const body = v.object(input);
    v.onlyFields(body, ['displayName', 'monthlyLimit', 'frozen']);
    const current = await this.ctx.store.getAccount(id);
    if (!current) throw new HttpError('not_found', 'No such account');
    const patch: AccountPatch = {};
    if (body.displayName !== undefined) {
      patch.displayName = v.text(body.displayName, 'displayName', { max: 100 });
      patch.nameKey = textKey(patch.displayName);
    }
    if (body.monthlyLimit !== undefined) {
      patch.monthlyLimit = v.nonNegativeInteger(body.monthlyLimit, 'monthlyLimit');
    }
    const frozen = body.frozen === undefined ? undefined : v.boolean(body.frozen, 'frozen');
    if (frozen !== undefined && frozen !== (current.frozenAt !== null)) {
      patch.frozenAt = frozen ? this.ctx.now() : null;
    }
    const action =
      patch.frozenAt === undefined
        ? 'account.updated'
        : patch.frozenAt === null
          ? 'account.unfrozen'
          : 'account.frozen';
    const { nameKey: _key, frozenAt: _at, ...changes } = patch;
    const updated = await this.ctx.store.updateAccount(id, patch, {
      ...this.ctx.auditEntry(actor, action, undefined, {
        ...changes,
        ...(frozen !== undefined ? { frozen } : {}),
      }),
      accountId: id,
    });
    if (!updated) throw new HttpError('not_found', 'No such account');
    return this.toAccount(updated);
  }

  /**
   * `POST /v1/cards/:id/revoke`: from now on the card's assertions are refused, in-flight
   * payments included (the settlement checks the card inside its transaction). Repeating it
   * answers the first revocation.
   */
  async revokeCard(id: string, actor: Actor): Promise<RevokeCardResponse> {
    const card = await this.ctx.store.getCard(id);
    if (!card) throw new HttpError('not_found', 'No such card');
    const revoked =
      (await this.ctx.store.revokeCard(id, this.ctx.now(), {
        ...this.ctx.auditEntry(actor, 'card.revoked', undefined, { name: card.name }),
        accountId: card.accountId,
        cardId: id,
      })) ?? (await this.ctx.store.getCard(id));
    return { id, status: 'revoked', revokedAt: iso(revoked?.revokedAt ?? this.ctx.now()) };
  }
}
