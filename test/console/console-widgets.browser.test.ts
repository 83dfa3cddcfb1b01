import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/console/confirm-dialog.js';
import '../../src/console/enrolment-panel.js';
import type { ConsoleConfirm } from '../../src/console/confirm-dialog.js';
import type { ConsoleEnrolment } from '../../src/console/enrolment-panel.js';

/** The focused element, inside shadow roots. */
function focused(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

const REQUEST = {
  title: 'Revoke card “Test card”?',
  body: 'The card stops working at once.',
  confirmLabel: 'Revoke card',
  cancelLabel: 'Cancel',
  danger: true,
};

describe('<console-confirm> (src/console/confirm-dialog.ts)', () => {
  async function setUp() {
    const root = await fixture<HTMLDivElement>(
      html`<div><button id="opener">Revoke</button><console-confirm></console-confirm></div>`,
    );
    const opener = root.querySelector<HTMLButtonElement>('#opener')!;
    const confirm = root.querySelector<ConsoleConfirm>('console-confirm')!;
    opener.focus();
    const answer = confirm.ask(REQUEST);
    await confirm.updateComplete;
    const dialog = confirm.shadowRoot!.querySelector('dialog')!;
    return { opener, confirm, answer, dialog };
  }

  it('opens a modal dialog labelled by its title and described by its text, focus on Cancel', async () => {
    const { dialog, answer } = await setUp();

    expect(dialog.open).to.equal(true);
    expect(dialog.matches(':modal')).to.equal(true);
    const labelledBy = dialog.getAttribute('aria-labelledby')!;
    const describedBy = dialog.getAttribute('aria-describedby')!;
    expect(dialog.querySelector(`#${labelledBy}`)!.textContent).to.equal(REQUEST.title);
    expect(dialog.querySelector(`#${describedBy}`)!.textContent).to.equal(REQUEST.body);
    expect(focused()?.textContent?.trim()).to.equal('Cancel');
    await sendKeys({ press: 'Escape' });
    expect(await answer).to.equal(false);
  });

  it('keeps Tab and Shift+Tab inside the dialog', async () => {
    const { answer } = await setUp();

    await sendKeys({ press: 'Tab' });
    expect(focused()?.textContent?.trim()).to.equal('Revoke card');
    await sendKeys({ press: 'Tab' });
    expect(focused()?.textContent?.trim()).to.equal('Cancel');
    await sendKeys({ press: 'Shift+Tab' });
    expect(focused()?.textContent?.trim()).to.equal('Revoke card');
    await sendKeys({ press: 'Enter' });
    expect(await answer).to.equal(true);
  });

  it('answers false on Escape and gives focus back to the button that opened it', async () => {
    const { opener, dialog, answer } = await setUp();

    await sendKeys({ press: 'Escape' });

    expect(await answer).to.equal(false);
    expect(dialog.open).to.equal(false);
    expect(focused()).to.equal(opener);
  });
});

describe('<console-enrolment> (src/console/enrolment-panel.ts)', () => {
  const url = 'http://localhost:4010/e/AbCdEfGhIjKlMnOpQrStUvWx';

  it('shows the QR of the link, the link and the time left', async () => {
    const panel = await fixture<ConsoleEnrolment>(
      html`<console-enrolment
        accountName="Kim"
        .enrollment=${{ code: 'x', url, expiresAt: new Date(Date.now() + 90_000).toISOString() }}
      ></console-enrolment>`,
    );
    const root = panel.shadowRoot!;

    const svg = root.querySelector('svg.qr')!;
    expect(svg.getAttribute('role')).to.equal('img');
    expect(svg.getAttribute('aria-label')).to.contain('Kim');
    expect(svg.getAttribute('data-url')).to.equal(url);
    expect(svg.querySelector('path')!.getAttribute('d')).to.match(/^M\d/);
    expect(root.querySelector('code.link')!.textContent).to.equal(url);
    expect(root.querySelector('[role="timer"]')!.textContent!.trim()).to.match(/^1:(29|30)$/);
  });

  it('hides the QR and says so once the enrolment expired', async () => {
    const panel = await fixture<ConsoleEnrolment>(
      html`<console-enrolment
        .enrollment=${{ code: 'x', url, expiresAt: new Date(Date.now() - 1000).toISOString() }}
      ></console-enrolment>`,
    );

    expect(panel.shadowRoot!.querySelector('svg.qr')).to.equal(null);
    expect(panel.shadowRoot!.querySelector('.message')!.textContent).to.contain('expired');
  });
});
