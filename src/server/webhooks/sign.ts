/**
 * Webhook secrets and signatures, as Standard Webhooks 1.0 says (its reference library signs): the
 * secret is `whsec_` + base64 of random bytes; each attempt carries `webhook-id` (the event id),
 * `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`, one `v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">` per valid secret, space separated, so that during a roll a
 * receiver holding either secret verifies.
 */
import { randomBytes } from 'node:crypto';
// A CommonJS package; bundlers and Node (cjs-module-lexer) both see its named exports.
import { Webhook } from 'standardwebhooks';

/** Random bytes in a secret (Standard Webhooks asks for 24 to 64). */
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The three Standard Webhooks headers of one attempt, signed with every secret given. */
export function signatureHeaders(
  eventId: string,
  at: Date,
  payload: string,
  secrets: readonly string[],
): Record<string, string> {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    // One Webhook instance per secret: the library holds one key each.
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(eventId, at, payload))
      .join(' '),
  };
}
