/**
 * Reading the audit log (`GET /v1/audit-events`): filters by what a row is about, action (exact,
 * or a prefix ending in `.`), time range; newest first, in pages continued by an opaque cursor.
 */
import type { AuditEvent, AuditEventPage } from '../../protocol/index.js';
import { base64urlDecode, base64urlEncode } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import type { AuditQuery, AuditRecord } from '../store/types.js';
import * as v from '../validate.js';
import { iso, type DomainContext } from './context.js';

/** Events a page holds at most. */
export const MAX_AUDIT_PAGE = 200;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ACTION = /^[a-z_]+(\.[a-z_]+)*\.?$/;

function encodeCursor(id: number): string {
  return base64urlEncode(new TextEncoder().encode(`before:${id}`));
}

function decodeCursor(cursor: string): number {
  try {
    const match = /^before:([0-9]{1,15})$/.exec(new TextDecoder().decode(base64urlDecode(cursor)));
    if (match?.[1]) return Number(match[1]);
  } catch {
    // Falls through to the refusal.
  }
  throw new HttpError('invalid_request', 'cursor is not one this API gave out');
}

function time(value: unknown, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = v.text(value, field, { max: 40 });
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
    throw new HttpError('invalid_request', `${field} must be an ISO 8601 date or time`);
  }
  return ms;
}

/** The audit query of `GET /v1/audit-events`' query string. */
export function readAuditQuery(query: Record<string, unknown>): AuditQuery {
  v.onlyFields(query, [
    'sessionId',
    'accountId',
    'cardId',
    'merchantId',
    'action',
    'since',
    'until',
    'cursor',
    'limit',
  ]);
  const result: AuditQuery = {
    limit: v.queryInteger(query.limit, 'limit', { min: 1, max: MAX_AUDIT_PAGE }) ?? 50,
  };
  for (const field of ['sessionId', 'accountId', 'cardId', 'merchantId'] as const) {
    if (query[field] === undefined || query[field] === '') continue;
    result[field] = v.text(query[field], field, { max: 64, pattern: ID });
  }
  if (query.action !== undefined && query.action !== '') {
    result.action = v.text(query.action, 'action', { max: 64, pattern: ACTION });
  }
  const since = time(query.since, 'since');
  const until = time(query.until, 'until');
  if (since !== undefined) result.since = since;
  if (until !== undefined) result.until = until;
  if (query.cursor !== undefined && query.cursor !== '') {
    result.beforeId = decodeCursor(v.text(query.cursor, 'cursor', { max: 100 }));
  }
  return result;
}

function toEvent(row: AuditRecord): AuditEvent {
  return {
    id: row.id,
    at: iso(row.at),
    actor: row.actor,
    action: row.action,
    ip: row.ip,
    sessionId: row.sessionId,
    accountId: row.accountId,
    cardId: row.cardId,
    merchantId: row.merchantId,
    detail: row.detail,
  };
}

export class AuditService {
  private readonly ctx: DomainContext;

  constructor(ctx: DomainContext) {
    this.ctx = ctx;
  }

  /** `GET /v1/audit-events`. */
  async listAuditEvents(query: Record<string, unknown>): Promise<AuditEventPage> {
    const filter = readAuditQuery(query);
    // One row more than asked tells whether there is a next page.
    const rows = await this.ctx.store.queryAudit({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      events: page.map(toEvent),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.id) : null,
    };
  }
}
