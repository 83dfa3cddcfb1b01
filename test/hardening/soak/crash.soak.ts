/**
 * Soak variant of the in-flight crash of test/hardening/crash.test.ts: the issuer is SIGKILLed
 * again and again at a random point of a burst of confirmations. `SOAK_CRASHES` (default 10) sets
 * the crashes. Run with `npm run test:soak`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, spawnIssuer } from '../../server/support/process.js';
import {
  crashWithConfirmsInFlight,
  flightViolations,
  type CrashTarget,
} from '../support/crash-flight.js';

const CRASHES = Number(process.env.SOAK_CRASHES ?? 10);
const PAYMENTS = 15;

describe('the issuer killed with confirmations in flight (soak)', () => {
  let dir: string;
  let target: CrashTarget;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-soak-crash-'));
    const port = await freePort();
    const db = join(dir, 'issuer.db');
    target = { port, db, issuer: await spawnIssuer(port, db) };
  });
  after(async () => {
    await target.issuer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loses and duplicates nothing over ${CRASHES} crashes at random points`, async () => {
    const problems: string[] = [];

    for (let crash = 0; crash < CRASHES; crash++) {
      const killAfter = Math.floor(Math.random() * PAYMENTS);
      const flight = await crashWithConfirmsInFlight(target, PAYMENTS, killAfter);
      problems.push(
        ...flightViolations(flight).map((p) => `crash ${crash} (after ${killAfter}): ${p}`),
      );
    }

    assert.deepEqual(problems, []);
  });
});
