/**
 * Test harness for the issuer: a real HTTP listener on a loopback port over a real SQLite file in a
 * temp directory, plus small clients for each caller (admin, merchant server, page, phone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  SimulatedAuthenticator,
  type CeremonyOptions,
} from '../../../src/phone/simulated-authenticator.js';
import type { ClaimResponse, Handoff, Session } from '../../../src/protocol/index.js';
import {
  DEMO,
  startIssuer,
  type RunningIssuer,
  type StartIssuerOptions,
} from '../../../src/server/index.js';

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

/** The `error.code` of an issuer error answer (undefined for anything else). */
export function errorCodeOf(body: unknown): string | undefined {
  return (body as { error?: { code?: string } } | undefined)?.error?.code;
}

/** A JSON request against `base`; never throws on HTTP errors. */
export async function request<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(new URL(path, base), {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (pages, SSE): keep the text.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface TestIssuer extends RunningIssuer {
  dir: string;
  dbPath: string;
  /** Stops the issuer and deletes its directory. */
  dispose(): Promise<void>;
}

/** Starts an issuer on a free port with the demo seed over a fresh SQLite file. */
export async function startTestIssuer(
  options: Partial<StartIssuerOptions> = {},
): Promise<TestIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-issuer-'));
  const dbPath = join(dir, 'issuer.db');
  const running = await startIssuer({
    db: dbPath,
    port: 0,
    seedDemo: true,
    sweepIntervalMs: 0,
    // Webhook tests start delivery themselves (or call `issuer.deliverWebhooks()`).
    webhookIntervalMs: 0,
    ...options,
  });
  return {
    ...running,
    dir,
    dbPath,
    async dispose() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let orderCounter = 0;

/** Creates a checkout session as the demo merchant. */
export async function createSession(
  base: string,
  overrides: Record<string, unknown> = {},
  secretKey: string = DEMO.secretKey,
): Promise<Session> {
  const result = await request<Session>(base, 'POST', '/v1/checkout-sessions', {
    token: secretKey,
    headers: { 'idempotency-key': `key-${Date.now()}-${orderCounter++}-${Math.random()}` },
    body: {
      amount: 1500,
      currency: 'KRW',
      orderId: `order-${orderCounter}`,
      description: 'Coffee',
      ...overrides,
    },
  });
  if (result.status !== 201)
    throw new Error(`createSession: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/** Makes a hand-off for a session, as the merchant page does. */
export async function createHandoff(base: string, session: Session): Promise<Handoff> {
  const result = await request<Handoff>(
    base,
    'POST',
    `/v1/checkout-sessions/${session.id}/handoffs`,
    {
      token: session.clientSecret,
    },
  );
  if (result.status !== 201)
    throw new Error(`createHandoff: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/**
 * A phone: a cookie jar, the issuer's Origin on every request (as its pages send), and a card
 * (software FIDO2 authenticator).
 */
export class Phone {
  readonly base: string;
  readonly card: SimulatedAuthenticator;
  cookie = '';

  constructor(base: string, card = new SimulatedAuthenticator()) {
    this.base = base;
    this.card = card;
  }

  get origin(): string {
    return new URL(this.base).origin;
  }

  async post<T = unknown>(
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const result = await request<T>(this.base, 'POST', path, {
      ...(body !== undefined ? { body } : {}),
      headers: { origin: this.origin, ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
    });
    const setCookie = result.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    return result;
  }

  /** The recovery codes the last enrolment answered with (an account's first card only). */
  recoveryCodes: string[] | undefined;

  /** Enrols this phone's card for `accountId` through the admin API and the enrolment endpoints. */
  async enrol(
    accountId: string = DEMO.accountId,
    ceremony: Partial<CeremonyOptions> = {},
  ): Promise<string> {
    const enrollment = await request<{ code: string }>(
      this.base,
      'POST',
      `/v1/accounts/${accountId}/enrollments`,
      {
        token: DEMO.adminKey,
      },
    );
    if (enrollment.status !== 201) throw new Error(`enrollment: ${enrollment.status}`);
    return this.enrolWith(enrollment.body.code, ceremony);
  }

  /** Registers this phone's card with an enrolment code (from the desk, recovery or a device). */
  async enrolWith(code: string, ceremony: Partial<CeremonyOptions> = {}): Promise<string> {
    const options = await this.post<PublicKeyCredentialCreationOptionsJSON>(
      `/v1/enrollments/${code}/registration-options`,
    );
    if (options.status !== 200) throw new Error(`registration-options: ${options.status}`);
    const response = await this.card.createCredential(options.body, {
      origin: this.origin,
      ...ceremony,
    });
    const verified = await this.post<{ cardId: string; recoveryCodes?: string[] }>(
      `/v1/enrollments/${code}/verify`,
      {
        response,
        name: 'Test card',
      },
    );
    if (verified.status !== 200)
      throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`);
    this.recoveryCodes = verified.body.recoveryCodes;
    return verified.body.cardId;
  }

  claim(code: string): Promise<HttpResult<ClaimResponse & { code: string }>> {
    return this.post(`/v1/handoffs/${code}/claim`);
  }

  authenticationOptions(
    code: string,
    bindingCode: string,
  ): Promise<HttpResult<PublicKeyCredentialRequestOptionsJSON>> {
    return this.post(`/v1/handoffs/${code}/authentication-options`, { bindingCode });
  }

  /** Signs an assertion for `options` with this phone's card. */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    ceremony: Partial<CeremonyOptions> = {},
  ): Promise<AuthenticationResponseJSON> {
    return this.card.getAssertion(options, { origin: this.origin, ...ceremony });
  }

  confirm(
    code: string,
    response: unknown,
  ): Promise<HttpResult<{ status: string; settlementId: string }>> {
    return this.post(`/v1/handoffs/${code}/confirm`, { response });
  }

  decline(code: string): Promise<HttpResult<{ status: string }>> {
    return this.post(`/v1/handoffs/${code}/decline`);
  }

  /**
   * `GET /v1/handoffs/:code/status`, as the phone page polls it: same-origin, so the browser sends
   * `Sec-Fetch-Site: same-origin` and no `Origin`.
   */
  status(
    code: string,
    headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' },
  ): Promise<HttpResult<{ status: string; error?: { code: string; message: string } }>> {
    return request(this.base, 'GET', `/v1/handoffs/${code}/status`, {
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
    });
  }

  /** Claims, picks the right number, approves: the happy path. Returns the confirm result. */
  async pay(code: string, bindingCode: string, ceremony: Partial<CeremonyOptions> = {}) {
    const claimed = await this.claim(code);
    if (claimed.status !== 200)
      throw new Error(`claim: ${claimed.status} ${JSON.stringify(claimed.body)}`);
    const options = await this.authenticationOptions(code, bindingCode);
    if (options.status !== 200)
      throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
    return this.confirm(code, await this.assert(options.body, ceremony));
  }
}

/** The page's view of a session (binding code for the phone). */
export async function publicSession(base: string, session: Session) {
  return request<{ bindingCode: string; status: string; settlementToken?: string }>(
    base,
    'GET',
    `/v1/checkout-sessions/${session.id}/public`,
    { token: session.clientSecret },
  );
}
