import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { DualpayCheckout } from '../../src/element/index.js';
import type { CheckoutStatus } from '../../src/protocol/index.js';
import {
  issuer,
  issuerUrlOf,
  mount,
  part,
  shownHandoffCode,
  until,
  untilStatus,
  type MountOptions,
} from './support/helpers.js';
import { interceptIssuer, issuerClockAhead, type IssuerLink } from './support/network.js';

/** Brings a fresh element to `status` through the real issuer, as a shopper would. */
async function elementIn(status: CheckoutStatus, options: MountOptions): Promise<DualpayCheckout> {
  if (status === 'creating') {
    const element = await mount({ ...options, sessionUrl: '/api/checkout?delay=3000' });
    element.start().catch(() => undefined);
    await untilStatus(element, 'creating');
    return element;
  }
  const element = await mount(options);
  if (status === 'idle') return element;
  element.start().catch(() => undefined);
  const code = await shownHandoffCode(element);
  const drive: Partial<Record<CheckoutStatus, () => Promise<unknown>>> = {
    'awaiting-confirmation': () => issuer('claim', { code }),
    settled: () => issuer('approve', { code }),
    declined: () => issuer('decline', { code }),
    failed: () => issuer('fail', { code }),
    expired: () => issuer('advance', { ms: 10 * 60_000 }),
    cancelled: () => element.cancel(),
  };
  await drive[status]?.();
  await untilStatus(element, status);
  return element;
}

/** What only this status's view shows. */
const VIEW_MARK: Record<CheckoutStatus, (element: DualpayCheckout) => boolean> = {
  idle: (e) => part(e, 'button') !== null && part(e, 'qr') === null,
  creating: (e) => part(e, 'status') !== null && part(e, 'button') === null,
  'awaiting-handoff': (e) => part(e, 'qr') !== null && part(e, 'binding-code') !== null,
  'awaiting-confirmation': (e) => part(e, 'qr') === null && part(e, 'binding-code') !== null,
  settled: (e) => e.shadowRoot?.querySelector('.done') !== null,
  declined: (e) => part(e, 'error') !== null,
  failed: (e) => part(e, 'error') !== null,
  expired: (e) => part(e, 'error') !== null,
  cancelled: (e) => part(e, 'error') !== null,
};

const STATUSES = Object.keys(VIEW_MARK) as CheckoutStatus[];

/** States beside the statuses (issue #17): each reached for real, and what shows it. */
const MORE_STATES = {
  /** The issuer went away long enough for the QR's code to die. */
  'reconnecting, QR expired': async (options: MountOptions, cut: (link: IssuerLink) => void) => {
    await issuer('handoff-ttl', { ms: 3000 });
    const link = interceptIssuer(await issuerUrlOf(), await issuerClockAhead(issuer));
    cut(link);
    const element = await mount(options);
    element.start().catch(() => undefined);
    await shownHandoffCode(element);
    link.down();
    await until(() => element.connection === 'reconnecting', 10_000, 'reconnecting');
    await until(() => part(element, 'qr')?.matches('.expired'), 10_000, 'expired QR');
    await element.updateComplete;
    return element;
  },
  /** The issuer refuses the page (an unknown session looks the same to the page). */
  'origin refused': async (options: MountOptions) => {
    const element = await mount({
      ...options,
      sessionId: 'cs_unknownToThisIssuer0000',
      clientSecret: 'cs_unknownToThisIssuer0000_secret_x',
    });
    element.start().catch(() => undefined);
    await untilStatus(element, 'failed');
    expect(element.error?.code).to.equal('origin_not_allowed');
    return element;
  },
};

/** Nothing sticks out of the element at 320 px (WCAG 1.4.10 Reflow). */
function expectNoOverflow(element: DualpayCheckout): void {
  const container = part(element, 'container') as HTMLElement;
  expect(container.scrollWidth, 'horizontal overflow').to.be.at.most(container.clientWidth);
  expect(element.getBoundingClientRect().right).to.be.at.most(320);
}

describe('<dualpay-checkout> in every status, at 320 px', () => {
  before(() => setViewport({ width: 320, height: 900 }));
  after(() => setViewport({ width: 800, height: 600 }));
  let link: IssuerLink | undefined;
  afterEach(async () => {
    link?.restore();
    link = undefined;
    await issuer('handoff-ttl', { ms: 60_000 });
  });

  const seenErrors = new Map<string, string>();
  for (const theme of ['light', 'dark']) {
    for (const locale of ['en', 'ko']) {
      for (const status of STATUSES) {
        it(`${status} (${locale}, ${theme}) renders its own view and passes axe`, async () => {
          const element = await elementIn(status, { locale, theme });

          expect(element.status).to.equal(status);
          expect(VIEW_MARK[status](element), `view of ${status}`).to.equal(true);
          await expect(element).to.be.accessible();
          expectNoOverflow(element);
          const error = part(element, 'error')?.textContent?.trim();
          if (error) {
            const key = `${theme}:${locale}:${error}`;
            expect(seenErrors.has(key), `distinct message for ${status}`).to.equal(false);
            seenErrors.set(key, status);
          }
          if (status === 'creating' || status.startsWith('awaiting')) element.reset();
        });
      }
      for (const [state, reach] of Object.entries(MORE_STATES)) {
        it(`${state} (${locale}, ${theme}) passes axe`, async function () {
          this.timeout(30_000);
          const element = await reach({ locale, theme }, (cut) => {
            link = cut;
          });

          await expect(element).to.be.accessible();
          expectNoOverflow(element);
          element.reset();
        });
      }
    }
  }
});
