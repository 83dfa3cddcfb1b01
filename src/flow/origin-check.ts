/**
 * Tells a refused origin from a network failure. The issuer answers a page whose origin the
 * merchant did not allow with `403 origin_not_allowed` and no CORS headers (docs/protocol.md
 * "CORS for the merchant page"), which `fetch` reports exactly like no network at all: a
 * TypeError (Fetch Standard, "CORS check"). The issuer's JWKS is readable from any origin
 * (`Access-Control-Allow-Origin: *`): when it answers while the session call failed, the issuer is
 * there and it refused this page.
 */
import { CheckoutError } from '../protocol/index.js';
import type { CallOptions } from './api-client.js';

/** `error` itself, or `origin_not_allowed` when a `network_error` was really a CORS refusal. */
export async function explainNetworkError(
  issuer: string,
  error: CheckoutError,
  options: CallOptions,
): Promise<CheckoutError> {
  if (error.code !== 'network_error') return error;
  try {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    const response = await fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/jwks.json`, {
      // Not from the HTTP cache: only an answer now says the issuer is reachable now.
      cache: 'no-store',
      credentials: 'omit',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.ok) {
      return new CheckoutError(
        'origin_not_allowed',
        "The issuer refused this page's origin: add it to the merchant's allowedOrigins.",
        { cause: error },
      );
    }
  } catch {
    // Nothing answers: it is the network (or a CSP connect-src that leaves out the issuer).
  }
  return error;
}
