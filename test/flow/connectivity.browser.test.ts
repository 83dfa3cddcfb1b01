/**
 * What the controller does when the issuer cannot be reached (issue #17): it says it is
 * reconnecting, marks a hand-off that died meanwhile as expired, keeps rotating until a fresh one
 * arrives, tells a refused origin from a network failure, and catches up at once when the payer
 * comes back to the tab.
 */
import { expect } from '@open-wc/testing';
import type { Connection } from '../../src/flow/machine.js';
import type { CheckoutError } from '../../src/protocol/index.js';
import {
  FakeClock,
  FakeIssuer,
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

/** The controller's connection, sampled every second for `ms`. */
async function sampleConnection(
  clock: FakeClock,
  read: () => Connection,
  ms: number,
): Promise<Connection[]> {
  const seen: Connection[] = [];
  for (let t = 0; t < ms; t += 1000) {
    await clock.tick(1000);
    seen.push(read());
  }
  return seen;
}

function visibility(hidden: boolean, state: { hidden: boolean }): void {
  state.hidden = hidden;
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('CheckoutController with the issuer gone', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('says it is reconnecting and marks the dead QR expired while the issuer is gone for 75 s', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(5000);
    const shown = controller.state.handoff;

    fake.goDown();
    await clock.tick(75_000);

    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(controller.state.connection).to.equal('reconnecting');
    expect(controller.state.handoff?.code).to.equal(fake.handoffs.at(-1)?.code);
    expect(Date.parse(controller.state.handoff!.expiresAt)).to.be.below(fake.serverNow());
    expect(controller.state.handoffExpired).to.equal(true);
    expect(shown).to.not.equal(null);
  });

  it('says so within a few seconds of the stream breaking', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(5000);

    fake.goDown();
    const seen = await sampleConnection(clock, () => controller.state.connection, 5000);

    expect(seen.at(-1)).to.equal('reconnecting');
  });

  it('recovers by itself: online, a fresh QR, and the next change arrives', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(5000);
    fake.goDown();
    await clock.tick(75_000);

    fake.comeBack();
    await clock.tick(30_000);
    const recovered = {
      connection: controller.state.connection,
      expired: controller.state.handoffExpired,
      fresh: Date.parse(controller.state.handoff?.expiresAt ?? '') > fake.serverNow(),
    };
    fake.claim();
    await clock.tick(30_000);

    expect(recovered).to.deep.equal({ connection: 'online', expired: false, fresh: true });
    expect(controller.state.handoff?.code).to.not.equal(fake.handoffs[0]?.code);
    expect(controller.state.status).to.equal('awaiting-confirmation');
  });

  it('keeps retrying the hand-off rotation while the issuer is gone, without a storm', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(5000);
    const outage = clock.now();

    fake.goDown();
    await clock.tick(75_000);

    const attempts = fake.requestsTo('handoffs', outage);
    expect(attempts.length).to.be.within(4, 20);
    expect(Math.min(...gapsOf(attempts))).to.be.at.least(1000);
  });

  it('does not flash reconnecting when a dropped stream reconnects at once', async () => {
    const { clock, fake } = setup();
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(5000);

    fake.dropStreams();
    const seen = await sampleConnection(clock, () => controller.state.connection, 10_000);

    expect(seen).to.deep.equal(Array(10).fill('online'));
  });

  it('is online again once polling reaches the issuer after SSE gave up', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(10_000);
    fake.goDown();
    await clock.tick(40_000);
    const during = controller.state.connection;

    fake.comeBack();
    await clock.tick(31_000);

    expect(controller.transport).to.equal('poll');
    expect(during).to.equal('reconnecting');
    expect(controller.state.connection).to.equal('online');
  });
});

describe('CheckoutController and a refused origin', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('reports origin_not_allowed, not network_error, when the issuer refuses the page (CORS)', async () => {
    const { clock, fake } = setup();
    fake.refuseOrigin = true;
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    const result = track(controller.start());
    await clock.tick(0);

    expect(controller.state.status).to.equal('failed');
    expect(controller.state.error?.code).to.equal('origin_not_allowed');
    expect((result.error as CheckoutError).code).to.equal('origin_not_allowed');
    expect(fake.requestsTo('jwks')).to.have.length(1);
  });

  it('reports network_error when nothing at the issuer answers', async () => {
    const { clock, fake } = setup();
    fake.down = true;
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);

    expect(controller.state.status).to.equal('failed');
    expect(controller.state.error?.code).to.equal('network_error');
  });
});

describe('CheckoutController when the payer comes back to the tab', () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
  });

  it('shows the settled state at once although the stream died in the background (link)', async () => {
    const { clock, fake } = setup();
    const tab = { hidden: false };
    const { controller } = createCheckout(
      fake,
      { handoff: 'link' },
      { isHidden: () => tab.hidden },
    );
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    controller.openHandoff();
    visibility(true, tab);
    fake.claim();
    await clock.tick(3000);
    fake.stallStreams();
    fake.settle();
    await clock.tick(5000);
    const whileAway = controller.state.status;

    visibility(false, tab);
    await clock.tick(0);

    expect(whileAway).to.equal('awaiting-confirmation');
    expect(controller.state.status).to.equal('settled');
  });

  it('polls as soon as the interval allows when it was polling, not after the hidden delay', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const tab = { hidden: false };
    const { controller } = createCheckout(fake, {}, { isHidden: () => tab.hidden });
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(10_000);
    visibility(true, tab);
    const polls = fake.requestsTo('public').length;
    while (fake.requestsTo('public').length === polls) await clock.tick(100);
    fake.claim();
    fake.settle();
    const transport = controller.transport;

    visibility(false, tab);
    await clock.tick(2000);

    expect(transport).to.equal('poll');
    expect(controller.state.status).to.equal('settled');
    expect(Math.min(...gapsOf(fake.requestsTo('public')))).to.be.at.least(2000 - 250);
  });

  it('does nothing while the tab stays hidden', async () => {
    const { clock, fake } = setup();
    const tab = { hidden: true };
    const { controller } = createCheckout(fake, {}, { isHidden: () => tab.hidden });
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(1000);
    const mark = fake.mark();

    document.dispatchEvent(new Event('visibilitychange'));
    await clock.tick(0);

    expect(fake.requestsAfter(mark)).to.deep.equal([]);
  });
});
