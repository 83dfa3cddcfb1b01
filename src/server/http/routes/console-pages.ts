/**
 * The operator console (`/console`, `/console/*`) and its script, served by the issuer. Every path
 * under /console gets the same HTML shell (the console routes on the client, so a reload of any
 * screen lands on it again); what it shows needs a console session (admin routes, auth.ts).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { WITH_HEAD, pageHeaders, renderPage, sendAsset } from '../pages.js';

export const consolePageRoutes: FastifyPluginAsync<{ assetsDir: string }> = async (
  app,
  options,
) => {
  const { assetsDir } = options;
  const shell = (reply: FastifyReply) =>
    pageHeaders(reply)
      // Staff pages: never indexed, even if a crawler finds the address.
      .header('x-robots-tag', 'noindex, nofollow')
      .send(
        renderPage({
          title: 'Operator console — dualpay',
          script: 'console.js',
          tag: 'dualpay-console',
          attributes: {},
          assets: 'console',
          main: false,
          noscript: 'The operator console needs JavaScript.',
        }),
      );

  app.get('/console', WITH_HEAD, async (_request, reply) => shell(reply));
  app.get('/console/*', WITH_HEAD, async (_request, reply) => shell(reply));

  app.get<{ Params: { file: string } }>(
    '/assets/console/:file',
    WITH_HEAD,
    async (request, reply) => sendAsset(reply, assetsDir, request.params.file),
  );
};
