/** Errors a store throws that callers may act on. */

/**
 * The database cannot be reached (refused, reset, shutting down, pool exhausted). The request
 * is answered `503 service_unavailable`; the store reconnects by itself when the database is back.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(message = 'The database is unavailable', options?: ErrorOptions) {
    super(message, options);
  }
}
