import { expect } from '@open-wc/testing';
import type { DualpayCheckout } from '../../src/element/index.js';
import { issuerUrlOf, mount, part, untilStatus, until } from './support/helpers.js';

/**
 * A fake of Web NFC's NDEFReader (https://w3c.github.io/web-nfc/#the-ndefreader-object): scan()
 * resolves or rejects like the real one; the test fires `reading` events with NDEF messages.
 */
class FakeNDEFReader extends EventTarget {
  static instances: FakeNDEFReader[] = [];
  static scanError: DOMException | null = null;
  scanSignal: AbortSignal | undefined;

  constructor() {
    super();
    FakeNDEFReader.instances.push(this);
  }

  async scan(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.scanSignal = options.signal;
    if (FakeNDEFReader.scanError) throw FakeNDEFReader.scanError;
  }

  /** Simulates a tag with one URL record. */
  tap(url: string): void {
    const event = new Event('reading') as Event & { message: unknown; serialNumber: string };
    event.message = {
      records: [
        {
          recordType: 'url',
          encoding: null,
          data: new DataView(new TextEncoder().encode(url).buffer),
        },
      ],
    };
    event.serialNumber = '04:a2:2b:c1';
    this.dispatchEvent(event);
  }
}

describe('<dualpay-checkout handoff="nfc">', () => {
  const opened: string[] = [];
  const originalOpen = window.open;
  const scope = window as unknown as { NDEFReader?: unknown };

  beforeEach(() => {
    FakeNDEFReader.instances = [];
    FakeNDEFReader.scanError = null;
    opened.length = 0;
    scope.NDEFReader = FakeNDEFReader;
    window.open = ((url: string) => {
      opened.push(url);
      return null;
    }) as typeof window.open;
  });

  afterEach(() => {
    delete scope.NDEFReader;
    window.open = originalOpen;
  });

  async function started(): Promise<DualpayCheckout> {
    const element = await mount({ handoff: 'nfc' });
    element.start().catch(() => undefined);
    await untilStatus(element, 'awaiting-handoff');
    await until(() => FakeNDEFReader.instances[0]?.scanSignal, 5000, 'scan()');
    await element.updateComplete;
    return element;
  }

  it('asks for a card tap and opens the confirmation on this device when the card is read', async () => {
    const element = await started();
    const issuer = await issuerUrlOf();

    FakeNDEFReader.instances[0]?.tap(`https://elsewhere.example/h`);
    FakeNDEFReader.instances[0]?.tap(`${issuer}/h?card=1`);
    await until(() => opened.length > 0, 2000, 'window.open');

    expect(element.shadowRoot?.textContent).to.contain('Tap your card on the back of this phone');
    expect(part(element, 'binding-code')).to.exist;
    expect(opened).to.have.length(1);
    expect(opened[0]).to.match(new RegExp(`^${issuer}/h/[A-Za-z0-9_-]{24}$`));
    await element.cancel();
    expect(FakeNDEFReader.instances[0]?.scanSignal?.aborted).to.equal(true);
  });

  for (const [name, reason] of [
    ['NotAllowedError', 'NFC permission was not granted.'],
    ['NotReadableError', 'NFC is turned off or busy.'],
  ] as const) {
    it(`falls back to the link, saying why, when scan() fails with ${name}`, async () => {
      FakeNDEFReader.scanError = new DOMException('nfc', name);

      const element = await started();
      await until(() => element.shadowRoot?.querySelector('.notice'), 2000, 'notice');

      expect(element.shadowRoot?.querySelector('.notice')?.textContent).to.equal(reason);
      const button = part(element, 'button') as HTMLButtonElement;
      expect(button.textContent?.trim()).to.equal('Open the payment page');
      button.click();
      expect(opened[0]).to.match(/\/h\/[A-Za-z0-9_-]{24}$/);
      await element.cancel();
    });
  }

  it('uses the QR code when Web NFC does not exist and says so', async () => {
    delete scope.NDEFReader;

    const element = await mount({ handoff: 'nfc' });
    element.start().catch(() => undefined);
    await untilStatus(element, 'awaiting-handoff');
    await until(() => part(element, 'qr'), 5000, 'QR');

    expect(element.shadowRoot?.querySelector('.notice')?.textContent).to.equal(
      'NFC is not available here.',
    );
    await element.cancel();
  });
});
