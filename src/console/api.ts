/**
 * The console's client of the admin API. Same-origin `fetch` with the session cookie
 * (`credentials: 'same-origin'`; the browser adds `Origin` to every state-changing request, which
 * the issuer checks against CSRF), JSON both ways. Every failure becomes a `ConsoleApiError` with
 * the issuer's error `code` (or `network_error` / `invalid_response`), never a stack trace on
 * screen. A 401 on anything but signing in means the session ended: `onSessionEnded` is told once.
 */
import type {
  Account,
  AccountChanges,
  AuditFilters,
  AuditPage,
  ConsoleSession,
  CreatedMerchant,
  Enrollment,
  Merchant,
  MerchantFields,
  NewAccount,
  RevokeCardResponse,
  RollSecretKeyResponse,
  RollWebhookSecretResponse,
  WebhookEventPage,
  WebhookEventView,
} from './types.js';
import { auditQuery } from './format.js';

export class ConsoleApiError extends Error {
  override readonly name = 'ConsoleApiError';
  /** The issuer's error code, `network_error` or `invalid_response`. */
  readonly code: string;
  /** HTTP status, 0 when no answer arrived. */
  readonly status: number;

  constructor(code: string, status: number, message = code) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** The error `code` of anything thrown (a `ConsoleApiError`'s, else `generic`). */
export function errorCodeOf(error: unknown): string {
  return error instanceof ConsoleApiError ? error.code : 'generic';
}

const SESSION_PATH = '/v1/console/session';

export class ConsoleApi {
  /** Called when an authenticated call answers 401 (idle or absolute expiry, sign-out elsewhere). */
  onSessionEnded: () => void = () => undefined;
  /** Called after every successful answer (the issuer extended the session's idle time). */
  onAnswer: () => void = () => undefined;
  /** The issuer's clock minus this browser's, from the last answer's `Date` header (1 s steps). */
  serverOffsetMs = 0;
  private readonly fetchImpl: typeof fetch;

  constructor(fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) {
    this.fetchImpl = fetchImpl;
  }

  /** One call: JSON in and out; `{error: {code, message}}` answers become `ConsoleApiError`. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(path, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ConsoleApiError('network_error', 0);
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isNaN(date)) this.serverOffsetMs = date - Date.now();
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ConsoleApiError('invalid_response', response.status);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)
        ?.error;
      const code = typeof error?.code === 'string' ? error.code : 'invalid_response';
      const message = typeof error?.message === 'string' ? error.message : code;
      if (response.status === 401 && !(method === 'POST' && path === SESSION_PATH)) {
        this.onSessionEnded();
      }
      throw new ConsoleApiError(code, response.status, message);
    }
    this.onAnswer();
    return parsed as T;
  }

  signIn(adminKey: string): Promise<ConsoleSession> {
    return this.request('POST', SESSION_PATH, { adminKey });
  }

  session(): Promise<ConsoleSession> {
    return this.request('GET', SESSION_PATH);
  }

  signOut(): Promise<void> {
    return this.request('DELETE', SESSION_PATH);
  }

  async accounts(query: string): Promise<Account[]> {
    const params = new URLSearchParams({ limit: '200' });
    if (query.trim()) params.set('query', query.trim());
    return (await this.request<{ accounts: Account[] }>('GET', `/v1/accounts?${params}`)).accounts;
  }

  account(id: string): Promise<Account> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(id)}`);
  }

  createAccount(account: NewAccount): Promise<{ id: string }> {
    return this.request('POST', '/v1/accounts', account);
  }

  updateAccount(id: string, changes: AccountChanges): Promise<Account> {
    return this.request('PATCH', `/v1/accounts/${encodeURIComponent(id)}`, changes);
  }

  createEnrollment(accountId: string): Promise<Enrollment> {
    return this.request('POST', `/v1/accounts/${encodeURIComponent(accountId)}/enrollments`, {});
  }

  revokeCard(cardId: string): Promise<RevokeCardResponse> {
    return this.request('POST', `/v1/cards/${encodeURIComponent(cardId)}/revoke`, {});
  }

  async merchants(): Promise<Merchant[]> {
    return (await this.request<{ merchants: Merchant[] }>('GET', '/v1/merchants')).merchants;
  }

  merchant(id: string): Promise<Merchant> {
    return this.request('GET', `/v1/merchants/${encodeURIComponent(id)}`);
  }

  createMerchant(fields: MerchantFields): Promise<CreatedMerchant> {
    return this.request('POST', '/v1/merchants', fields);
  }

  updateMerchant(
    id: string,
    fields: Partial<MerchantFields> & { webhookUrl?: string | null },
  ): Promise<Merchant> {
    return this.request('PATCH', `/v1/merchants/${encodeURIComponent(id)}`, fields);
  }

  rollSecretKey(id: string, expiresInSeconds: number): Promise<RollSecretKeyResponse> {
    return this.request('POST', `/v1/merchants/${encodeURIComponent(id)}/roll-secret-key`, {
      expiresInSeconds,
    });
  }

  rollWebhookSecret(id: string, expiresInSeconds: number): Promise<RollWebhookSecretResponse> {
    return this.request('POST', `/v1/merchants/${encodeURIComponent(id)}/roll-webhook-secret`, {
      expiresInSeconds,
    });
  }

  webhookEvents(merchantId: string, cursor?: string): Promise<WebhookEventPage> {
    const params = new URLSearchParams({ limit: '20' });
    if (cursor) params.set('cursor', cursor);
    return this.request(
      'GET',
      `/v1/merchants/${encodeURIComponent(merchantId)}/webhook-events?${params}`,
    );
  }

  redeliverWebhookEvent(eventId: string): Promise<WebhookEventView> {
    return this.request('POST', `/v1/webhook-events/${encodeURIComponent(eventId)}/redeliver`, {});
  }

  auditEvents(filters: AuditFilters, cursor?: string): Promise<AuditPage> {
    const params = auditQuery(filters, cursor);
    params.set('limit', '50');
    return this.request('GET', `/v1/audit-events?${params}`);
  }
}
