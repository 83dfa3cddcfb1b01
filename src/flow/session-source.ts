/** Where a checkout's session comes from: given ids, the merchant's callback, or its endpoint. */
import { CheckoutError, type SessionCredentials } from '../protocol/index.js';
import { createSessionAtMerchant, type CallOptions } from './api-client.js';

/** The element's ways to get a session (read at `start()`). */
export interface SessionSource {
  issuer: string;
  sessionUrl?: string | undefined;
  sessionId?: string | undefined;
  clientSecret?: string | undefined;
  createSession?: (() => Promise<SessionCredentials>) | undefined;
}

/**
 * The session to pay: `session-id` + `client-secret` as given, else `createSession()`, else a
 * POST to `session-url`. Throws `invalid_configuration` when none is set.
 */
export async function obtainSession(
  config: SessionSource,
  options: CallOptions,
): Promise<SessionCredentials> {
  if (!config.issuer) {
    throw new CheckoutError('invalid_configuration', 'Set the issuer attribute.');
  }
  if (config.sessionId && config.clientSecret) {
    return { id: config.sessionId, clientSecret: config.clientSecret };
  }
  if (config.createSession) {
    try {
      const created = await config.createSession();
      if (typeof created?.id !== 'string' || typeof created.clientSecret !== 'string') {
        throw new CheckoutError(
          'invalid_response',
          'createSession must resolve with {id, clientSecret}.',
        );
      }
      return created;
    } catch (error) {
      throw new CheckoutError('session_creation_failed', 'The shop could not start the payment.', {
        cause: error,
      });
    }
  }
  if (config.sessionUrl) return createSessionAtMerchant(config.sessionUrl, options);
  throw new CheckoutError(
    'invalid_configuration',
    'Set session-url, session-id with client-secret, or createSession.',
  );
}
