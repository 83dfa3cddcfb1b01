/**
 * Issue #17: the element says what is really going on — the live region, the theme, a lost
 * issuer, a refused origin, focus after the shopper's own actions, and same-device wording.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { DualpayCheckout } from '../../src/element/index.js';
import type { CheckoutError } from '../../src/protocol/index.js';
import {
  codeOf,
  decodeQr,
  issuer,
  issuerUrlOf,
  mount,
  part,
  shownHandoffCode,
  until,
  untilStatus,
} from './support/helpers.js';
import { interceptIssuer, issuerClockAhead, type IssuerLink } from './support/network.js';

/** Everything the element's live region says, in order. */
function recordAnnouncements(element: DualpayCheckout): string[] {
  const said: string[] = [];
  const region = element.shadowRoot?.querySelector('[aria-live]');
  if (!region) throw new Error('no live region');
  new MutationObserver(() => {
    const text = region.textContent?.trim() ?? '';
    if (text && text !== said.at(-1)) said.push(text);
  }).observe(region, { subtree: true, childList: true, characterData: true });
  return said;
}

async function rejectionOf(promise: Promise<unknown>): Promise<CheckoutError> {
  try {
    await promise;
  } catch (error) {
    return error as CheckoutError;
  }
  throw new Error('expected a rejection');
}

const text = (element: DualpayCheckout) => element.shadowRoot?.textContent ?? '';

describe('<dualpay-checkout> live region (#17.1)', () => {
  const CASES = [
    { locale: 'en', handoff: 'qr', method: /QR/, number: /number/i, not: /payment page/ },
    { locale: 'en', handoff: 'link', method: /payment page/, number: /number/i, not: /QR/ },
    { locale: 'ko', handoff: 'qr', method: /QR/, number: /번호/, not: /결제 페이지/ },
    { locale: 'ko', handoff: 'link', method: /결제 페이지/, number: /번호/, not: /QR/ },
  ] as const;
  for (const { locale, handoff, method, number, not } of CASES) {
    it(`announces the number and the ${handoff} hand-off once both are shown, never before (${locale})`, async () => {
      const element = await mount({ locale, handoff });
      const said = recordAnnouncements(element);

      element.start().catch(() => undefined);
      await untilStatus(element, 'awaiting-handoff');
      const binding = await until(() => part(element, 'binding-code')?.textContent, 5000);
      const announced = await until(() => said.find((line) => line.includes(binding)), 3000);

      const aboutTheNumber = said.filter((line) => number.test(line));
      expect(aboutTheNumber.length, said.join(' | ')).to.be.greaterThan(0);
      for (const line of aboutTheNumber) expect(line).to.contain(binding);
      expect(announced).to.match(method);
      expect(announced).to.not.match(not);
      await element.cancel();
    });
  }

  it('announces every status change after the hand-off', async () => {
    const element = await mount();
    const said = recordAnnouncements(element);
    element.start().catch(() => undefined);
    const code = await shownHandoffCode(element);
    await until(() => said.length > 0 && /number/.test(said.at(-1) ?? ''), 3000);
    const before = said.length;

    await issuer('claim', { code });
    await untilStatus(element, 'awaiting-confirmation');
    await until(() => said.length > before, 3000);
    const claimed = said.at(-1);
    await element.cancel();
    await untilStatus(element, 'cancelled');
    await until(() => said.at(-1) !== claimed, 3000);

    expect(claimed).to.match(/approve/i);
    expect(said.at(-1)).to.match(/cancelled/);
  });
});

describe('<dualpay-checkout theme> (#17.2)', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
  });

  async function themed(theme?: string): Promise<DualpayCheckout> {
    const url = await issuerUrlOf();
    const element = await fixture<DualpayCheckout>(
      theme === undefined
        ? html`<dualpay-checkout issuer=${url} session-url="/api/checkout" locale="en"
            ><p slot="fallback">Or pay by bank transfer</p></dualpay-checkout
          >`
        : html`<dualpay-checkout issuer=${url} session-url="/api/checkout" theme=${theme}
            ><p slot="fallback">Or pay by bank transfer</p></dualpay-checkout
          >`,
    );
    await element.updateComplete;
    return element;
  }

  const colours = (element: DualpayCheckout) => {
    const container = part(element, 'container') as HTMLElement;
    const fallback = element.querySelector('[slot="fallback"]') as HTMLElement;
    return {
      background: getComputedStyle(container).backgroundColor,
      fallbackText: getComputedStyle(fallback).color,
    };
  };
  const LIGHT = { background: 'rgb(255, 255, 255)', fallbackText: 'rgb(27, 27, 31)' };
  const DARK = { background: 'rgb(27, 27, 31)', fallbackText: 'rgb(227, 226, 230)' };

  it("stays light on the merchant's page when the visitor's OS is dark (default)", async () => {
    await emulateMedia({ colorScheme: 'dark' });

    const element = await themed();

    expect(element.theme).to.equal('light');
    expect(colours(element)).to.deep.equal(LIGHT);
  });

  it('is dark with theme="dark", whatever the OS says', async () => {
    await emulateMedia({ colorScheme: 'light' });

    const element = await themed('dark');

    expect(colours(element)).to.deep.equal(DARK);
  });

  it('follows prefers-color-scheme with theme="auto"', async () => {
    const element = await themed('auto');
    await emulateMedia({ colorScheme: 'dark' });
    const dark = colours(element);

    await emulateMedia({ colorScheme: 'light' });

    expect(dark).to.deep.equal(DARK);
    expect(colours(element)).to.deep.equal(LIGHT);
  });

  it('reflects the theme property to the attribute (so the styles follow it)', async () => {
    const element = await themed();

    element.theme = 'dark';
    await element.updateComplete;

    expect(element.getAttribute('theme')).to.equal('dark');
    expect(colours(element)).to.deep.equal(DARK);
  });
});

describe('<dualpay-checkout> with the issuer gone (#17.3)', () => {
  let link: IssuerLink | undefined;
  afterEach(async () => {
    link?.restore();
    link = undefined;
    await issuer('handoff-ttl', { ms: 60_000 });
  });

  it('says "Reconnecting…", dims the dead QR until a fresh one arrives, and recovers by itself', async function () {
    this.timeout(40_000);
    await issuer('handoff-ttl', { ms: 3000 });
    link = interceptIssuer(await issuerUrlOf(), await issuerClockAhead(issuer));
    const element = await mount();
    element.start().catch(() => undefined);
    const first = await shownHandoffCode(element);

    link.down();
    await until(() => element.connection === 'reconnecting', 10_000, 'reconnecting');
    await element.updateComplete;
    const saysSo = part(element, 'status')?.textContent?.trim();
    await until(() => part(element, 'qr')?.matches('.expired'), 10_000, 'expired QR');
    await element.updateComplete;
    const expiredLabel = part(element, 'qr')?.getAttribute('aria-label');
    link.up();
    await until(
      () => element.connection === 'online' && !part(element, 'qr')?.matches('.expired'),
      20_000,
      'a fresh QR',
    );
    await element.updateComplete;

    expect(saysSo).to.equal('Reconnecting…');
    expect(expiredLabel).to.match(/expired/i);
    expect(element.status).to.equal('awaiting-handoff');
    expect(codeOf((await decodeQr(element)) ?? '')).to.not.equal(first);
    expect(part(element, 'status')).to.equal(null);
    await element.cancel();
  });
});

describe('<dualpay-checkout> on a page whose origin the issuer refuses (#17.4)', () => {
  it('says origin_not_allowed and what to do, not that the network failed', async () => {
    // The issuer answers an unknown session like a foreign origin: 403 without CORS headers.
    const element = await mount({
      sessionId: 'cs_unknownToThisIssuer0000',
      clientSecret: 'cs_unknownToThisIssuer0000_secret_x',
    });

    const error = await rejectionOf(element.start());
    await untilStatus(element, 'failed');

    expect(error.code).to.equal('origin_not_allowed');
    expect(element.error?.code).to.equal('origin_not_allowed');
    const shown = part(element, 'error')?.textContent ?? '';
    expect(shown).to.contain('origin_not_allowed');
    expect(shown).to.not.contain('Check your connection');
  });
});

describe('<dualpay-checkout> focus (#17.5)', () => {
  it('moves focus into the new content after Pay', async () => {
    const element = await mount();

    (part(element, 'button') as HTMLButtonElement).click();
    await shownHandoffCode(element);
    await element.updateComplete;

    expect(document.activeElement?.localName).to.equal('dualpay-checkout');
    expect(element.shadowRoot?.activeElement?.textContent).to.contain('Scan with your phone');
    await element.cancel();
  });

  it('moves focus to what happened after Cancel', async () => {
    const element = await mount();
    element.start().catch(() => undefined);
    await shownHandoffCode(element);
    const cancel = [...(element.shadowRoot?.querySelectorAll('button') ?? [])].find(
      (button) => button.textContent?.trim() === 'Cancel',
    );

    cancel?.focus();
    cancel?.click();
    await untilStatus(element, 'cancelled');
    await element.updateComplete;

    expect(document.activeElement?.localName).to.equal('dualpay-checkout');
    expect(element.shadowRoot?.activeElement === part(element, 'error'), 'the error has focus').to
      .be.true;
  });

  it('leaves focus where the shopper put it when the phone moves the checkout on', async () => {
    const page = await fixture<HTMLDivElement>(html`<div><input aria-label="Notes" /></div>`);
    const element = await mount();
    element.start().catch(() => undefined);
    const code = await shownHandoffCode(element);
    const input = page.querySelector('input')!;
    input.focus();

    await issuer('claim', { code });
    await untilStatus(element, 'awaiting-confirmation');
    await element.updateComplete;

    expect(document.activeElement === input, 'the input keeps focus').to.be.true;
    await element.cancel();
  });
});

describe('<dualpay-checkout handoff="link"> on the phone itself (#17.6)', () => {
  const originalOpen = window.open;
  afterEach(() => {
    window.open = originalOpen;
  });

  it('tells the payer to enter the number on the payment page of this device, not "on your phone"', async () => {
    const opened: string[] = [];
    window.open = ((url: string) => {
      opened.push(url);
      return null;
    }) as typeof window.open;
    const element = await mount({ handoff: 'link' });
    element.start().catch(() => undefined);
    await untilStatus(element, 'awaiting-handoff');
    await until(() => part(element, 'binding-code'), 5000, 'the number');
    const handoffText = text(element);

    (part(element, 'button') as HTMLButtonElement).click();
    await issuer('claim', { code: codeOf(opened[0] ?? '') });
    await untilStatus(element, 'awaiting-confirmation');
    await element.updateComplete;

    expect(handoffText).to.not.match(/on your phone/);
    expect(handoffText).to.match(/payment page/);
    expect(text(element)).to.not.match(/on your phone/);
    expect(text(element)).to.match(/come back/i);
    await element.cancel();
  });
});
