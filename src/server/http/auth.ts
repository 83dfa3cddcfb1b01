/**
 * Credentials of each caller (docs/protocol.md "Authentication"): secret key (merchant server),
 * client secret (merchant page), phone cookie (set by claim; plus an Origin check against CSRF),
 * admin key.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { base64urlEncode, randomBytes } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import type { Issuer } from '../issuer.js';
import type { Actor, AdminKeyRecord, MerchantRecord } from '../store/types.js';

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

/** An admin request's caller: the admin key, sent as a bearer token or via a console session. */
export interface AdminCaller {
  admin: AdminKeyRecord;
  /** The console session token, when the caller is the console. */
  consoleToken?: string;
}

/**
 * The admin behind this request: `Authorization: Bearer ak_…`, or the console's session cookie
 * (with the issuer's own `Origin` on anything but a read, against CSRF). Else `unauthorized`.
 */
export async function requireAdmin(issuer: Issuer, request: FastifyRequest): Promise<AdminCaller> {
  const token = bearer(request);
  if (token) {
    const admin = token.startsWith('ak_') ? await issuer.admins.authenticate(token) : null;
    if (!admin) throw new HttpError('unauthorized', 'The admin key is not valid');
    return { admin };
  }
  const consoleToken = cookieOf(request, consoleCookieName(issuer), CONSOLE_TOKEN);
  if (consoleToken) {
    if (request.method !== 'GET' && request.method !== 'HEAD') requireIssuerOrigin(issuer, request);
    const signedIn = await issuer.admins.consoleSession(consoleToken);
    if (signedIn) return { admin: signedIn.admin, consoleToken };
    throw new HttpError('unauthorized', 'The console session has ended; sign in again');
  }
  throw new HttpError('unauthorized', 'Send the admin key as Authorization: Bearer ak_…');
}

const CONSOLE_TOKEN = /^console_[A-Za-z0-9_-]{43}$/;

/** Name of the console's session cookie; `__Host-` needs Secure, so only on https. */
export function consoleCookieName(issuer: Issuer): string {
  return issuer.publicUrl.startsWith('https:') ? '__Host-dualpay_console' : 'dualpay_console';
}

/** The console session token from its cookie, if well-formed. */
export function consoleTokenOf(issuer: Issuer, request: FastifyRequest): string | undefined {
  return cookieOf(request, consoleCookieName(issuer), CONSOLE_TOKEN);
}

/** Sets (or, with `maxAgeSec` 0, clears) the console cookie: HttpOnly, SameSite=Strict. */
export function setConsoleCookie(
  issuer: Issuer,
  reply: FastifyReply,
  token: string,
  maxAgeSec: number,
): void {
  const secure = issuer.publicUrl.startsWith('https:') ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${consoleCookieName(issuer)}=${token}; Path=/; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Strict${secure}`,
  );
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

/**
 * For a GET that takes a code under the miss budget (`GET /v1/handoffs/:code/status`): refuses a
 * request the browser marks as coming from another site, before the budget is checked, so another
 * site cannot spend a payer's misses with `<img src>` requests. A same-origin GET carries no
 * `Origin` (Fetch, "append a request `Origin` header"), so `Sec-Fetch-Site` (Fetch Metadata) says
 * where it comes from; `none` is the payer opening the URL.
 */
export function requireSameOriginRead(issuer: Issuer, request: FastifyRequest): void {
  const { origin } = request.headers;
  const site = request.headers['sec-fetch-site'];
  if (
    (origin !== undefined && origin !== issuer.publicUrl) ||
    (site !== undefined && site !== 'same-origin' && site !== 'none')
  ) {
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

/** The value of cookie `name`, if it matches `pattern`. */
function cookieOf(request: FastifyRequest, name: string, pattern: RegExp): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (key === name && pattern.test(value)) return value;
  }
  return undefined;
}

/** The phone token from the cookie, if well-formed. */
export function phoneTokenOf(issuer: Issuer, request: FastifyRequest): string | undefined {
  return cookieOf(request, phoneCookieName(issuer), PHONE_TOKEN);
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
