/**
 * Credentials of each caller (docs/protocol.md "Authentication"): secret key (merchant server),
 * client secret (merchant page), phone cookie (set by claim; plus an Origin check against CSRF),
 * admin key.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { base64urlEncode, randomBytes } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import type { Issuer } from '../issuer.js';
import type { Actor, MerchantRecord } from '../store/types.js';

const PHONE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  return match?.[1];
}

/** Who is calling, for the audit log. */
export function actorOf(request: FastifyRequest, actor: string): Actor {
  const userAgent = request.headers['user-agent'];
  return {
    actor,
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
  };
}

/** The merchant whose secret key signs this request, or `unauthorized`. */
export async function requireMerchant(
  issuer: Issuer,
  request: FastifyRequest,
): Promise<MerchantRecord> {
  const token = bearer(request);
  if (!token)
    throw new HttpError('unauthorized', 'Send the secret key as Authorization: Bearer sk_…');
  const merchant = token.startsWith('sk_')
    ? await issuer.merchants.merchantBySecretKey(token)
    : null;
  if (!merchant) throw new HttpError('unauthorized', 'The secret key is not valid');
  return merchant;
}

/** Admin key check, or `unauthorized`. */
export async function requireAdmin(issuer: Issuer, request: FastifyRequest): Promise<void> {
  const token = bearer(request);
  if (!token)
    throw new HttpError('unauthorized', 'Send the admin key as Authorization: Bearer ak_…');
  if (!token.startsWith('ak_') || !(await issuer.merchants.isAdminKey(token))) {
    throw new HttpError('unauthorized', 'The admin key is not valid');
  }
}

/** The client secret from `Authorization: Bearer` or `?client_secret=`. */
export function clientSecretOf(request: FastifyRequest): string | undefined {
  const fromHeader = bearer(request);
  if (fromHeader) return fromHeader;
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.client_secret;
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
}

/** Phone endpoints accept only requests from the issuer's own pages (CSRF defence). */
export function requireIssuerOrigin(issuer: Issuer, request: FastifyRequest): void {
  if (request.headers.origin !== issuer.publicUrl) {
    throw new HttpError(
      'origin_not_allowed',
      "This endpoint accepts requests only from the issuer's own pages",
    );
  }
}

/** Name of the phone cookie; `__Host-` needs Secure, so only on https. */
export function phoneCookieName(issuer: Issuer): string {
  return issuer.publicUrl.startsWith('https:') ? '__Host-dualpay_phone' : 'dualpay_phone';
}

/** The phone token from the cookie, if well-formed. */
export function phoneTokenOf(issuer: Issuer, request: FastifyRequest): string | undefined {
  const name = phoneCookieName(issuer);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (key === name && PHONE_TOKEN.test(value)) return value;
  }
  return undefined;
}

/** This phone's token from its cookie, or a fresh one (set it with `setPhoneCookie`). */
export function phoneTokenFor(issuer: Issuer, request: FastifyRequest): string {
  return phoneTokenOf(issuer, request) ?? base64urlEncode(randomBytes(32));
}

/** Sets the phone cookie: HttpOnly, SameSite=Strict, Secure on https. */
export function setPhoneCookie(issuer: Issuer, reply: FastifyReply, token: string): void {
  const secure = issuer.publicUrl.startsWith('https:') ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${phoneCookieName(issuer)}=${token}; Path=/; Max-Age=86400; HttpOnly; SameSite=Strict${secure}`,
  );
}
