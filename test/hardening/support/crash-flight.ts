/**
 * One crash with confirmations in flight: many claimed payments, each approval sent twice at once,
 * the issuer SIGKILLed once `killAfter` of them were acknowledged, restarted on the same file, and
 * every payment retried the way a phone would (the same approval again). Used by
 * test/hardening/crash.test.ts and the soak variant.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { SimulatedAuthenticator } from '../../../src/phone/simulated-authenticator.js';
import type { Session } from '../../../src/protocol/index.js';
import { DEMO } from '../../../src/server/index.js';
import {
  Phone,
  createHandoff,
  publicSession,
  request,
  type HttpResult,
} from '../../server/support/harness.js';
import { spawnIssuer, type IssuerProcess } from '../../server/support/process.js';
import { invariantViolations, ledgerOf, openReadonly, sessionRow } from './invariants.js';

export interface CrashTarget {
  port: number;
  db: string;
  issuer: IssuerProcess;
}

export interface FlightOutcome {
  sessionId: string;
  /** A confirmation of it was answered 200 before the crash. */
  acknowledged: boolean;
  statusAfterCrash: string;
  ledgerAfterCrash: number;
  retry: HttpResult;
  statusAtEnd: string;
  ledgerAtEnd: number;
}

export interface Flight {
  outcomes: FlightOutcome[];
  violationsAfterCrash: string[];
  violationsAtEnd: string[];
}

function inspect(db: string, sessionId: string) {
  const file = openReadonly(db);
  try {
    return {
      status: String(sessionRow(file, sessionId)?.status),
      ledger: ledgerOf(file, sessionId).length,
    };
  } finally {
    file.close();
  }
}

function violations(db: string): string[] {
  const file = openReadonly(db);
  try {
    return invariantViolations(file);
  } finally {
    file.close();
  }
}

/** Runs one crash on `target` (its `issuer` is replaced by the restarted one). */
export async function crashWithConfirmsInFlight(
  target: CrashTarget,
  payments: number,
  killAfter: number,
): Promise<Flight> {
  // A card without a signature counter (always 0), so approvals may land in any order.
  const phone = new Phone(target.issuer.url, new SimulatedAuthenticator());
  await phone.enrol();
  const ready: { session: Session; code: string; approval: AuthenticationResponseJSON }[] = [];
  for (let i = 0; i < payments; i++) {
    const created = await request<Session>(target.issuer.url, 'POST', '/v1/checkout-sessions', {
      token: DEMO.secretKey,
      headers: { 'idempotency-key': `flight-${Date.now()}-${i}-${Math.random()}` },
      body: { amount: 1200 + i, currency: 'KRW', orderId: `flight-${i}` },
    });
    const { body: view } = await publicSession(target.issuer.url, created.body);
    const { code } = await createHandoff(target.issuer.url, created.body);
    const claimed = await phone.claim(code);
    if (claimed.status !== 200) throw new Error(`claim: ${claimed.status}`);
    const options = await phone.authenticationOptions(code, view.bindingCode);
    ready.push({
      session: created.body,
      code,
      approval: await phone.assert(options.body, { counter: 0 }),
    });
  }

  const acknowledged = new Set<string>();
  let killNow!: () => void;
  const enoughAnswered = new Promise<void>((resolve) => (killNow = resolve));
  if (killAfter <= 0) killNow();
  const inFlight = ready.flatMap((payment) =>
    [0, 1].map(async () => {
      try {
        const result = await phone.confirm(payment.code, payment.approval);
        if (result.status === 200) acknowledged.add(payment.session.id);
        if (acknowledged.size >= killAfter) killNow();
      } catch {
        // Killed mid-request: the client never learns the outcome.
      }
    }),
  );
  await enoughAnswered;
  await target.issuer.kill();
  await Promise.all(inFlight);
  target.issuer = await spawnIssuer(target.port, target.db);
  const afterCrash = ready.map((payment) => inspect(target.db, payment.session.id));
  const violationsAfterCrash = violations(target.db);

  const outcomes: FlightOutcome[] = [];
  for (const [i, payment] of ready.entries()) {
    const retry = await phone.confirm(payment.code, payment.approval);
    const end = inspect(target.db, payment.session.id);
    outcomes.push({
      sessionId: payment.session.id,
      acknowledged: acknowledged.has(payment.session.id),
      statusAfterCrash: afterCrash[i]?.status ?? '',
      ledgerAfterCrash: afterCrash[i]?.ledger ?? -1,
      retry,
      statusAtEnd: end.status,
      ledgerAtEnd: end.ledger,
    });
  }
  return { outcomes, violationsAfterCrash, violationsAtEnd: violations(target.db) };
}

/** What a flight broke, as readable strings (empty: nothing lost, nothing doubled). */
export function flightViolations(flight: Flight): string[] {
  const problems = [...flight.violationsAfterCrash, ...flight.violationsAtEnd];
  for (const o of flight.outcomes) {
    const code = (o.retry.body as { error?: { code?: string } } | undefined)?.error?.code;
    if (o.ledgerAfterCrash > 1) problems.push(`${o.sessionId}: ${o.ledgerAfterCrash} entries`);
    if ((o.ledgerAfterCrash === 1) !== (o.statusAfterCrash === 'settled'))
      problems.push(`${o.sessionId}: ${o.statusAfterCrash} with ${o.ledgerAfterCrash} entries`);
    if (o.acknowledged && o.statusAfterCrash !== 'settled')
      problems.push(`${o.sessionId}: acknowledged, then lost (${o.statusAfterCrash})`);
    if (o.statusAfterCrash === 'settled' && code !== 'session_settled')
      problems.push(`${o.sessionId}: retry after settlement got ${o.retry.status} ${code}`);
    if (o.statusAfterCrash === 'claimed' && o.retry.status !== 200)
      problems.push(`${o.sessionId}: lost approval sent again got ${o.retry.status} ${code}`);
    if (!['settled', 'claimed'].includes(o.statusAfterCrash))
      problems.push(`${o.sessionId}: ${o.statusAfterCrash} after the crash`);
    if (o.statusAtEnd !== 'settled' || o.ledgerAtEnd !== 1)
      problems.push(`${o.sessionId}: ends ${o.statusAtEnd} with ${o.ledgerAtEnd} entries`);
  }
  return problems;
}
