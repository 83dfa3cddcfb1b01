/**
 * Races on one session: confirmations (one or two valid assertions, some replayed), declines,
 * cancels by the page and by the merchant, and expiry (the fake clock jumps past the deadline and
 * `issuer.sweep()` runs) — all at once. Used by test/hardening/races.test.ts and the soak variant.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Session } from '../../../src/protocol/index.js';
import { DEMO, type SqliteStore } from '../../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../../server/support/harness.js';
import { eventStatuses, invariantViolations, ledgerOf, sessionRow } from './invariants.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
const TERMINAL = ['settled', 'declined', 'failed', 'expired', 'cancelled'];

/** A seeded PRNG (mulberry32), so a failing round can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RacerKind = 'confirm' | 'decline' | 'cancel-page' | 'cancel-merchant' | 'expire';

/** The status a winning racer of each kind leaves. */
const WINS: Record<RacerKind, string> = {
  confirm: 'settled',
  decline: 'declined',
  'cancel-page': 'cancelled',
  'cancel-merchant': 'cancelled',
  expire: 'expired',
};

/** Codes a losing racer may get, by kind. */
export const LOSER_CODES: Record<Exclude<RacerKind, 'expire'>, string[]> = {
  confirm: [
    'session_settled',
    'session_declined',
    'session_cancelled',
    'session_expired',
    'authentication_failed',
  ],
  decline: ['session_settled', 'session_declined', 'session_cancelled', 'session_expired'],
  'cancel-page': ['session_settled', 'session_declined', 'session_cancelled', 'session_expired'],
  'cancel-merchant': [
    'session_settled',
    'session_declined',
    'session_cancelled',
    'session_expired',
  ],
};

export interface RaceWorld {
  server: TestIssuer;
  db: SqliteStore['db'];
  clock: { now: number };
  phone: Phone;
  close(): Promise<void>;
}

/** An issuer on a fake clock (moved only by the races), with one phone and its enrolled card. */
export async function startRaceWorld(): Promise<RaceWorld> {
  const clock = { now: Date.now() };
  const server = await startTestIssuer({
    now: () => clock.now,
    rateLimits: {
      claim: GENEROUS,
      userCodeClaim: GENEROUS,
      enrollment: GENEROUS,
      handoffCreate: GENEROUS,
      codeMiss: GENEROUS,
      userCodeMissGlobal: GENEROUS,
      sessionCreate: GENEROUS,
    },
  });
  const phone = new Phone(server.url);
  await phone.enrol();
  return {
    server,
    db: (server.issuer.store as SqliteStore).db,
    clock,
    phone,
    close: () => server.dispose(),
  };
}

/** A session claimed by the world's phone, with `assertions` valid approvals ready to send. */
export async function claimedSession(
  world: RaceWorld,
  assertions: number,
): Promise<{ session: Session; code: string; approvals: AuthenticationResponseJSON[] }> {
  const { url } = world.server;
  const session = await createSession(url);
  const { body: view } = await publicSession(url, session);
  const { code } = await createHandoff(url, session);
  const claim = await world.phone.claim(code);
  if (claim.status !== 200) throw new Error(`claim: ${claim.status}`);
  const approvals: AuthenticationResponseJSON[] = [];
  for (let i = 0; i < assertions; i++) {
    const options = await world.phone.authenticationOptions(code, view.bindingCode);
    if (options.status !== 200) throw new Error(`options: ${options.status}`);
    approvals.push(await world.phone.assert(options.body));
  }
  return { session, code, approvals };
}

export interface RacerResult {
  kind: RacerKind;
  /** HTTP status (expire: 200 when this sweep expired the session, else 0). */
  status: number;
  code: string | null;
}

export interface RoundOutcome {
  sessionId: string;
  racers: RacerResult[];
  status: string;
  /** What broke, as readable strings (empty: the round kept every rule). */
  violations: string[];
  /** Losers with no audit row of their own, by who sent them. */
  unaudited: string[];
}

const errorCode = (result: HttpResult): string | null =>
  (result.body as { error?: { code?: string } } | undefined)?.error?.code ?? null;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Draws the racers of one round: at least two, confirmations most of the time. */
export function drawRacers(random: () => number): RacerKind[] {
  const racers: RacerKind[] = [];
  const count = 2 + Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    racers.push(
      pick(random, [
        'confirm',
        'confirm',
        'decline',
        'cancel-page',
        'cancel-merchant',
        'expire',
      ] as const),
    );
  }
  return racers;
}

/** Yields to the event loop a few times, so racers start at different points of each other. */
async function jitter(random: () => number): Promise<void> {
  const turns = Math.floor(random() * 4);
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs one round of `racers` on a fresh claimed session and checks what it left. */
export async function raceRound(
  world: RaceWorld,
  racers: readonly RacerKind[],
  random: () => number,
): Promise<RoundOutcome> {
  const { url, issuer } = world.server;
  const confirms = racers.filter((kind) => kind === 'confirm').length;
  // Two distinct approvals when several confirmations race; the others replay one of them.
  const { session, code, approvals } = await claimedSession(world, Math.min(2, confirms));
  const auditBefore = (await issuer.store.listAudit({ sessionId: session.id })).length;

  const run = async (kind: RacerKind, index: number): Promise<RacerResult> => {
    await jitter(random);
    switch (kind) {
      case 'confirm': {
        const approval = approvals[index % approvals.length];
        const result = await world.phone.confirm(code, approval);
        return { kind, status: result.status, code: errorCode(result) };
      }
      case 'decline': {
        const result = await world.phone.decline(code);
        return { kind, status: result.status, code: errorCode(result) };
      }
      case 'cancel-page':
      case 'cancel-merchant': {
        const token = kind === 'cancel-page' ? session.clientSecret : DEMO.secretKey;
        const result = await request(url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
          token,
        });
        return { kind, status: result.status, code: errorCode(result) };
      }
      case 'expire': {
        world.clock.now = Math.max(world.clock.now, Date.parse(session.expiresAt) + 1);
        const expired = await issuer.sweep();
        return { kind, status: expired > 0 ? 200 : 0, code: null };
      }
    }
  };
  const results = await Promise.all(racers.map((kind, index) => run(kind, index)));

  const violations: string[] = [];
  const row = sessionRow(world.db, session.id);
  const status = String(row?.status);
  if (!TERMINAL.includes(status)) violations.push(`not terminal: ${status}`);
  const winners = results.filter((r) => r.kind !== 'expire' && r.status === 200);
  if (status === 'expired') {
    if (winners.length !== 0) violations.push(`expired, yet ${winners.length} racer(s) won`);
  } else if (winners.length !== 1 || WINS[winners[0]?.kind ?? 'expire'] !== status) {
    violations.push(`status ${status} with winners ${JSON.stringify(winners)}`);
  }
  const losers = results.filter((r) => r.kind !== 'expire' && r.status !== 200);
  for (const loser of losers) {
    const allowed = LOSER_CODES[loser.kind as Exclude<RacerKind, 'expire'>];
    if (loser.status >= 500 || !allowed.includes(loser.code ?? ''))
      violations.push(`loser ${loser.kind} got ${loser.status} ${loser.code}`);
  }
  const events = eventStatuses(world.db, session.id);
  const terminalEvents = events.filter((s) => TERMINAL.includes(s));
  if (terminalEvents.length !== 1 || events.at(-1) !== status)
    violations.push(`events ${events.join(',')} for status ${status}`);
  const ledger = ledgerOf(world.db, session.id).length;
  if (ledger !== (status === 'settled' ? 1 : 0))
    violations.push(`${ledger} ledger entries for status ${status}`);
  violations.push(...invariantViolations(world.db));

  // Every loser should leave a trace: approval.failed, or a refused action. The winner's
  // transition writes one row (session.<status>); the rest belongs to the losers, told apart by
  // actor (the phone's confirmations and declines share one).
  const audit = (await issuer.store.listAudit({ sessionId: session.id })).slice(auditBefore);
  const winnerRow = audit.findIndex((entry) => entry.action === `session.${status}`);
  const loserRows = audit.filter((_entry, index) => index !== winnerRow);
  const unaudited: string[] = [];
  for (const [group, kinds, actor] of [
    ['confirm or decline (phone)', ['confirm', 'decline'], (a: string) => a === 'phone'],
    ['cancel by the page', ['cancel-page'], (a: string) => a === 'page'],
    ['cancel by the merchant', ['cancel-merchant'], (a: string) => a.startsWith('merchant:')],
  ] as const) {
    const lost = losers.filter((loser) => (kinds as readonly string[]).includes(loser.kind));
    const rows = loserRows.filter((entry) => actor(entry.actor)).length;
    for (let i = rows; i < lost.length; i++) unaudited.push(group);
  }
  return { sessionId: session.id, racers: results, status, violations, unaudited };
}
