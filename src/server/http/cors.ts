/**
 * CORS for the page endpoints: the session's merchant lists the origins its checkout page may run
 * on (`allowedOrigins`). Other origins get `403 origin_not_allowed` and no CORS headers. Requests
 * without an Origin (server-side calls) are not browser requests and pass.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Issuer } from '../issuer.js';
import type { SessionRecord } from '../store/types.js';

const ALLOW_HEADERS = 'authorization, content-type, last-event-id, idempotency-key';

export async function applyPageCors(
  issuer: Issuer,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionRecord | null,
): Promise<void> {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const merchant = session ? await issuer.merchants.getMerchant(session.merchantId) : null;
  if (!merchant || !merchant.allowedOrigins.includes(origin)) {
    throw new HttpError(
      'origin_not_allowed',
      `Origin ${origin.slice(0, 100)} is not allowed for this merchant`,
    );
  }
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
  reply.header('access-control-expose-headers', 'retry-after, date');
}

/** Answers a CORS preflight for a page endpoint. */
export async function answerPreflight(
  issuer: Issuer,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionRecord | null,
): Promise<void> {
  await applyPageCors(issuer, request, reply, session);
  reply
    .header('access-control-allow-methods', 'GET, POST')
    .header('access-control-allow-headers', ALLOW_HEADERS)
    .header('access-control-max-age', '600')
    .code(204)
    .send();
}
