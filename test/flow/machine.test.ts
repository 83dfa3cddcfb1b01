import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INITIAL_STATE,
  isRunning,
  isTerminal,
  orderIdOf,
  transition,
  type CheckoutEvent,
  type CheckoutState,
} from '../../src/flow/machine.js';
import type {
  CheckoutStatus,
  Handoff,
  PublicSession,
  SessionStatus,
} from '../../src/protocol/index.js';

const SESSION = {
  id: 'cs_3q2Jx8fLr1mWbQk0ZtYv9A',
  clientSecret: 'cs_3q2Jx8fLr1mWbQk0ZtYv9A_secret_x',
};
const HANDOFF: Handoff = {
  code: 'lE2TnHADRzBhl33IcA2J-s16',
  url: 'http://localhost:4010/h/lE2TnHADRzBhl33IcA2J-s16',
  userCode: 'KNCZMDSM',
  expiresAt: '2026-11-21T09:31:00.000Z',
};
const TERMINAL_STATUSES = ['settled', 'declined', 'failed', 'expired', 'cancelled'] as const;

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** A compact JWS with these claims (the signature is never checked here). */
function tokenWith(claims: unknown): string {
  return `${b64url({ alg: 'ES256', typ: 'dualpay-settlement+jwt', kid: 'k1' })}.${b64url(claims)}.c2ln`;
}

function view(status: SessionStatus, extra: Partial<PublicSession> = {}): PublicSession {
  return {
    id: SESSION.id,
    status,
    amount: 1500,
    currency: 'KRW',
    merchantName: 'dualpay Demo Shop',
    description: 'Flat white',
    expiresAt: '2026-11-21T09:40:00.000Z',
    bindingCode: '31',
    interval: 2,
    ...extra,
  };
}

/** A state in `status`, as the controller would have reached it. */
function stateIn(status: CheckoutStatus): CheckoutState {
  switch (status) {
    case 'idle':
      return INITIAL_STATE;
    case 'creating':
      return { ...INITIAL_STATE, status };
    case 'awaiting-handoff':
      return { ...INITIAL_STATE, status, session: SESSION, view: view('open'), handoff: HANDOFF };
    case 'awaiting-confirmation':
      return {
        ...INITIAL_STATE,
        status,
        session: SESSION,
        view: view('claimed'),
        handoff: HANDOFF,
      };
    case 'settled':
      return {
        ...INITIAL_STATE,
        status,
        session: SESSION,
        view: view('settled', { settlementToken: tokenWith({ orderId: 'o-1' }) }),
        settlement: {
          token: tokenWith({ orderId: 'o-1' }),
          sessionId: SESSION.id,
          orderId: 'o-1',
          amount: 1500,
          currency: 'KRW',
        },
      };
    default:
      return {
        ...INITIAL_STATE,
        status,
        session: SESSION,
        view: view(status),
        error: { code: `session_${status}`, message: status },
      };
  }
}

/** One event of every kind except RESET. */
const NON_RESET_EVENTS: CheckoutEvent[] = [
  { type: 'START' },
  { type: 'SESSION_CREATED', session: { id: 'cs_other', clientSecret: 'cs_other_secret' } },
  { type: 'SNAPSHOT', view: view('open') },
  { type: 'SNAPSHOT', view: view('claimed') },
  { type: 'SNAPSHOT', view: view('settled', { settlementToken: tokenWith({ orderId: 'o-2' }) }) },
  { type: 'SNAPSHOT', view: view('declined') },
  { type: 'HANDOFF', handoff: HANDOFF },
  { type: 'FAIL', error: { code: 'network_error', message: 'offline' } },
  { type: 'DEADLINE' },
  { type: 'CANCEL' },
  { type: 'UNREACHABLE' },
  { type: 'REACHABLE' },
  { type: 'HANDOFF_EXPIRED', code: HANDOFF.code },
];

describe('transition on START', () => {
  it('moves idle to creating with nothing carried over', () => {
    const next = transition(INITIAL_STATE, { type: 'START' });

    assert.deepEqual(next, { ...INITIAL_STATE, status: 'creating' });
  });

  for (const status of [
    'creating',
    'awaiting-handoff',
    'awaiting-confirmation',
    ...TERMINAL_STATUSES,
  ] as const) {
    it(`leaves ${status} unchanged`, () => {
      const state = stateIn(status);

      const next = transition(state, { type: 'START' });

      assert.equal(next, state);
    });
  }
});

describe('transition on SESSION_CREATED', () => {
  it('moves creating to awaiting-handoff and keeps the session', () => {
    const next = transition(stateIn('creating'), { type: 'SESSION_CREATED', session: SESSION });

    assert.equal(next.status, 'awaiting-handoff');
    assert.deepEqual(next.session, SESSION);
  });

  for (const status of ['idle', 'awaiting-handoff', 'awaiting-confirmation'] as const) {
    it(`is ignored in ${status}`, () => {
      const state = stateIn(status);

      const next = transition(state, {
        type: 'SESSION_CREATED',
        session: { id: 'cs_other', clientSecret: 'cs_other_secret' },
      });

      assert.equal(next, state);
    });
  }
});

describe('transition on SNAPSHOT', () => {
  it('maps open to awaiting-handoff and keeps the view', () => {
    const snapshot = view('open', { bindingCode: '07' });

    const next = transition(
      { ...INITIAL_STATE, status: 'awaiting-handoff', session: SESSION },
      { type: 'SNAPSHOT', view: snapshot },
    );

    assert.equal(next.status, 'awaiting-handoff');
    assert.deepEqual(next.view, snapshot);
  });

  it('maps claimed to awaiting-confirmation', () => {
    const next = transition(stateIn('awaiting-handoff'), {
      type: 'SNAPSHOT',
      view: view('claimed'),
    });

    assert.equal(next.status, 'awaiting-confirmation');
    assert.equal(next.error, null);
  });

  it('maps settled to settled with a Settlement read from the view and the token', () => {
    const token = tokenWith({ sub: SESSION.id, orderId: 'order-1042', amount: 1500 });

    const next = transition(stateIn('awaiting-confirmation'), {
      type: 'SNAPSHOT',
      view: view('settled', { settlementToken: token, amount: 1500, currency: 'KRW' }),
    });

    assert.equal(next.status, 'settled');
    assert.equal(next.error, null);
    assert.deepEqual(next.settlement, {
      token,
      sessionId: SESSION.id,
      orderId: 'order-1042',
      amount: 1500,
      currency: 'KRW',
    });
  });

  it('settles straight from awaiting-handoff when the claim was missed', () => {
    const token = tokenWith({ orderId: 'order-7' });

    const next = transition(stateIn('awaiting-handoff'), {
      type: 'SNAPSHOT',
      view: view('settled', { settlementToken: token }),
    });

    assert.equal(next.status, 'settled');
    assert.equal(next.settlement?.orderId, 'order-7');
  });

  it('fails with invalid_response when settled arrives without a token', () => {
    const next = transition(stateIn('awaiting-confirmation'), {
      type: 'SNAPSHOT',
      view: view('settled'),
    });

    assert.equal(next.status, 'failed');
    assert.equal(next.error?.code, 'invalid_response');
    assert.equal(next.settlement, null);
  });

  const DEFAULT_CODES = {
    declined: 'session_declined',
    failed: 'session_failed',
    expired: 'session_expired',
    cancelled: 'session_cancelled',
  } as const;
  for (const [status, code] of Object.entries(DEFAULT_CODES) as [
    keyof typeof DEFAULT_CODES,
    string,
  ][]) {
    it(`maps ${status} to ${status} with code ${code} when the view has no error`, () => {
      const next = transition(stateIn('awaiting-confirmation'), {
        type: 'SNAPSHOT',
        view: view(status),
      });

      assert.equal(next.status, status);
      assert.equal(next.error?.code, code);
      assert.equal(next.settlement, null);
    });
  }

  it("takes the view's error code over the default one", () => {
    const next = transition(stateIn('awaiting-confirmation'), {
      type: 'SNAPSHOT',
      view: view('failed', { error: { code: 'limit_exceeded', message: 'Monthly limit reached' } }),
    });

    assert.equal(next.status, 'failed');
    assert.equal(next.error?.code, 'limit_exceeded');
  });

  it('ignores a snapshot of another session', () => {
    const state = stateIn('awaiting-handoff');

    const next = transition(state, {
      type: 'SNAPSHOT',
      view: { ...view('declined'), id: 'cs_someone_else' },
    });

    assert.equal(next, state);
  });

  for (const status of ['idle', 'creating'] as const) {
    it(`is ignored in ${status}, before there is a session`, () => {
      const state = stateIn(status);

      const next = transition(state, { type: 'SNAPSHOT', view: view('claimed') });

      assert.equal(next, state);
    });
  }
});

describe('transition on HANDOFF', () => {
  it('stores the hand-off while awaiting-handoff', () => {
    const fresh = { ...HANDOFF, code: 'bNewCodeNewCodeNewCode_-' };

    const next = transition(stateIn('awaiting-handoff'), { type: 'HANDOFF', handoff: fresh });

    assert.equal(next.status, 'awaiting-handoff');
    assert.deepEqual(next.handoff, fresh);
  });

  it('is ignored once the phone has claimed the session', () => {
    const state = stateIn('awaiting-confirmation');

    const next = transition(state, { type: 'HANDOFF', handoff: { ...HANDOFF, code: 'x' } });

    assert.equal(next, state);
  });
});

describe('transition on FAIL', () => {
  for (const status of ['creating', 'awaiting-handoff', 'awaiting-confirmation'] as const) {
    it(`moves ${status} to failed with the given error`, () => {
      const next = transition(stateIn(status), {
        type: 'FAIL',
        error: { code: 'network_error', message: 'offline' },
      });

      assert.equal(next.status, 'failed');
      assert.deepEqual(next.error, { code: 'network_error', message: 'offline' });
    });
  }

  it('is ignored in idle', () => {
    const next = transition(INITIAL_STATE, {
      type: 'FAIL',
      error: { code: 'network_error', message: 'offline' },
    });

    assert.equal(next, INITIAL_STATE);
  });
});

describe('transition on DEADLINE', () => {
  for (const status of ['awaiting-handoff', 'awaiting-confirmation'] as const) {
    it(`moves ${status} to expired with code session_expired`, () => {
      const next = transition(stateIn(status), { type: 'DEADLINE' });

      assert.equal(next.status, 'expired');
      assert.equal(next.error?.code, 'session_expired');
    });
  }

  for (const status of ['idle', 'creating'] as const) {
    it(`is ignored in ${status}`, () => {
      const state = stateIn(status);

      const next = transition(state, { type: 'DEADLINE' });

      assert.equal(next, state);
    });
  }
});

describe('transition on CANCEL', () => {
  for (const status of ['creating', 'awaiting-handoff', 'awaiting-confirmation'] as const) {
    it(`moves ${status} to cancelled with code session_cancelled`, () => {
      const next = transition(stateIn(status), { type: 'CANCEL' });

      assert.equal(next.status, 'cancelled');
      assert.equal(next.error?.code, 'session_cancelled');
    });
  }

  it('is ignored in idle', () => {
    const next = transition(INITIAL_STATE, { type: 'CANCEL' });

    assert.equal(next, INITIAL_STATE);
  });
});

describe('transition on UNREACHABLE and REACHABLE (connection)', () => {
  for (const status of ['awaiting-handoff', 'awaiting-confirmation'] as const) {
    it(`marks ${status} reconnecting without changing its status`, () => {
      const next = transition(stateIn(status), { type: 'UNREACHABLE' });

      assert.equal(next.status, status);
      assert.equal(next.connection, 'reconnecting');
    });

    it(`brings ${status} back online on REACHABLE`, () => {
      const lost = transition(stateIn(status), { type: 'UNREACHABLE' });

      const next = transition(lost, { type: 'REACHABLE' });

      assert.equal(next.status, status);
      assert.equal(next.connection, 'online');
    });
  }

  it('is online again when a snapshot or a hand-off arrives', () => {
    const lost = transition(stateIn('awaiting-handoff'), { type: 'UNREACHABLE' });

    const bySnapshot = transition(lost, { type: 'SNAPSHOT', view: view('open') });
    const byHandoff = transition(lost, {
      type: 'HANDOFF',
      handoff: { ...HANDOFF, code: 'bNewCodeNewCodeNewCode_-' },
    });

    assert.equal(bySnapshot.connection, 'online');
    assert.equal(byHandoff.connection, 'online');
  });

  it('is online once the checkout ends, whatever ended it', () => {
    const lost = transition(stateIn('awaiting-confirmation'), { type: 'UNREACHABLE' });

    const ends = [
      transition(lost, { type: 'DEADLINE' }),
      transition(lost, { type: 'CANCEL' }),
      transition(lost, { type: 'FAIL', error: { code: 'network_error', message: 'x' } }),
    ];

    assert.deepEqual(
      ends.map((state) => [state.status, state.connection]),
      [
        ['expired', 'online'],
        ['cancelled', 'online'],
        ['failed', 'online'],
      ],
    );
  });

  for (const status of ['idle', 'creating'] as const) {
    it(`is ignored in ${status}`, () => {
      const state = stateIn(status);

      const next = transition(state, { type: 'UNREACHABLE' });

      assert.equal(next, state);
    });
  }

  it('leaves an online state unchanged on REACHABLE (no re-render)', () => {
    const state = stateIn('awaiting-handoff');

    const next = transition(state, { type: 'REACHABLE' });

    assert.equal(next, state);
  });
});

describe('transition on HANDOFF_EXPIRED', () => {
  it('marks the current hand-off expired until a fresh one arrives', () => {
    const state = stateIn('awaiting-handoff');

    const expired = transition(state, { type: 'HANDOFF_EXPIRED', code: HANDOFF.code });
    const fresh = transition(expired, {
      type: 'HANDOFF',
      handoff: { ...HANDOFF, code: 'bNewCodeNewCodeNewCode_-' },
    });

    assert.equal(expired.status, 'awaiting-handoff');
    assert.equal(expired.handoffExpired, true);
    assert.deepEqual(expired.handoff, HANDOFF);
    assert.equal(fresh.handoffExpired, false);
  });

  it('ignores the expiry of a code that was already replaced', () => {
    const state = stateIn('awaiting-handoff');

    const next = transition(state, { type: 'HANDOFF_EXPIRED', code: 'anOlderCodeAnOlderCode_-' });

    assert.equal(next, state);
  });

  it('is ignored once the phone has claimed the session', () => {
    const state = stateIn('awaiting-confirmation');

    const next = transition(state, { type: 'HANDOFF_EXPIRED', code: HANDOFF.code });

    assert.equal(next, state);
  });
});

describe('transition in a terminal status', () => {
  for (const status of TERMINAL_STATUSES) {
    it(`keeps ${status} whatever happens, except RESET`, () => {
      const state = stateIn(status);

      const results = NON_RESET_EVENTS.map((event) => transition(state, event));

      for (const [i, next] of results.entries()) {
        assert.equal(next, state, `${NON_RESET_EVENTS[i]?.type} changed ${status}`);
      }
    });
  }
});

describe('transition on RESET', () => {
  for (const status of [
    'idle',
    'creating',
    'awaiting-handoff',
    'awaiting-confirmation',
    ...TERMINAL_STATUSES,
  ] as const) {
    it(`returns ${status} to the initial idle state`, () => {
      const next = transition(stateIn(status), { type: 'RESET' });

      assert.deepEqual(next, INITIAL_STATE);
      assert.equal(next.status, 'idle');
    });
  }
});

describe('isTerminal and isRunning', () => {
  it('split the statuses into idle, running and terminal', () => {
    const statuses = [
      'idle',
      'creating',
      'awaiting-handoff',
      'awaiting-confirmation',
      ...TERMINAL_STATUSES,
    ] as const;

    const running = statuses.filter(isRunning);
    const terminal = statuses.filter(isTerminal);

    assert.deepEqual(running, ['creating', 'awaiting-handoff', 'awaiting-confirmation']);
    assert.deepEqual(terminal, [...TERMINAL_STATUSES]);
  });
});

describe('orderIdOf', () => {
  it('reads the orderId claim of a compact JWS', () => {
    const token = tokenWith({ orderId: 'order-1042', amount: 1500 });

    assert.equal(orderIdOf(token), 'order-1042');
  });

  it('decodes a non-ASCII orderId as UTF-8', () => {
    const token = tokenWith({ orderId: '주문-7ü' });

    assert.equal(orderIdOf(token), '주문-7ü');
  });

  const GARBAGE: [string, string][] = [
    ['an empty string', ''],
    ['no dots', 'not-a-token'],
    ['an empty payload', `${b64url({ alg: 'ES256' })}..sig`],
    ['a payload that is not base64url', 'a.%%%%.c'],
    ['a payload of one base64 character too many', 'a.abcde.c'],
    ['a payload that is not JSON', `a.${b64url('hello there')}.c`],
    ['a JSON payload that is not an object', `a.${b64url('null')}.c`],
    ['a JSON array payload', `a.${b64url([1, 2])}.c`],
    ['a payload without orderId', `a.${tokenWith({ sub: 'cs_1' }).split('.')[1]}.c`],
    ['a numeric orderId', `a.${tokenWith({ orderId: 42 }).split('.')[1]}.c`],
    ['invalid UTF-8 bytes', `a.${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.c`],
  ];
  for (const [what, token] of GARBAGE) {
    it(`returns an empty string for ${what}`, () => {
      const orderId = orderIdOf(token);

      assert.equal(orderId, '');
    });
  }
});
