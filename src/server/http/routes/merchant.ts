/** Merchant-server endpoints (secret key): create and read checkout sessions, refund them. */
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../../errors.js';
import { sessionView } from '../../domain/views.js';
import type { MerchantRecord } from '../../store/types.js';
import { actorOf, requireMerchant } from '../auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant whose secret key signed the request (merchant routes only). */
    merchant: MerchantRecord | null;
  }
}

export const merchantRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;
  app.decorateRequest('merchant', null);
  app.addHook('preHandler', async (request) => {
    request.merchant = await requireMerchant(issuer, request);
  });
  const merchantOf = (request: { merchant: MerchantRecord | null }): MerchantRecord => {
    if (!request.merchant) throw new HttpError('unauthorized');
    return request.merchant;
  };

  app.post('/v1/checkout-sessions', async (request, reply) => {
    const merchant = merchantOf(request);
    const { session, replayed } = await issuer.checkout.createCheckoutSession(
      merchant,
      request.body,
      request.headers['idempotency-key'],
      actorOf(request, `merchant:${merchant.id}`),
    );
    if (replayed) reply.header('idempotent-replayed', 'true');
    reply.code(201);
    return session;
  });

  const sessionIdOf = (request: { params: { id: string } }): string => {
    if (request.params.id.length > 64) throw new HttpError('not_found', 'No such checkout session');
    return request.params.id;
  };

  app.get<{ Params: { id: string } }>('/v1/checkout-sessions/:id', async (request) => {
    const session = await issuer.checkout.merchantSession(
      merchantOf(request),
      sessionIdOf(request),
    );
    return sessionView(session, await issuer.refunds.refundsOf(session));
  });

  app.post<{ Params: { id: string } }>(
    '/v1/checkout-sessions/:id/refunds',
    async (request, reply) => {
      const merchant = merchantOf(request);
      const { refund, replayed } = await issuer.refunds.createRefund(
        merchant,
        sessionIdOf(request),
        request.body,
        request.headers['idempotency-key'],
        actorOf(request, `merchant:${merchant.id}`),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.code(201);
      return refund;
    },
  );
};
