/**
 * Errors a store throws that its callers may handle. Everything else a store throws is a fault
 * (a bug, a broken schema) and propagates as is.
 */

/**
 * The store's database cannot be reached right now (refused or lost connection, server shutting
 * down or starting, no connection free in time). Nothing is known to have been written by the call
 * that threw, but a write whose COMMIT was cut off may have happened: callers retry with the same
 * inputs, and every conditional write refuses a repeat. The HTTP layer answers it with a 503.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(message = 'The database is unavailable', options?: ErrorOptions) {
    super(message, options);
  }
}
