/**
 * Merchant-page endpoints (client secret, CORS by the merchant's allowedOrigins): poll, hand-offs,
 * events, cancel. Cancel also takes the merchant's secret key.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import type { Issuer } from '../../issuer.js';
import type { SessionRecord } from '../../store/types.js';
import { actorOf, bearer, clientSecretOf, requireMerchant } from '../auth.js';
import { answerPreflight, applyPageCors } from '../cors.js';
import { streamSessionEvents } from '../sse.js';

type WithId = FastifyRequest<{ Params: { id: string } }>;

/**
 * Applies CORS for the merchant of the session in the path first (so the page can read the
 * error codes that follow), then authenticates the page by its client secret.
 */
async function pageSession(
  issuer: Issuer,
  request: WithId,
  reply: FastifyReply,
): Promise<SessionRecord> {
  await applyPageCors(issuer, request, reply, await issuer.store.getSession(request.params.id));
  const secret = clientSecretOf(request);
  if (!secret) {
    throw new HttpError(
      'unauthorized',
      'Send the client secret as Authorization: Bearer or ?client_secret=',
    );
  }
  return issuer.checkout.clientSession(secret, request.params.id);
}

export const pageRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.options<{ Params: { id: string; action: string } }>(
    '/v1/checkout-sessions/:id/:action',
    async (request, reply) => {
      const session = await issuer.store.getSession(request.params.id);
      await answerPreflight(issuer, request, reply, session);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/checkout-sessions/:id/public',
    async (request, reply) => {
      const session = await pageSession(issuer, request, reply);
      return issuer.checkout.getPublicSession(session);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/checkout-sessions/:id/handoffs',
    async (request, reply) => {
      const session = await pageSession(issuer, request, reply);
      const handoff = await issuer.handoffs.createHandoff(session, request.ip);
      reply.code(201);
      return handoff;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/checkout-sessions/:id/events',
    async (request, reply) => {
      const session = await pageSession(issuer, request, reply);
      await streamSessionEvents(issuer, app.streams, request, reply, session);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/checkout-sessions/:id/cancel',
    async (request, reply) => {
      const token = bearer(request);
      if (token?.startsWith('sk_')) {
        const merchant = await requireMerchant(issuer, request);
        const session = await issuer.checkout.merchantSession(merchant, request.params.id);
        const actor = actorOf(request, `merchant:${merchant.id}`);
        return issuer.checkout.cancelCheckoutSession(session, actor);
      }
      const session = await pageSession(issuer, request, reply);
      const cancelled = await issuer.checkout.cancelCheckoutSession(
        session,
        actorOf(request, 'page'),
      );
      // The page learns the status; the client secret it already has is all it gets back.
      return { id: cancelled.id, status: cancelled.status };
    },
  );
};
