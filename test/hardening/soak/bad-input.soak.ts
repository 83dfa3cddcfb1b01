/**
 * Soak variant of test/hardening/bad-input.test.ts: many more generated hostile requests per
 * endpoint. `SOAK_RUNS` (default 500) sets the runs per endpoint. Run with `npm run test:soak`.
 */
import { after, before, describe, it } from 'node:test';
import {
  ENDPOINT_NAMES,
  checkEndpoint,
  startBadInputWorld,
  type BadInputWorld,
} from '../support/bad-input.js';

const RUNS = Number(process.env.SOAK_RUNS ?? 500);

describe('every issuer endpoint under generated hostile input (soak)', () => {
  let world: BadInputWorld;
  before(async () => {
    world = await startBadInputWorld();
  });
  after(() => world.close());

  for (const name of ENDPOINT_NAMES) {
    it(`${name} answers ${RUNS} generated requests with documented codes and keeps the invariants`, async () => {
      await checkEndpoint(world, name, RUNS);
    });
  }
});
