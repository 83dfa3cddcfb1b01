/**
 * Demo seed (`--seed-demo`): the test merchant `m_demo` with secret key `sk_test_demo`, the admin
 * key `ak_test_demo`, and a payer account `acct_demo`. Idempotent: re-seeding updates the allowed
 * origins (for a shop on another port) and leaves everything else.
 */
import type { Issuer } from './issuer.js';
import type { Actor } from './store/types.js';

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

/**
 * An issuer with an `https` public URL is meant for real payments: it refuses to start while the
 * published demo keys would work on it (or when asked to seed them).
 */
export async function refuseDemoKeysInProduction(issuer: Issuer, seeding: boolean): Promise<void> {
  if (!issuer.publicUrl.startsWith('https:')) return;
  if (seeding) {
    throw new Error(
      '--seed-demo is for development: its keys are public; drop it on an https issuer',
    );
  }
  const valid = [];
  if (await issuer.admins.authenticate(DEMO.adminKey)) valid.push(`admin key ${DEMO.adminKey}`);
  if (await issuer.merchants.merchantBySecretKey(DEMO.secretKey)) {
    valid.push(`merchant secret key ${DEMO.secretKey}`);
  }
  if (valid.length > 0) {
    throw new Error(
      `the published demo ${valid.join(' and ')} still work on this database; ` +
        'revoke the admin key and roll the merchant key (docs/operations.md), or use a fresh database',
    );
  }
}

export function demoShopOrigins(port = 4000): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

const SEED: Actor = { actor: 'seed' };

/**
 * Seeds the demo. Several processes on one database may seed at once: whichever loses a race to
 * create a record finds it created and goes on.
 */
export async function seedDemo(issuer: Issuer, options: SeedDemoOptions = {}): Promise<void> {
  const allowedOrigins = options.shopOrigins ?? demoShopOrigins();
  await issuer.admins.ensureAdminKey(DEMO.adminKey, 'demo', SEED);
  const merchantExists = async () => (await issuer.merchants.getMerchant(DEMO.merchantId)) !== null;
  if (await merchantExists()) {
    await issuer.merchants.updateMerchant(DEMO.merchantId, { allowedOrigins }, SEED);
  } else {
    await createUnlessRaced(merchantExists, () =>
      issuer.merchants.createMerchant(
        { name: DEMO.merchantName, allowedOrigins, mode: 'test' },
        SEED,
        { id: DEMO.merchantId, secretKey: DEMO.secretKey },
      ),
    );
  }
  const accountExists = async () => (await issuer.accounts.getAccount(DEMO.accountId)) !== null;
  if (!(await accountExists())) {
    await createUnlessRaced(accountExists, () =>
      issuer.accounts.createAccount({ displayName: 'Demo Payer', currency: 'KRW' }, SEED, {
        id: DEMO.accountId,
      }),
    );
  }
}

/** Runs `create`; if it fails because another process created the record meanwhile, that is fine. */
async function createUnlessRaced(exists: () => Promise<boolean>, create: () => Promise<unknown>) {
  try {
    await create();
  } catch (error) {
    if (!(await exists())) throw error;
  }
}
