/** Merchant-server endpoints (secret key): create and read checkout sessions. */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../errors.js';
import type { Issuer } from '../../issuer.js';
import { actorOf, requireMerchant } from '../auth.js';

export function merchantRoutes(app: FastifyInstance, issuer: Issuer): void {
  app.post('/v1/checkout-sessions', async (request, reply) => {
    const merchant = await requireMerchant(issuer, request);
    const { session, replayed } = await issuer.createCheckoutSession(
      merchant,
      request.body,
      request.headers['idempotency-key'],
      actorOf(request, `merchant:${merchant.id}`),
    );
    if (replayed) reply.header('idempotent-replayed', 'true');
    reply.code(201);
    return session;
  });

  app.get<{ Params: { id: string } }>('/v1/checkout-sessions/:id', async (request) => {
    const merchant = await requireMerchant(issuer, request);
    if (request.params.id.length > 64) throw new HttpError('not_found', 'No such checkout session');
    return issuer.toSession(await issuer.merchantSession(merchant, request.params.id));
  });
}
