/** Admin endpoints (admin key): merchants, accounts (payers), enrolment codes. */
import type { FastifyInstance } from 'fastify';
import type { Issuer } from '../../issuer.js';
import { actorOf, requireAdmin } from '../auth.js';

export function adminRoutes(app: FastifyInstance, issuer: Issuer): void {
  app.post('/v1/merchants', async (request, reply) => {
    await requireAdmin(issuer, request);
    reply.code(201);
    return issuer.createMerchant(request.body);
  });

  app.post('/v1/accounts', async (request, reply) => {
    await requireAdmin(issuer, request);
    reply.code(201);
    return issuer.createAccount(request.body);
  });

  app.post<{ Params: { id: string } }>('/v1/accounts/:id/enrollments', async (request, reply) => {
    await requireAdmin(issuer, request);
    const result = await issuer.createEnrollment(request.params.id, actorOf(request, 'admin'));
    reply.code(201);
    return result;
  });
}
