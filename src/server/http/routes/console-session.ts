/**
 * The operator console's session: an admin key exchanged for an HttpOnly, SameSite=Strict cookie
 * (`POST`), read back (`GET`), and ended (`DELETE`). Issuer origin only.
 */
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../../errors.js';
import { clientKey } from '../../rate-limit.js';
import { CONSOLE_MAX_AGE_MS } from '../../domain/admins.js';
import { actorOf, consoleTokenOf, requireIssuerOrigin, setConsoleCookie } from '../auth.js';

export const consoleSessionRoutes: FastifyPluginAsync = async (app) => {
  const { issuer } = app;

  app.post('/v1/console/session', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    await issuer.rateLimit('consoleSignIn', clientKey(request.ip));
    const { token, view } = await issuer.admins.signIn(request.body, actorOf(request, 'console'));
    setConsoleCookie(issuer, reply, token, CONSOLE_MAX_AGE_MS / 1000);
    reply.code(201);
    return view;
  });

  app.get('/v1/console/session', async (request) => {
    const token = consoleTokenOf(issuer, request);
    const signedIn = token ? await issuer.admins.consoleSession(token) : null;
    if (!signedIn) throw new HttpError('unauthorized', 'Not signed in');
    return issuer.admins.sessionView(signedIn);
  });

  app.delete('/v1/console/session', async (request, reply) => {
    requireIssuerOrigin(issuer, request);
    const token = consoleTokenOf(issuer, request);
    const signedIn = token ? await issuer.admins.consoleSession(token) : null;
    if (token && signedIn) {
      await issuer.admins.signOut(token, actorOf(request, `admin:${signedIn.admin.label}`));
    }
    setConsoleCookie(issuer, reply, '', 0);
    reply.code(204).send();
  });
};
