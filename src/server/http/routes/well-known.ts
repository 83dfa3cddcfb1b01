/** Unauthenticated endpoints: the public signing keys and liveness. */
import type { FastifyPluginAsync } from 'fastify';

export const wellKnownRoutes: FastifyPluginAsync = async (app) => {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short cache: verifiers refetch on an unknown kid anyway (rotation).
    reply.header('cache-control', 'public, max-age=60');
    reply.header('access-control-allow-origin', '*');
    return app.issuer.keys.jwks();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
};
