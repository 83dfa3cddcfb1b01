/**
 * How the payment reaches the phone (docs/protocol.md "Hand-offs"): a QR code, Web NFC (tap the card on this
 * phone), or a same-device link. `auto` picks NFC where it exists, a link on touch-only small
 * screens, otherwise QR; NFC falls back to link, then QR.
 */
import { CheckoutError } from '../protocol/index.js';

export type HandoffMode = 'auto' | 'qr' | 'nfc' | 'link';
export type HandoffMethod = 'qr' | 'nfc' | 'link';

export interface HandoffEnvironment {
  /** `'NDEFReader' in window`, in a secure, top-level context. */
  nfc: boolean;
  /** A touch-only device with a small screen (the phone itself). */
  touchOnlySmallScreen: boolean;
}

/** Reads the environment of `win`. */
export function detectEnvironment(win: Window = window): HandoffEnvironment {
  const topLevel = win.top === win.self;
  const media = (query: string) => win.matchMedia?.(query).matches ?? false;
  return {
    nfc: 'NDEFReader' in win && win.isSecureContext && topLevel,
    touchOnlySmallScreen:
      media('(pointer: coarse)') && !media('(any-pointer: fine)') && media('(max-width: 600px)'),
  };
}

/** The method for `mode` here; an unavailable NFC request falls back to link, then QR. */
export function chooseHandoffMethod(mode: HandoffMode, env: HandoffEnvironment): HandoffMethod {
  if (mode === 'qr' || mode === 'link') return mode;
  if (env.nfc) return 'nfc';
  if (mode === 'nfc') return env.touchOnlySmallScreen ? 'link' : 'qr';
  return env.touchOnlySmallScreen ? 'link' : 'qr';
}

/** What to use when `method` fails: NFC → link → QR. */
export function fallbackFrom(method: HandoffMethod): HandoffMethod {
  return method === 'nfc' ? 'link' : 'qr';
}

/** The parts of Web NFC's `NDEFReader` we use (https://w3c.github.io/web-nfc/#the-ndefreader-object). */
export interface NdefRecordLike {
  recordType: string;
  data?: DataView | null;
  encoding?: string | null;
}
export interface NdefReadingEventLike extends Event {
  serialNumber?: string;
  message: { records: readonly NdefRecordLike[] };
}
export interface NdefReaderLike extends EventTarget {
  scan(options?: { signal?: AbortSignal }): Promise<void>;
}

declare global {
  interface Window {
    NDEFReader?: new () => NdefReaderLike;
  }
}

/** The URLs of the URL records of an NDEF message. */
export function urlsOf(message: { records: readonly NdefRecordLike[] }): string[] {
  return message.records
    .filter((record) => record.recordType === 'url' || record.recordType === 'absolute-url')
    .map((record) =>
      record.data ? new TextDecoder(record.encoding ?? 'utf-8').decode(record.data) : '',
    )
    .filter(Boolean);
}

/** Why NFC cannot be used, in words for people. */
function nfcReason(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError') return 'NFC permission was not granted.';
  if (name === 'NotSupportedError') return 'This device cannot read NFC.';
  if (name === 'NotReadableError') return 'NFC is turned off or busy.';
  return 'NFC is not available.';
}

/**
 * Waits until the payer taps a card enrolled with this issuer (its NDEF URL record points at the
 * issuer's origin). Rejects with `nfc_unavailable` (reason in the message) when NFC cannot be
 * used, and with the signal's reason when aborted.
 */
export async function waitForCardTap(options: {
  issuer: string;
  signal: AbortSignal;
  createReader?: () => NdefReaderLike;
}): Promise<string> {
  const create =
    options.createReader ??
    (() => {
      const Reader = window.NDEFReader;
      if (!Reader) throw new DOMException('No Web NFC', 'NotSupportedError');
      return new Reader();
    });
  const issuerOrigin = new URL(options.issuer).origin;
  let reader: NdefReaderLike;
  try {
    reader = create();
    await reader.scan({ signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw new CheckoutError('nfc_unavailable', nfcReason(error), { cause: error });
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    reader.addEventListener('reading', (event) => {
      const url = urlsOf((event as NdefReadingEventLike).message).find((candidate) => {
        try {
          return new URL(candidate).origin === issuerOrigin;
        } catch {
          return false;
        }
      });
      if (url) {
        options.signal.removeEventListener('abort', onAbort);
        resolve(url);
      }
    });
    // A failed read (card moved away) is not fatal: the payer can tap again.
    reader.addEventListener('readingerror', () => undefined);
  });
}
