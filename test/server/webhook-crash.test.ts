/**
 * Webhooks survive a crash: the event is in the outbox when the payment's answer is sent (written
 * in the settlement's transaction), and an issuer killed with SIGKILL before the event got
 * through sends it after its restart, at its schedule, with the same id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session, WebhookEvent } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { openReadonly } from '../hardening/support/invariants.js';
import { Phone, request } from './support/harness.js';
import { settledSession } from './support/pay.js';
import { freePort, spawnIssuer, type IssuerProcess } from './support/process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** Rows of the outbox and its attempts, read from the file another process writes. */
function outbox(db: string) {
  const file = openReadonly(db);
  try {
    return {
      events: file.prepare('SELECT id, type, status, payload FROM webhook_events').all() as {
        id: string;
        type: string;
        status: string;
        payload: string;
      }[],
      attempts: (file.prepare('SELECT COUNT(*) AS n FROM webhook_attempts').get() as { n: number })
        .n,
    };
  } finally {
    file.close();
  }
}

async function until<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhooks across a SIGKILL', () => {
  let dir: string;
  let db: string;
  let port: number;
  let issuer: IssuerProcess;
  let receiver: WebhookReceiver;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-webhook-crash-'));
    db = join(dir, 'issuer.db');
    port = await freePort();
    receiver = await WebhookReceiver.start();
    issuer = await spawnIssuer(port, db, ['--dev-webhooks']);
  });
  after(async () => {
    await issuer.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'has the event in the outbox at the answer, and delivers it after a restart with the same id',
    { timeout: 60_000 },
    async () => {
      receiver.answer = (_request, n) => ({ status: n === 0 ? 500 : 204 });
      const set = await request<{ webhookSecret: string }>(
        issuer.url,
        'PATCH',
        `/v1/merchants/${DEMO.merchantId}`,
        { token: DEMO.adminKey, body: { webhookUrl: receiver.url } },
      );
      const phone = new Phone(issuer.url);
      await phone.enrol();

      const session = await settledSession(issuer, phone);
      const atAnswer = outbox(db);
      const [first] = await receiver.waitFor(1);
      // The failed attempt is recorded (so its lease is over) before the kill.
      await until(() => (outbox(db).attempts === 1 ? true : undefined), 5000);
      await issuer.kill();
      issuer = await spawnIssuer(port, db, ['--dev-webhooks']);
      const [, second] = await receiver.waitFor(2, 25_000);
      if (!first || !second) throw new Error('no webhook');

      assert.deepEqual(
        atAnswer.events.map((e) => [e.type, (JSON.parse(e.payload) as WebhookEvent).data.id]),
        [['checkout.settled', session.id]],
      );
      assert.equal(second.headers['webhook-id'], first.headers['webhook-id']);
      assert.equal(second.headers['webhook-id'], atAnswer.events[0]?.id);
      const event = verifyWebhook(second.body, second.headers, set.body.webhookSecret);
      assert.equal((event.data as Session).settlementToken, session.settlementToken);
      await until(() => (outbox(db).events[0]?.status === 'delivered' ? true : undefined), 5000);
    },
  );
});
