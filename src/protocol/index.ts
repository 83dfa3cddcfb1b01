/**
 * dualpay's wire contract, shared by every side: JSON types, statuses, error codes, money helpers,
 * the canonical transaction and code generators. No DOM and no `node:*` imports.
 * @packageDocumentation
 */
export * from './base64url.js';
export * from './canonical.js';
export * from './codes.js';
export * from './constants.js';
export * from './error-summaries.js';
export * from './errors.js';
export * from './money.js';
export * from './random.js';
export * from './recovery-codes.js';
export * from './status.js';
export type * from './types.js';
export type * from './push-types.js';
export * from './admin-types.js';
export * from './webhooks.js';
