/**
 * Phone endpoints and pages (issuer origin only): the confirmation page and its API (claim,
 * authentication options, confirm, decline), the enrolment page and its API.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isHandoffCode, parseUserCode } from '../../../protocol/index.js';
import { HttpError } from '../../errors.js';
import type { Issuer } from '../../issuer.js';
import {
  actorOf,
  phoneTokenFor,
  phoneTokenOf,
  requireIssuerOrigin,
  setPhoneCookie,
} from '../auth.js';
import { pageHeaders, readPhoneAsset, renderPage } from '../pages.js';

type WithCode = FastifyRequest<{ Params: { code: string } }>;

function handoffCode(request: WithCode): string {
  const { code } = request.params;
  if (!isHandoffCode(code)) throw new HttpError('not_found', 'No such code');
  return code;
}

/** The `:code` of a phone endpoint: a hand-off code, or the user code the phone claimed with. */
function phoneCode(request: WithCode): { handoffCode: string } | { userCode: string } {
  const { code } = request.params;
  if (isHandoffCode(code)) return { handoffCode: code };
  const userCode = parseUserCode(code);
  if (!userCode) throw new HttpError('not_found', 'No such code');
  return { userCode };
}

async function claimedSession(issuer: Issuer, request: WithCode, action: string) {
  requireIssuerOrigin(issuer, request);
  return issuer.handoffs.phoneSession(phoneCode(request), phoneTokenOf(issuer, request), {
    actor: actorOf(request, 'phone'),
    action,
  });
}

export const phoneRoutes: FastifyPluginAsync<{ assetsDir: string }> = async (app, options) => {
  const { issuer } = app;
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

  app.get<{ Params: { code: string } }>('/h/:code', async (request, reply) => {
    // An unknown or malformed code still gets the page, which explains and offers the code field.
    return confirmPage(reply, isHandoffCode(request.params.code) ? request.params.code : '');
  });

  app.get('/h', async (_request, reply) => confirmPage(reply, ''));

  app.get<{ Params: { code: string } }>('/e/:code', async (request, reply) =>
    pageHeaders(reply).send(
      renderPage({
        title: 'Add your card — dualpay',
        script: 'enroll.js',
        tag: 'dualpay-enroll-page',
        attributes: isHandoffCode(request.params.code) ? { code: request.params.code } : {},
      }),
    ),
  );

  app.get<{ Params: { file: string } }>('/assets/phone/:file', async (request, reply) => {
    const body = await readPhoneAsset(assetsDir, request.params.file);
    if (!body) throw new HttpError('not_found', 'No such asset');
    const type = request.params.file.endsWith('.css') ? 'text/css' : 'text/javascript';
    return reply
      .header('content-type', `${type}; charset=utf-8`)
      .header('cache-control', 'no-cache')
      .send(body);
  });

  app.post<{ Params: { code: string } }>('/v1/handoffs/:code/claim', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    const { code } = request.params;
    const userCode = isHandoffCode(code) ? null : parseUserCode(code);
    if (userCode) issuer.rateLimit('userCodeClaim', request.ip);
    else issuer.rateLimit('claim', request.ip);
    if (!userCode && !isHandoffCode(code)) throw new HttpError('not_found', 'No such code');
    const token = phoneTokenFor(issuer, request);
    const claimed = await issuer.handoffs.claimHandoff(
      userCode ?? code,
      userCode !== null,
      token,
      actorOf(request, 'phone'),
    );
    setPhoneCookie(issuer, reply, token);
    return claimed;
  });

  app.post<{ Params: { code: string } }>(
    '/v1/handoffs/:code/authentication-options',
    async (request) => {
      const session = await claimedSession(issuer, request, 'phone.authentication_options');
      return issuer.confirmation.getAuthenticationOptions(
        session,
        request.body,
        actorOf(request, 'phone'),
      );
    },
  );

  app.post<{ Params: { code: string } }>('/v1/handoffs/:code/confirm', async (request) => {
    const session = await claimedSession(issuer, request, 'phone.confirm');
    return issuer.confirmation.confirmHandoff(session, request.body, actorOf(request, 'phone'));
  });

  app.post<{ Params: { code: string } }>('/v1/handoffs/:code/decline', async (request) => {
    const session = await claimedSession(issuer, request, 'phone.decline');
    return issuer.confirmation.declineHandoff(session, actorOf(request, 'phone'));
  });

  app.post<{ Params: { code: string } }>(
    '/v1/enrollments/:code/registration-options',
    async (request) => {
      requireIssuerOrigin(issuer, request);
      issuer.rateLimit('enrollment', request.ip);
      return issuer.accounts.getRegistrationOptions(handoffCode(request));
    },
  );

  app.post<{ Params: { code: string } }>('/v1/enrollments/:code/verify', async (request) => {
    requireIssuerOrigin(issuer, request);
    issuer.rateLimit('enrollment', request.ip);
    return issuer.accounts.verifyEnrollment(
      handoffCode(request),
      request.body,
      actorOf(request, 'phone'),
    );
  });
};
