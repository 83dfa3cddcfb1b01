/**
 * `dualpay-issuer --port P --db FILE [--seed-demo] [--public-url URL]`: runs the reference issuer.
 */
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateSecret } from '../protocol/index.js';
import {
  AttestationRootsError,
  DEMO,
  demoShopOrigins,
  loadAttestationRoots,
  startIssuer,
} from './index.js';
import { parseKeyEncryptionKey } from './key-encryption.js';
import { loadRiskPolicy, type RiskPolicyConfig } from './domain/risk.js';
import { RotationTooSoonError } from './keys.js';
import { parseExchangeRates, type ExchangeRates } from './limits.js';

const USAGE = `Usage: dualpay-issuer --port P (--db FILE | --database-url URL) [options]

  --port P               port to listen on (default 4010)
  --db FILE              SQLite database file (created if missing)
  --database-url URL     PostgreSQL instead of SQLite (postgres://user:pass@host:port/db; also
                         DATABASE_URL): any number of issuer processes may share one database
  --database-pool N      connections in this process's PostgreSQL pool (default 10)
  --seed-demo            seed merchant m_demo (sk_test_demo), admin key ak_test_demo, payer acct_demo
  --shop-origin ORIGIN   allowed origin of the demo shop (repeatable; default localhost/127.0.0.1:4000)
  --public-url URL       public origin (iss, WebAuthn origin, hand-off URLs); default http://localhost:P
  --host HOST            interface to listen on (default localhost; 0.0.0.0 for phones on the LAN)
  --trust-proxy N        N proxies in front: the client IP is the X-Forwarded-For entry N hops from
                         the right (default 0: the socket's address)
  --max-connections-per-ip N
                         open sockets per client IP (IPv6: per /64); 0 for no cap
                         (default 256, or 0 with --trust-proxy 1 or more)
  --admin-key KEY        add this admin key (ak_…)
  --exchange-rates FILE  JSON {"base": "KRW", "rates": {"USD": 1380.5, …}}: payments in another
                         currency than the payer's count against the monthly limit at these rates
                         (without a rate they are refused with currency_not_supported)
  --risk-policy FILE     JSON thresholds of the risk policy checked before every settlement (any
                         subset of the defaults in docs/operations.md "Risk policy")
  --rotate-signing-key   make the published next signing key current at start (old tokens keep
                         verifying); refused within 2 minutes of its publication
  --attestation-roots DIR
                         trusted attestation roots: every *.pem in DIR. Cards whose attestation
                         chains to one are trusted hardware; all others are test cards
  --push-contact URI     VAPID contact for push services: mailto:… or https://… (default the
                         public URL when https, else mailto:push@<host>)
  --dev-push             also accept push endpoints over http on loopback (tests, the demo);
                         only with a loopback public URL. Never in production
  --dev-webhooks         development only: webhook URLs may be http to a loopback address
                         (without it: https to a public address only)
  --recovery-cooling-off SECONDS
                         how long a card enrolled with a recovery code stays pending before it
                         may pay (default 86400: 24 h); the account's phones are told at once
  --metrics-port P       also serve GET /metrics without a key on this port (for a Prometheus
                         scraper; GET /metrics on the main port needs an admin key)
  --metrics-host HOST    interface of the metrics port (default 127.0.0.1)
  --log-level LEVEL      fatal|error|warn|info|debug|silent (default info)
  --help                 this text

Environment:
  DATABASE_URL                PostgreSQL URL, as --database-url
  DUALPAY_KEY_ENCRYPTION_KEY  32 random bytes (base64 or hex): seal private signing keys at rest
                              with AES-256-GCM (openssl rand -base64 32)
`;

/** A database URL fit for printing: no password. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

function fail(message: string): never {
  process.stderr.write(`dualpay-issuer: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** A whole number ≥ 0 given as `flag`'s value. */
function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(value)) fail(`${flag} must be a whole number ≥ 0, got ${value}`);
  return Number(value);
}

// `--trust-proxy` once took no value; say what it takes now instead of parseArgs' generic error.
const trustProxyAt = process.argv.indexOf('--trust-proxy');
if (trustProxyAt >= 0 && !/^[0-9]/.test(process.argv[trustProxyAt + 1] ?? '')) {
  fail(
    '--trust-proxy takes the number of proxies in front of the issuer (it takes a value now): ' +
      '--trust-proxy 1 behind one proxy',
  );
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string', default: process.env.ISSUER_PORT ?? '4010' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      'database-pool': { type: 'string' },
      'seed-demo': { type: 'boolean', default: false },
      'shop-origin': { type: 'string', multiple: true },
      'public-url': { type: 'string' },
      host: { type: 'string', default: 'localhost' },
      'trust-proxy': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      'admin-key': { type: 'string' },
      'exchange-rates': { type: 'string' },
      'risk-policy': { type: 'string' },
      'rotate-signing-key': { type: 'boolean', default: false },
      'attestation-roots': { type: 'string' },
      'push-contact': { type: 'string' },
      'dev-push': { type: 'boolean', default: false },
      'dev-webhooks': { type: 'boolean', default: false },
      'recovery-cooling-off': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  fail((error as Error).message);
}

if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be 0–65535, got ${args.port}`);
// An explicit --db wins over a DATABASE_URL in the environment; two explicit flags are a mistake.
if (args.db && args['database-url']) {
  fail('give --db FILE (SQLite) or --database-url URL (PostgreSQL), not both');
}
const databaseUrl = args.db
  ? undefined
  : (args['database-url'] ?? (process.env.DATABASE_URL || undefined));
if (!args.db && !databaseUrl)
  fail('--db FILE (SQLite) or --database-url URL (PostgreSQL) is required');
if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  fail('--database-url must be a postgres:// or postgresql:// URL');
}
const databasePool = count('--database-pool', args['database-pool']);
const metricsPort = count('--metrics-port', args['metrics-port']);
if (metricsPort !== undefined && metricsPort > 65535) fail('--metrics-port must be 0–65535');
if (args['metrics-host'] !== undefined && metricsPort === undefined) {
  fail('--metrics-host needs --metrics-port');
}
if (databasePool !== undefined && databasePool < 2) fail('--database-pool must be at least 2');
const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
if (!levels.includes(args['log-level'])) fail(`--log-level must be one of ${levels.join(', ')}`);
if (args['admin-key'] !== undefined && !/^ak_[A-Za-z0-9_-]{8,200}$/.test(args['admin-key'])) {
  fail('--admin-key must look like ak_ followed by at least 8 letters, digits, - or _');
}
let exchangeRates: ExchangeRates | undefined;
if (args['exchange-rates'] !== undefined) {
  try {
    exchangeRates = parseExchangeRates(JSON.parse(readFileSync(args['exchange-rates'], 'utf8')));
  } catch (error) {
    fail(`--exchange-rates ${args['exchange-rates']}: ${(error as Error).message}`);
  }
}
let riskPolicy: RiskPolicyConfig | undefined;
if (args['risk-policy'] !== undefined) {
  try {
    riskPolicy = loadRiskPolicy(args['risk-policy']);
  } catch (error) {
    fail(`--risk-policy: ${(error as Error).message}`);
  }
}
let keyEncryptionKey: Buffer | undefined;
if (process.env.DUALPAY_KEY_ENCRYPTION_KEY) {
  try {
    keyEncryptionKey = parseKeyEncryptionKey(process.env.DUALPAY_KEY_ENCRYPTION_KEY);
  } catch (error) {
    fail((error as Error).message);
  }
}
const trustProxy = count('--trust-proxy', args['trust-proxy']);
const maxConnectionsPerIp = count('--max-connections-per-ip', args['max-connections-per-ip']);
const recoveryCoolingOffSeconds = count('--recovery-cooling-off', args['recovery-cooling-off']);
let publicUrl: string | undefined;
if (args['public-url'] !== undefined) {
  try {
    publicUrl = new URL(args['public-url']).origin;
  } catch {
    fail(`--public-url is not a URL: ${args['public-url']}`);
  }
}

const pushContact = args['push-contact'];
if (pushContact !== undefined && !/^(https:\/\/\S+|mailto:\S+@\S+)$/.test(pushContact)) {
  fail(`--push-contact must be a mailto: address or an https: URL, got ${pushContact}`);
}

let attestationRoots: X509Certificate[] = [];
if (args['attestation-roots'] !== undefined) {
  try {
    attestationRoots = loadAttestationRoots(args['attestation-roots']);
  } catch (error) {
    if (!(error instanceof AttestationRootsError)) throw error;
    // A root the operator meant to trust but that does not load must not start an issuer that
    // quietly treats every card as a test card: refuse, naming the file.
    process.stderr.write(`dualpay-issuer: --attestation-roots: ${error.message}\n`);
    process.exit(2);
  }
}

const running = await startIssuer({
  ...(args.db ? { db: args.db } : {}),
  ...(databaseUrl ? { databaseUrl } : {}),
  ...(databasePool !== undefined ? { databasePoolSize: databasePool } : {}),
  port,
  host: args.host,
  ...(trustProxy !== undefined ? { trustProxy } : {}),
  ...(maxConnectionsPerIp !== undefined ? { maxConnectionsPerIp } : {}),
  attestationRoots,
  devWebhooks: args['dev-webhooks'],
  ...(recoveryCoolingOffSeconds !== undefined ? { recoveryCoolingOffSeconds } : {}),
  ...(publicUrl ? { publicUrl } : {}),
  ...(exchangeRates ? { exchangeRates } : {}),
  ...(riskPolicy ? { riskPolicy } : {}),
  ...(metricsPort !== undefined ? { metricsPort } : {}),
  ...(args['metrics-host'] ? { metricsHost: args['metrics-host'] } : {}),
  ...(keyEncryptionKey ? { keyEncryptionKey } : {}),
  ...(args['dev-push'] ? { devPush: true } : {}),
  ...(pushContact ? { push: { contact: pushContact } } : {}),
  seedDemo: args['seed-demo'] ? { shopOrigins: args['shop-origin'] ?? demoShopOrigins() } : false,
  logger: {
    level: args['log-level'],
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  },
}).catch((error: unknown) => {
  process.stderr.write(`dualpay-issuer: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});

const { issuer } = running;
if (args['admin-key']) {
  if (args['admin-key'] === DEMO.adminKey && issuer.publicUrl.startsWith('https:')) {
    process.stderr.write(`dualpay-issuer: ${DEMO.adminKey} is public; choose another admin key\n`);
    await running.close();
    process.exit(2);
  }
  await issuer.admins.ensureAdminKey(args['admin-key'], 'cli', { actor: 'cli' });
}
if (args['rotate-signing-key']) {
  try {
    const kid = await issuer.rotateSigningKey();
    process.stdout.write(`signing key rotated; new kid ${kid}\n`);
  } catch (error) {
    if (!(error instanceof RotationTooSoonError)) throw error;
    // Still serving with the current key: a refused rotation is not a failure to start.
    process.stderr.write(`dualpay-issuer: signing key not rotated: ${error.message}\n`);
  }
}
if ((await issuer.store.countAdminKeys()) === 0) {
  const adminKey = generateSecret('ak');
  await issuer.admins.ensureAdminKey(adminKey, 'first admin', { actor: 'cli' });
  process.stdout.write(`no admin key existed; created one (shown once): ${adminKey}\n`);
}
const where = args.db ? `db ${args.db}` : `PostgreSQL ${redactedUrl(databaseUrl ?? '')}`;
process.stdout.write(`dualpay issuer listening on ${issuer.publicUrl} (${where})\n`);
if (running.metricsUrl) process.stdout.write(`metrics on ${running.metricsUrl}/metrics\n`);
process.stdout.write(
  attestationRoots.length > 0
    ? `attestation roots: ${attestationRoots.length} certificate(s) from ${args['attestation-roots']}\n`
    : 'no --attestation-roots: every card enrols as a test card, which live merchants refuse\n',
);
if (args['dev-push']) {
  process.stdout.write('--dev-push: push endpoints over http on loopback are accepted\n');
}
if (args['dev-webhooks']) {
  process.stdout.write('--dev-webhooks: webhooks may go to loopback addresses over http\n');
}
if (args['seed-demo']) {
  process.stdout.write(
    `demo: merchant ${DEMO.merchantId} (secret key ${DEMO.secretKey}), admin key ${DEMO.adminKey}, payer ${DEMO.accountId}\n`,
  );
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`dualpay issuer: ${signal}, stopping\n`);
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
