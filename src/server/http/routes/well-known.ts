/** Unauthenticated endpoints: the public signing keys and liveness. */
import type { FastifyInstance } from 'fastify';
import type { Issuer } from '../../issuer.js';

export function wellKnownRoutes(app: FastifyInstance, issuer: Issuer): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short cache: verifiers refetch on an unknown kid anyway (rotation).
    reply.header('cache-control', 'public, max-age=60');
    reply.header('access-control-allow-origin', '*');
    return issuer.keys.jwks();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
}
