/**
 * The world of an end-to-end test: a real issuer on a temp SQLite file, a merchant shop (test mode
 * by default) whose page carries `<dualpay-checkout>`, and the admin calls a bank clerk would make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIssuer, type ExchangeRates, type RunningIssuer } from '../../../src/server/index.js';
import { Shop } from './shop.js';

export const ADMIN_KEY = 'ak_test_demo';

export interface World {
  issuer: RunningIssuer;
  shop: Shop;
  /** A live-mode shop (its own merchant), started on demand. */
  liveShop(): Promise<Shop>;
  /** Admin: a new payer account and a one-time enrolment URL for it. */
  newEnrollment(displayName?: string): Promise<string>;
  close(): Promise<void>;
}

const CHECKOUT = (locale: string) =>
  `<main><h1>Shop</h1><dualpay-checkout issuer="{{issuer}}" session-url="/api/checkout" handoff="qr" locale="${locale}"></dualpay-checkout></main>`;

async function admin<T>(issuer: RunningIssuer, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${issuer.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface WorldOptions {
  locale?: string;
  handoffTtlMs?: number;
  /** The issuer's exchange rates (payments in another currency than the account's). */
  exchangeRates?: ExchangeRates;
  /** Accept push endpoints over http on loopback (a local push service). */
  devPush?: boolean;
  /** Webhook URLs may be http to loopback (`--dev-webhooks`): tests receive them locally. */
  devWebhooks?: boolean;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const shop = await Shop.start({ body: CHECKOUT(options.locale ?? 'en') });
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-e2e-'));
  const issuer = await startIssuer({
    db: join(dir, 'issuer.db'),
    port: 0,
    seedDemo: { shopOrigins: [shop.origin] },
    sweepIntervalMs: 500,
    ...(options.handoffTtlMs ? { handoffTtlMs: options.handoffTtlMs } : {}),
    ...(options.exchangeRates ? { exchangeRates: options.exchangeRates } : {}),
    ...(options.devPush ? { devPush: true } : {}),
    ...(options.devWebhooks ? { devWebhooks: true } : {}),
  });
  shop.issuerUrl = issuer.url;
  const extra: Shop[] = [];
  return {
    issuer,
    shop,
    async liveShop() {
      const live = await Shop.start({ body: CHECKOUT(options.locale ?? 'en') });
      const merchant = await admin<{ id: string; secretKey: string }>(issuer, '/v1/merchants', {
        name: 'Live Bakery',
        allowedOrigins: [live.origin],
        mode: 'live',
      });
      live.issuerUrl = issuer.url;
      live.secretKey = merchant.secretKey;
      live.merchantId = merchant.id;
      extra.push(live);
      return live;
    },
    async newEnrollment(displayName = 'Kim Min-jun') {
      const account = await admin<{ id: string }>(issuer, '/v1/accounts', { displayName });
      return (await admin<{ url: string }>(issuer, `/v1/accounts/${account.id}/enrollments`, {}))
        .url;
    },
    async close() {
      await Promise.all([shop.close(), ...extra.map((s) => s.close())]);
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
