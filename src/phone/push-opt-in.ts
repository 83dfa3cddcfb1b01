/**
 * `<dualpay-push-opt-in>`: "Get a notification after every payment", offered by the enrolment page
 * after the card is saved and by the confirmation page after a result. Permission is asked only
 * when the button is pressed; then the issuer's service worker (`/sw.js`, scope `/`) is
 * registered, the browser subscribes with the issuer's VAPID key, and the subscription is sent
 * (`POST /v1/enrollments/:code/push-subscription` or `POST /v1/handoffs/:code/push-subscription`).
 * Renders nothing where Web Push is unsupported.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { getVapidPublicKey, postPushSubscription, toCheckoutError } from '../flow/api-client.js';
import type { PushSubscriptionJson } from '../protocol/index.js';
import { phoneLocale } from './locales.js';
import { pushMessage, type PushMessageKey } from './push-locales.js';
import { phoneStyles } from './styles.js';

type State = 'offer' | 'working' | 'on' | 'blocked' | 'failed' | 'late';

/** Does this browser do Web Push from a page (service worker, PushManager, notifications)? */
export function pushSupported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** Unpadded base64url → bytes (the VAPID key `pushManager.subscribe` takes). */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const NOTE: Partial<Record<State, PushMessageKey>> = {
  working: 'optInWorking',
  on: 'optInOn',
  blocked: 'optInBlocked',
  failed: 'optInFailed',
  late: 'optInLate',
};

export class DualpayPushOptIn extends LitElement {
  static override styles = phoneStyles;

  /** Which code subscribes: the enrolment code, or the hand-off code this phone claimed. */
  @property() kind: 'enrollment' | 'handoff' = 'enrollment';
  @property() code = '';
  @property() locale = '';

  @state() private current: State = 'offer';

  private t(key: PushMessageKey): string {
    return pushMessage(phoneLocale(this.locale || navigator.language), key);
  }

  private async subscribe(): Promise<void> {
    this.current = 'working';
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        this.current = permission === 'denied' ? 'blocked' : 'offer';
        return;
      }
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      const registration = await navigator.serviceWorker.ready;
      const { body: key } = await getVapidPublicKey();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64Url(key.publicKey),
      });
      const json = subscription.toJSON() as PushSubscriptionJson;
      await postPushSubscription(this.kind, this.code, {
        endpoint: json.endpoint,
        keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
      });
      this.current = 'on';
    } catch (error) {
      const code = toCheckoutError(error).code;
      this.current = code === 'push_subscription_not_allowed' ? 'late' : 'failed';
    }
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!pushSupported() || !this.code) return nothing;
    const note = NOTE[this.current];
    const offer = this.current === 'offer' || this.current === 'failed';
    return html`<section class="push-opt-in" aria-labelledby="push-title">
      <h2 id="push-title">${this.t('optInTitle')}</h2>
      <p>${this.t('optInHelp')}</p>
      ${
        offer
          ? html`<div class="stack">
              <button class="secondary" type="button" @click=${() => void this.subscribe()}>
                ${this.t('optIn')}
              </button>
            </div>`
          : nothing
      }
      <p role="status">${note ? this.t(note) : ''}</p>
    </section>`;
  }
}

if (!customElements.get('dualpay-push-opt-in'))
  customElements.define('dualpay-push-opt-in', DualpayPushOptIn);
