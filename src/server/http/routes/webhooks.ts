/**
 * The admin API of webhooks (registered inside the admin routes, behind their admin check): roll
 * a merchant's signing secret, read its events with their delivery attempts, redeliver one.
 */
import type { FastifyPluginAsync } from 'fastify';
import { adminActor, idOf } from './admin-request.js';

export const webhookAdminRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.post<{ Params: { id: string } }>(
    '/v1/merchants/:id/roll-webhook-secret',
    async (request, reply) => {
      const rolled = await issuer.webhooks.rollSecret(
        idOf(request),
        request.body,
        adminActor(request),
      );
      reply.code(201);
      return rolled;
    },
  );

  app.get<{ Params: { id: string } }>('/v1/merchants/:id/webhook-events', async (request) =>
    issuer.webhooks.listEvents(idOf(request), (request.query ?? {}) as Record<string, unknown>),
  );

  app.post<{ Params: { id: string } }>('/v1/webhook-events/:id/redeliver', async (request) =>
    issuer.webhooks.redeliver(idOf(request), adminActor(request)),
  );
};
