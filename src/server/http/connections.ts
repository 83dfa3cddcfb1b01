/**
 * What the issuer's HTTP server allows a client at the connection level, below Fastify's routes
 * (docs/operations.md "Timeouts and connections"): how long it may take to send a request, how
 * long an idle keep-alive connection stays, how many sockets one client address may hold, and the
 * answer to a request Node's parser refused or timed out.
 */
import { STATUS_CODES, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HttpError } from '../errors.js';
import { clientKey } from '../rate-limit.js';

/** The connection settings of `AppOptions`, with their defaults applied. */
export interface ConnectionSettings {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerIp: number;
  /** Proxy hops of X-Forwarded-For to trust; 0 for none. */
  trustProxy: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Above the 60 s idle timeout of common proxies and load balancers (Fastify's own default). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
/** A socket that got an error answer is closed this long after, even if its client never reads. */
const LINGER_MS = 1_000;

function integerOption(value: unknown, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** Validates the options and applies the defaults. */
export function connectionSettings(options: {
  trustProxy?: number | undefined;
  requestTimeoutMs?: number | undefined;
  headersTimeoutMs?: number | undefined;
  keepAliveTimeoutMs?: number | undefined;
  maxConnectionsPerIp?: number | undefined;
}): ConnectionSettings {
  if (typeof options.trustProxy === 'boolean') {
    throw new TypeError(
      'trustProxy is the number of proxies in front of the issuer (for example 1), not a boolean',
    );
  }
  const trustProxy = integerOption(options.trustProxy, 'trustProxy', 0);
  const requestTimeoutMs = integerOption(
    options.requestTimeoutMs,
    'requestTimeoutMs',
    DEFAULT_REQUEST_TIMEOUT_MS,
  );
  const headersTimeoutMs = integerOption(
    options.headersTimeoutMs,
    'headersTimeoutMs',
    DEFAULT_HEADERS_TIMEOUT_MS,
  );
  return {
    trustProxy,
    requestTimeoutMs,
    // Node requires the head's limit to be within the whole request's.
    headersTimeoutMs:
      requestTimeoutMs > 0 ? Math.min(headersTimeoutMs, requestTimeoutMs) : headersTimeoutMs,
    keepAliveTimeoutMs: integerOption(
      options.keepAliveTimeoutMs,
      'keepAliveTimeoutMs',
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      1,
    ),
    // Behind a proxy every socket comes from the proxy: cap there, not here.
    maxConnectionsPerIp: integerOption(
      options.maxConnectionsPerIp,
      'maxConnectionsPerIp',
      trustProxy > 0 ? 0 : DEFAULT_MAX_CONNECTIONS_PER_IP,
    ),
  };
}

/**
 * Node's server options for `settings`. Node measures `requestTimeout` from a request's first
 * byte to its last (head and body) and `headersTimeout` to the end of the head, but only looks
 * every `connectionsCheckingInterval` (30 s by default, which would let a slow body live for
 * nearly a minute), so the issuer looks every second, or a quarter of a short timeout. A request
 * without a body (an SSE `GET`) is complete with its head and never times out while it streams.
 */
export function httpServerOptions(settings: ConnectionSettings): ServerOptions {
  const shortest = Math.min(
    ...[settings.requestTimeoutMs, settings.headersTimeoutMs].filter((ms) => ms > 0),
    4_000,
  );
  return {
    requestTimeout: settings.requestTimeoutMs,
    headersTimeout: settings.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.floor(shortest / 4)),
  };
}

/**
 * At most `max` open sockets per client address (`clientKey`: the IPv4 address or the IPv6 /64),
 * counted from the server's `connection` event to the socket's `close`. One more is destroyed at
 * once, before a byte is read: the cheapest refusal, and nothing is owed to a client over its cap.
 */
export function capConnectionsPerClient(server: Server, max: number): void {
  if (max === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const count = open.get(key) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

/** The documented error for what Node's parser refused or timed out. */
function clientErrorAnswer(code: string | undefined): HttpError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new HttpError('request_timeout', 'The request did not arrive in time');
  }
  return new HttpError(
    'invalid_request',
    code === 'HPE_HEADER_OVERFLOW'
      ? 'The request head is larger than 16 KiB'
      : 'The request is not valid HTTP',
  );
}

/**
 * Answers a request Node's HTTP parser refused (a head over 16 KiB, broken syntax) or that did
 * not arrive within its timeout, in the documented error shape, and closes the socket. A response
 * already under way is never written over: its socket is just closed.
 */
export function answerClientError(error: Error, socket: Duplex): void {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const http = clientErrorAnswer(code);
  const body = JSON.stringify(http.toJSON());
  socket.end(
    `HTTP/1.1 ${http.status} ${STATUS_CODES[http.status] ?? ''}\r\n` +
      `content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\n` +
      `cache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
  // A client that never reads or closes its side would keep the half-closed socket open.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
