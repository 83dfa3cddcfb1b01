/**
 * The Web Push pieces the phone's browser loads from the issuer's origin: the service worker
 * (`/sw.js`, scope `/`: it shows each push as a system notification) and the payment page a
 * notification opens (`/p/:sessionId`, reading `GET /v1/payment-notices/:sessionId`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../../errors.js';
import { WITH_HEAD, pageHeaders, readAsset, renderPage } from '../pages.js';

const SESSION_ID = /^cs_[A-Za-z0-9_-]{8,80}$/;

export const pushPageRoutes: FastifyPluginAsync<{ assetsDir: string }> = async (app, options) => {
  const { assetsDir } = options;

  app.get('/sw.js', WITH_HEAD, async (_request, reply) => {
    const body = await readAsset(assetsDir, 'sw.js');
    if (!body) throw new HttpError('not_found', 'No service worker built');
    // The worker keeps the default `default-src 'none'` CSP: it fetches nothing, it only shows
    // notifications and opens the issuer's own pages.
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(body);
  });

  app.get<{ Params: { sessionId: string } }>('/p/:sessionId', WITH_HEAD, async (request, reply) =>
    pageHeaders(reply).send(
      renderPage({
        title: 'Payment — dualpay',
        script: 'payment.js',
        tag: 'dualpay-payment-page',
        attributes: SESSION_ID.test(request.params.sessionId)
          ? { 'session-id': request.params.sessionId }
          : {},
      }),
    ),
  );
};
