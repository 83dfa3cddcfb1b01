import { expect } from '@open-wc/testing';
import { ROTATE_BEFORE_EXPIRY_MS } from '../../src/flow/controller.js';
import {
  chooseHandoffMethod,
  waitForCardTap,
  type HandoffEnvironment,
  type HandoffMethod,
  type HandoffMode,
} from '../../src/flow/handoff.js';
import { CheckoutError } from '../../src/protocol/index.js';
import {
  CLIENT_SECRET,
  FakeClock,
  flushMicrotasks,
  FakeIssuer,
  FakeNdefReader,
  ISSUER,
  ORDER_ID,
  SESSION_ID,
  SESSION_TTL_MS,
  createCheckout,
  gapsOf,
  track,
  type FakeIssuerOptions,
} from './support/fake-issuer.js';

function setup(options: Partial<FakeIssuerOptions> = {}) {
  const clock = new FakeClock();
  const fake = new FakeIssuer({ clock, ...options });
  return { clock, fake };
}

function codeOf(error: unknown): string | undefined {
  expect(error).to.be.instanceOf(CheckoutError);
  return (error as CheckoutError).code;
}

describe('CheckoutController.start()', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('creates the session at session-url, makes a hand-off and follows the session', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake, { sessionUrl: '/api/checkout' });
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);

    expect(fake.requests.map((r) => `${r.method} ${r.action}`)).to.deep.equal([
      'POST checkout',
      'GET public',
      'POST handoffs',
      'GET events',
    ]);
    expect(new URL(fake.requests[0]!.url).pathname).to.equal('/api/checkout');
    expect(fake.requests.slice(1).map((r) => r.headers['authorization'])).to.deep.equal(
      Array(3).fill(`Bearer ${CLIENT_SECRET}`),
    );
    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(controller.state.session).to.deep.equal({ id: SESSION_ID, clientSecret: CLIENT_SECRET });
    expect(controller.state.handoff).to.deep.equal(fake.handoffs[0]);
    expect(controller.state.view?.bindingCode).to.equal('31');
  });

  it('uses session-id and client-secret without calling the merchant', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake, {
      sessionUrl: undefined,
      sessionId: SESSION_ID,
      clientSecret: CLIENT_SECRET,
    });
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);

    expect(fake.requestsTo('checkout')).to.deep.equal([]);
    expect(fake.requests.map((r) => `${r.method} ${r.action}`)).to.deep.equal([
      'GET public',
      'POST handoffs',
      'GET events',
    ]);
    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(controller.state.session?.id).to.equal(SESSION_ID);
  });

  it('resolves with the Settlement once the session settles, and only once', async () => {
    const { clock, fake } = setup();
    const { controller, statuses } = createCheckout(fake);
    stop = () => controller.reset();
    const result = track(controller.start());
    await clock.tick(0);

    fake.claim();
    await clock.tick(3000);
    fake.settle();
    await clock.tick(0);
    const ended = fake.mark();
    await clock.tick(10 * 60_000);

    expect(result.state).to.equal('resolved');
    expect(result.settlements).to.equal(1);
    expect(result.value).to.deep.equal({
      token: fake.settlementToken,
      sessionId: SESSION_ID,
      orderId: ORDER_ID,
      amount: 1500,
      currency: 'KRW',
    });
    expect(controller.state.settlement).to.deep.equal(result.value);
    expect(statuses.filter((change) => change.to === 'settled')).to.have.length(1);
    expect(fake.requestsAfter(ended)).to.deep.equal([]);
  });

  it('returns the same promise to a second start() while running, with no new session', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    const first = controller.start();
    const whileCreating = controller.start();
    await clock.tick(0);
    const whileAwaiting = controller.start();
    await clock.tick(0);

    expect(whileCreating).to.equal(first);
    expect(whileAwaiting).to.equal(first);
    expect(fake.requestsTo('checkout')).to.have.length(1);
    expect(fake.requestsTo('public')).to.have.length(1);
    expect(fake.requestsTo('handoffs')).to.have.length(1);
  });

  const ENDINGS = [
    ['declines on the phone', (fake: FakeIssuer) => fake.decline(), 'declined', 'session_declined'],
    ['fails (five failed attempts)', (fake: FakeIssuer) => fake.fail(), 'failed', 'session_failed'],
    ['expires on the issuer', (fake: FakeIssuer) => fake.expire(), 'expired', 'session_expired'],
  ] as const;
  for (const [what, end, status, code] of ENDINGS) {
    it(`rejects with ${code} when the session ${what}`, async () => {
      const { clock, fake } = setup();
      const { controller } = createCheckout(fake);
      stop = () => controller.reset();
      const result = track(controller.start());
      await clock.tick(0);
      fake.claim();
      await clock.tick(1000);

      end(fake);
      await clock.tick(0);

      expect(controller.state.status).to.equal(status);
      expect(result.state).to.equal('rejected');
      expect(codeOf(result.error)).to.equal(code);
      expect(controller.state.error?.code).to.equal(code);
    });
  }

  it('waits out a slow_down on its first poll instead of failing', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake, {
      sessionUrl: undefined,
      sessionId: SESSION_ID,
      clientSecret: CLIENT_SECRET,
    });
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(500);
    controller.reset();

    const result = track(controller.start());
    await clock.tick(10_000);

    // The same session polled again within `interval`: the issuer answers 429 slow_down, which
    // RFC 8628 §3.5 and docs/protocol.md "Polling" make a reason to wait, not to fail.
    expect(controller.state.error?.code).to.equal(undefined);
    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(result.state).to.equal('pending');
  });

  it('starts a new checkout when called after a terminal status', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    fake.decline();
    await clock.tick(3000);

    const again = controller.start();
    await clock.tick(0);

    expect(fake.requestsTo('checkout')).to.have.length(2);
    expect(controller.state.status).to.equal('declined');
    expect(codeOf(await again.catch((error: unknown) => error))).to.equal('session_declined');
  });
});

describe('CheckoutController.cancel()', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('POSTs cancel with the client secret and rejects start() with session_cancelled', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    const result = track(controller.start());
    await clock.tick(0);

    await controller.cancel();
    await clock.tick(0);
    const cancelled = fake.mark();
    await clock.tick(5 * 60_000);

    const [cancel] = fake.requestsTo('cancel');
    expect(cancel?.method).to.equal('POST');
    expect(cancel?.headers['authorization']).to.equal(`Bearer ${CLIENT_SECRET}`);
    expect(fake.status).to.equal('cancelled');
    expect(controller.state.status).to.equal('cancelled');
    expect(result.state).to.equal('rejected');
    expect(codeOf(result.error)).to.equal('session_cancelled');
    expect(fake.requestsAfter(cancelled)).to.deep.equal([]);
  });

  it('ends the run when called while the session is still being created', async () => {
    const { clock, fake } = setup();
    fake.holdSessionRequests = true;
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    const result = track(controller.start());
    await clock.tick(0);

    await controller.cancel();
    const cancelled = fake.mark();
    fake.releaseHeld();
    await clock.tick(60_000);

    expect(controller.state.status).to.equal('cancelled');
    expect(codeOf(result.error)).to.equal('session_cancelled');
    // Nothing but (at most) a cancel of the late session may reach the issuer after cancel().
    const after = fake.requestsAfter(cancelled).filter((r) => r !== 'POST cancel');
    expect(after).to.deep.equal([]);
  });
});

describe('CheckoutController.reset()', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('returns to idle, aborts the run and rejects start() with aborted', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    const result = track(controller.start());
    await clock.tick(0);

    controller.reset();
    const resetMark = fake.mark();
    await clock.tick(10 * 60_000);

    expect(controller.state.status).to.equal('idle');
    expect(controller.state.session).to.equal(null);
    expect(controller.state.handoff).to.equal(null);
    expect(controller.transport).to.equal(null);
    expect(fake.requestsTo('events')[0]!.signal!.aborted).to.equal(true);
    expect(fake.openStreams).to.equal(0);
    expect(codeOf(result.error)).to.equal('aborted');
    expect(fake.requestsAfter(resetMark)).to.deep.equal([]);
  });

  it('aborts an in-flight request and ignores its late answer', async () => {
    const { clock, fake } = setup();
    fake.holdSessionRequests = true;
    const { controller, statuses } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    controller.reset();
    fake.releaseHeld();
    await clock.tick(60_000);

    expect(fake.requestsTo('checkout')[0]!.signal!.aborted).to.equal(true);
    expect(controller.state.status).to.equal('idle');
    expect(controller.state.session).to.equal(null);
    expect(fake.requests.map((r) => r.action)).to.deep.equal(['checkout']);
    expect(statuses.map((change) => change.to)).to.deep.equal(['creating', 'idle']);
  });

  it('keeps a late answer of the old run out of the next run', async () => {
    const { clock, fake } = setup();
    fake.holdSessionRequests = true;
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    controller.reset();
    fake.holdSessionRequests = false;
    void controller.start();
    await clock.tick(0);

    fake.releaseHeld();
    await clock.tick(1000);

    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(fake.requestsTo('public')).to.have.length(1);
    expect(fake.requestsTo('handoffs')).to.have.length(1);
    expect(fake.requestsTo('events')).to.have.length(1);
  });
});

describe('CheckoutController hand-off rotation', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it(`makes a new hand-off ${ROTATE_BEFORE_EXPIRY_MS / 1000} s before the current one expires`, async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    const firstExpiry = Date.parse(fake.handoffs[0]!.expiresAt);

    await clock.tick(firstExpiry - ROTATE_BEFORE_EXPIRY_MS - clock.now() - 1);
    const beforeRotation = fake.requestsTo('handoffs').length;
    await clock.tick(1);
    const afterRotation = fake.requestsTo('handoffs').length;
    await clock.tick(60_000);

    expect(beforeRotation).to.equal(1);
    expect(afterRotation).to.equal(2);
    expect(fake.requestsTo('handoffs')[1]!.at).to.equal(firstExpiry - ROTATE_BEFORE_EXPIRY_MS);
    expect(gapsOf(fake.requestsTo('handoffs'))).to.deep.equal([50_000, 50_000]);
    expect(controller.state.handoff).to.deep.equal(fake.handoffs[2]);
  });

  it('stops rotating once a phone has claimed the session', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(20_000);

    fake.claim();
    await clock.tick(5 * 60_000);

    expect(controller.state.status).to.equal('awaiting-confirmation');
    expect(fake.requestsTo('handoffs')).to.have.length(1);
  });
});

describe('CheckoutController local deadline', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('moves to expired with session_expired when the issuer says nothing past expiresAt', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    const result = track(controller.start());
    await clock.tick(0);
    fake.claim();
    await clock.tick(0);

    await clock.tick(fake.expiresAt - clock.now() - 1000);
    const justBefore = controller.state.status;
    await clock.tick(4000);

    expect(justBefore).to.equal('awaiting-confirmation');
    expect(controller.state.status).to.equal('expired');
    expect(codeOf(result.error)).to.equal('session_expired');
    expect(controller.remainingMs()).to.equal(0);
  });

  it('counts the remaining time down to expiresAt', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    const atStart = controller.remainingMs();

    await clock.tick(90_000);

    expect(atStart).to.equal(SESSION_TTL_MS);
    expect(controller.remainingMs()).to.equal(SESSION_TTL_MS - 90_000);
  });
});

describe('CheckoutController clock skew', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());
  const FIVE_MINUTES = 5 * 60_000;

  it("counts down by the issuer's clock when its Date header is 5 minutes ahead", async () => {
    const { clock, fake } = setup({ serverOffsetMs: FIVE_MINUTES });
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);

    expect(controller.skewMs).to.be.closeTo(FIVE_MINUTES, 1000);
    expect(controller.remainingMs()).to.be.closeTo(SESSION_TTL_MS, 1500);
  });

  it("expires locally by the issuer's clock, not 5 minutes late", async () => {
    const { clock, fake } = setup({ serverOffsetMs: FIVE_MINUTES });
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    await clock.tick(SESSION_TTL_MS - 5000);
    const before = controller.state.status;
    await clock.tick(10_000);

    expect(before).to.equal('awaiting-handoff');
    expect(controller.state.status).to.equal('expired');
  });

  it("rotates hand-offs by the issuer's clock", async () => {
    const { clock, fake } = setup({ serverOffsetMs: FIVE_MINUTES });
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();

    await clock.tick(2 * 60_000);

    expect(gapsOf(fake.requestsTo('handoffs'))).to.deep.equal([50_000, 50_000]);
  });
});

describe('CheckoutController.hostDisconnected()', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('stops every timer and the stream: no request afterwards', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    controller.hostDisconnected();
    const detached = fake.mark();
    await clock.tick(20 * 60_000);

    expect(fake.requestsAfter(detached)).to.deep.equal([]);
    expect(fake.requestsTo('events')[0]!.signal!.aborted).to.equal(true);
    expect(fake.openStreams).to.equal(0);
  });

  it('stops polling: no request afterwards', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(10_000);
    const polling = controller.transport;

    controller.hostDisconnected();
    const detached = fake.mark();
    await clock.tick(20 * 60_000);

    expect(polling).to.equal('poll');
    expect(fake.requestsAfter(detached)).to.deep.equal([]);
  });

  it('lets start() follow the session again after the host is re-attached', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    controller.hostDisconnected();
    await clock.tick(5000);

    controller.hostConnected();
    const restarted = fake.mark();
    const result = track(controller.start());
    await clock.tick(0);
    fake.claim();
    fake.settle();
    await clock.tick(3000);

    expect(fake.requestsAfter(restarted)).to.not.deep.equal([]);
    expect(result.state).to.equal('resolved');
    expect(controller.state.status).to.equal('settled');
  });
});

describe('chooseHandoffMethod', () => {
  const DESKTOP: HandoffEnvironment = { nfc: false, touchOnlySmallScreen: false };
  const PHONE: HandoffEnvironment = { nfc: false, touchOnlySmallScreen: true };
  const NFC_PHONE: HandoffEnvironment = { nfc: true, touchOnlySmallScreen: true };
  const NFC_DESKTOP: HandoffEnvironment = { nfc: true, touchOnlySmallScreen: false };
  const TABLE: [HandoffMode, HandoffEnvironment, string, HandoffMethod][] = [
    ['auto', DESKTOP, 'a desktop', 'qr'],
    ['auto', PHONE, 'a phone without NFC', 'link'],
    ['auto', NFC_PHONE, 'an NFC phone', 'nfc'],
    ['auto', NFC_DESKTOP, 'a large screen with NFC', 'nfc'],
    ['qr', DESKTOP, 'a desktop', 'qr'],
    ['qr', PHONE, 'a phone without NFC', 'qr'],
    ['qr', NFC_PHONE, 'an NFC phone', 'qr'],
    ['qr', NFC_DESKTOP, 'a large screen with NFC', 'qr'],
    ['nfc', DESKTOP, 'a desktop', 'qr'],
    ['nfc', PHONE, 'a phone without NFC', 'link'],
    ['nfc', NFC_PHONE, 'an NFC phone', 'nfc'],
    ['nfc', NFC_DESKTOP, 'a large screen with NFC', 'nfc'],
    ['link', DESKTOP, 'a desktop', 'link'],
    ['link', PHONE, 'a phone without NFC', 'link'],
    ['link', NFC_PHONE, 'an NFC phone', 'link'],
    ['link', NFC_DESKTOP, 'a large screen with NFC', 'link'],
  ];
  for (const [mode, environment, where, method] of TABLE) {
    it(`picks ${method} for handoff="${mode}" on ${where}`, () => {
      const chosen = chooseHandoffMethod(mode, environment);

      expect(chosen).to.equal(method);
    });
  }
});

describe('waitForCardTap', () => {
  const CARD_URL = `${ISSUER}/c/card_7Hq2`;

  it("resolves with the URL of a card on the issuer's origin", async () => {
    const reader = new FakeNdefReader();
    const aborter = new AbortController();
    const tap = track(
      waitForCardTap({ issuer: ISSUER, signal: aborter.signal, createReader: () => reader }),
    );
    await flushMicrotasks();

    reader.tap(CARD_URL);
    await flushMicrotasks();

    expect(tap.state).to.equal('resolved');
    expect(tap.value).to.equal(CARD_URL);
    expect(reader.scans).to.have.length(1);
    expect(reader.scans[0]!.signal).to.equal(aborter.signal);
    aborter.abort();
  });

  it('ignores cards of other origins and failed reads', async () => {
    const reader = new FakeNdefReader();
    const aborter = new AbortController();
    const tap = track(
      waitForCardTap({ issuer: ISSUER, signal: aborter.signal, createReader: () => reader }),
    );
    await flushMicrotasks();

    reader.tap('https://evil.test/c/card_7Hq2', `${ISSUER}.evil.test/c/x`);
    reader.failRead();
    reader.tap('not a url');
    await flushMicrotasks();
    const meanwhile = tap.state;
    reader.tap('https://evil.test/x', CARD_URL);
    await flushMicrotasks();

    expect(meanwhile).to.equal('pending');
    expect(tap.value).to.equal(CARD_URL);
    aborter.abort();
  });

  for (const name of ['NotAllowedError', 'NotSupportedError', 'NotReadableError']) {
    it(`rejects with nfc_unavailable when scan() fails with ${name}`, async () => {
      const reader = new FakeNdefReader();
      reader.scanError = new DOMException('no', name);

      const error = await waitForCardTap({
        issuer: ISSUER,
        signal: new AbortController().signal,
        createReader: () => reader,
      }).catch((e: unknown) => e);

      expect(codeOf(error)).to.equal('nfc_unavailable');
      expect((error as CheckoutError).cause).to.equal(reader.scanError);
    });
  }

  it("rejects with the signal's reason when aborted while waiting", async () => {
    const reader = new FakeNdefReader();
    const aborter = new AbortController();
    const tap = track(
      waitForCardTap({ issuer: ISSUER, signal: aborter.signal, createReader: () => reader }),
    );
    await flushMicrotasks();
    const reason = new DOMException('reset', 'AbortError');

    aborter.abort(reason);
    await flushMicrotasks();

    expect(tap.state).to.equal('rejected');
    expect(tap.error).to.equal(reason);
  });
});

describe('CheckoutController with handoff="nfc"', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());
  const NFC_PHONE = () => ({ nfc: true, touchOnlySmallScreen: true });

  it('opens the hand-off URL on this phone when the enrolled card is tapped', async () => {
    const { clock, fake } = setup();
    const reader = new FakeNdefReader();
    const { controller, opened } = createCheckout(
      fake,
      { handoff: 'nfc' },
      { environment: NFC_PHONE, createNdefReader: () => reader },
    );
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    reader.tap(`${ISSUER}/c/card_7Hq2`);
    await clock.tick(0);

    expect(controller.method).to.equal('nfc');
    expect(controller.methodNotice).to.equal(null);
    expect(reader.scans).to.have.length(1);
    expect(opened).to.deep.equal([fake.handoffs[0]!.url]);
  });

  it('does not open anything for a card of another issuer', async () => {
    const { clock, fake } = setup();
    const reader = new FakeNdefReader();
    const { controller, opened } = createCheckout(
      fake,
      { handoff: 'nfc' },
      { environment: NFC_PHONE, createNdefReader: () => reader },
    );
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    reader.tap('https://evil.test/c/card_7Hq2');
    reader.failRead();
    await clock.tick(0);

    expect(opened).to.deep.equal([]);
    expect(controller.method).to.equal('nfc');
  });

  it('falls back to link with a notice when NFC permission is refused', async () => {
    const { clock, fake } = setup();
    const reader = new FakeNdefReader();
    reader.scanError = new DOMException('denied', 'NotAllowedError');
    const { controller } = createCheckout(
      fake,
      { handoff: 'nfc' },
      { environment: NFC_PHONE, createNdefReader: () => reader },
    );
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);

    expect(controller.method).to.equal('link');
    expect(controller.methodNotice).to.be.a('string').and.not.equal('');
    expect(controller.state.status).to.equal('awaiting-handoff');
  });

  it('uses link with a notice on a phone without NFC, and the link opens the hand-off', async () => {
    const { clock, fake } = setup();
    const { controller, opened } = createCheckout(
      fake,
      { handoff: 'nfc' },
      { environment: () => ({ nfc: false, touchOnlySmallScreen: true }) },
    );
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    controller.openHandoff();

    expect(controller.method).to.equal('link');
    expect(controller.methodNotice).to.be.a('string').and.not.equal('');
    expect(opened).to.deep.equal([fake.handoffs[0]!.url]);
  });
});
