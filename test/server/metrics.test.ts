/**
 * `GET /metrics`: admin-key protected (or on its own port), in the Prometheus text format as an
 * independent parser reads it, and moving when payments happen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
// @ts-expect-error: the package ships no types; its one export takes text and returns families.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DEMO } from '../../src/server/index.js';
import { IssuerMetrics } from '../../src/server/metrics.js';
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
import { openSse } from './support/sse.js';

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  count?: string;
}
interface Family {
  name: string;
  type: string;
  help: string;
  metrics: Sample[];
}
const parse = parsePrometheusTextFormat as (text: string) => Family[];

type Scrape = Family[] & { text: string };

async function scrape(server: TestIssuer): Promise<Scrape> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${DEMO.adminKey}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return Object.assign(parse(text), { text });
}

/**
 * A histogram's observation count for one label set. (The parser keeps a histogram's buckets but
 * not its labels, so this reads the `_count` line the parser has already accepted.)
 */
function observations(scraped: Scrape, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, v]) => `${key}="${v}"`);
  const line = scraped.text
    .split('\n')
    .find((l) => l.startsWith(`${name}_count{`) && wanted.every((w) => l.includes(w)));
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** The value of `name`'s sample whose labels include `labels` (0 when there is none yet). */
function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([key, wanted]) => m.labels?.[key] === wanted),
  );
  return Number(sample?.value ?? sample?.count ?? 0);
}

async function pay(server: TestIssuer, phone: Phone) {
  const session = await createSession(server.url);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await createHandoff(server.url, session);
  return { session, confirmed: await phone.pay(handoff.code, view.bindingCode) };
}

describe('GET /metrics', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('needs an admin key', async () => {
    const anonymous = await request(server.url, 'GET', '/metrics');
    const merchant = await request(server.url, 'GET', '/metrics', { token: DEMO.secretKey });
    assert.equal(anonymous.status, 401);
    assert.equal(errorCodeOf(anonymous.body), 'unauthorized');
    assert.equal(merchant.status, 401);
  });

  it('parses as the Prometheus text format, every family typed and described', async () => {
    const families = await scrape(server);
    const names = families.map((f) => f.name);
    for (const name of [
      'dualpay_http_requests_total',
      'dualpay_http_request_duration_seconds',
      'dualpay_sessions_ended_total',
      'dualpay_confirmations_total',
      'dualpay_merchant_confirmations_total',
      'dualpay_risk_decisions_total',
      'dualpay_sse_streams_open',
      'dualpay_push_deliveries_total',
      'dualpay_store_operation_duration_seconds',
      'dualpay_merchant_refusal_anomaly',
      'dualpay_process_cpu_seconds_total',
    ]) {
      assert.ok(names.includes(name), `${name} is missing`);
    }
    for (const family of families) {
      assert.ok(family.help.length > 0, `${family.name} has no HELP`);
      assert.match(family.type, /^(COUNTER|GAUGE|HISTOGRAM|SUMMARY|UNTYPED)$/);
    }
  });

  it('moves when a payment settles and when one is refused', async () => {
    const before = await scrape(server);
    const { confirmed } = await pay(server, phone);
    assert.equal(confirmed.status, 200);
    // A refused one: the account frozen by an operator, then unfrozen.
    const freeze = (frozen: boolean) =>
      request(server.url, 'PATCH', `/v1/accounts/${DEMO.accountId}`, {
        token: DEMO.adminKey,
        body: { frozen },
      });
    await freeze(true);
    const refused = await pay(server, phone);
    await freeze(false);
    assert.equal(errorCodeOf(refused.confirmed.body), 'account_frozen');
    const after = await scrape(server);

    const moved = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    assert.equal(moved('dualpay_confirmations_total', { result: 'settled' }), 1);
    assert.equal(moved('dualpay_confirmations_total', { result: 'account_frozen' }), 1);
    assert.equal(moved('dualpay_sessions_ended_total', { outcome: 'settled' }), 1);
    assert.equal(
      moved('dualpay_sessions_ended_total', { outcome: 'failed', reason: 'account_frozen' }),
      1,
    );
    assert.equal(moved('dualpay_risk_decisions_total', { decision: 'allow' }), 1);
    assert.equal(
      moved('dualpay_merchant_confirmations_total', {
        merchant: DEMO.merchantId,
        result: 'refused',
      }),
      1,
    );
    assert.equal(
      moved('dualpay_http_requests_total', {
        method: 'POST',
        route: '/v1/handoffs/:code/confirm',
        status: '200',
      }),
      1,
    );
    const observed = (name: string, labels: Record<string, string>) =>
      observations(after, name, labels) - observations(before, name, labels);
    assert.equal(
      observed('dualpay_http_request_duration_seconds', {
        method: 'POST',
        route: '/v1/handoffs/:code/confirm',
      }),
      2,
    );
    assert.equal(observed('dualpay_store_operation_duration_seconds', { operation: 'settle' }), 1);
    assert.ok(value(after, 'dualpay_merchant_refusal_anomaly', { merchant: DEMO.merchantId }) > 0);
  });

  it('labels requests by route pattern, never by path (no codes, no ids)', async () => {
    await request(server.url, 'GET', '/v1/checkout-sessions/cs_nothing_here/public');
    await request(server.url, 'GET', '/no/such/thing');
    const families = await scrape(server);
    const routes = new Set(
      families
        .find((f) => f.name === 'dualpay_http_requests_total')
        ?.metrics.map((m) => m.labels?.route),
    );
    assert.ok(routes.has('/v1/checkout-sessions/:id/public'));
    assert.ok(routes.has('unmatched'));
    for (const route of routes) assert.doesNotMatch(route ?? '', /cs_|no\/such/);
  });

  it('counts open SSE streams', async () => {
    const session = await createSession(server.url);
    const stream = await openSse(
      `${server.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`,
    );
    try {
      await stream.next();
      assert.equal(value(await scrape(server), 'dualpay_sse_streams_open'), 1);
    } finally {
      stream.close();
    }
    // The server notices the closed socket on its own time.
    for (let i = 0; i < 50 && value(await scrape(server), 'dualpay_sse_streams_open') > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(value(await scrape(server), 'dualpay_sse_streams_open'), 0);
  });
});

describe('the metrics port', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer({ metricsPort: 0 });
  });
  after(() => server.dispose());

  it('answers GET /metrics without a key, and nothing else', async () => {
    assert.match(server.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await fetch(`${server.metricsUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.ok(parse(await metrics.text()).length > 10);
    const other = await fetch(`${server.metricsUrl}/v1/accounts`);
    assert.equal(other.status, 404);
    const post = await fetch(`${server.metricsUrl}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

describe('the refusal anomaly signal', () => {
  const FIVE_MINUTES = 5 * 60_000;

  async function anomaly(metrics: IssuerMetrics, merchant: string): Promise<number> {
    return value(parse((await metrics.text()).body), 'dualpay_merchant_refusal_anomaly', {
      merchant,
    });
  }

  it('compares the last five minutes with the merchant’s own moving average', async () => {
    let now = Date.UTC(2026, 11, 6);
    const metrics = new IssuerMetrics(() => now);
    // A day of a steady 4 refusals per five minutes: the average settles near 4.
    for (let bucket = 0; bucket < 288 * 2; bucket++) {
      for (let i = 0; i < 4; i++) metrics.confirmation('m_steady', 'authentication_failed');
      now += FIVE_MINUTES;
    }
    for (let i = 0; i < 4; i++) metrics.confirmation('m_steady', 'authentication_failed');
    const steady = await anomaly(metrics, 'm_steady');
    assert.ok(steady > 0.8 && steady < 1.2, `steady ratio ${steady}`);
    // Then forty in five minutes: ten times its own normal.
    for (let i = 0; i < 36; i++) metrics.confirmation('m_steady', 'authentication_failed');
    const spike = await anomaly(metrics, 'm_steady');
    assert.ok(spike > 8, `spike ratio ${spike}`);
    // Settled payments are not refusals.
    metrics.confirmation('m_quiet', 'settled');
    assert.equal(await anomaly(metrics, 'm_quiet'), 0);
  });
});
