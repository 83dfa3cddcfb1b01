/**
 * Recovery endpoints for the phone (issuer origin only; docs/protocol.md "Recovery"): a recovery
 * code freezes its account or makes a recovery enrolment; an active card approves a second
 * device's enrolment. A recovery code is a credential, so its routes are rate-limited like user-code
 * claims and run under the client's miss budget (an unknown code is a miss). The budget is the
 * client's only, not the issuer's: 80-bit codes need no issuer-wide cap, and one would let anyone
 * stop every payer from freezing a lost card.
 */
import type { FastifyPluginAsync } from 'fastify';
import { clientKey } from '../../rate-limit.js';
import { actorOf, requireIssuerOrigin } from '../auth.js';
import { underMissBudget } from '../misses.js';

export const recoveryRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.post('/v1/recovery/freeze', async (request) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('recovery', clientKey(request.ip));
    return underMissBudget(issuer, request, 'code', () =>
      issuer.recovery.freezeAccount(request.body, actorOf(request, 'phone')),
    );
  });

  app.post('/v1/recovery/enrollments', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('recovery', clientKey(request.ip));
    const answer = await underMissBudget(issuer, request, 'code', () =>
      issuer.recovery.createRecoveryEnrollment(request.body, actorOf(request, 'phone')),
    );
    return reply.code(201).send(answer);
  });

  app.post('/v1/recovery/device-options', async (request) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('enrollment', clientKey(request.ip));
    return issuer.recovery.getDeviceOptions(request.body);
  });

  app.post('/v1/recovery/device-enrollments', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('enrollment', clientKey(request.ip));
    const answer = await issuer.recovery.createDeviceEnrollment(
      request.body,
      actorOf(request, 'phone'),
    );
    return reply.code(201).send(answer);
  });
};
