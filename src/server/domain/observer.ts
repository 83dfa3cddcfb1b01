/**
 * The observer seam: what the domain reports as it happens, for monitoring (the Prometheus
 * metrics in `src/server/metrics.ts` implement it). Calls are synchronous, cheap and never
 * throw into a payment; the default observes nothing.
 */
import type { ErrorCode, SessionStatus } from '../../protocol/index.js';

export interface DomainObserver {
  /** A session reached a terminal status in this process (settled, failed, expired, …). */
  sessionEnded(status: SessionStatus, errorCode: ErrorCode | null): void;
  /** A confirmation was answered: `settled`, or the error code the phone got. */
  confirmation(merchantId: string, result: 'settled' | ErrorCode): void;
  /** The payment policy decided: `allow`, or the refusal's code. */
  riskDecision(decision: 'allow' | ErrorCode): void;
  /** A push message was handed to a push service (`delivered`), or was not. */
  pushDelivery(result: 'delivered' | 'gone' | 'failed' | 'refused'): void;
}

/** The default observer: observes nothing. */
export const NO_OBSERVER: DomainObserver = {
  sessionEnded: () => undefined,
  confirmation: () => undefined,
  riskDecision: () => undefined,
  pushDelivery: () => undefined,
};
