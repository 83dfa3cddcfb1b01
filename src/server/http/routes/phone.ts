/**
 * Phone endpoints of a payment (issuer origin only): claim, authentication options, confirm,
 * decline, and the status the page polls. Every step after the claim needs the claiming phone's
 * cookie. Every one takes a code, so every one runs under the client's miss budget
 * (`underMissBudget`).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isHandoffCode, parseUserCode } from '../../../protocol/index.js';
import { HttpError } from '../../errors.js';
import type { Issuer } from '../../issuer.js';
import { NOT_THIS_PHONE, type PhoneCode } from '../../domain/handoffs.js';
import { clientKey } from '../../rate-limit.js';
import {
  actorOf,
  phoneTokenFor,
  phoneTokenOf,
  requireIssuerOrigin,
  requireSameOriginRead,
  setPhoneCookie,
} from '../auth.js';
import { underMissBudget } from '../misses.js';

type WithCode = FastifyRequest<{ Params: { code: string } }>;

/** The `:code` of a phone endpoint: a hand-off code, or the user code the phone claimed with. */
function phoneCode(request: WithCode): PhoneCode {
  const { code } = request.params;
  if (isHandoffCode(code)) return { handoffCode: code };
  const userCode = parseUserCode(code);
  if (!userCode) throw new HttpError('not_found', NOT_THIS_PHONE);
  return { userCode };
}

/** The session a phone step acts on: Origin, then the miss budget, then the look-up. */
async function claimedSession(issuer: Issuer, request: WithCode, action: string) {
  requireIssuerOrigin(issuer, request);
  return underMissBudget(issuer, request, 'code', () =>
    issuer.handoffs.phoneSession(phoneCode(request), phoneTokenOf(issuer, request), {
      actor: actorOf(request, 'phone'),
      action,
    }),
  );
}

export const phoneRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.post<{ Params: { code: string } }>('/v1/handoffs/:code/claim', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    const { code } = request.params;
    const userCode = isHandoffCode(code) ? null : parseUserCode(code);
    if (userCode) await issuer.rateLimit('userCodeClaim', clientKey(request.ip));
    else await issuer.rateLimit('claim', clientKey(request.ip));
    const claimed = await underMissBudget(
      issuer,
      request,
      userCode ? 'userCodeClaim' : 'code',
      () => {
        if (!userCode && !isHandoffCode(code)) throw new HttpError('not_found', 'No such code');
        const token = phoneTokenFor(issuer, request);
        return issuer.handoffs
          .claimHandoff(userCode ?? code, userCode !== null, token, actorOf(request, 'phone'))
          .then((details) => ({ details, token }));
      },
    );
    setPhoneCookie(issuer, reply, claimed.token);
    return claimed.details;
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

  // A GET (the page polls it): no Origin on a same-origin GET, so Sec-Fetch-Site guards the budget.
  app.get<{ Params: { code: string } }>('/v1/handoffs/:code/status', async (request) => {
    requireSameOriginRead(issuer, request);
    return underMissBudget(issuer, request, 'code', () =>
      issuer.handoffs.phoneStatus(phoneCode(request), phoneTokenOf(issuer, request), {
        actor: actorOf(request, 'phone'),
        action: 'phone.status',
      }),
    );
  });
};
