/**
 * `dualpay/server`: the reference issuer. Start it with `startIssuer()` or the `dualpay-issuer`
 * CLI; embed its parts (`Issuer`, `buildApp`, `openSqliteStore`) to run it your own way.
 * @packageDocumentation
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './http/app.js';
import { Issuer, type IssuerOptions } from './issuer.js';
import { refuseDemoKeysInProduction, seedDemo, type SeedDemoOptions } from './seed.js';
import { openSqliteStore } from './store/sqlite/store.js';

export { buildApp, toHttpError, type AppOptions } from './http/app.js';
export { HttpError } from './errors.js';
export { DEFAULT_RATE_LIMITS, Issuer, type IssuerOptions, type RateLimits } from './issuer.js';
export { DEMO, demoShopOrigins, seedDemo, type SeedDemoOptions } from './seed.js';
export { parseExchangeRates, type ExchangeRates } from './limits.js';
export { SqliteStore, openSqliteStore } from './store/sqlite/store.js';
export {
  ALLOW_ALL_POLICY,
  type PaymentAttempt,
  type PaymentPolicy,
  type PolicyDecision,
} from './domain/policy.js';
export { SILENT_NOTIFIER, type AttemptNotice, type Notifier } from './domain/notifier.js';
export { DEFAULT_RETRY_DELAYS_MS, type WebhookDeliveryOptions } from './domain/webhook-delivery.js';
export type { LookupAddress, WebhookLookup } from './webhooks/target.js';
export type * from './store/types.js';
export {
  AttestationRootsError,
  loadAttestationRoots,
  type AttestationRoot,
} from './webauthn/attestation.js';

export interface StartIssuerOptions
  extends Omit<IssuerOptions, 'store' | 'publicUrl' | 'logger'>, AppOptions {
  /** SQLite file (created if missing). */
  db: string;
  /** Port to listen on; 0 picks a free one. Default 4010. */
  port?: number;
  /** Interface to listen on. Default `localhost` (loopback only). */
  host?: string;
  /** Public origin; default `http://localhost:<port>`. */
  publicUrl?: string;
  /** Seed the demo merchant, admin key and payer. */
  seedDemo?: boolean | SeedDemoOptions;
  /** How often the sweeper expires sessions, in ms; 0 disables it. Default 1000. */
  sweepIntervalMs?: number;
  /**
   * How often webhook delivery looks for due events, in ms (it also runs after each change that
   * queues one); 0 disables it. Default 1000.
   */
  webhookIntervalMs?: number;
}

export interface RunningIssuer {
  /** Base URL it listens on (its public URL). */
  url: string;
  port: number;
  issuer: Issuer;
  app: FastifyInstance;
  /** Stops listening, ends streams and closes the database. */
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Opens the database, builds the app and listens. */
export async function startIssuer(options: StartIssuerOptions): Promise<RunningIssuer> {
  const host = options.host ?? 'localhost';
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 4010);
  const store = openSqliteStore({ filename: options.db });
  try {
    const { logger: _appLogger, ...issuerOptions } = options;
    const issuer = await Issuer.create({
      ...issuerOptions,
      store,
      publicUrl: options.publicUrl ?? `http://localhost:${port}`,
    });
    await refuseDemoKeysInProduction(issuer, Boolean(options.seedDemo));
    if (options.seedDemo) {
      await seedDemo(issuer, options.seedDemo === true ? {} : options.seedDemo);
    }
    const app = buildApp(issuer, options);
    issuer.setLogger(app.log);
    await app.listen({ port, host });
    if ((options.sweepIntervalMs ?? 1000) > 0) issuer.startSweeper(options.sweepIntervalMs ?? 1000);
    const webhookIntervalMs = options.webhookIntervalMs ?? 1000;
    if (webhookIntervalMs > 0) issuer.startWebhookDelivery(webhookIntervalMs);
    return {
      url: `http://localhost:${port}`,
      port,
      issuer,
      app,
      async close() {
        await app.close();
        await issuer.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
