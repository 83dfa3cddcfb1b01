/**
 * Web Push endpoints (docs/protocol.md "Notifications (Web Push)"): the issuer's VAPID public key,
 * subscribing a phone after enrolment (the enrolment code) or after a payment (the phone cookie
 * that claimed it), and the read-only view of a payment that a notification opens. Subscriptions
 * need the issuer's `Origin`, like every phone step, and run under the client's miss budget.
 */
import type { FastifyPluginAsync } from 'fastify';
import { clientKey } from '../../rate-limit.js';
import { actorOf, phoneTokenOf, requireIssuerOrigin } from '../auth.js';
import { underMissBudget } from '../misses.js';
import { enrollmentCode } from './enrollment.js';
import { phoneCode } from './phone.js';

export const pushRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.get('/v1/push/vapid-public-key', async () => issuer.push.vapidPublicKey());

  app.post<{ Params: { code: string } }>(
    '/v1/enrollments/:code/push-subscription',
    async (request, reply) => {
      requireIssuerOrigin(issuer, request);
      await issuer.rateLimit('pushSubscribe', clientKey(request.ip));
      const answer = await underMissBudget(issuer, request, 'code', async () =>
        issuer.push.subscribeFromEnrollment(
          enrollmentCode(request),
          request.body,
          actorOf(request, 'phone'),
        ),
      );
      return reply.code(201).send(answer);
    },
  );

  app.post<{ Params: { code: string } }>(
    '/v1/handoffs/:code/push-subscription',
    async (request, reply) => {
      requireIssuerOrigin(issuer, request);
      await issuer.rateLimit('pushSubscribe', clientKey(request.ip));
      const actor = actorOf(request, 'phone');
      const answer = await underMissBudget(issuer, request, 'code', async () => {
        const session = await issuer.handoffs.ownSession(
          phoneCode(request),
          phoneTokenOf(issuer, request),
          { actor, action: 'phone.push_subscription' },
        );
        return issuer.push.subscribeFromHandoff(session, request.body, actor);
      });
      return reply.code(201).send(answer);
    },
  );

  app.get<{ Params: { sessionId: string } }>('/v1/payment-notices/:sessionId', async (request) => {
    await issuer.rateLimit('paymentNotice', clientKey(request.ip));
    return issuer.push.paymentNotice(request.params.sessionId);
  });
};
