/**
 * Demo seed (`--seed-demo`): the test merchant `m_demo` with secret key `sk_test_demo`, the admin
 * key `ak_test_demo`, and a payer account `acct_demo`. Idempotent: re-seeding updates the allowed
 * origins (for a shop on another port) and leaves everything else.
 */
import type { Issuer } from './issuer.js';

export const DEMO = {
  merchantId: 'm_demo',
  merchantName: 'dualpay Demo Shop',
  secretKey: 'sk_test_demo',
  adminKey: 'ak_test_demo',
  accountId: 'acct_demo',
} as const;

export interface SeedDemoOptions {
  /** Origins the demo shop runs on; default http://localhost:4000 and http://127.0.0.1:4000. */
  shopOrigins?: string[];
}

export function demoShopOrigins(port = 4000): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

export async function seedDemo(issuer: Issuer, options: SeedDemoOptions = {}): Promise<void> {
  const allowedOrigins = options.shopOrigins ?? demoShopOrigins();
  await issuer.addAdminKey(DEMO.adminKey);
  if (await issuer.getMerchant(DEMO.merchantId)) {
    await issuer.setAllowedOrigins(DEMO.merchantId, allowedOrigins);
  } else {
    await issuer.createMerchant(
      { name: DEMO.merchantName, allowedOrigins, mode: 'test' },
      { id: DEMO.merchantId, secretKey: DEMO.secretKey },
    );
  }
  if (!(await issuer.store.getAccount(DEMO.accountId))) {
    await issuer.createAccount(
      { displayName: 'Demo Payer', currency: 'KRW' },
      { id: DEMO.accountId },
    );
  }
}
