/**
 * `dualpay/verify`: offline verification of dualpay settlement tokens for merchant servers, with a
 * replay guard. Depends only on `jose` and Web Crypto; runs in Node, browsers and edge runtimes.
 * docs/verify.md is the guide.
 * @packageDocumentation
 */
export {
  SETTLEMENT_TOKEN_ERROR_CODES,
  SettlementTokenError,
  isSettlementTokenErrorCode,
  type SettlementTokenErrorCode,
} from './errors.js';
export {
  createMemoryReplayGuard,
  type MemoryReplayGuard,
  type MemoryReplayGuardOptions,
  type ReplayGuard,
} from './replay-guard.js';
export {
  verifySettlementToken,
  type ExpectedOrder,
  type VerifySettlementTokenOptions,
} from './verify.js';
export type { SettlementClaims } from '../protocol/index.js';
