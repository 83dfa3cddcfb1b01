/**
 * Which failures mean "the database cannot be reached right now" (turned into
 * `StoreUnavailableError`, a coded 503 for the HTTP layer) and which are faults that propagate as
 * they are (a constraint broken by a bug, a syntax error, a closed store).
 */
import { StoreUnavailableError } from '../errors.js';

/** Socket-level failures (Node system errors). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server going away or not taking connections (PostgreSQL appendix A): 57P01
 * admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or in recovery),
 * 53300 too_many_connections. Class 08 (connection exceptions) is matched by its prefix.
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres reports these without a code: a dropped socket, a full pool that timed out. */
const CLIENT_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /^Query read timeout/,
];

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Whether `error` says the database is unreachable rather than that the request was wrong. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = codeOf(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || SERVER_CODES.has(code))) return true;
  if (code?.length === 5 && code.startsWith('08')) return true;
  // Node's happy-eyeballs connect (several addresses) fails with an AggregateError of them all.
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  const message = error instanceof Error ? error.message : '';
  return CLIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/** `error` as the store throws it: `StoreUnavailableError` for an unreachable database. */
export function storeError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`the database is unavailable: ${detail}`, { cause: error });
}
