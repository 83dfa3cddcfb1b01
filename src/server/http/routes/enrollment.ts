/**
 * Enrolment endpoints for the phone (issuer origin only): the link's status, registration options
 * and verify. The enrolment code is the credential, so all run under the client's miss budget.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isHandoffCode } from '../../../protocol/index.js';
import { HttpError } from '../../errors.js';
import { clientKey } from '../../rate-limit.js';
import { actorOf, requireIssuerOrigin, requireSameOriginRead } from '../auth.js';
import { underMissBudget } from '../misses.js';

function enrollmentCode(request: FastifyRequest<{ Params: { code: string } }>): string {
  const { code } = request.params;
  if (!isHandoffCode(code)) throw new HttpError('not_found', 'No such code');
  return code;
}

export const enrollmentRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;
  // A GET (the page checks its link on load): Sec-Fetch-Site guards the miss budget.
  app.get<{ Params: { code: string } }>('/v1/enrollments/:code', async (request) => {
    requireSameOriginRead(issuer, request);
    await issuer.rateLimit('enrollment', clientKey(request.ip));
    return underMissBudget(issuer, request, 'code', async () =>
      issuer.enrollment.enrollmentStatus(enrollmentCode(request)),
    );
  });
  app.post<{ Params: { code: string } }>(
    '/v1/enrollments/:code/registration-options',
    async (request) => {
      requireIssuerOrigin(issuer, request);
      await issuer.rateLimit('enrollment', clientKey(request.ip));
      return underMissBudget(issuer, request, 'code', async () =>
        issuer.enrollment.getRegistrationOptions(enrollmentCode(request)),
      );
    },
  );

  app.post<{ Params: { code: string } }>('/v1/enrollments/:code/verify', async (request) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('enrollment', clientKey(request.ip));
    return underMissBudget(issuer, request, 'code', async () =>
      issuer.enrollment.verifyEnrollment(
        enrollmentCode(request),
        request.body,
        actorOf(request, 'phone'),
      ),
    );
  });
};
