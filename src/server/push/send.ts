/**
 * One push request (RFC 8030 §5): a POST of the encrypted message to the subscription's endpoint,
 * made with node:http/https so that the socket connects only to addresses `publicLookup` passed
 * (web-push's own `sendNotification` resolves and connects by itself). Redirects are not
 * followed, the response body is drained up to 64 KiB and otherwise ignored, and the whole
 * exchange has a deadline.
 */
import http from 'node:http';
import https from 'node:https';
import { publicLookup, type EndpointRoute } from './endpoints.js';

/** Bytes of a push service's answer read before the socket is closed instead. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface PushRequest {
  route: EndpointRoute;
  headers: Record<string, string | number>;
  body: Buffer;
}

/** What came of one request: the push service's status, or why there was none. */
export type PushResponse = { status: number } | { error: Error };

export interface SendOptions {
  /** Deadline for the whole exchange, connection included (ms). */
  timeoutMs: number;
  /** Aborts the request (the notifier closing). */
  signal?: AbortSignal | undefined;
  /** Keep-alive agents, one per scheme. */
  agents?: { http: http.Agent; https: https.Agent } | undefined;
}

/** POSTs `request`; never throws. */
export function sendPushRequest(request: PushRequest, options: SendOptions): Promise<PushResponse> {
  return new Promise((resolve) => {
    const { url, loopback } = request.route;
    const secure = url.protocol === 'https:';
    let settled = false;
    const finish = (outcome: PushResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const client = secure ? https : http;
    const outgoing = client.request(url, {
      method: 'POST',
      headers: request.headers,
      lookup: publicLookup(loopback) as unknown as http.RequestOptions['lookup'],
      agent: secure ? options.agents?.https : options.agents?.http,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const deadline = setTimeout(() => {
      const error = new Error(`No answer from the push service within ${options.timeoutMs} ms`);
      outgoing.destroy(error);
      finish({ error });
    }, options.timeoutMs);
    deadline.unref();
    outgoing.on('response', (incoming) => {
      finish({ status: incoming.statusCode ?? 0 });
      let read = 0;
      incoming.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) incoming.destroy();
      });
      incoming.on('error', () => undefined);
    });
    outgoing.on('error', (error) => finish({ error }));
    outgoing.end(request.body);
  });
}
