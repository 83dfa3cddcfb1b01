/** Helpers for the element's browser tests: the real test issuer, QR decoding, waiting. */
import { fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import jsQRModule from 'jsqr';
import '../../../src/element/define.js';
import type { DualpayCheckout } from '../../../src/element/index.js';
import type { CheckoutStatus, PublicSession, Session } from '../../../src/protocol/index.js';

// jsQR is CommonJS: its module object carries the function as `default` (and is callable too).
const jsQR = jsQRModule.default;

/** Runs an `issuer:*` command on the test issuer (test/support/browser-issuer.ts). */
export async function issuer<T = unknown>(
  name: string,
  payload: Record<string, unknown> = {},
): Promise<T> {
  return (await executeServerCommand(`issuer:${name}`, payload)) as T;
}

let issuerUrl: string | undefined;
export async function issuerUrlOf(): Promise<string> {
  issuerUrl ??= (await issuer<{ url: string }>('info')).url;
  return issuerUrl;
}

export interface MountOptions {
  locale?: string;
  handoff?: string;
  sessionUrl?: string;
  sessionId?: string;
  clientSecret?: string;
  autostart?: boolean;
  theme?: string;
}

/** A `<dualpay-checkout>` wired to the test issuer, by session-url unless given a session. */
export async function mount(options: MountOptions = {}): Promise<DualpayCheckout> {
  const url = await issuerUrlOf();
  return fixture<DualpayCheckout>(
    html`<dualpay-checkout
      issuer=${url}
      session-url=${options.sessionId ? '' : (options.sessionUrl ?? '/api/checkout')}
      session-id=${options.sessionId ?? ''}
      client-secret=${options.clientSecret ?? ''}
      handoff=${options.handoff ?? 'qr'}
      locale=${options.locale ?? 'en'}
      theme=${options.theme ?? 'light'}
      ?autostart=${options.autostart ?? false}
    ></dualpay-checkout>`,
  );
}

/** Resolves when `predicate` holds, checking every 25 ms, or rejects after `timeoutMs`. */
export async function until<T>(
  predicate: () => T | undefined | null | false,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Re-reads `read()` every 100 ms until `done(value)`; returns the last value either way. */
export async function pollFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let value = await read();
  while (!done(value) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

export async function untilStatus(
  element: DualpayCheckout,
  status: CheckoutStatus,
  timeoutMs = 5000,
): Promise<void> {
  await until(
    () => element.status === status,
    timeoutMs,
    `status ${status} (is ${element.status})`,
  );
  await element.updateComplete;
}

export function part(element: DualpayCheckout, name: string): Element | null {
  return element.shadowRoot?.querySelector(`[part~="${name}"]`) ?? null;
}

/** Decodes the QR in the element's shadow DOM with jsQR, from a rasterised copy of the SVG. */
export async function decodeQr(element: DualpayCheckout): Promise<string | null> {
  const svg = part(element, 'qr');
  if (!(svg instanceof SVGSVGElement)) return null;
  const markup = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  const loaded = new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = reject;
  });
  image.src = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
  await loaded;
  const size = 400;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.drawImage(image, 0, 0, size, size);
  const pixels = context.getImageData(0, 0, size, size);
  return jsQR(pixels.data, size, size)?.data ?? null;
}

/** The hand-off code in a hand-off URL (`…/h/<code>`). */
export function codeOf(url: string): string {
  return url.split('/h/')[1] ?? '';
}

/** The QR's hand-off code once the element shows one. */
export async function shownHandoffCode(element: DualpayCheckout): Promise<string> {
  await untilStatus(element, 'awaiting-handoff');
  await until(() => part(element, 'qr'), 5000, 'QR');
  const url = await decodeQr(element);
  if (!url) throw new Error('QR did not decode');
  return codeOf(url);
}

export interface Recorded<T extends Event = Event> {
  events: T[];
}

/** Records the dualpay events an element fires. */
export function record(element: DualpayCheckout) {
  const all: CustomEvent[] = [];
  for (const type of [
    'dualpay-status-change',
    'dualpay-settled',
    'dualpay-error',
    'dualpay-cancel',
  ]) {
    element.addEventListener(type, (event) => all.push(event as CustomEvent));
  }
  return {
    all,
    of: (type: string) => all.filter((event) => event.type === type),
  };
}

export type { PublicSession, Session };
