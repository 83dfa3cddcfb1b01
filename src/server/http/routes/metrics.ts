/**
 * `GET /metrics`: the Prometheus text exposition, for a scraper holding an admin key
 * (`Authorization: Bearer ak_…`). An issuer started with a metrics port also serves it there,
 * without a key, for a scraper on an internal network (`serveMetrics`).
 */
import { createServer, type Server } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { IssuerMetrics } from '../../metrics.js';
import { requireAdmin } from '../auth.js';

export const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/metrics', async (request, reply) => {
    await requireAdmin(app.issuer, request);
    const { contentType, body } = await app.issuer.metrics.text();
    return reply.type(contentType).send(body);
  });
};

/**
 * A plain HTTP listener on `port` that answers `GET /metrics` (nothing else) without a key: bind
 * it to an address only the scraper reaches (default loopback). Resolves once it listens.
 */
export async function serveMetrics(
  metrics: IssuerMetrics,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (path !== '/metrics') {
      answer(404, JSON.stringify({ error: { code: 'not_found', message: 'Only /metrics here' } }));
      return;
    }
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      answer(405, JSON.stringify({ error: { code: 'invalid_request', message: 'GET only' } }));
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => answer(200, body, contentType),
      () =>
        answer(
          500,
          JSON.stringify({ error: { code: 'internal_error', message: 'metrics failed' } }),
        ),
    );
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
