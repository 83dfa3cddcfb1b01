/**
 * The body of both subscription endpoints, checked strictly: `{subscription: {endpoint,
 * expirationTime?, keys: {p256dh, auth}}}` as `PushSubscription.toJSON()` gives it, nothing
 * else. `p256dh` must be an uncompressed P-256 point that really lies on the curve (RFC 8291 §3.1
 * encrypts to it; a point off the curve would be an invalid-curve attack on our ephemeral key),
 * `auth` exactly 16 bytes (RFC 8291 §3.2); both unpadded base64url.
 */
import { createPublicKey } from 'node:crypto';
import type { PushSubscriptionJson } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import * as v from '../validate.js';
import { MAX_ENDPOINT_LENGTH } from './endpoints.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64url(value: unknown, field: string, bytes: number): Buffer {
  const text = v.text(value, field, {
    max: Math.ceil((bytes * 4) / 3),
    pattern: BASE64URL,
  });
  const decoded = Buffer.from(text, 'base64url');
  if (decoded.length !== bytes || decoded.toString('base64url') !== text) {
    throw new HttpError('invalid_request', `${field} must be ${bytes} bytes in unpadded base64url`);
  }
  return decoded;
}

/** Throws `invalid_request` unless `point` is an uncompressed point on P-256. */
function assertP256Point(point: Buffer): void {
  const invalid = () =>
    new HttpError('invalid_request', 'subscription.keys.p256dh is not a point on P-256');
  if (point[0] !== 0x04) throw invalid();
  try {
    // node:crypto (OpenSSL) refuses coordinates that do not satisfy the curve equation.
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    throw invalid();
  }
}

/** The subscription in a subscription request, or `invalid_request` naming the field. */
export function parsePushSubscriptionRequest(input: unknown): PushSubscriptionJson {
  const body = v.object(input);
  v.onlyFields(body, ['subscription']);
  const subscription = v.object(body.subscription, 'subscription');
  v.onlyFields(subscription, ['endpoint', 'expirationTime', 'keys']);
  const endpoint = v.text(subscription.endpoint, 'subscription.endpoint', {
    max: MAX_ENDPOINT_LENGTH,
  });
  const expirationTime = subscription.expirationTime;
  if (
    expirationTime !== undefined &&
    expirationTime !== null &&
    !(
      typeof expirationTime === 'number' &&
      Number.isSafeInteger(expirationTime) &&
      expirationTime >= 0
    )
  ) {
    throw new HttpError(
      'invalid_request',
      'subscription.expirationTime must be null or a time in epoch milliseconds',
    );
  }
  const keys = v.object(subscription.keys, 'subscription.keys');
  v.onlyFields(keys, ['p256dh', 'auth']);
  const p256dh = base64url(keys.p256dh, 'subscription.keys.p256dh', 65);
  assertP256Point(p256dh);
  const auth = base64url(keys.auth, 'subscription.keys.auth', 16);
  return {
    endpoint,
    ...(expirationTime === undefined ? {} : { expirationTime }),
    keys: { p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') },
  };
}
