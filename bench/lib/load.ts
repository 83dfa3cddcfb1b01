/**
 * Load for figures 4 and 6: preparation through the real API (sessions, hand-offs, claimed
 * sessions with signed assertions) and autocannon runs against an issuer in another process.
 */
import { randomBytes } from 'node:crypto';
import autocannon, { type Options, type Result } from 'autocannon';
import { Phone } from '../../test/server/support/harness.js';

export const SECRET_KEY = 'sk_test_demo';
export const ADMIN_KEY = 'ak_test_demo';

/** Runs `worker(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool<T>(
  n: number,
  concurrency: number,
  worker: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await worker(i);
      }
    }),
  );
  return results;
}

async function json<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

let keyCounter = 0;
const runTag = `${process.pid}-${Date.now().toString(36)}`;

export interface CreatedSession {
  id: string;
  clientSecret: string;
}

export async function createSession(url: string): Promise<CreatedSession> {
  const n = ++keyCounter;
  return json<CreatedSession>(
    await fetch(`${url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET_KEY}`,
        'content-type': 'application/json',
        'idempotency-key': `prep-${runTag}-${n}`,
      },
      body: JSON.stringify({
        amount: 1500,
        currency: 'KRW',
        orderId: `prep-${n}`,
        description: 'Coffee',
      }),
    }),
    'create session',
  );
}

/** `count` phones, each with its own payer account (monthly limit out of reach) and card. */
export async function enrolPhones(url: string, count: number): Promise<Phone[]> {
  return pool(count, 8, async (i) => {
    const account = await json<{ id: string }>(
      await fetch(`${url}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          displayName: `Bench payer ${i}`,
          monthlyLimit: 1e12,
          currency: 'KRW',
        }),
      }),
      'create account',
    );
    const phone = new Phone(url);
    // A phone token of its own from the start, so concurrent claims all bind the same phone.
    phone.cookie = `dualpay_phone=${randomBytes(32).toString('base64url')}`;
    await phone.enrol(account.id);
    return phone;
  });
}

export interface PreparedConfirm {
  /** The session it settles (its id and the page's secret, for its event stream). */
  session: CreatedSession;
  code: string;
  cookie: string;
  origin: string;
  body: string;
}

/**
 * `n` sessions claimed by one of `phones`, each with a fresh challenge and a signed assertion
 * (counter 0, as passkeys send, so confirmations may arrive in any order).
 */
export async function prepareConfirmations(
  url: string,
  phones: Phone[],
  n: number,
): Promise<PreparedConfirm[]> {
  return pool(n, 48, async (i) => {
    const phone = phones[i % phones.length] as Phone;
    const session = await createSession(url);
    const view = await json<{ bindingCode: string }>(
      await fetch(`${url}/v1/checkout-sessions/${session.id}/public`, {
        headers: { authorization: `Bearer ${session.clientSecret}` },
      }),
      'public',
    );
    const handoff = await json<{ code: string }>(
      await fetch(`${url}/v1/checkout-sessions/${session.id}/handoffs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.clientSecret}` },
      }),
      'handoff',
    );
    const claimed = await phone.claim(handoff.code);
    if (claimed.status !== 200) throw new Error(`claim ${claimed.status}`);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
    if (options.status !== 200) throw new Error(`options ${options.status}`);
    const response = await phone.assert(options.body, { counter: 0 });
    return {
      session,
      code: handoff.code,
      cookie: phone.cookie,
      origin: phone.origin,
      body: JSON.stringify({ response }),
    };
  });
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  connections: number;
  statusCodes: Record<string, number>;
}

function summarizeRun(result: Result & { elapsed: number }, connections: number): LoadResult {
  const ok = result['2xx'];
  const seconds = Number(result.elapsed.toFixed(3));
  return {
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    perSecond: Math.round(ok / seconds),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Number(result.latency.average.toFixed(2)),
    },
    connections,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count]),
    ),
  };
}

/**
 * Runs autocannon. `elapsed` is measured here, from the start to the last response: autocannon's
 * own `duration` (and its end) ticks in whole seconds, which skews short fixed-amount runs.
 */
async function fire(options: Options): Promise<Result & { elapsed: number }> {
  const started = performance.now();
  let last = started;
  const requests = (options.requests ?? []).map((request) => ({
    ...request,
    onResponse: () => {
      last = performance.now();
    },
  }));
  const result = await new Promise<Result>((resolve, reject) => {
    autocannon({ ...options, requests }, (error, outcome) =>
      error ? reject(error) : resolve(outcome),
    );
  });
  return { ...result, elapsed: (last - started) / 1000 };
}

/** `POST /v1/checkout-sessions` for `seconds`, a unique Idempotency-Key and orderId per request. */
export async function loadCreate(
  url: string,
  seconds: number,
  connections = 16,
): Promise<LoadResult> {
  let n = 0;
  const tag = `${runTag}-${Math.random().toString(36).slice(2, 8)}`;
  const result = await fire({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/checkout-sessions',
        setupRequest: (request) => {
          const i = ++n;
          return {
            ...request,
            headers: {
              authorization: `Bearer ${SECRET_KEY}`,
              'content-type': 'application/json',
              'idempotency-key': `load-${tag}-${i}`,
            },
            body: `{"amount":1500,"currency":"KRW","orderId":"load-${tag}-${i}","description":"Coffee"}`,
          };
        },
      },
    ],
  });
  return summarizeRun(result, connections);
}

/** `POST /v1/checkout-sessions/:id/handoffs` round-robin over `sessions`, for `seconds`. */
export async function loadHandoffs(
  url: string,
  sessions: CreatedSession[],
  seconds: number,
  connections = 16,
): Promise<LoadResult> {
  let n = 0;
  const result = await fire({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/',
        setupRequest: (request) => {
          const session = sessions[n++ % sessions.length] as CreatedSession;
          return {
            ...request,
            path: `/v1/checkout-sessions/${session.id}/handoffs`,
            headers: { authorization: `Bearer ${session.clientSecret}` },
          };
        },
      },
    ],
  });
  return summarizeRun(result, connections);
}

/** Fires every prepared confirmation once. */
export async function loadConfirm(
  url: string,
  prepared: PreparedConfirm[],
  connections = 16,
): Promise<LoadResult> {
  let n = 0;
  const result = await fire({
    url,
    connections,
    amount: prepared.length,
    requests: [
      {
        method: 'POST',
        path: '/',
        setupRequest: (request) => {
          const item = prepared[n++ % prepared.length] as PreparedConfirm;
          return {
            ...request,
            path: `/v1/handoffs/${item.code}/confirm`,
            headers: {
              'content-type': 'application/json',
              origin: item.origin,
              cookie: item.cookie,
            },
            body: item.body,
          };
        },
      },
    ],
  });
  return summarizeRun(result, connections);
}
