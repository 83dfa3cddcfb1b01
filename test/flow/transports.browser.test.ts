import { expect } from '@open-wc/testing';
import { SessionPoller } from '../../src/flow/poll.js';
import { SessionEventStream } from '../../src/flow/sse.js';
import type { ApiCallError } from '../../src/flow/api-client.js';
import type { PublicSession } from '../../src/protocol/index.js';
import {
  CLIENT_SECRET,
  FakeClock,
  FakeIssuer,
  ISSUER,
  SESSION_ID,
  createCheckout,
  gapsOf,
  type FakeIssuerOptions,
} from './support/fake-issuer.js';

const SESSION = { id: SESSION_ID, clientSecret: CLIENT_SECRET };

function setup(options: Partial<FakeIssuerOptions> = {}) {
  const clock = new FakeClock();
  const fake = new FakeIssuer({ clock, ...options });
  return { clock, fake };
}

/** A SessionEventStream on `fake`, recording what it reports. */
function openEvents(fake: FakeIssuer) {
  const views: PublicSession[] = [];
  const unavailable: string[] = [];
  const stream = new SessionEventStream({
    issuer: ISSUER,
    session: SESSION,
    clock: fake.clock,
    fetch: fake.fetch,
    onSnapshot: (view) => views.push(view),
    onUnavailable: (reason) => unavailable.push(reason),
  });
  stream.start();
  return { stream, views, unavailable, statuses: () => views.map((view) => view.status) };
}

/** A SessionPoller on `fake`, recording what it reports. */
function startPolling(
  fake: FakeIssuer,
  options: { isHidden?: () => boolean; session?: typeof SESSION } = {},
) {
  const views: PublicSession[] = [];
  const fatal: ApiCallError[] = [];
  const poller = new SessionPoller({
    issuer: ISSUER,
    session: options.session ?? SESSION,
    clock: fake.clock,
    fetch: fake.fetch,
    intervalSec: 2,
    onSnapshot: (view) => views.push(view),
    onFatal: (error) => fatal.push(error),
    ...(options.isHidden ? { isHidden: options.isHidden } : {}),
  });
  poller.start(0);
  return { poller, views, fatal };
}

describe('SessionEventStream', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('delivers the snapshot on connect, then one view per change', async () => {
    const { clock, fake } = setup();
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(0);
    fake.claim();
    await clock.tick(0);
    fake.settle();
    await clock.tick(0);

    expect(events.statuses()).to.deep.equal(['open', 'claimed', 'settled']);
    expect(events.views[2]!.settlementToken).to.equal(fake.settlementToken);
    const [request] = fake.requestsTo('events');
    expect(request!.headers['authorization']).to.equal(`Bearer ${CLIENT_SECRET}`);
    expect(request!.headers['accept']).to.equal('text/event-stream');
    expect(request!.headers['last-event-id']).to.equal(undefined);
  });

  it('does not reconnect after the terminal event ends the stream', async () => {
    const { clock, fake } = setup();
    const events = openEvents(fake);
    stop = () => events.stream.stop();
    await clock.tick(0);

    fake.decline();
    await clock.tick(120_000);

    expect(events.statuses()).to.deep.equal(['open', 'declined']);
    expect(fake.requestsTo('events')).to.have.length(1);
    expect(events.unavailable).to.deep.equal([]);
  });

  it('reconnects after retry ms with the Last-Event-ID of the last event and gets no duplicates', async () => {
    const { clock, fake } = setup();
    const events = openEvents(fake);
    stop = () => events.stream.stop();
    await clock.tick(0);
    fake.claim();
    await clock.tick(0);

    fake.dropStreams();
    await clock.tick(0);
    fake.settle();
    await clock.tick(1999);
    const beforeRetry = fake.requestsTo('events').length;
    await clock.tick(1);

    expect(beforeRetry).to.equal(1);
    const reconnects = fake.requestsTo('events').slice(1);
    expect(reconnects).to.have.length(1);
    expect(reconnects[0]!.at - fake.requests[0]!.at).to.equal(2000);
    expect(reconnects[0]!.headers['last-event-id']).to.equal('2');
    expect(events.statuses()).to.deep.equal(['open', 'claimed', 'settled']);
  });

  it('reconnects after a network error in the middle of the stream', async () => {
    const { clock, fake } = setup();
    const events = openEvents(fake);
    stop = () => events.stream.stop();
    await clock.tick(0);

    fake.dropStreams('error');
    await clock.tick(2000);
    fake.claim();
    await clock.tick(0);

    expect(fake.requestsTo('events')).to.have.length(2);
    expect(fake.requestsTo('events')[1]!.headers['last-event-id']).to.equal('1');
    expect(events.statuses()).to.deep.equal(['open', 'claimed']);
  });

  it("waits the server's retry: before reconnecting", async () => {
    const { clock, fake } = setup({ retryMs: 7000 });
    const events = openEvents(fake);
    stop = () => events.stream.stop();
    await clock.tick(0);

    fake.dropStreams();
    await clock.tick(6999);
    const early = fake.requestsTo('events').length;
    await clock.tick(1);

    expect(early).to.equal(1);
    expect(fake.requestsTo('events')).to.have.length(2);
    expect(fake.requestsTo('events')[1]!.at - fake.requestsTo('events')[0]!.at).to.equal(7000);
  });

  it('keeps a quiet stream open while heartbeats arrive', async () => {
    const { clock, fake } = setup({ heartbeatMs: 15_000 });
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(5 * 60_000);

    expect(fake.requestsTo('events')).to.have.length(1);
    expect(fake.openStreams).to.equal(1);
    expect(events.unavailable).to.deep.equal([]);
    expect(events.statuses()).to.deep.equal(['open']);
  });

  it('replaces a stream that stays silent past the heartbeat timeout', async () => {
    const { clock, fake } = setup({ heartbeatMs: 0 });
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(30_000);
    const quiet = fake.requestsTo('events').length;
    await clock.tick(30_000);

    expect(quiet).to.equal(1);
    const connections = fake.requestsTo('events');
    expect(connections.length).to.be.at.least(2);
    expect(connections[1]!.headers['last-event-id']).to.equal('1');
    expect(events.statuses()).to.deep.equal(['open']);
  });

  it('stays on a resumed stream that has no news, kept alive by heartbeats', async () => {
    const { clock, fake } = setup({ heartbeatMs: 15_000 });
    const events = openEvents(fake);
    stop = () => events.stream.stop();
    await clock.tick(0);

    fake.dropStreams();
    await clock.tick(2 * 60_000);

    // docs/protocol.md "Server-Sent Events": a reconnect with Last-Event-ID gets only later events, here none; the stream
    // is healthy (it sent `retry:` and heartbeats), so this is no reason to give up on SSE.
    expect(events.unavailable).to.deep.equal([]);
    expect(fake.requestsTo('events')).to.have.length(2);
    expect(fake.openStreams).to.equal(1);
  });

  it('gives up after two connections that send no bytes (a buffering proxy)', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'silent';
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(4000);
    const early = [...events.unavailable];
    await clock.tick(60_000);

    expect(early).to.deep.equal([]);
    expect(events.unavailable).to.deep.equal(['silent']);
    expect(fake.requestsTo('events')).to.have.length(2);
    expect(fake.requestsTo('events')[1]!.signal!.aborted).to.equal(true);
  });

  it('gives up after two connections that never answer', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'hang';
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(60_000);

    expect(events.unavailable).to.deep.equal(['silent']);
    expect(fake.requestsTo('events')).to.have.length(2);
  });

  it('gives up after two 503 answers in a row', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(60_000);

    expect(events.unavailable).to.deep.equal(['http_error']);
    expect(fake.requestsTo('events')).to.have.length(2);
  });

  it('gives up after two answers that are not an event stream', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'not-sse';
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(60_000);

    expect(events.unavailable).to.deep.equal(['http_error']);
    expect(fake.requestsTo('events')).to.have.length(2);
  });

  it('keeps to SSE when one 503 is followed by a healthy stream', async () => {
    const { clock, fake } = setup();
    fake.eventsPlan.push('http-503');
    const events = openEvents(fake);
    stop = () => events.stream.stop();

    await clock.tick(60_000);

    expect(events.unavailable).to.deep.equal([]);
    expect(events.statuses()).to.deep.equal(['open']);
    expect(fake.requestsTo('events')).to.have.length(2);
  });

  it('makes no request after stop()', async () => {
    const { clock, fake } = setup({ heartbeatMs: 0 });
    const events = openEvents(fake);
    await clock.tick(0);

    events.stream.stop();
    await clock.tick(10 * 60_000);

    expect(fake.requestsTo('events')).to.have.length(1);
    expect(fake.requestsTo('events')[0]!.signal!.aborted).to.equal(true);
    expect(fake.openStreams).to.equal(0);
  });
});

describe('SessionPoller', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it("polls at the server's interval and never too early", async () => {
    const { clock, fake } = setup({ intervalSec: 2 });
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();

    await clock.tick(60_000);

    const polls = fake.requestsTo('public');
    expect(polls.length).to.be.within(30, 31);
    expect(new Set(gapsOf(polls))).to.deep.equal(new Set([2000]));
    expect(polling.views).to.have.length(polls.length);
  });

  it('follows a longer interval announced by the server', async () => {
    const { clock, fake } = setup({ intervalSec: 5 });
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();

    await clock.tick(60_000);

    const polls = fake.requestsTo('public');
    expect(polls.length).to.be.within(12, 13);
    expect(new Set(gapsOf(polls))).to.deep.equal(new Set([5000]));
  });

  it('adds 5 s to its interval for the rest of the run after 429 slow_down (RFC 8628 §3.5)', async () => {
    const { clock, fake } = setup({ intervalSec: 2 });
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();
    await clock.tick(10_000);
    const before = fake.requestsTo('public').length;

    fake.slowDownNext();
    await clock.tick(2000);
    const refusedAt = clock.now();
    await clock.tick(70_000);

    const after = fake.requestsTo('public', refusedAt);
    expect(before).to.equal(6);
    expect(after).to.have.length(11);
    expect(new Set(gapsOf(after))).to.deep.equal(new Set([7000]));
    expect(polling.poller.penaltySec).to.equal(5);
  });

  it('adds 5 s again for each further slow_down', async () => {
    const { clock, fake } = setup({ intervalSec: 2 });
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();

    fake.slowDownNext();
    await clock.tick(0);
    fake.slowDownNext();
    await clock.tick(7000);
    const secondAt = clock.now();
    await clock.tick(60_000);

    const after = fake.requestsTo('public', secondAt);
    expect(new Set(gapsOf(after))).to.deep.equal(new Set([12_000]));
    expect(polling.poller.penaltySec).to.equal(10);
  });

  it('backs off while the network fails, with no request storm', async () => {
    const { clock, fake } = setup();
    fake.publicMode = 'network-error';
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();

    await clock.tick(120_000);

    const polls = fake.requestsTo('public');
    const gaps = gapsOf(polls);
    expect(polls.length).to.be.within(3, 8);
    expect(gaps).to.deep.equal([...gaps].sort((a, b) => a - b));
    expect(Math.max(...gaps)).to.be.at.most(30_000);
    expect(polling.fatal).to.deep.equal([]);
  });

  it('backs off while the issuer answers 500, with no request storm', async () => {
    const { clock, fake } = setup();
    fake.publicMode = 'http-500';
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();

    await clock.tick(60_000);

    const polls = fake.requestsTo('public');
    expect(polls.length).to.be.within(3, 6);
    expect(gapsOf(polls)[0]).to.be.at.least(2000);
    expect(polling.fatal).to.deep.equal([]);
  });

  it('returns to its interval once the network is back', async () => {
    const { clock, fake } = setup();
    fake.publicMode = 'network-error';
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();
    await clock.tick(60_000);

    fake.publicMode = 'normal';
    await clock.tick(30_000);
    const recoveredAt = clock.now();
    await clock.tick(20_000);

    const polls = fake.requestsTo('public', recoveredAt);
    expect(polls.length).to.be.within(10, 11);
    expect(new Set(gapsOf(polls))).to.deep.equal(new Set([2000]));
  });

  it('polls four times slower while the tab is hidden', async () => {
    const { clock, fake } = setup({ intervalSec: 2 });
    const polling = startPolling(fake, { isHidden: () => true });
    stop = () => polling.poller.stop();

    await clock.tick(64_000);

    const polls = fake.requestsTo('public');
    expect(polls).to.have.length(9);
    expect(new Set(gapsOf(polls))).to.deep.equal(new Set([8000]));
  });

  it('speeds up again when the tab becomes visible', async () => {
    const { clock, fake } = setup({ intervalSec: 2 });
    let hidden = true;
    const polling = startPolling(fake, { isHidden: () => hidden });
    stop = () => polling.poller.stop();
    await clock.tick(16_000);

    hidden = false;
    await clock.tick(8000);
    const visibleAt = clock.now();
    await clock.tick(20_000);

    const polls = fake.requestsTo('public', visibleAt);
    expect(new Set(gapsOf(polls))).to.deep.equal(new Set([2000]));
  });

  it('stops polling at a terminal status', async () => {
    const { clock, fake } = setup();
    const polling = startPolling(fake);
    stop = () => polling.poller.stop();
    await clock.tick(4000);

    fake.claim();
    fake.settle();
    await clock.tick(2000);
    const ended = fake.mark();
    await clock.tick(5 * 60_000);

    expect(polling.views.at(-1)!.status).to.equal('settled');
    expect(fake.requestsAfter(ended)).to.deep.equal([]);
  });

  it('stops at 401 unauthorized and reports it once', async () => {
    const { clock, fake } = setup();
    const polling = startPolling(fake, { session: { ...SESSION, clientSecret: 'wrong' } });
    stop = () => polling.poller.stop();

    await clock.tick(60_000);

    expect(fake.requestsTo('public')).to.have.length(1);
    expect(polling.fatal.map((error) => error.code)).to.deep.equal(['unauthorized']);
  });

  it('makes no request after stop()', async () => {
    const { clock, fake } = setup();
    const polling = startPolling(fake);
    await clock.tick(2000);

    polling.poller.stop();
    const stopped = fake.mark();
    await clock.tick(60_000);

    expect(fake.requestsAfter(stopped)).to.deep.equal([]);
  });
});

describe('CheckoutController transport', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('follows the session over SSE: the snapshot, then each event, update the state', async () => {
    const { clock, fake } = setup();
    const { controller, statuses } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(0);
    const afterStart = { status: controller.state.status, transport: controller.transport };
    fake.claim();
    await clock.tick(0);
    const afterClaim = controller.state.status;
    fake.settle();
    await clock.tick(0);

    expect(afterStart).to.deep.equal({ status: 'awaiting-handoff', transport: 'sse' });
    expect(afterClaim).to.equal('awaiting-confirmation');
    expect(controller.state.status).to.equal('settled');
    expect(statuses.map((change) => change.to)).to.deep.equal([
      'creating',
      'awaiting-handoff',
      'awaiting-confirmation',
      'settled',
    ]);
    expect(fake.requestsTo('public')).to.have.length(1);
  });

  it('falls back to polling when the stream sends no bytes (a buffering proxy)', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'silent';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);
    const before = controller.transport;

    await clock.tick(15_000);
    const fellBackAt = clock.now();
    await clock.tick(20_000);

    expect(before).to.equal('sse');
    expect(controller.transport).to.equal('poll');
    expect(controller.state.status).to.equal('awaiting-handoff');
    expect(fake.requestsTo('events')).to.have.length(2);
    expect(fake.requestsTo('public', fellBackAt).length).to.be.within(9, 11);
  });

  it('falls back to polling after two 503 answers in a row', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(5000);

    expect(controller.transport).to.equal('poll');
    expect(fake.requestsTo('events')).to.have.length(2);
  });

  it('falls back to polling after two answers that are not an event stream', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'not-sse';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(5000);

    expect(controller.transport).to.equal('poll');
  });

  it('learns a change by polling after the fallback, then stops polling', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    const settlement = controller.start();
    await clock.tick(10_000);

    fake.claim();
    await clock.tick(2000);
    const claimedStatus = controller.state.status;
    fake.settle();
    await clock.tick(2000);
    const ended = fake.mark();
    await clock.tick(5 * 60_000);

    expect(claimedStatus).to.equal('awaiting-confirmation');
    expect(controller.state.status).to.equal('settled');
    expect((await settlement).token).to.equal(fake.settlementToken);
    expect(fake.requestsAfter(ended)).to.deep.equal([]);
  });

  it('never polls faster than the interval after the fallback (no slow_down from the issuer)', async () => {
    const { clock, fake } = setup();
    fake.eventsMode = 'http-503';
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();

    void controller.start();
    await clock.tick(60_000);

    const polls = fake.requestsTo('public');
    expect(polls.length).to.be.within(29, 31);
    expect(Math.min(...gapsOf(polls))).to.be.at.least(2000);
    expect(controller.state.status).to.equal('awaiting-handoff');
  });

  it('stays on SSE after a dropped stream resumes with no news', async () => {
    const { clock, fake } = setup({ heartbeatMs: 15_000 });
    const { controller } = createCheckout(fake);
    stop = () => controller.reset();
    void controller.start();
    await clock.tick(0);

    fake.dropStreams();
    await clock.tick(60_000);

    expect(controller.transport).to.equal('sse');
    expect(fake.requestsTo('events')).to.have.length(2);
  });
});
