/**
 * One webhook POST, over node:http(s) rather than fetch: fetch (undici) offers no way to choose
 * the address of the connection without the undici package, and the attempt must connect to the
 * address `target.ts` checked (DNS rebinding). The host name still goes in `Host` and in TLS
 * (SNI and certificate checks). Redirects are never followed (node:http does not): a 3xx is a
 * failed attempt. The whole attempt, answer head included, has `timeoutMs`; the answer's body is
 * not read.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTarget } from './target.js';

export type SendResult = { statusCode: number } | { error: string };

/** A `lookup` that answers every name with the checked address (in either callback form). */
function pinnedLookup(target: WebhookTarget): LookupFunction {
  return ((
    _hostname: string,
    options: { all?: boolean },
    callback: (...args: unknown[]) => void,
  ) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

/** Short, stable words for why there was no answer (the delivery log keeps them). */
function describe(error: unknown): string {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'aborted';
  return code ?? message ?? 'error';
}

export function postWebhook(
  target: WebhookTarget,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<SendResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    const request = send(target.url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'dualpay-issuer (webhooks)',
      },
      lookup: pinnedLookup(target),
      // A fresh connection each time: a pooled socket could belong to an earlier answer of DNS.
      agent: false,
      signal,
    });
    request.on('response', (response: IncomingMessage) => {
      resolve({ statusCode: response.statusCode ?? 0 });
      // The body is not needed; drop it (the timeout still ends an endless one).
      response.resume();
      response.on('error', () => undefined);
    });
    request.on('error', (error) =>
      resolve({ error: describe(signal.aborted ? signal.reason : error) }),
    );
    request.end(body);
  });
}
