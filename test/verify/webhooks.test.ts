/**
 * `verifyWebhook` (dualpay/verify): accepts what Standard Webhooks' reference library signs, in
 * every header form, and refuses forged, stale, future, headerless and malformed requests with a
 * stable code.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  WEBHOOK_ERROR_CODES,
  WebhookError,
  verifyWebhook,
  type WebhookErrorCode,
  type WebhookHeaders,
} from '../../src/verify/index.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
const id = 'evt_test_1';
const body = JSON.stringify({
  id,
  type: 'checkout.settled',
  createdAt: '2026-12-06T12:00:00.000Z',
  data: { id: 'cs_1', status: 'settled' },
});

/** Headers as the issuer sends them, signed with `keys` at `at`. */
function signed(
  payload = body,
  at = new Date(),
  keys: string[] = [secret],
  eventId = id,
): Record<string, string> {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': keys.map((key) => new Webhook(key).sign(eventId, at, payload)).join(' '),
  };
}

function refusedWith(run: () => unknown, code: WebhookErrorCode): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WebhookError, `not a WebhookError: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('verifyWebhook', () => {
  it('returns the event of a request the reference library signed, from a string or the raw bytes', () => {
    const headers = signed();

    const fromText = verifyWebhook(body, headers, secret);
    const fromBytes = verifyWebhook(Buffer.from(body), headers, secret);

    assert.deepEqual(fromText, JSON.parse(body));
    assert.deepEqual(fromBytes, fromText);
  });

  it('reads a Fetch Headers object, Node request headers and a plain object in any case', () => {
    const headers = signed();
    const forms: WebhookHeaders[] = [
      new Headers(headers),
      { ...headers, host: 'shop.example', 'content-length': '10' },
      {
        'Webhook-Id': headers['webhook-id'],
        'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
        'Webhook-Signature': [headers['webhook-signature'] ?? ''],
      },
    ];

    for (const form of forms) assert.equal(verifyWebhook(body, form, secret).id, id);
  });

  it('accepts any of several signatures, and any of several secrets', () => {
    const headers = signed(body, new Date(), [otherSecret, secret]);

    assert.equal(verifyWebhook(body, headers, secret).id, id);
    assert.equal(verifyWebhook(body, signed(), [otherSecret, secret]).id, id);
  });

  it('refuses a forged request: another body, another id, another secret', () => {
    const headers = signed();

    refusedWith(
      () => verifyWebhook(body.replace('cs_1', 'cs_2'), headers, secret),
      'webhook_signature_invalid',
    );
    refusedWith(
      () => verifyWebhook(body, { ...headers, 'webhook-id': 'evt_other' }, secret),
      'webhook_signature_invalid',
    );
    refusedWith(() => verifyWebhook(body, headers, otherSecret), 'webhook_signature_invalid');
    refusedWith(
      () => verifyWebhook(body, { ...headers, 'webhook-signature': 'v2,abc v1,' }, secret),
      'webhook_signature_invalid',
    );
  });

  it('refuses a stale request (a replay) and one from the future, by the tolerance', () => {
    const old = new Date(Date.now() - 301_000);
    const future = new Date(Date.now() + 301_000);
    const twoMinutes = new Date(Date.now() - 120_000);

    refusedWith(() => verifyWebhook(body, signed(body, old), secret), 'webhook_timestamp_too_old');
    refusedWith(
      () => verifyWebhook(body, signed(body, future), secret),
      'webhook_timestamp_too_new',
    );
    refusedWith(
      () => verifyWebhook(body, signed(body, twoMinutes), secret, { toleranceSec: 60 }),
      'webhook_timestamp_too_old',
    );
    assert.equal(verifyWebhook(body, signed(body, twoMinutes), secret).id, id);
  });

  it('refuses missing or malformed headers', () => {
    const headers = signed();
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _dropped, ...rest } = headers;
      refusedWith(() => verifyWebhook(body, rest, secret), 'webhook_headers_missing');
    }
    refusedWith(
      () => verifyWebhook(body, { ...headers, 'webhook-timestamp': '17e8' }, secret),
      'webhook_headers_missing',
    );
    refusedWith(
      () => verifyWebhook(body, { ...headers, 'webhook-id': ['a', 'b'] }, secret),
      'webhook_headers_missing',
    );
  });

  it('refuses a signed body that is not an event, or not UTF-8', () => {
    const text = 'not json';
    const otherId = JSON.stringify({ ...JSON.parse(body), id: 'evt_other' });
    const bytes = Buffer.from([0xff, 0xfe, 0x7b]);

    refusedWith(() => verifyWebhook(text, signed(text), secret), 'webhook_payload_invalid');
    refusedWith(() => verifyWebhook(otherId, signed(otherId), secret), 'webhook_payload_invalid');
    refusedWith(() => verifyWebhook(bytes, signed(), secret), 'webhook_payload_invalid');
  });

  it('refuses a secret that is not whsec_…, and a tolerance outside 1–300 s', () => {
    refusedWith(() => verifyWebhook(body, signed(), 'sk_test_demo'), 'webhook_secret_invalid');
    refusedWith(() => verifyWebhook(body, signed(), []), 'webhook_secret_invalid');
    refusedWith(
      () => verifyWebhook(body, signed(), secret, { toleranceSec: 301 }),
      'webhook_options_invalid',
    );
    refusedWith(
      () => verifyWebhook(body, signed(), secret, { toleranceSec: 0 }),
      'webhook_options_invalid',
    );
  });

  it('has a message for every code, and the codes are snake_case and stable', () => {
    for (const code of WEBHOOK_ERROR_CODES) {
      assert.match(code, /^webhook_[a-z_]+$/);
      assert.ok(new WebhookError(code).message.length > 10);
    }
  });
});
