/** Runs whole payments through the API, for tests that need settled sessions. */
import type { Session } from '../../../src/protocol/index.js';
import { DEMO } from '../../../src/server/index.js';
import type { Phone } from './harness.js';
import {
  createHandoff,
  createSession,
  publicSession,
  request,
  type TestIssuer,
} from './harness.js';

/** Creates, hands off, claims, approves; returns the session with its settlement token. */
export async function settledSession(
  server: Pick<TestIssuer, 'url'>,
  phone: Phone,
  overrides: Record<string, unknown> = {},
): Promise<Session & { settlementToken: string }> {
  const session = await createSession(server.url, overrides);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await createHandoff(server.url, session);
  const result = await phone.pay(handoff.code, view.bindingCode);
  if (result.status !== 200)
    throw new Error(`pay: ${result.status} ${JSON.stringify(result.body)}`);
  const settled = await request<Session>(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
    token: DEMO.secretKey,
  });
  return settled.body as Session & { settlementToken: string };
}
