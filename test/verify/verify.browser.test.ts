import { expect } from '@open-wc/testing';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { transactionHash } from '../../src/protocol/index.js';
import {
  SettlementTokenError,
  WebhookError,
  createMemoryReplayGuard,
  verifySettlementToken,
  verifyWebhook,
  type VerifySettlementTokenOptions,
} from '../../src/verify/index.js';

const ISSUER = 'https://issuer.test';
const MERCHANT = 'm_browser';

async function forgeToken(): Promise<{ token: string; jwk: JWK; jti: string }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jti = `stl_${crypto.randomUUID()}`;
  const iat = Math.floor(Date.now() / 1000);
  const txn = await transactionHash({
    amount: 1500,
    currency: 'KRW',
    merchantId: MERCHANT,
    orderId: 'order-browser',
    sessionId: 'cs_browser',
  });
  const token = await new SignJWT({
    orderId: 'order-browser',
    amount: 1500,
    currency: 'KRW',
    txn,
    amr: ['hwk', 'mfa', 'mca'],
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dualpay-settlement+jwt', kid })
    .setIssuer(ISSUER)
    .setAudience(MERCHANT)
    .setSubject('cs_browser')
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(privateKey);
  return { token, jwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, jti };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SettlementTokenError);
    return (error as SettlementTokenError).code;
  }
  throw new Error('expected a rejection');
}

describe('verifySettlementToken in a browser', () => {
  it('verifies a token against a local JWKS object, without network', async () => {
    const { token, jwk, jti } = await forgeToken();
    const options: VerifySettlementTokenOptions = {
      issuer: ISSUER,
      audience: MERCHANT,
      jwks: { keys: [jwk] },
      expected: { orderId: 'order-browser', amount: 1500, currency: 'KRW' },
      replayGuard: createMemoryReplayGuard(),
    };

    const claims = await verifySettlementToken(token, options);

    expect(claims.jti).to.equal(jti);
    expect(claims.sub).to.equal('cs_browser');
    expect(claims.amr).to.deep.equal(['hwk', 'mfa', 'mca']);
    expect(await codeOf(verifySettlementToken(token, options))).to.equal('token_replayed');
  });

  it('rejects a token whose payload was edited with token_signature_invalid', async () => {
    const { token, jwk } = await forgeToken();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as object;
    const edited = btoa(JSON.stringify({ ...claims, amount: 1 }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');

    const code = await codeOf(
      verifySettlementToken(`${header}.${edited}.${signature}`, {
        issuer: ISSUER,
        audience: MERCHANT,
        jwks: { keys: [jwk] },
      }),
    );

    expect(code).to.equal('token_signature_invalid');
  });
});

describe('verifyWebhook in the browser', () => {
  it('verifies a Standard Webhooks signature made with Web Crypto, and refuses a changed body', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const secret = `whsec_${btoa(String.fromCharCode(...key))}`;
    const body = JSON.stringify({ id: 'evt_b', type: 'refund.succeeded', createdAt: '', data: {} });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hmac = await crypto.subtle.importKey(
      'raw',
      key,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = await crypto.subtle.sign(
      'HMAC',
      hmac,
      new TextEncoder().encode(`evt_b.${timestamp}.${body}`),
    );
    const headers = new Headers({
      'webhook-id': 'evt_b',
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`,
    });

    expect(verifyWebhook(body, headers, secret).type).to.equal('refund.succeeded');
    expect(() => verifyWebhook(body.replace('evt_b', 'evt_c'), headers, secret)).to.throw(
      WebhookError,
    );
  });
});
