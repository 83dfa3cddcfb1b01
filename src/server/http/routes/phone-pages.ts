/** The phone pages (`/h/:code`, `/h`, `/e/:code`, `/r`) and their scripts, served by the issuer. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { isHandoffCode, parseUserCode } from '../../../protocol/index.js';
import { WITH_HEAD, pageHeaders, renderPage, sendAsset } from '../pages.js';

export const phonePageRoutes: FastifyPluginAsync<{ assetsDir: string }> = async (app, options) => {
  const { assetsDir } = options;
  const confirmPage = (reply: FastifyReply, code: string) =>
    pageHeaders(reply).send(
      renderPage({
        title: 'Confirm payment — dualpay',
        script: 'confirm.js',
        tag: 'dualpay-confirm-page',
        attributes: code ? { code } : {},
      }),
    );

  app.get<{ Params: { code: string } }>('/h/:code', WITH_HEAD, async (request, reply) => {
    // An unknown or malformed code still gets the page, which explains and offers the code field.
    // A user code is what the page puts in the URL after a claim typed at /h: a reload keeps it.
    const { code } = request.params;
    return confirmPage(reply, isHandoffCode(code) ? code : (parseUserCode(code) ?? ''));
  });

  app.get('/h', WITH_HEAD, async (_request, reply) => confirmPage(reply, ''));

  app.get<{ Params: { code: string } }>('/e/:code', WITH_HEAD, async (request, reply) =>
    pageHeaders(reply).send(
      renderPage({
        title: 'Add your card — dualpay',
        script: 'enroll.js',
        tag: 'dualpay-enroll-page',
        attributes: isHandoffCode(request.params.code) ? { code: request.params.code } : {},
      }),
    ),
  );

  app.get('/r', WITH_HEAD, async (_request, reply) =>
    pageHeaders(reply).send(
      renderPage({
        title: 'Recover your account — dualpay',
        script: 'recovery.js',
        tag: 'dualpay-recovery-page',
        attributes: {},
      }),
    ),
  );

  app.get<{ Params: { file: string } }>('/assets/phone/:file', WITH_HEAD, async (request, reply) =>
    sendAsset(reply, assetsDir, request.params.file),
  );
};
