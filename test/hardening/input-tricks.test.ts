/**
 * Security review findings 10 and 11 as attacks on a real issuer:
 *
 * - 10: a JSON body that says one thing to one reader and another to the next, through a key
 *   given twice (`{"amount":1,…,"amount":999999}`: JSON.parse keeps the last), at any depth and
 *   spelled with escapes, is refused with `400 invalid_request` and writes nothing;
 * - 11: text that reads differently from its bytes (controls, line separators, bidirectional
 *   overrides, zero-width and other invisible characters) is refused in every display text and
 *   identifier the issuer takes, and two merchants cannot share a name that reads the same
 *   (`409 merchant_name_taken`).
 *
 * Unit tests: test/server/body.test.ts, test/server/validate.test.ts,
 * test/server/merchant-names.test.ts; the store rule: test/server/store/conformance.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/protocol/index.js';
import { DEMO, seedDemo, type SqliteStore } from '../../src/server/index.js';
import type { SessionRecord } from '../../src/server/store/types.js';
import {
  Phone,
  errorCodeOf,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';
import { invariantViolations } from './support/invariants.js';
import { FORBIDDEN_CLASSES } from './support/unicode-tricks.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
const TABLES = ['merchants', 'accounts', 'enrollments', 'cards', 'sessions', 'handoffs'] as const;

let server: TestIssuer;
before(async () => {
  server = await startTestIssuer({
    rateLimits: { enrollment: GENEROUS, sessionCreate: GENEROUS },
  });
});
after(() => server.dispose());

const db = () => (server.issuer.store as SqliteStore).db;

function rowCounts(): Record<string, number> {
  return Object.fromEntries(
    TABLES.map((table) => [
      table,
      (db().prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    ]),
  );
}

const createSessionRaw = (raw: string, idempotencyKey: string) =>
  request<Session>(server.url, 'POST', '/v1/checkout-sessions', {
    token: DEMO.secretKey,
    headers: { 'idempotency-key': idempotencyKey },
    raw,
  });

/** Whether the demo merchant already has a session made with `idempotencyKey` (store API). */
async function keyWasUsed(idempotencyKey: string): Promise<boolean> {
  // createSession answers `repeated` or `conflict` for a key in use; a fresh key creates.
  const probe: SessionRecord = {
    id: `cs_probe_${randomUUID()}`,
    merchantId: DEMO.merchantId,
    status: 'open',
    amount: 1,
    currency: 'KRW',
    orderId: 'probe',
    description: '',
    metadata: {},
    clientSecret: `probe_${randomUUID()}`,
    bindingCode: '42',
    txn: randomUUID(),
    idempotencyKey,
    requestHash: `probe-${randomUUID()}`,
    phoneTokenHash: null,
    failedAttempts: 0,
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    settlementId: null,
    settlementToken: null,
    errorCode: null,
    eventSeq: 0,
    pageNetwork: null,
  };
  const result = await server.issuer.store.createSession(probe, {
    actor: 'test',
    at: Date.now(),
    action: 'probe',
  });
  return result.outcome !== 'created';
}

function assertRefused(result: HttpResult, label: string): void {
  assert.equal(result.status, 400, `${label}: ${result.status} ${JSON.stringify(result.body)}`);
  assert.equal(errorCodeOf(result.body), 'invalid_request', label);
}

describe('finding 10: duplicate JSON keys', () => {
  it('refuses {"amount":1,…,"amount":999999} on POST /v1/checkout-sessions and creates nothing', async () => {
    const orderId = `dup-attack-${randomUUID()}`;
    const key = `dup-attack-${randomUUID()}`;
    const rows = rowCounts();

    const result = await createSessionRaw(
      `{"amount":1,"currency":"KRW","orderId":"${orderId}","description":"Coffee","amount":999999}`,
      key,
    );

    assertRefused(result, 'duplicate amount');
    assert.deepEqual(rowCounts(), rows);
    assert.deepEqual(
      db().prepare('SELECT COUNT(*) AS n FROM sessions WHERE order_id = ?').get(orderId),
      { n: 0 },
    );
    assert.equal(await keyWasUsed(key), false, 'a session exists under the idempotency key');
  });

  for (const [label, body] of [
    ['the larger amount first', '{"amount":999999,"currency":"KRW","orderId":"o","amount":1}'],
    [
      'an escaped second amount',
      '{"amount":1,"currency":"KRW","orderId":"o","\\u0061mount":999999}',
    ],
    [
      'an escaped first amount',
      '{"\\u0061\\u006d\\u006f\\u0075\\u006e\\u0074":1,"currency":"KRW","orderId":"o","amount":999999}',
    ],
    ['a repeated currency', '{"amount":1500,"currency":"KRW","orderId":"o","currency":"USD"}'],
    ['a repeated orderId', '{"amount":1500,"currency":"KRW","orderId":"a","orderId":"b"}'],
    [
      'a duplicate inside metadata',
      '{"amount":1500,"currency":"KRW","orderId":"o","metadata":{"ref":"1","ref":"2"}}',
    ],
    [
      'an escaped duplicate inside metadata',
      '{"amount":1500,"currency":"KRW","orderId":"o","metadata":{"ref":"1","r\\u0065f":"2"}}',
    ],
    [
      'a whole metadata object given twice',
      '{"amount":1500,"currency":"KRW","orderId":"o","metadata":{"a":"1"},"metadata":{"b":"2"}}',
    ],
  ] as const) {
    it(`refuses ${label} and creates nothing`, async () => {
      const key = `dup-${randomUUID()}`;
      const rows = rowCounts();

      const result = await createSessionRaw(body, key);

      assertRefused(result, label);
      assert.deepEqual(rowCounts(), rows);
      assert.equal(await keyWasUsed(key), false);
    });
  }

  it('refuses duplicate keys on every endpoint that takes a body, before anything else', async () => {
    const enrollment = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    const origin = { origin: new URL(server.url).origin };
    const cases: [string, string, Record<string, string>][] = [
      [
        '/v1/merchants',
        '{"name":"A","allowedOrigins":[],"name":"B"}',
        { authorization: `Bearer ${DEMO.adminKey}` },
      ],
      [
        '/v1/accounts',
        '{"displayName":"A","displayName":"B"}',
        { authorization: `Bearer ${DEMO.adminKey}` },
      ],
      [
        `/v1/enrollments/${enrollment.body.code}/verify`,
        '{"response":{},"name":"a","name":"b"}',
        origin,
      ],
      [
        '/v1/handoffs/AAAAAAAAAAAAAAAAAAAAAAAA/authentication-options',
        '{"bindingCode":"00","bindingCode":"11"}',
        origin,
      ],
      ['/v1/handoffs/AAAAAAAAAAAAAAAAAAAAAAAA/confirm', '{"response":{"id":"A","id":"B"}}', origin],
    ];
    const rows = rowCounts();

    for (const [path, raw, headers] of cases) {
      const result = await request(server.url, 'POST', path, { headers, raw });
      assertRefused(result, path);
    }

    assert.deepEqual(rowCounts(), rows);
  });
});

/** The fields of finding 11 and how to send a value in each (a fresh valid request around it). */
interface TextField {
  name: string;
  multiline: boolean;
  send: (value: string) => Promise<HttpResult>;
}

let enrollmentCode = '';

const TEXT_FIELDS: TextField[] = [
  {
    name: 'merchant name',
    multiline: false,
    send: (value) =>
      request(server.url, 'POST', '/v1/merchants', {
        token: DEMO.adminKey,
        body: { name: `Shop ${randomUUID()} ${value}`, allowedOrigins: [] },
      }),
  },
  {
    name: 'account displayName',
    multiline: false,
    send: (value) =>
      request(server.url, 'POST', '/v1/accounts', {
        token: DEMO.adminKey,
        body: { displayName: `Payer ${value}` },
      }),
  },
  ...(
    [
      ['checkout orderId', false, (value: string) => ({ orderId: `order-${value}` })],
      ['checkout description', true, (value: string) => ({ description: `Coffee ${value}` })],
      ['metadata key', false, (value: string) => ({ metadata: { [`ref${value}`]: 'x' } })],
      ['metadata value', true, (value: string) => ({ metadata: { ref: `x${value}` } })],
    ] as const
  ).map(([name, multiline, fields]) => ({
    name,
    multiline,
    send: (value: string) =>
      request(server.url, 'POST', '/v1/checkout-sessions', {
        token: DEMO.secretKey,
        headers: { 'idempotency-key': `tricks-${randomUUID()}` },
        body: { amount: 1500, currency: 'KRW', orderId: 'order-1', ...fields(value) },
      }),
  })),
  {
    name: 'card name at enrolment',
    multiline: false,
    send: (value) =>
      new Phone(server.url).post(`/v1/enrollments/${enrollmentCode}/verify`, {
        response: {},
        name: `Card ${value}`,
      }),
  },
];

describe('finding 11: characters that make text read differently', () => {
  before(async () => {
    const enrollment = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    enrollmentCode = enrollment.body.code;
    const options = await new Phone(server.url).post(
      `/v1/enrollments/${enrollmentCode}/registration-options`,
    );
    assert.equal(options.status, 200);
  });

  for (const field of TEXT_FIELDS) {
    for (const [klass, chars] of Object.entries(FORBIDDEN_CLASSES)) {
      it(`refuses ${klass} in the ${field.name} and writes nothing`, async () => {
        const rows = rowCounts();
        const accepted: string[] = [];

        for (const char of chars) {
          const result = await field.send(char);
          if (result.status !== 400 || errorCodeOf(result.body) !== 'invalid_request')
            accepted.push(`U+${(char.codePointAt(0) ?? 0).toString(16)}: ${result.status}`);
        }

        assert.deepEqual(accepted, []);
        assert.deepEqual(rowCounts(), rows);
      });
    }

    it(`refuses a run of variation selectors in the ${field.name}`, async () => {
      assertRefused(await field.send('x\ufe0f\ufe0f\ufe0f'), field.name);
    });

    if (field.multiline) {
      it(`accepts \\n, \\r and \\t in the ${field.name} (control)`, async () => {
        const result = await field.send('line one\r\n\tline two');
        assert.equal(result.status, 201, JSON.stringify(result.body));
      });
    }
  }

  it('accepts names in other scripts, with accents and emoji (control)', async () => {
    const names = ['한국 커피 \u2615', 'مقهى الزاوية', 'בית קפה', 'Café \u2764\ufe0f'];
    for (const name of names) {
      const result = await request(server.url, 'POST', '/v1/merchants', {
        token: DEMO.adminKey,
        body: { name, allowedOrigins: [] },
      });
      assert.equal(result.status, 201, `${name}: ${JSON.stringify(result.body)}`);
    }
  });

  it('leaves the enrolment code unused after the refused card names', async () => {
    const phone = new Phone(server.url);
    const enrollment = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    const code = enrollment.body.code;
    const options = await phone.post(`/v1/enrollments/${code}/registration-options`);
    const response = await phone.card.createCredential(options.body as never, {
      origin: phone.origin,
    });

    const refused = await phone.post(`/v1/enrollments/${code}/verify`, {
      response,
      name: 'My \u202ekey',
    });
    const verified = await phone.post(`/v1/enrollments/${code}/verify`, {
      response,
      name: 'My key',
    });

    assertRefused(refused, 'card name');
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
  });
});

describe('finding 11: merchant names that read the same are one name', () => {
  const createMerchant = (name: string) =>
    request<{ id: string }>(server.url, 'POST', '/v1/merchants', {
      token: DEMO.adminKey,
      body: { name, allowedOrigins: [] },
    });

  it('refuses "ＤＥＭＯ ＳＨＯＰ" and "demo shop" after "Demo Shop" with 409 merchant_name_taken', async () => {
    const first = await createMerchant('Demo Shop');
    const rows = rowCounts();
    const audit = (await server.issuer.store.listAudit()).length;

    const refused = [
      await createMerchant('\uff24\uff25\uff2d\uff2f \uff33\uff28\uff2f\uff30'),
      await createMerchant('demo shop'),
      await createMerchant('DEMO\u3000SHOP'),
      await createMerchant('  Demo   Shop '),
    ];

    assert.equal(first.status, 201);
    for (const result of refused) {
      assert.equal(result.status, 409, JSON.stringify(result.body));
      assert.equal(errorCodeOf(result.body), 'merchant_name_taken');
    }
    assert.deepEqual(rowCounts(), rows);
    assert.equal((await server.issuer.store.listAudit()).length, audit);
  });

  for (const [label, taken, again] of [
    ['the sharp s', 'Straße Bäckerei', 'STRASSE BÄCKEREI'],
    ['the Kelvin sign', 'Kiosk Nord', '\u212aiosk Nord'],
    ['the Turkish dotted capital I', 'İstanbul Kebap', 'istanbul kebap'],
    ['the demo merchant', DEMO.merchantName, DEMO.merchantName.toUpperCase()],
  ] as const) {
    it(`refuses a second merchant named like another through ${label}`, async () => {
      if (taken !== DEMO.merchantName) assert.equal((await createMerchant(taken)).status, 201);

      const result = await createMerchant(again);

      assert.equal(result.status, 409, JSON.stringify(result.body));
      assert.equal(errorCodeOf(result.body), 'merchant_name_taken');
    });
  }

  it('still takes names that differ (control)', async () => {
    for (const name of ['Demo Shop 2', 'DemoShop', 'Démo Shop', 'Kiosk Süd']) {
      assert.equal((await createMerchant(name)).status, 201, name);
    }
  });

  it('lets exactly one of ten racing creations of one name win', async () => {
    const variants = Array.from({ length: 10 }, (_, i) =>
      i % 2 ? 'RACE CAFÉ' : `race caf\u0065\u0301${' '.repeat(i)}`,
    );

    const results = await Promise.all(variants.map(createMerchant));

    assert.equal(results.filter((result) => result.status === 201).length, 1);
    assert.deepEqual(
      results.filter((result) => result.status !== 201).map((result) => errorCodeOf(result.body)),
      Array.from({ length: 9 }, () => 'merchant_name_taken'),
    );
  });

  it('keeps the demo seed working when it runs again', async () => {
    await seedDemo(server.issuer);
    await seedDemo(server.issuer, { shopOrigins: ['http://localhost:4999'] });

    const merchant = await server.issuer.store.getMerchant(DEMO.merchantId);
    assert.deepEqual(merchant?.allowedOrigins, ['http://localhost:4999']);
    assert.equal(
      (
        db().prepare('SELECT COUNT(*) AS n FROM merchants WHERE id = ?').get(DEMO.merchantId) as {
          n: number;
        }
      ).n,
      1,
    );
  });

  it('leaves the database invariants intact', () => {
    assert.deepEqual(invariantViolations(db()), []);
  });
});
