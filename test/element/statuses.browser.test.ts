import { expect } from '@open-wc/testing';
import type { DualpayCheckout } from '../../src/element/index.js';
import type { CheckoutStatus } from '../../src/protocol/index.js';
import { issuer, mount, part, shownHandoffCode, untilStatus } from './support/helpers.js';

/** Brings a fresh element to `status` through the real issuer, as a shopper would. */
async function elementIn(status: CheckoutStatus, locale: string): Promise<DualpayCheckout> {
  if (status === 'creating') {
    const element = await mount({ locale, sessionUrl: '/api/checkout?delay=3000' });
    element.start().catch(() => undefined);
    await untilStatus(element, 'creating');
    return element;
  }
  const element = await mount({ locale });
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

describe('<dualpay-checkout> in every status', () => {
  const seenErrors = new Map<string, string>();
  for (const locale of ['en', 'ko']) {
    for (const status of STATUSES) {
      it(`${status} (${locale}) renders its own view and passes axe`, async () => {
        const element = await elementIn(status, locale);

        expect(element.status).to.equal(status);
        expect(VIEW_MARK[status](element), `view of ${status}`).to.equal(true);
        await expect(element).to.be.accessible();
        const error = part(element, 'error')?.textContent?.trim();
        if (error) {
          expect(seenErrors.has(`${locale}:${error}`), `distinct message for ${status}`).to.equal(
            false,
          );
          seenErrors.set(`${locale}:${error}`, status);
        }
        if (status === 'creating' || status.startsWith('awaiting')) element.reset();
      });
    }
  }
});
