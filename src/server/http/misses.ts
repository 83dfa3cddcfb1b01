/**
 * The miss budget of the routes that take a code (docs/protocol.md "Rate limits"): claim, the
 * phone steps and enrolment. A miss is an answer of `404 not_found`: the code names nothing this
 * caller may act on (unknown, malformed, expired user code, or another phone's payment).
 */
import type { FastifyRequest } from 'fastify';
import type { MissScope } from '../domain/context.js';
import { HttpError } from '../errors.js';
import type { Issuer } from '../issuer.js';
import { clientKey } from '../rate-limit.js';

/**
 * Runs `step` under the client's miss budget: `429 rate_limited` before anything is looked up
 * when the client (or, for a user-code claim, the issuer) has no misses left; a `not_found`
 * from `step` spends one miss.
 */
export async function underMissBudget<T>(
  issuer: Issuer,
  request: FastifyRequest,
  scope: MissScope,
  step: () => Promise<T>,
): Promise<T> {
  const key = clientKey(request.ip);
  await issuer.checkMisses(key, scope);
  try {
    return await step();
  } catch (error) {
    if (error instanceof HttpError && error.code === 'not_found')
      await issuer.countMiss(key, scope);
    throw error;
  }
}
