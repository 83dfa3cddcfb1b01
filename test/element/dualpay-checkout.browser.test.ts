import { expect, fixture, html } from '@open-wc/testing';
import { CheckoutError, type DualpayCheckout } from '../../src/element/index.js';
import {
  codeOf,
  decodeQr,
  issuer,
  issuerUrlOf,
  mount,
  part,
  pollFor,
  record,
  shownHandoffCode,
  untilStatus,
  type Session,
} from './support/helpers.js';

async function startAndShowQr(element: DualpayCheckout) {
  const started = element.start();
  const code = await shownHandoffCode(element);
  return { started, code };
}

async function rejectionOf(promise: Promise<unknown>): Promise<CheckoutError> {
  try {
    await promise;
  } catch (error) {
    return error as CheckoutError;
  }
  throw new Error('expected a rejection');
}

describe('<dualpay-checkout>', () => {
  afterEach(async () => {
    await issuer('handoff-ttl', { ms: 60_000 });
  });

  describe('idle', () => {
    it('renders a pay button, the fallback slot, and status idle', async () => {
      const element = await mount();

      expect(element.status).to.equal('idle');
      expect(part(element, 'button')?.textContent?.trim()).to.equal('Pay with your card');
      expect(element.shadowRoot?.querySelector('slot[name="fallback"]')).to.exist;
      expect(element.error).to.equal(null);
      expect(element.settlement).to.equal(null);
    });

    it('starts when the pay button is clicked', async () => {
      const element = await mount();
      const events = record(element);

      (part(element, 'button') as HTMLButtonElement).click();
      await untilStatus(element, 'awaiting-handoff');

      expect(events.of('dualpay-status-change').map((e) => e.detail.status)).to.deep.equal([
        'creating',
        'awaiting-handoff',
      ]);
      await element.cancel();
    });
  });

  describe('awaiting-handoff', () => {
    it('shows a QR that decodes to exactly the hand-off URL, the user code and the binding number', async () => {
      const element = await mount();
      const url = await issuerUrlOf();

      const { code } = await startAndShowQr(element);
      const decoded = await decodeQr(element);

      expect(decoded).to.equal(`${url}/h/${code}`);
      expect(code).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect(part(element, 'user-code')?.textContent).to.match(
        /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/,
      );
      expect(part(element, 'binding-code')?.textContent).to.match(/^[0-9]{2}$/);
      expect(part(element, 'countdown')?.textContent).to.match(/(9:5\d|10:00) left/);
      await element.cancel();
    });

    it('shows the binding number the issuer gave the session', async () => {
      const element = await mount();
      await startAndShowQr(element);
      const claimed = await issuer<{ sessionId: string }>('claim', {
        code: await shownCode(element),
      });

      const view = await issuer<{ bindingCode: string }>('public', { id: claimed.sessionId });
      await untilStatus(element, 'awaiting-confirmation');

      expect(part(element, 'binding-code')?.textContent).to.equal(view.bindingCode);
      await element.cancel();
    });

    it('rotates the code before it expires and the QR follows, without leaving the view', async () => {
      await issuer('handoff-ttl', { ms: 12_000 });
      const element = await mount();
      const { code: first } = await startAndShowQr(element);
      const events = record(element);

      const second = await pollFor(
        async () => codeOf((await decodeQr(element)) ?? ''),
        (code) => code !== first,
      );

      expect(second).to.not.equal(first);
      expect(second).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect(element.status).to.equal('awaiting-handoff');
      expect(events.of('dualpay-status-change')).to.have.length(0);
      const oldClaim = await issuer<{ error?: { code: string } }>('claim', { code: first });
      expect(oldClaim.error?.code).to.equal('handoff_replaced');
      await element.cancel();
    });
  });

  describe('settlement', () => {
    it('fires dualpay-settled exactly once and start() resolves with the same settlement', async () => {
      const element = await mount();
      const events = record(element);
      const { started, code } = await startAndShowQr(element);

      await issuer('approve', { code });
      const settlement = await started;
      await untilStatus(element, 'settled');
      await new Promise((resolve) => setTimeout(resolve, 300));

      const settled = events.of('dualpay-settled');
      expect(settled).to.have.length(1);
      expect(settled[0]?.detail).to.deep.equal(settlement);
      expect(settled[0]?.bubbles).to.equal(true);
      expect(settled[0]?.composed).to.equal(true);
      expect(settlement.token).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(settlement.amount).to.equal(1500);
      expect(settlement.currency).to.equal('KRW');
      expect(settlement.orderId).to.match(/^wtr-order-/);
      expect(element.settlement).to.deep.equal(settlement);
      const session = await issuer<Session>('session', { id: settlement.sessionId });
      expect(session.settlementToken).to.equal(settlement.token);
      expect(part(element, 'status')?.textContent).to.contain('Payment complete');
    });

    it('returns the same promise to a second start() while running', async () => {
      const element = await mount();

      const first = element.start();
      const second = element.start();
      const code = await shownHandoffCode(element);
      await issuer('approve', { code });

      expect(second).to.equal(first);
      expect((await first).token).to.equal((await second).token);
    });
  });

  describe('endings without payment', () => {
    const cases = [
      { name: 'decline', command: 'decline', status: 'declined', code: 'session_declined' },
      { name: 'five failed attempts', command: 'fail', status: 'failed', code: 'session_failed' },
      { name: 'a wrong number', command: 'mismatch', status: 'failed', code: 'binding_mismatch' },
    ] as const;
    for (const ending of cases) {
      it(`${ending.name}: fires dualpay-error with ${ending.code} and rejects start()`, async () => {
        const element = await mount();
        const events = record(element);
        const { started, code } = await startAndShowQr(element);

        await issuer(ending.command, { code });
        const error = await rejectionOf(started);
        await untilStatus(element, ending.status);

        expect(error).to.be.instanceOf(CheckoutError);
        expect(error.code).to.equal(ending.code);
        expect(events.of('dualpay-error').map((e) => e.detail.error.code)).to.deep.equal([
          ending.code,
        ]);
        expect(element.error?.code).to.equal(ending.code);
        expect(part(element, 'error')?.getAttribute('role')).to.equal('alert');
      });
    }

    it('expiry: fires dualpay-error with session_expired when the deadline passes', async () => {
      const element = await mount();
      const events = record(element);
      const { started } = await startAndShowQr(element);

      await issuer('advance', { ms: 10 * 60_000 });
      const error = await rejectionOf(started);
      await untilStatus(element, 'expired');

      expect(error.code).to.equal('session_expired');
      expect(events.of('dualpay-error').map((e) => e.detail.error.code)).to.deep.equal([
        'session_expired',
      ]);
    });

    it('cancel: the Cancel button cancels on the issuer, fires dualpay-cancel and rejects start()', async () => {
      const element = await mount();
      const events = record(element);
      const { started } = await startAndShowQr(element);
      const cancelButton = [...(element.shadowRoot?.querySelectorAll('button') ?? [])].find(
        (button) => button.textContent?.trim() === 'Cancel',
      );

      cancelButton?.click();
      const error = await rejectionOf(started);
      await untilStatus(element, 'cancelled');

      expect(error.code).to.equal('session_cancelled');
      expect(events.of('dualpay-cancel')).to.have.length(1);
      expect(events.of('dualpay-error')).to.have.length(0);
    });

    it('a failing merchant endpoint: dualpay-error with session_creation_failed', async () => {
      const element = await mount({ sessionUrl: '/api/checkout?fail=1' });
      const events = record(element);

      const error = await rejectionOf(element.start());
      await untilStatus(element, 'failed');

      expect(error.code).to.equal('session_creation_failed');
      expect(events.of('dualpay-error').map((e) => e.detail.error.code)).to.deep.equal([
        'session_creation_failed',
      ]);
    });

    it('missing configuration: rejects with invalid_configuration', async () => {
      const element = await fixture<DualpayCheckout>(html`<dualpay-checkout></dualpay-checkout>`);

      const error = await rejectionOf(element.start());

      expect(error.code).to.equal('invalid_configuration');
    });

    it('try again after an ending starts a fresh session', async () => {
      const element = await mount();
      const { started, code } = await startAndShowQr(element);
      await issuer('decline', { code });
      await rejectionOf(started);
      await untilStatus(element, 'declined');

      (part(element, 'button') as HTMLButtonElement).click();
      const next = await shownHandoffCode(element);

      expect(next).to.not.equal(code);
      await element.cancel();
    });
  });

  describe('reset and detach', () => {
    it('reset() returns to idle without firing events', async () => {
      const element = await mount();
      await startAndShowQr(element);
      const events = record(element);

      element.reset();
      await element.updateComplete;

      expect(element.status).to.equal('idle');
      expect(events.all).to.have.length(0);
      expect(part(element, 'button')?.textContent?.trim()).to.equal('Pay with your card');
    });

    it('a detached element stops its stream', async () => {
      const element = await mount();
      await startAndShowQr(element);
      const before = await issuer<number>('streams');

      element.remove();
      const after = await pollFor(
        () => issuer<number>('streams'),
        (count) => count < before,
        3000,
      );

      expect(before).to.be.greaterThan(0);
      expect(after).to.be.lessThan(before);
    });
  });

  describe('locales', () => {
    it('renders a KRW amount without decimals and Korean strings in ko', async () => {
      const element = await mount({ locale: 'ko' });

      await startAndShowQr(element);

      const text = element.shadowRoot?.textContent ?? '';
      expect(element.shadowRoot?.querySelector('.amount')?.textContent).to.equal('₩1,500');
      expect(text).to.contain('휴대폰으로 스캔하세요');
      expect(text).to.contain('확인 번호');
      expect(text).to.contain('취소');
      expect(element.getAttribute('lang')).to.equal('ko');
      await element.cancel();
    });

    it('renders the same session in English in en', async () => {
      const element = await mount({ locale: 'en' });

      await startAndShowQr(element);

      const text = element.shadowRoot?.textContent ?? '';
      expect(element.shadowRoot?.querySelector('.amount')?.textContent).to.equal('₩1,500');
      expect(text).to.contain('Scan with your phone');
      expect(text).to.contain('Your number');
      expect(text).to.not.match(/[가-힣]/);
      await element.cancel();
    });

    it('formats USD with two decimals', async () => {
      const element = await mount({ sessionUrl: '/api/checkout?amount=1505&currency=USD' });

      await startAndShowQr(element);

      expect(element.shadowRoot?.querySelector('.amount')?.textContent).to.equal('$15.05');
      await element.cancel();
    });
  });

  describe('merchant text', () => {
    it('renders description as text, never HTML', async () => {
      const payload = '<img src=x onerror="window.__xss=1"><b>bold</b>';
      const session = await issuer<{ id: string; clientSecret: string }>('create-session', {
        description: payload,
      });
      const element = await mount({ sessionId: session.id, clientSecret: session.clientSecret });

      await startAndShowQr(element);

      const description = element.shadowRoot?.querySelector('.description');
      expect(description?.textContent).to.equal(payload);
      expect(description?.querySelector('img, b')).to.equal(null);
      expect((window as unknown as { __xss?: number }).__xss).to.equal(undefined);
      await element.cancel();
    });
  });
});

async function shownCode(element: DualpayCheckout): Promise<string> {
  return codeOf((await decodeQr(element)) ?? '');
}
