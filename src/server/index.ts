/**
 * `dualpay/server`: the reference issuer. Start it with `startIssuer()` or the `dualpay-issuer`
 * CLI; embed its parts (`Issuer`, `buildApp`, `openSqliteStore`, `openPgStore`) to run it your own
 * way.
 * @packageDocumentation
 */
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './http/app.js';
import { serveMetrics } from './http/routes/metrics.js';
import { Issuer, type IssuerOptions } from './issuer.js';
import type { IssuerMetrics } from './metrics.js';
import { refuseDemoKeysInProduction, seedDemo, type SeedDemoOptions } from './seed.js';
import type { PgStore, PgStoreOptions } from './store/postgres/store.js';
import { openSqliteStore } from './store/sqlite/store.js';
import { WebPushNotifier, type WebPushSettings } from './push/notifier.js';
import type { Store } from './store/types.js';

export { buildApp, toHttpError, type AppOptions } from './http/app.js';
export { HttpError } from './errors.js';
export { DEFAULT_RATE_LIMITS, Issuer, type IssuerOptions, type RateLimits } from './issuer.js';
export { DEMO, demoShopOrigins, seedDemo, type SeedDemoOptions } from './seed.js';
export { parseExchangeRates, type ExchangeRates } from './limits.js';
export { SqliteStore, openSqliteStore } from './store/sqlite/store.js';
export { StoreUnavailableError } from './store/errors.js';
export type {
  PgStore,
  PgStoreOptions,
  RateTokenRule,
  StoreLogger,
} from './store/postgres/store.js';
export {
  ALLOW_ALL_POLICY,
  type PaymentAttempt,
  type PaymentPolicy,
  type PolicyDecision,
} from './domain/policy.js';
export {
  DEFAULT_RISK_POLICY,
  RiskPolicy,
  RiskPolicyError,
  loadRiskPolicy,
  parseRiskPolicy,
  type RiskPolicyConfig,
} from './domain/risk.js';
export { SILENT_NOTIFIER, type AttemptNotice, type Notifier } from './domain/notifier.js';
export {
  WebPushNotifier,
  paymentAttemptPayload,
  type PushDeliveryResult,
  type WebPushNotifierOptions,
  type WebPushSettings,
} from './push/notifier.js';
export { DEFAULT_RETRY_DELAYS_MS, type WebhookDeliveryOptions } from './domain/webhook-delivery.js';
export type { LookupAddress, WebhookLookup } from './webhooks/target.js';
export type * from './store/types.js';
export {
  AttestationRootsError,
  loadAttestationRoots,
  type AttestationRoot,
} from './webauthn/attestation.js';

/**
 * Opens the PostgreSQL store (`store/postgres/store.ts`): connects and migrates. `pg` is an
 * optional peer dependency, so it is loaded here, on first use: `dualpay/server` keeps working
 * without it for an issuer on SQLite.
 */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const postgres = await import('./store/postgres/store.js');
  return postgres.openPgStore(options);
}

export interface StartIssuerOptions
  extends Omit<IssuerOptions, 'store' | 'publicUrl' | 'logger'>, AppOptions {
  /** SQLite file (created if missing); or `databaseUrl`. */
  db?: string;
  /**
   * PostgreSQL instead of SQLite (`postgres://…`): several issuer processes may share it. Needs
   * the `pg` package. Migrations run at start under an advisory lock.
   */
  databaseUrl?: string;
  /** Connections in this process's PostgreSQL pool (default 10). */
  databasePoolSize?: number;
  /** Port to listen on; 0 picks a free one. Default 4010. */
  port?: number;
  /** Interface to listen on. Default `localhost` (loopback only). */
  host?: string;
  /** Public origin; default `http://localhost:<port>`. */
  publicUrl?: string;
  /** Seed the demo merchant, admin key and payer. */
  seedDemo?: boolean | SeedDemoOptions;
  /**
   * Also serve `GET /metrics` without a key on this port (0: a free one), on `metricsHost`
   * (default 127.0.0.1): for a Prometheus scraper on an internal network.
   */
  metricsPort?: number;
  metricsHost?: string;
  /** How often the sweeper expires sessions, in ms; 0 disables it. Default 1000. */
  sweepIntervalMs?: number;
  /**
   * Settings of the default notifier, `WebPushNotifier` (VAPID contact, timeouts, the
   * `onDelivery` metrics hook); unused when `notifier` is given.
   */
  push?: WebPushSettings;
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
  /** Where `GET /metrics` is served without a key, with `metricsPort`. */
  metricsUrl?: string;
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

/** `http://host:port` of a listening server. */
function listeningUrl(server: Server): string {
  const address = server.address();
  if (!address || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The store `options` name: PostgreSQL with `databaseUrl`, else the SQLite file `db`. */
async function openStore(options: StartIssuerOptions): Promise<Store> {
  if (options.databaseUrl !== undefined && options.db !== undefined) {
    throw new Error('give either a SQLite file (db) or a PostgreSQL URL (databaseUrl), not both');
  }
  if (options.databaseUrl !== undefined) {
    return openPgStore({
      connectionString: options.databaseUrl,
      ...(options.databasePoolSize !== undefined ? { max: options.databasePoolSize } : {}),
    });
  }
  if (options.db === undefined) throw new Error('a SQLite file (db) or databaseUrl is required');
  return openSqliteStore({ filename: options.db });
}

/** Opens the database, builds the app and listens. */
export async function startIssuer(options: StartIssuerOptions): Promise<RunningIssuer> {
  const host = options.host ?? 'localhost';
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 4010);
  const store = await openStore(options);
  let closeNotifier = (): Promise<void> => Promise.resolve();
  try {
    const { logger: _appLogger, push, ...issuerOptions } = options;
    const publicUrl = options.publicUrl ?? `http://localhost:${port}`;
    // The default notifier tells the payer's phones (Web Push); `notifier` replaces it.
    // Each delivery counts in the issuer's metrics (made with the issuer, below) and goes to the
    // caller's own hook too.
    const counted: { metrics?: IssuerMetrics } = {};
    const pushNotifier = options.notifier
      ? null
      : new WebPushNotifier({
          ...push,
          onDelivery: (result) => {
            counted.metrics?.pushDelivery(result);
            push?.onDelivery?.(result);
          },
          store,
          publicUrl,
          keyEncryptionKey: options.keyEncryptionKey,
          devPush: options.devPush,
          now: options.now,
        });
    closeNotifier = () => pushNotifier?.close() ?? Promise.resolve();
    const issuer = await Issuer.create({
      ...issuerOptions,
      store,
      publicUrl,
      ...(pushNotifier ? { notifier: pushNotifier } : {}),
    });
    counted.metrics = issuer.metrics;
    await refuseDemoKeysInProduction(issuer, Boolean(options.seedDemo));
    if (options.seedDemo) {
      await seedDemo(issuer, options.seedDemo === true ? {} : options.seedDemo);
    }
    const app = buildApp(issuer, options);
    issuer.setLogger(app.log);
    pushNotifier?.setLogger(app.log);
    await app.listen({ port, host });
    const metricsServer =
      options.metricsPort === undefined
        ? undefined
        : await serveMetrics(
            issuer.metrics,
            options.metricsPort,
            options.metricsHost ?? '127.0.0.1',
          ).catch(async (error: unknown) => {
            await app.close();
            throw error;
          });
    if ((options.sweepIntervalMs ?? 1000) > 0) issuer.startSweeper(options.sweepIntervalMs ?? 1000);
    const webhookIntervalMs = options.webhookIntervalMs ?? 1000;
    if (webhookIntervalMs > 0) issuer.startWebhookDelivery(webhookIntervalMs);
    return {
      url: `http://localhost:${port}`,
      port,
      issuer,
      app,
      ...(metricsServer ? { metricsUrl: listeningUrl(metricsServer) } : {}),
      async close() {
        metricsServer?.closeAllConnections();
        if (metricsServer) await new Promise((resolve) => metricsServer.close(resolve));
        await app.close();
        await issuer.close();
        await closeNotifier();
        await store.close();
      },
    };
  } catch (error) {
    await closeNotifier();
    await store.close();
    throw error;
  }
}
