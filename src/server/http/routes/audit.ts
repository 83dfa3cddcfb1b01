/** `GET /v1/audit-events` (registered inside the admin routes, behind their admin check). */
import type { FastifyPluginAsync } from 'fastify';

export const auditRoutes: FastifyPluginAsync = async (app) => {
  app.get('/v1/audit-events', async (request) =>
    app.issuer.audit.listAuditEvents((request.query ?? {}) as Record<string, unknown>),
  );
};
