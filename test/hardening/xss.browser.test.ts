/**
 * `<dualpay-checkout>` in Chromium with script-injection payloads in everything the issuer and the
 * merchant can put on the payer's screen: merchant name, description, error message, order id.
 * Lit text bindings must keep them text: nothing runs (no `window.__xss`), no element is injected,
 * and the text reads literally. The page has no CSP here, so an injected handler would run.
 * test/e2e/hardening-web.spec.ts does the same against the real issuer end to end.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/element/define.js';
import type { DualpayCheckout } from '../../src/element/index.js';
import type { PublicSession } from '../../src/protocol/index.js';
import {
  issuer,
  mount,
  part,
  record,
  shownHandoffCode,
  until,
  untilStatus,
} from '../element/support/helpers.js';
import {
  CLIENT_SECRET,
  FakeClock,
  FakeIssuer,
  ISSUER,
  SESSION_ID,
  makeSettlementToken,
} from '../flow/support/fake-issuer.js';
import {
  INJECTED_SELECTOR,
  XSS_DESCRIPTION,
  XSS_MERCHANT_NAME,
  XSS_ORDER_ID,
  countIn,
  readXss,
} from './support/payloads.js';

/** A fake issuer that answers with hostile merchant data and a hostile error message. */
class HostileIssuer extends FakeIssuer {
  override view(): PublicSession {
    const view = super.view();
    return {
      ...view,
      merchantName: XSS_MERCHANT_NAME,
      description: XSS_DESCRIPTION,
      ...(view.error ? { error: { code: view.error.code, message: XSS_DESCRIPTION } } : {}),
    };
  }
}

/** No payload ran, and none was parsed into elements inside `element` (light or shadow DOM). */
function nothingRan(element: DualpayCheckout): void {
  expect(readXss(), 'window.__xss').to.equal(undefined);
  expect(countIn(element, INJECTED_SELECTOR), 'injected elements').to.equal(0);
}

describe('<dualpay-checkout> with hostile data from a (fake) issuer', () => {
  const realFetch = window.fetch;
  let fake: HostileIssuer;
  let element: DualpayCheckout;

  beforeEach(async () => {
    fake = new HostileIssuer({ clock: new FakeClock(Date.now()) });
    window.fetch = fake.fetch;
    element = await fixture<DualpayCheckout>(
      html`<dualpay-checkout
        issuer=${ISSUER}
        session-id=${SESSION_ID}
        client-secret=${CLIENT_SECRET}
        handoff="qr"
        locale="en"
      ></dualpay-checkout>`,
    );
  });
  afterEach(() => {
    window.fetch = realFetch;
    element.reset();
  });

  it('renders the merchant name and description as literal text and runs nothing', async () => {
    element.start().catch(() => undefined);

    await untilStatus(element, 'awaiting-handoff');

    const header = element.shadowRoot?.querySelector('header');
    expect(header?.querySelector('.merchant')?.textContent).to.equal(XSS_MERCHANT_NAME);
    expect(header?.querySelector('.description')?.textContent).to.equal(XSS_DESCRIPTION);
    nothingRan(element);
  });

  it('shows its own words for a failed session, never the issuer’s error message', async () => {
    element.start().catch(() => undefined);
    await untilStatus(element, 'awaiting-handoff');

    fake.claim();
    fake.fail();
    await untilStatus(element, 'failed');

    const error = part(element, 'error')?.textContent ?? '';
    expect(error).not.to.contain('<script>');
    expect(error.trim().length).to.be.greaterThan(0);
    expect(element.error?.code).to.equal('session_failed');
    nothingRan(element);
  });

  it('passes a hostile order id on in dualpay-settled as data and renders the settled view', async () => {
    const events = record(element);
    element.start().catch(() => undefined);
    await untilStatus(element, 'awaiting-handoff');

    fake.claim();
    fake.settle(makeSettlementToken({ sub: SESSION_ID, orderId: XSS_ORDER_ID }));
    await untilStatus(element, 'settled');

    const [settled] = events.of('dualpay-settled');
    expect((settled?.detail as { orderId: string }).orderId).to.equal(XSS_ORDER_ID);
    expect(element.shadowRoot?.textContent).to.contain(XSS_MERCHANT_NAME);
    nothingRan(element);
  });
});

describe('<dualpay-checkout> with a real issuer and a hostile order', () => {
  it('settles a session whose description and order id are payloads, showing them as text', async () => {
    const session = await issuer<{ id: string; clientSecret: string }>('create-session', {
      description: XSS_DESCRIPTION,
      orderId: XSS_ORDER_ID,
    });
    const element = await mount({ sessionId: session.id, clientSecret: session.clientSecret });
    const events = record(element);
    element.start().catch(() => undefined);
    const code = await shownHandoffCode(element);
    const description = element.shadowRoot?.querySelector('header .description')?.textContent;

    await issuer('approve', { code });
    await untilStatus(element, 'settled', 8000);
    await until(() => events.of('dualpay-settled').length === 1, 2000, 'dualpay-settled');

    expect(description).to.equal(XSS_DESCRIPTION);
    const [settled] = events.of('dualpay-settled');
    expect((settled?.detail as { orderId: string }).orderId).to.equal(XSS_ORDER_ID);
    nothingRan(element);
  });
});
