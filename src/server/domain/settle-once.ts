import { StoreUnavailableError } from '../store/errors.js';
import type { Outcome, SessionRecord, SettleInput, Store } from '../store/types.js';

/**
 * `store.settle`; when its answer is lost (`StoreUnavailableError`: a connection cut during
 * COMMIT leaves the outcome unknown, decision 0009), the session is read again: settled with this
 * attempt's own `settlementId`, the write did commit and the payment succeeded. Otherwise the 503
 * stands (a retry meets the write's own conditions).
 */
export async function settleOnce(
  store: Store,
  input: SettleInput,
): Promise<Outcome<{ session: SessionRecord }>> {
  try {
    return await store.settle(input);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    const after = await store.getSession(input.sessionId).catch(() => null);
    if (after?.status === 'settled' && after.settlementId === input.settlementId) {
      return { ok: true, session: after };
    }
    throw error;
  }
}
