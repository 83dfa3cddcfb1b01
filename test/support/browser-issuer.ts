/**
 * A real issuer for the browser tests (loaded by web-test-runner.config.mjs through tsx): seeded
 * demo merchant whose allowed origins are the test page's, one enrolled phone (software FIDO2
 * card) that approves, declines or fails on command, and a clock the tests can move.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handoff, PublicSession, Session } from '../../src/protocol/index.js';
import { ALLOW_ALL_POLICY, DEMO, startIssuer, type RunningIssuer } from '../../src/server/index.js';
import { Phone, request } from '../server/support/harness.js';

export interface BrowserIssuer {
  url: string;
  /** Runs one `issuer:*` command from a test page. */
  command(name: string, payload: Record<string, unknown>): Promise<unknown>;
  /** The merchant endpoint the element posts to (`/api/checkout`). */
  createSessionForPage(
    overrides?: Record<string, unknown>,
  ): Promise<{ id: string; clientSecret: string }>;
  close(): Promise<void>;
}

export async function startBrowserIssuer(shopOrigins: string[]): Promise<BrowserIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-wtr-'));
  let offsetMs = 0;
  const running: RunningIssuer = await startIssuer({
    db: join(dir, 'issuer.db'),
    port: 0,
    seedDemo: { shopOrigins },
    sweepIntervalMs: 200,
    now: () => Date.now() + offsetMs,
    rateLimits: { handoffCreate: { perMinute: 600, burst: 100 } },
    // One card pays and fails for the whole suite, hundreds of times in minutes: the risk
    // policy's velocity limits would stop it (they are tested in test/server/risk.test.ts).
    policy: ALLOW_ALL_POLICY,
  });
  const phone = new Phone(running.url);
  await phone.enrol();
  let orders = 0;

  const createSession = async (overrides: Record<string, unknown> = {}) => {
    const result = await request<Session>(running.url, 'POST', '/v1/checkout-sessions', {
      token: DEMO.secretKey,
      headers: { 'idempotency-key': `wtr-${Date.now()}-${orders}` },
      body: {
        amount: 1500,
        currency: 'KRW',
        orderId: `wtr-order-${++orders}`,
        description: 'Coffee',
        ...overrides,
      },
    });
    if (result.status !== 201)
      throw new Error(`session: ${result.status} ${JSON.stringify(result.body)}`);
    return { id: result.body.id, clientSecret: result.body.clientSecret };
  };

  /** The binding number the merchant page shows (read as the merchant, without polling). */
  const bindingCodeOf = async (code: string): Promise<string> => {
    const claim = await phone.claim(code);
    if (claim.status !== 200)
      throw new Error(`claim: ${claim.status} ${JSON.stringify(claim.body)}`);
    const session = await running.issuer.store.getSession(claim.body.sessionId);
    return session?.bindingCode ?? '';
  };

  const commands: Record<string, (payload: Record<string, unknown>) => Promise<unknown>> = {
    info: async () => ({ url: running.url }),
    streams: async () => running.app.streams.size,
    'create-session': (payload) => createSession(payload),
    claim: async ({ code }) => (await phone.claim(String(code))).body,
    approve: async ({ code }) => {
      const binding = await bindingCodeOf(String(code));
      const options = await phone.authenticationOptions(String(code), binding);
      return (await phone.confirm(String(code), await phone.assert(options.body))).body;
    },
    mismatch: async ({ code }) => {
      const binding = await bindingCodeOf(String(code));
      const wrong = String((Number(binding) + 1) % 100).padStart(2, '0');
      return (await phone.authenticationOptions(String(code), wrong)).body;
    },
    decline: async ({ code }) => {
      await bindingCodeOf(String(code));
      return (await phone.decline(String(code))).body;
    },
    fail: async ({ code }) => {
      const binding = await bindingCodeOf(String(code));
      for (let i = 0; i < 5; i++) {
        const options = await phone.authenticationOptions(String(code), binding);
        const unverified = await phone.assert(options.body, { userVerified: false });
        await phone.confirm(String(code), unverified);
      }
      return {
        status: (
          await running.issuer.store.getSession(
            (await phone.claim(String(code))).body.sessionId ?? '',
          )
        )?.status,
      };
    },
    advance: async ({ ms }) => {
      offsetMs += Number(ms);
      return { expired: await running.issuer.sweep() };
    },
    'handoff-ttl': async ({ ms }) => {
      running.issuer.config.handoffTtlMs = Number(ms);
      return null;
    },
    session: async ({ id }) =>
      (
        await request<Session>(running.url, 'GET', `/v1/checkout-sessions/${String(id)}`, {
          token: DEMO.secretKey,
        })
      ).body,
    public: async ({ id }) => {
      const record = await running.issuer.store.getSession(String(id));
      return record
        ? ((await running.issuer.checkout.toPublicSession(record)) as PublicSession)
        : null;
    },
  };

  return {
    url: running.url,
    async command(name, payload) {
      const handler = commands[name];
      if (!handler) throw new Error(`unknown issuer command ${name}`);
      return handler(payload);
    },
    createSessionForPage: createSession,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type { Handoff };
