/** Unauthenticated endpoints: the public signing keys and liveness. */
import type { FastifyPluginAsync } from 'fastify';
import { WITH_HEAD } from '../pages.js';

export const wellKnownRoutes: FastifyPluginAsync = async (app) => {
  app.get('/.well-known/jwks.json', WITH_HEAD, async (_request, reply) => {
    // Short cache: verifiers refetch on an unknown kid anyway (rotation).
    reply.header('cache-control', 'public, max-age=60');
    reply.header('access-control-allow-origin', '*');
    return app.issuer.keys.jwks();
  });

  app.get('/healthz', WITH_HEAD, async () => ({ status: 'ok' }));
};
