import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsoleApi, ConsoleApiError, errorCodeOf } from '../../src/console/api.js';

interface Sent {
  url: string;
  init: RequestInit;
}

/** A ConsoleApi over a fake fetch that answers `status` with `body` and records each request. */
function apiAnswering(status: number, body?: unknown, headers: Record<string, string> = {}) {
  const sent: Sent[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
  }) as typeof fetch;
  const api = new ConsoleApi(fetchImpl);
  let ended = 0;
  let answered = 0;
  api.onSessionEnded = () => ended++;
  api.onAnswer = () => answered++;
  return { api, sent, ended: () => ended, answered: () => answered };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConsoleApiError);
    return error.code;
  }
  return 'resolved';
}

describe('ConsoleApi (src/console/api.ts)', () => {
  it('sends JSON with the same-origin cookie and no credentials of its own', async () => {
    const { api, sent } = apiAnswering(201, { id: 'acct_1' });

    await api.createAccount({
      displayName: 'Kim',
      currency: 'KRW',
      idCheck: { documentType: 'passport', numberEnding: '12' },
    });

    const [request] = sent;
    assert.equal(request?.url, '/v1/accounts');
    assert.equal(request?.init.method, 'POST');
    assert.equal(request?.init.credentials, 'same-origin');
    const headers = request?.init.headers as Record<string, string>;
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['authorization'], undefined);
    assert.deepEqual(JSON.parse(String(request?.init.body)), {
      displayName: 'Kim',
      currency: 'KRW',
      idCheck: { documentType: 'passport', numberEnding: '12' },
    });
  });

  it('turns {error: {code}} answers into ConsoleApiError with that code', async () => {
    const { api } = apiAnswering(409, { error: { code: 'merchant_name_taken', message: 'x' } });

    assert.equal(
      await codeOf(api.createMerchant({ name: 'a', allowedOrigins: [], mode: 'test' })),
      'merchant_name_taken',
    );
  });

  it('tells the app the session ended on a 401 from any call but signing in', async () => {
    const denied = { error: { code: 'unauthorized', message: 'x' } };
    const listing = apiAnswering(401, denied);
    const signing = apiAnswering(401, denied);

    assert.equal(await codeOf(listing.api.accounts('')), 'unauthorized');
    assert.equal(await codeOf(signing.api.signIn('ak_wrong')), 'unauthorized');

    assert.equal(listing.ended(), 1);
    assert.equal(signing.ended(), 0);
  });

  it('answers network_error when nothing came back and invalid_response for a non-JSON body', async () => {
    const offline = new ConsoleApi((async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch);
    const garbled = new ConsoleApi(
      (async () => new Response('<html>', { status: 502 })) as typeof fetch,
    );

    assert.equal(await codeOf(offline.merchants()), 'network_error');
    assert.equal(await codeOf(garbled.merchants()), 'invalid_response');
    assert.equal(errorCodeOf(new Error('x')), 'generic');
  });

  it('notes each successful answer and the issuer clock for idle expiry', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const { api, answered } = apiAnswering(200, { accounts: [] }, { date });

    await api.accounts('kim');

    assert.equal(answered(), 1);
    assert.ok(Math.abs(api.serverOffsetMs - 60_000) < 2_000, String(api.serverOffsetMs));
  });

  it('puts the search, the audit filters and ids into the URL, encoded', async () => {
    const { api, sent } = apiAnswering(200, { accounts: [], events: [], nextCursor: null });

    await api.accounts(' Kim & Lee ');
    await api.auditEvents({ accountId: 'acct_demo' }, 'next');
    await api.account('a/b');

    assert.equal(sent[0]?.url, '/v1/accounts?limit=200&query=Kim+%26+Lee');
    assert.equal(sent[1]?.url, '/v1/audit-events?accountId=acct_demo&cursor=next&limit=50');
    assert.equal(sent[2]?.url, '/v1/accounts/a%2Fb');
  });
});
