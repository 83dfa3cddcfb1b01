/**
 * The risk policy, through the HTTP API: the defaults let a burst of small payments through; a
 * policy file's thresholds refuse with `risk_declined`; every decision is in the audit log with
 * the signals it weighed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEventPage, Session } from '../../src/protocol/index.js';
import {
  DEFAULT_RISK_POLICY,
  DEMO,
  RiskPolicyError,
  loadRiskPolicy,
  parseRiskPolicy,
} from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';
import { freePort, spawnIssuer } from './support/process.js';
import { capsFor } from '../../src/server/domain/risk.js';

const admin = { token: DEMO.adminKey };

/** One whole payment; returns the phone's confirm answer and the session. */
async function attempt(
  server: TestIssuer,
  phone: Phone,
  overrides: Record<string, unknown> = {},
  pageHeaders: Record<string, string> = {},
) {
  const session = await createSession(server.url, overrides);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await request<{ code: string }>(
    server.url,
    'POST',
    `/v1/checkout-sessions/${session.id}/handoffs`,
    { token: session.clientSecret, headers: pageHeaders },
  );
  const confirmed = await phone.pay(handoff.body.code, view.bindingCode);
  return { confirmed, session };
}

async function auditFor(server: TestIssuer, sessionId: string, action: string) {
  const page = await request<AuditEventPage>(
    server.url,
    'GET',
    `/v1/audit-events?sessionId=${sessionId}&action=${action}`,
    admin,
  );
  const event = page.body.events[0];
  assert.ok(event, `no ${action} audit row for ${sessionId}`);
  return event;
}

async function newAccount(server: TestIssuer): Promise<string> {
  const created = await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
    ...admin,
    body: { displayName: 'Risk Tester', monthlyLimit: 10_000_000 },
  });
  assert.equal(created.status, 201);
  return created.body.id;
}

describe('the default risk policy', () => {
  let server: TestIssuer;
  before(async () => {
    // The claim rate limit (per client address) is not what this test is about: 50 payments
    // here take under a second, which no payer approving each with a card could do.
    server = await startTestIssuer({ rateLimits: { claim: { perMinute: 600, burst: 100 } } });
  });
  after(() => server.dispose());

  it('lets 50 small payments in a minute through, from a new card at a new merchant', async () => {
    const phone = new Phone(server.url);
    await phone.enrol(await newAccount(server));
    const started = Date.now();
    let last: Session | undefined;
    for (let i = 0; i < 50; i++) {
      const { confirmed, session } = await attempt(server, phone, { amount: 1000 });
      assert.equal(confirmed.status, 200, `payment ${i + 1}: ${JSON.stringify(confirmed.body)}`);
      last = session;
    }
    assert.ok(Date.now() - started < 60_000, 'the 50 payments took longer than the window');
    // Each allowed decision is audited with what it weighed.
    const settled = await auditFor(server, last?.id ?? '', 'session.settled');
    const risk = settled.detail.risk as Record<string, unknown>;
    assert.equal(risk.accountPaymentsShort, 49);
    assert.equal(risk.cardPaymentsShort, 49);
    // Whether the merchant is new needs only one earlier payment: that count stops at 1.
    assert.equal(risk.merchantPaymentsEver, 1);
    assert.equal(risk.accountAmountShort, null, 'no amount limit by default: not read');
    assert.equal(risk.sameNetwork, true); // page and phone both on loopback
    assert.deepEqual(risk.flags, ['newCard']);
    assert.equal(risk.score, 1);
  });
});

describe('a risk policy file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-risk-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function policyFile(policy: unknown): string {
    const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(policy));
    return file;
  }

  async function issuerWith(policy: unknown, options = {}) {
    return startTestIssuer({ riskPolicy: loadRiskPolicy(policyFile(policy)), ...options });
  }

  it('refuses the payment over a card velocity limit, and audits why', async () => {
    const server = await issuerWith({ limits: { cardPaymentsShort: 3 } });
    try {
      const phone = new Phone(server.url);
      await phone.enrol(await newAccount(server));
      for (let i = 0; i < 3; i++) {
        assert.equal((await attempt(server, phone, { amount: 500 })).confirmed.status, 200);
      }
      const { confirmed, session } = await attempt(server, phone, { amount: 500 });
      assert.equal(confirmed.status, 422);
      assert.equal(errorCodeOf(confirmed.body), 'risk_declined');
      // The merchant page learns it from the session; the reasons stay in the audit log.
      const stored = await server.issuer.store.getSession(session.id);
      assert.equal(stored?.status, 'failed');
      assert.equal(stored?.errorCode, 'risk_declined');
      const failed = await auditFor(server, session.id, 'session.failed');
      assert.deepEqual(failed.detail.reasons, ['cardPaymentsShort limit 3']);
      assert.equal((failed.detail.risk as { cardPaymentsShort: number }).cardPaymentsShort, 3);
      assert.ok(failed.cardId, 'the refusal names the card');
    } finally {
      await server.dispose();
    }
  });

  it('refuses when enough soft signals meet (score), naming them', async () => {
    const server = await issuerWith({ score: { refuseAt: 2 } });
    try {
      const phone = new Phone(server.url);
      await phone.enrol(await newAccount(server));
      const { confirmed, session } = await attempt(server, phone);
      assert.equal(errorCodeOf(confirmed.body), 'risk_declined');
      const failed = await auditFor(server, session.id, 'session.failed');
      assert.deepEqual(failed.detail.reasons, ['score 2 ≥ 2: newCard, newMerchant']);
    } finally {
      await server.dispose();
    }
  });

  it('compares the merchant page’s network with the phone’s', async () => {
    const server = await issuerWith(
      { score: { refuseAt: 1, weights: { newCard: 0, newMerchant: 0, otherNetwork: 1 } } },
      { trustProxy: 1 },
    );
    try {
      const phone = new Phone(server.url);
      await phone.enrol(await newAccount(server));
      // The phone's address is the socket's (loopback); the page is elsewhere, then nearby.
      const far = await attempt(server, phone, {}, { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(errorCodeOf(far.confirmed.body), 'risk_declined');
      const farRow = await auditFor(server, far.session.id, 'session.failed');
      assert.equal((farRow.detail.risk as { sameNetwork: boolean }).sameNetwork, false);
      const near = await attempt(server, phone, {}, { 'x-forwarded-for': '127.0.0.77' });
      assert.equal(near.confirmed.status, 200, JSON.stringify(near.confirmed.body));
    } finally {
      await server.dispose();
    }
  });

  it('limits the accounts paid for from one phone', async () => {
    const server = await issuerWith({ limits: { phoneAccountsLong: 2 } });
    try {
      const first = new Phone(server.url);
      await first.enrol(await newAccount(server));
      const second = new Phone(server.url);
      await second.enrol(await newAccount(server));
      const third = new Phone(server.url);
      await third.enrol(await newAccount(server));
      assert.equal((await attempt(server, first)).confirmed.status, 200);
      // The same phone (its cookie) approves with the second and third accounts' cards.
      second.cookie = first.cookie;
      third.cookie = first.cookie;
      assert.equal((await attempt(server, second)).confirmed.status, 200);
      const { confirmed } = await attempt(server, third);
      assert.equal(errorCodeOf(confirmed.body), 'risk_declined');
    } finally {
      await server.dispose();
    }
  });

  it('counts failed approvals of a card against it', async () => {
    const server = await issuerWith({ limits: { cardFailuresLong: 1 } });
    try {
      const phone = new Phone(server.url);
      await phone.enrol(await newAccount(server));
      for (let i = 0; i < 2; i++) {
        const session = await createSession(server.url);
        const { body: view } = await publicSession(server.url, session);
        const handoff = await createHandoff(server.url, session);
        await phone.claim(handoff.code);
        const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
        const response = await phone.assert(options.body);
        response.response.signature = Buffer.from('not a signature').toString('base64url');
        const refused = await phone.confirm(handoff.code, response);
        assert.equal(errorCodeOf(refused.body), 'authentication_failed');
      }
      const { confirmed } = await attempt(server, phone);
      assert.equal(errorCodeOf(confirmed.body), 'risk_declined');
    } finally {
      await server.dispose();
    }
  });

  it('flags an amount far above the account’s history', async () => {
    const server = await issuerWith({
      score: {
        refuseAt: 2,
        weights: { newCard: 0, newMerchant: 0, largeAmount: 2 },
        largeAmountHistory: 2,
        largeAmountFactor: 10,
      },
    });
    try {
      const phone = new Phone(server.url);
      await phone.enrol(await newAccount(server));
      // No history yet: a large first payment is not "large".
      assert.equal((await attempt(server, phone, { amount: 2000 })).confirmed.status, 200);
      assert.equal((await attempt(server, phone, { amount: 1000 })).confirmed.status, 200);
      assert.equal((await attempt(server, phone, { amount: 20_000 })).confirmed.status, 200);
      const { confirmed } = await attempt(server, phone, { amount: 200_001 });
      assert.equal(errorCodeOf(confirmed.body), 'risk_declined');
    } finally {
      await server.dispose();
    }
  });
});

describe('what a policy reads', () => {
  it('caps each count one past the largest threshold it is compared with', () => {
    assert.deepEqual(capsFor(DEFAULT_RISK_POLICY), {
      accountPaymentsShort: 121,
      accountPaymentsLong: 2001,
      accountFailuresShort: 11,
      cardPaymentsShort: 121,
      cardFailuresLong: 21,
      phoneOtherAccountsLong: 11,
      merchantPaymentsEver: 1,
      accountPaymentsEver: 4,
      accountLargestAmount: 1,
    });
  });

  it('reads at most a million of anything, whatever a file says', () => {
    const policy = parseRiskPolicy({
      limits: { accountPaymentsLong: 1e300, cardPaymentsShort: 2.5 },
    });
    const caps = capsFor(policy);
    assert.equal(caps.accountPaymentsLong, 1_000_000);
    assert.equal(caps.cardPaymentsShort, 3);
    assert.ok(Object.values(caps).every((cap) => Number.isSafeInteger(cap) && cap >= 1));
  });

  it('reads nothing for a limit set to null or a signal of weight 0', () => {
    const policy = parseRiskPolicy({
      limits: {
        accountPaymentsShort: null,
        accountPaymentsLong: null,
        accountFailuresShort: null,
        cardPaymentsShort: null,
        cardFailuresLong: null,
        phoneAccountsLong: null,
        accountAmountShort: 50_000,
      },
      score: { weights: { newMerchant: 0, largeAmount: 0, sharedPhone: 0, recentFailures: 2 } },
    });
    assert.deepEqual(capsFor(policy), { cardFailuresLong: 4, accountAmountShort: 1001 });
  });
});

describe('reading a policy file', () => {
  it('fills what a file leaves out with the defaults', () => {
    const policy = parseRiskPolicy({ limits: { cardPaymentsShort: null } });
    assert.equal(policy.limits.cardPaymentsShort, null);
    assert.equal(
      policy.limits.accountPaymentsShort,
      DEFAULT_RISK_POLICY.limits.accountPaymentsShort,
    );
    assert.deepEqual(policy.score, DEFAULT_RISK_POLICY.score);
  });

  for (const [label, input, message] of [
    ['an unknown field', { limits: { perCard: 3 } }, /limits\.perCard: unknown field/],
    ['a negative number', { score: { refuseAt: -1 } }, /score\.refuseAt: expected a number ≥ 0/],
    ['a string', { shortWindowSeconds: '60' }, /shortWindowSeconds: expected a number/],
    ['null outside limits', { score: { refuseAt: null } }, /refuseAt: expected a number ≥ 0$/],
    ['an array', [], /expected an object/],
    ['a long window shorter than the short', { longWindowSeconds: 30 }, /windows need/],
  ] as const) {
    it(`refuses ${label}`, () => {
      assert.throws(
        () => parseRiskPolicy(input),
        (error: Error) => {
          assert.ok(error instanceof RiskPolicyError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('refuses a file that is not JSON, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dualpay-risk-'));
    try {
      const file = join(dir, 'policy.json');
      writeFileSync(file, '{ limits: 3 }');
      assert.throws(() => loadRiskPolicy(file), /policy\.json is not JSON/);
      assert.throws(() => loadRiskPolicy(join(dir, 'missing.json')), /cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dualpay-issuer --risk-policy', () => {
  it('will not start with a bad policy file, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dualpay-risk-'));
    try {
      const file = join(dir, 'policy.json');
      writeFileSync(file, JSON.stringify({ limits: { cardPaymentz: 3 } }));
      await assert.rejects(
        spawnIssuer(await freePort(), join(dir, 'issuer.db'), ['--risk-policy', file]),
        /--risk-policy: .*limits\.cardPaymentz: unknown field/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
