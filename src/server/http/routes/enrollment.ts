/** Enrolment endpoints for the phone (issuer origin only): registration options and verify. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isHandoffCode } from '../../../protocol/index.js';
import { HttpError } from '../../errors.js';
import { actorOf, requireIssuerOrigin } from '../auth.js';

function enrollmentCode(request: FastifyRequest<{ Params: { code: string } }>): string {
  const { code } = request.params;
  if (!isHandoffCode(code)) throw new HttpError('not_found', 'No such code');
  return code;
}

export const enrollmentRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;
  app.post<{ Params: { code: string } }>(
    '/v1/enrollments/:code/registration-options',
    async (request) => {
      requireIssuerOrigin(issuer, request);
      issuer.rateLimit('enrollment', request.ip);
      return issuer.accounts.getRegistrationOptions(enrollmentCode(request));
    },
  );

  app.post<{ Params: { code: string } }>('/v1/enrollments/:code/verify', async (request) => {
    requireIssuerOrigin(issuer, request);
    issuer.rateLimit('enrollment', request.ip);
    return issuer.accounts.verifyEnrollment(
      enrollmentCode(request),
      request.body,
      actorOf(request, 'phone'),
    );
  });
};
