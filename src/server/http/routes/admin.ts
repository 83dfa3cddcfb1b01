/**
 * The admin API (admin key, or the operator console's session): accounts and their cards,
 * enrolment codes, merchants and their keys, admin keys, the audit log. Every change is audited
 * with the admin key's label (`admin:<label>`) and the client address.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import type { Actor } from '../../store/types.js';
import { actorOf, requireAdmin, type AdminCaller } from '../auth.js';
import { auditRoutes } from './audit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin behind an admin route's request. */
    adminCaller: AdminCaller | null;
  }
}

type WithId = FastifyRequest<{ Params: { id: string } }>;

/** Who the admin is, for the audit log. */
export function adminActor(request: FastifyRequest): Actor {
  const caller = request.adminCaller;
  if (!caller) throw new HttpError('unauthorized');
  return actorOf(request, `admin:${caller.admin.label}`);
}

/** An `:id` path parameter of an admin route, or `not_found` when it cannot be an id. */
function idOf(request: WithId): string {
  const { id } = request.params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new HttpError('not_found');
  return id;
}

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
};
