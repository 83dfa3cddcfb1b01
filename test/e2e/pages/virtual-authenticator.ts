/**
 * Chrome's virtual WebAuthn authenticator over CDP: a FIDO2 card with PIN/biometric (UV) that
 * answers `navigator.credentials.*` in one page. Keep the CDP session open for the whole test:
 * detaching any DevTools session of the page removes its virtual authenticators (TOOLCHAIN.md).
 */
import type { BrowserContext, CDPSession, Page } from '@playwright/test';

export class VirtualAuthenticator {
  readonly session: CDPSession;
  readonly authenticatorId: string;

  private constructor(session: CDPSession, authenticatorId: string) {
    this.session = session;
    this.authenticatorId = authenticatorId;
  }

  static async attach(
    context: BrowserContext,
    page: Page,
    transport: 'nfc' | 'usb' | 'internal' = 'nfc',
  ) {
    const session = await context.newCDPSession(page);
    await session.send('WebAuthn.enable');
    const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport,
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(session, authenticatorId);
  }

  /**
   * Whether the card answers by itself (true) or waits for a touch that never comes (false): a
   * WebAuthn call then hangs, as it does in headless Chrome without a card, until the page
   * cancels it.
   */
  async setAutomaticPresence(enabled: boolean): Promise<void> {
    await this.session.send('WebAuthn.setAutomaticPresenceSimulation', {
      authenticatorId: this.authenticatorId,
      enabled,
    });
  }

  /** The PIN/biometric check passes (true) or fails (false) from now on. */
  async setUserVerified(isUserVerified: boolean): Promise<void> {
    await this.session.send('WebAuthn.setUserVerified', {
      authenticatorId: this.authenticatorId,
      isUserVerified,
    });
  }

  async credentials() {
    return (
      await this.session.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId })
    ).credentials;
  }

  /** Puts a credential into the card (a copied key, for attack tests). */
  async addCredential(credential: {
    credentialId: string;
    rpId: string;
    privateKey: string;
    userHandle: string;
    signCount: number;
  }): Promise<void> {
    await this.session.send('WebAuthn.addCredential', {
      authenticatorId: this.authenticatorId,
      credential: { ...credential, isResidentCredential: true },
    });
  }
}
