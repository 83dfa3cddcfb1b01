import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ConsoleApi, ConsoleApiError } from '../../src/console/api.js';
import { IdleWatch } from '../../src/console/idle.js';
import type { ConsoleSession } from '../../src/console/types.js';

const MINUTE = 60_000;

/** A ConsoleApi whose `session()` is counted and answers what the test says. */
function fakeApi(answer: () => Promise<ConsoleSession>) {
  const api = new ConsoleApi((async () => new Response('{}')) as typeof fetch);
  let asked = 0;
  api.session = () => {
    asked++;
    return answer();
  };
  return { api, asked: () => asked };
}

const session = (idleMinutes: number, absoluteMinutes = 720): ConsoleSession => ({
  label: 'desk',
  idleExpiresAt: new Date(Date.now() + idleMinutes * MINUTE).toISOString(),
  expiresAt: new Date(Date.now() + absoluteMinutes * MINUTE).toISOString(),
});

describe('IdleWatch (src/console/idle.ts)', () => {
  const watches: IdleWatch[] = [];
  const watching = (api: ConsoleApi) => {
    const watch = new IdleWatch(api);
    watches.push(watch);
    return watch;
  };
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 }));
  // Stopped even when a test failed half-way, so no real timer outlives it.
  afterEach(() => {
    for (const watch of watches.splice(0)) watch.stop();
    mock.timers.reset();
  });

  it('asks the issuer only once the idle time has run out, and not before', () => {
    const { api, asked } = fakeApi(() => Promise.reject(new ConsoleApiError('unauthorized', 401)));
    const watch = watching(api);

    watch.start(session(30));
    mock.timers.tick(30 * MINUTE);
    assert.equal(asked(), 0);
    mock.timers.tick(2_000);

    assert.equal(asked(), 1);
  });

  it('counts the idle time again from each answer of the issuer', () => {
    const { api, asked } = fakeApi(() => Promise.reject(new ConsoleApiError('unauthorized', 401)));
    const watch = watching(api);
    watch.start(session(30));

    mock.timers.tick(20 * MINUTE);
    api.onAnswer();
    mock.timers.tick(20 * MINUTE);
    assert.equal(asked(), 0);
    mock.timers.tick(10 * MINUTE + 2_000);

    assert.equal(asked(), 1);
  });

  it('asks at the absolute expiry even while the operator keeps working', () => {
    const { api, asked } = fakeApi(() => Promise.reject(new ConsoleApiError('unauthorized', 401)));
    const watch = watching(api);
    watch.start(session(30, 45));

    mock.timers.tick(25 * MINUTE);
    api.onAnswer();
    mock.timers.tick(20 * MINUTE + 2_000);

    assert.equal(asked(), 1);
  });

  it('asks nothing once stopped (signed out)', () => {
    const { api, asked } = fakeApi(() => Promise.resolve(session(30)));
    const watch = watching(api);
    watch.start(session(30));

    watch.stop();
    api.onAnswer();
    mock.timers.tick(60 * MINUTE);

    assert.equal(asked(), 0);
  });
});
