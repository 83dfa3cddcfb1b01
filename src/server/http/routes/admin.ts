/** Admin endpoints (admin key): merchants, accounts (payers), enrolment codes. */
import type { FastifyPluginAsync } from 'fastify';
import { actorOf, requireAdmin } from '../auth.js';

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;
  // After body parsing, so a malformed body is reported as such whatever the credentials.
  app.addHook('preHandler', async (request) => requireAdmin(issuer, request));

  app.post('/v1/merchants', async (request, reply) => {
    reply.code(201);
    return issuer.merchants.createMerchant(request.body, actorOf(request, 'admin'));
  });

  app.post('/v1/accounts', async (request, reply) => {
    reply.code(201);
    return issuer.accounts.createAccount(request.body, actorOf(request, 'admin'));
  });

  app.post<{ Params: { id: string } }>('/v1/accounts/:id/enrollments', async (request, reply) => {
    const result = await issuer.accounts.createEnrollment(
      request.params.id,
      actorOf(request, 'admin'),
    );
    reply.code(201);
    return result;
  });
};
