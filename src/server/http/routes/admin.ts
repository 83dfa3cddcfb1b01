/**
 * The admin API (admin key, or the operator console's session): accounts and their cards,
 * enrolment codes, merchants and their keys and webhooks, admin keys, the audit log. Every change is audited
 * with the admin key's label (`admin:<label>`) and the client address.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../auth.js';
import { adminActor, idOf } from './admin-request.js';
import { auditRoutes } from './audit.js';
import { webhookAdminRoutes } from './webhooks.js';

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;
  app.decorateRequest('adminCaller', null);
  // After body parsing, so a malformed body is reported as such whatever the credentials.
  app.addHook('preHandler', async (request) => {
    request.adminCaller = await requireAdmin(issuer, request);
  });

  app.post('/v1/accounts', async (request, reply) => {
    reply.code(201);
    return issuer.accounts.createAccount(request.body, adminActor(request));
  });
  app.get('/v1/accounts', async (request) =>
    issuer.accounts.listAccounts((request.query ?? {}) as Record<string, unknown>),
  );
  app.get<{ Params: { id: string } }>('/v1/accounts/:id', async (request) =>
    issuer.accounts.accountView(idOf(request)),
  );
  app.patch<{ Params: { id: string } }>('/v1/accounts/:id', async (request) =>
    issuer.accounts.updateAccount(idOf(request), request.body, adminActor(request)),
  );
  app.post<{ Params: { id: string } }>('/v1/accounts/:id/enrollments', async (request, reply) => {
    const result = await issuer.enrollment.createEnrollment(idOf(request), adminActor(request));
    reply.code(201);
    return result;
  });
  app.post<{ Params: { id: string } }>('/v1/cards/:id/revoke', async (request) =>
    issuer.accounts.revokeCard(idOf(request), adminActor(request)),
  );

  app.post('/v1/merchants', async (request, reply) => {
    reply.code(201);
    return issuer.merchants.createMerchant(request.body, adminActor(request));
  });
  app.get('/v1/merchants', async () => issuer.merchants.listMerchants());
  app.get<{ Params: { id: string } }>('/v1/merchants/:id', async (request) =>
    issuer.merchants.merchantView(idOf(request)),
  );
  app.patch<{ Params: { id: string } }>('/v1/merchants/:id', async (request) =>
    issuer.merchants.updateMerchant(idOf(request), request.body, adminActor(request)),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/merchants/:id/roll-secret-key',
    async (request, reply) => {
      const rolled = await issuer.merchants.rollSecretKey(
        idOf(request),
        request.body,
        adminActor(request),
      );
      reply.code(201);
      return rolled;
    },
  );

  app.get('/v1/admin-keys', async () => issuer.admins.listAdminKeys());
  app.post('/v1/admin-keys', async (request, reply) => {
    reply.code(201);
    return issuer.admins.createAdminKey(request.body, adminActor(request));
  });
  app.post<{ Params: { id: string } }>('/v1/admin-keys/:id/revoke', async (request) =>
    issuer.admins.revokeAdminKey(idOf(request), adminActor(request)),
  );

  await app.register(auditRoutes);
  await app.register(webhookAdminRoutes);
};
