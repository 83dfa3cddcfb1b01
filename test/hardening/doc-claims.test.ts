/**
 * What the docs say is what the code does (security review finding 13): HEAD on GET routes, the
 * phone cookie on a refused claim, the phone pages' Cross-Origin-Opener-Policy, and the Redis
 * replay-guard example of docs/verify.md, run as written against an in-memory Redis double.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/server/index.js';
import { SettlementTokenError, verifySettlementToken } from '../../src/verify/index.js';
import type { ReplayGuard } from '../../src/verify/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from '../server/support/harness.js';
import { settledSession } from '../server/support/pay.js';

describe('documented HTTP behaviour', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  it('answers HEAD on health, keys, pages and assets, and not on the API', async () => {
    const session = await createSession(server.url);
    const head = async (path: string, token?: string) => {
      const response = await fetch(new URL(path, server.url), {
        method: 'HEAD',
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      return response.status;
    };

    const pages = await Promise.all(
      ['/healthz', '/.well-known/jwks.json', '/h', '/h/AAAAAAAAAAAAAAAAAAAAAAAA', '/e/x'].map(
        (path) => head(path),
      ),
    );
    const events = await head(`/v1/checkout-sessions/${session.id}/events`, session.clientSecret);
    const poll = await head(`/v1/checkout-sessions/${session.id}/public`, session.clientSecret);

    assert.deepEqual(pages, [200, 200, 200, 200, 200]);
    assert.equal(events, 404);
    assert.equal(poll, 404);
  });

  it('sets no phone cookie on a refused claim', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    await new Phone(server.url).claim(handoff.code);
    const origin = { origin: server.issuer.publicUrl };

    const taken = await request(server.url, 'POST', `/v1/handoffs/${handoff.code}/claim`, {
      headers: origin,
    });
    const unknown = await request(server.url, 'POST', '/v1/handoffs/BCDFGHJK/claim', {
      headers: origin,
    });

    assert.equal(taken.status, 409);
    assert.equal(taken.headers.get('set-cookie'), null);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('set-cookie'), null);
  });

  it('serves the phone pages with Cross-Origin-Opener-Policy: same-origin', async () => {
    const pages = ['/h', '/h/AAAAAAAAAAAAAAAAAAAAAAAA', '/e/AAAAAAAAAAAAAAAAAAAAAAAA'];

    const policies = await Promise.all(
      pages.map(async (path) => (await fetch(new URL(path, server.url))).headers),
    );

    for (const headers of policies) {
      assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin');
    }
  });
});

/** The part of node-redis v4 the documented guard uses, with Redis's semantics. */
class RedisDouble {
  private readonly keys = new Map<string, number>();

  async exists(key: string): Promise<number> {
    return this.keys.has(key) ? 1 : 0;
  }

  async set(key: string, _value: string, options: { NX: boolean; EXAT: number }) {
    if (options.NX && this.keys.has(key)) return null;
    this.keys.set(key, options.EXAT);
    return 'OK';
  }
}

/** The `redisReplayGuard` of docs/verify.md, evaluated as written over `redis`. */
function documentedRedisGuard(redis: RedisDouble): ReplayGuard {
  const doc = readFileSync('docs/verify.md', 'utf8');
  const block = /export const redisReplayGuard: ReplayGuard = (\{[\s\S]*?\n\});/.exec(doc)?.[1];
  assert.ok(block, 'docs/verify.md has no redisReplayGuard example');
  // The example is TypeScript without type annotations inside the object: plain JavaScript.
  return new Function('redis', `return (${block});`)(redis) as ReplayGuard;
}

describe('the replay guard of docs/verify.md', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  it('accepts a token once and refuses it with token_replayed after, also when two race', async () => {
    const phone = new Phone(server.url);
    await phone.enrol();
    const session = await settledSession(server, phone);
    const jwks = await request<{ keys: JsonWebKey[] }>(server.url, 'GET', '/.well-known/jwks.json');
    const options = {
      issuer: server.issuer.publicUrl,
      audience: DEMO.merchantId,
      jwks: jwks.body as never,
      replayGuard: documentedRedisGuard(new RedisDouble()),
    };

    const results = await Promise.allSettled([
      verifySettlementToken(session.settlementToken, options),
      verifySettlementToken(session.settlementToken, options),
    ]);
    const later = await verifySettlementToken(session.settlementToken, options).catch(
      (error: unknown) => error,
    );

    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    assert.ok(later instanceof SettlementTokenError);
    assert.equal(later.code, 'token_replayed');
  });
});
