/**
 * `verifyWebhook`: checks a webhook request from the issuer as Standard Webhooks 1.0 says, with
 * its reference library (`standardwebhooks`, whose `verify` does the HMAC and the constant-time
 * comparison), and returns the event. Failures are a `WebhookError` with a stable code.
 */
// A CommonJS package; bundlers and Node (cjs-module-lexer) both see its named exports.
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../protocol/index.js';

/**
 * Every code a {@link WebhookError} can carry. Codes are public API; messages are not.
 * docs/verify.md says what each means.
 *
 * @example
 * const status = error.code === 'webhook_secret_invalid' ? 500 : 400;
 */
export const WEBHOOK_ERROR_CODES = [
  'webhook_headers_missing',
  'webhook_timestamp_too_old',
  'webhook_timestamp_too_new',
  'webhook_signature_invalid',
  'webhook_payload_invalid',
  'webhook_secret_invalid',
  'webhook_options_invalid',
] as const;

/** A stable, snake_case reason why a webhook request was not accepted. */
export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[number];

const MESSAGES: Record<WebhookErrorCode, string> = {
  webhook_headers_missing:
    'The webhook-id, webhook-timestamp or webhook-signature header is missing or malformed.',
  webhook_timestamp_too_old: 'The webhook-timestamp is older than the tolerance (a replay?).',
  webhook_timestamp_too_new: 'The webhook-timestamp is further in the future than the tolerance.',
  webhook_signature_invalid: 'No signature in webhook-signature matches the body and the secret.',
  webhook_payload_invalid: 'The body is not UTF-8 JSON of a dualpay webhook event.',
  webhook_secret_invalid: 'The secret is not a whsec_… secret.',
  webhook_options_invalid: 'toleranceSec must be a number from 1 to 300.',
};

/**
 * Why `verifyWebhook` refused a request. Branch on `code`, never on `message`; the library's
 * error, if any, is `cause`.
 *
 * @example
 * try {
 *   event = verifyWebhook(rawBody, req.headers, secret);
 * } catch (error) {
 *   if (error instanceof WebhookError) return res.status(400).json({ error: error.code });
 *   throw error;
 * }
 */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  /** Stable machine-readable code. */
  readonly code: WebhookErrorCode;

  constructor(code: WebhookErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? MESSAGES[code], options);
    this.code = code;
  }
}

/**
 * Request headers as frameworks hand them over: a Fetch `Headers`, Node's `IncomingHttpHeaders`,
 * or a plain object with names in any case.
 */
export type WebhookHeaders =
  { get(name: string): string | null } | Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookOptions {
  /**
   * How far `webhook-timestamp` may be from now, in seconds, either way: 1 to 300 (the Standard
   * Webhooks library's own window is 300, so it cannot be widened). Default 300.
   */
  toleranceSec?: number;
}

const NAMES = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function headerValues(headers: WebhookHeaders): Record<(typeof NAMES)[number], string> {
  const read =
    typeof headers.get === 'function'
      ? (name: string) => (headers as { get(name: string): string | null }).get(name) ?? undefined
      : (name: string) => {
          const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
          const value = entry?.[1] as string | readonly string[] | undefined;
          // Several signature headers are several signatures; one id and one timestamp only.
          if (Array.isArray(value))
            return name === 'webhook-signature' ? value.join(' ') : undefined;
          return value as string | undefined;
        };
  const values = Object.fromEntries(NAMES.map((name) => [name, read(name)?.trim() ?? '']));
  if (NAMES.some((name) => !values[name])) throw new WebhookError('webhook_headers_missing');
  return values as Record<(typeof NAMES)[number], string>;
}

function bodyText(rawBody: string | Uint8Array): string {
  if (typeof rawBody === 'string') return rawBody;
  try {
    // The exact bytes signed: invalid UTF-8 is refused, and a BOM is kept.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
  } catch (error) {
    throw new WebhookError('webhook_payload_invalid', undefined, { cause: error });
  }
}

function checkTimestamp(value: string, toleranceSec: number): void {
  if (!/^[0-9]{1,12}$/.test(value)) {
    throw new WebhookError('webhook_headers_missing', 'webhook-timestamp is not Unix seconds.');
  }
  const skew = Math.floor(Date.now() / 1000) - Number(value);
  if (skew > toleranceSec) throw new WebhookError('webhook_timestamp_too_old');
  if (-skew > toleranceSec) throw new WebhookError('webhook_timestamp_too_new');
}

function parseEvent(text: string, id: string): WebhookEvent {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new WebhookError('webhook_payload_invalid', undefined, { cause: error });
  }
  const { id: eventId, type, createdAt, data } = (event ?? {}) as Record<string, unknown>;
  if (
    eventId !== id ||
    typeof type !== 'string' ||
    typeof createdAt !== 'string' ||
    typeof data !== 'object' ||
    data === null
  ) {
    throw new WebhookError('webhook_payload_invalid');
  }
  return event as WebhookEvent;
}

/**
 * Verifies a webhook request from the issuer and returns its event. Pass the body exactly as
 * received (before any JSON parsing: the signature covers its bytes), the request headers, and
 * the merchant's `whsec_…` secret (or several, while rolling one). Throws a {@link WebhookError}:
 * missing headers, a timestamp outside `toleranceSec` (a replay of an old request), a signature
 * that matches no secret, a body that is not an event.
 *
 * Deliveries are at least once: deduplicate on `event.id` (the `webhook-id`).
 *
 * @example
 * app.post('/dualpay/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook(req.body, req.headers, process.env.DUALPAY_WEBHOOK_SECRET);
 *   if (event.type === 'checkout.settled') fulfil(event.data.orderId);
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const toleranceSec = options.toleranceSec ?? 300;
  if (!(toleranceSec >= 1 && toleranceSec <= 300))
    throw new WebhookError('webhook_options_invalid');
  const values = headerValues(headers);
  checkTimestamp(values['webhook-timestamp'], toleranceSec);
  const text = bodyText(rawBody);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new WebhookError('webhook_secret_invalid');
  let failure: unknown;
  for (const candidate of secrets) {
    let webhook: Webhook;
    try {
      if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(candidate)) throw new Error('not whsec_…');
      webhook = new Webhook(candidate);
    } catch (error) {
      throw new WebhookError('webhook_secret_invalid', undefined, { cause: error });
    }
    try {
      webhook.verify(text, values, { jsonParse: false });
      return parseEvent(text, values['webhook-id']);
    } catch (error) {
      if (error instanceof WebhookError) throw error;
      failure = error;
    }
  }
  throw new WebhookError(libraryCode(failure), undefined, { cause: failure });
}

/**
 * The code for the library's refusal. Its window (300 s) is checked here first, so it refuses a
 * timestamp itself only when the second turns between the two checks.
 */
function libraryCode(error: unknown): WebhookErrorCode {
  const message = String((error as { message?: unknown } | undefined)?.message ?? '');
  if (/too old/i.test(message)) return 'webhook_timestamp_too_old';
  if (/too new/i.test(message)) return 'webhook_timestamp_too_new';
  return 'webhook_signature_invalid';
}
