/**
 * Soak variant of test/hardening/races.test.ts: many more rounds of mixed terminal actions racing
 * on one session. `SOAK_ROUNDS` (default 500) sets the rounds, `HARDENING_SEED` the seed.
 * Run with `npm run test:soak`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drawRacers, prng, raceRound, startRaceWorld, type RaceWorld } from '../support/races.js';

const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 500);
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2 ** 31);

describe('racing terminal actions on one session (soak)', () => {
  let world: RaceWorld;
  before(async () => {
    world = await startRaceWorld();
  });
  after(() => world.close());

  it(`lets exactly one terminal state win in each of ${ROUNDS} rounds`, async () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const unaudited = new Map<string, number>();

    for (let round = 0; round < ROUNDS; round++) {
      const racers = drawRacers(random);
      const outcome = await raceRound(world, racers, random);
      if (outcome.violations.length > 0)
        failures.push(`round ${round} [${racers.join(', ')}]: ${outcome.violations.join('; ')}`);
      for (const kind of outcome.unaudited) unaudited.set(kind, (unaudited.get(kind) ?? 0) + 1);
    }

    assert.deepEqual(failures.slice(0, 20), [], `seed ${SEED}`);
    assert.deepEqual(Object.fromEntries(unaudited), {}, `unaudited losers (seed ${SEED})`);
  });
});
