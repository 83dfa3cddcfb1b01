/**
 * The issuer's HTTP app (Fastify): one JSON body parser, one error mapping, security headers,
 * and the routes grouped by who calls them, each group an encapsulated plugin. The issuer and the
 * open SSE streams are shared through `decorate`.
 */
import type { Server } from 'node:http';
import Fastify, {
  LogController,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { HttpError } from '../errors.js';
import { StoreUnavailableError } from '../store/errors.js';
import type { Issuer } from '../issuer.js';
import { parseJsonBody } from './body.js';
import {
  answerClientError,
  capConnectionsPerClient,
  connectionSettings,
  httpServerOptions,
  type ConnectionSettings,
} from './connections.js';
import { defaultConsoleAssetsDir, defaultPhoneAssetsDir } from './pages.js';
import { adminRoutes } from './routes/admin.js';
import { consolePageRoutes } from './routes/console-pages.js';
import { consoleSessionRoutes } from './routes/console-session.js';
import { merchantRoutes } from './routes/merchant.js';
import { metricsRoutes } from './routes/metrics.js';
import { pageRoutes } from './routes/page.js';
import { enrollmentRoutes } from './routes/enrollment.js';
import { phonePageRoutes } from './routes/phone-pages.js';
import { phoneRoutes } from './routes/phone.js';
import { recoveryRoutes } from './routes/recovery.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { SseStreams } from './sse.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The issuer every route group serves. */
    issuer: Issuer;
    /** This process's open SSE streams. */
    streams: SseStreams;
    /** `METHOD /path` of every route, for the docs check. */
    routeList: string[];
  }
}

export interface AppOptions {
  /** Fastify logger options; `false` (default) for none. */
  logger?: FastifyServerOptions['logger'];
  /**
   * How many proxies in front of the issuer to trust (default 0: none). The client address is then
   * the `X-Forwarded-For` entry that many hops from the socket, counted from the right (the socket
   * peer is hop 0), so whatever a client writes further left is never taken.
   */
  trustProxy?: number;
  /**
   * Time a client has to send a whole request, head and body, in ms; 0 for no limit. Default
   * 30 000. A request that takes longer gets `408 request_timeout` and its socket is closed.
   */
  requestTimeoutMs?: number;
  /** Time a client has to send a request's head, in ms (at most `requestTimeoutMs`). Default 10 000. */
  headersTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests, in ms. Default 72 000. */
  keepAliveTimeoutMs?: number;
  /**
   * Open sockets one client address (IPv4, or IPv6 /64) may hold; one more is closed at once.
   * 0 for no cap. Default 256, or 0 when `trustProxy` > 0 (every socket is then the proxy's).
   */
  maxConnectionsPerIp?: number;
  /** Largest accepted body in bytes. */
  bodyLimit?: number;
  /** Directory of the built phone-page bundles. */
  phoneAssetsDir?: string;
  /** Directory of the built operator-console bundle. */
  consoleAssetsDir?: string;
}

const FASTIFY_ERRORS: Record<string, HttpError['code']> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_ERR_MAX_PARAM_LENGTH: 'not_found',
  FST_ERR_ASYNC_CONSTRAINT: 'invalid_request',
};

/** A path fit for logs: no query string, and one-time codes cut to 4 characters. */
export function redactPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  // Keep 4 characters of a 144-bit code (enough to correlate, 120 bits still secret); a short
  // user code is dropped whole.
  return path.replace(
    /^(\/h\/|\/e\/|\/v1\/handoffs\/|\/v1\/enrollments\/)([^/]*)/,
    (_match, prefix: string, code: string) =>
      `${prefix}${code.length >= 20 ? code.slice(0, 4) : ''}…`,
  );
}

/** Turns any failure into the documented error answer; only genuine faults are 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreUnavailableError) {
    return new HttpError('service_unavailable', "The issuer's database is unavailable; try again", {
      headers: { 'retry-after': '1' },
      cause: error,
    });
  }
  const { code, statusCode } = (error ?? {}) as { code?: string; statusCode?: number };
  const mapped = code ? FASTIFY_ERRORS[code] : undefined;
  if (mapped) return new HttpError(mapped, undefined, { cause: error });
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return new HttpError('invalid_request', undefined, { cause: error });
  }
  return new HttpError('internal_error', 'Something went wrong; nothing was changed', {
    cause: error,
  });
}

/** Answers `error` as `{error: {code, message}}` with its status and headers. */
function sendError(reply: FastifyReply, error: unknown): void {
  const http = toHttpError(error);
  void reply.code(http.status).headers(http.headers).send(http.toJSON());
}

/** Fastify's options for `options`: logging, limits, proxies, timeouts and error answers. */
function fastifyOptions(
  options: AppOptions,
  connections: ConnectionSettings,
): FastifyHttpOptions<Server> {
  const hops = connections.trustProxy;
  return {
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // proxy-addr's hop count, as a function: Fastify's numeric form trusts no hop at all.
    trustProxy: hops > 0 ? (_address: string, hop: number) => hop < hops : false,
    http: httpServerOptions(connections),
    requestTimeout: connections.requestTimeoutMs,
    keepAliveTimeout: connections.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // No implicit HEAD routes: a HEAD on the SSE endpoint would hold a stream open.
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    // Our own access log below leaves out query strings (SSE carries the client secret there).
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing (bad percent-encoding, over-long parameters).
    frameworkErrors: (error, _request, reply) => sendError(reply as FastifyReply, error),
    // Requests Node's parser refuses before Fastify sees them (a head over 16 KiB, broken syntax),
    // or that did not arrive within `requestTimeoutMs`.
    clientErrorHandler: answerClientError,
  };
}

/** Builds the issuer's Fastify app over `issuer`; the caller listens and closes. */
export function buildApp(issuer: Issuer, options: AppOptions = {}): FastifyInstance {
  const connections = connectionSettings(options);
  const app = Fastify(fastifyOptions(options, connections));
  capConnectionsPerClient(app.server as Server, connections.maxConnectionsPerIp);
  app.decorate('issuer', issuer);
  app.decorate('streams', new SseStreams());
  app.decorate('routeList', [] as string[]);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeList.push(`${method} ${route.url}`);
    }
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);

  app.addHook('onRequest', async (_request, reply) => {
    reply
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
      .header('x-frame-options', 'DENY');
  });

  issuer.metrics.countStreamsWith(() => app.streams.size);
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, never the path (codes and ids would make a series per request).
    const route = request.routeOptions.url ?? 'unmatched';
    issuer.metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // Structured access log: no query strings (client secrets travel there for SSE), no codes.
    request.log.info(
      {
        method: request.method,
        path: redactPath(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    if (toHttpError(error).status >= 500) request.log.error({ err: error }, 'unhandled error');
    sendError(reply, error);
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, new HttpError('not_found', 'No such endpoint')),
  );

  void app.register(wellKnownRoutes);
  void app.register(metricsRoutes);
  void app.register(adminRoutes);
  void app.register(consoleSessionRoutes);
  void app.register(merchantRoutes);
  void app.register(pageRoutes);
  void app.register(phonePageRoutes, {
    assetsDir: options.phoneAssetsDir ?? defaultPhoneAssetsDir(),
  });
  void app.register(consolePageRoutes, {
    assetsDir: options.consoleAssetsDir ?? defaultConsoleAssetsDir(),
  });
  void app.register(phoneRoutes);
  void app.register(enrollmentRoutes);
  void app.register(recoveryRoutes);

  app.addHook('onClose', async () => {
    app.streams.closeAll();
  });

  return app;
}
