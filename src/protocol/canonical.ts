import { base64urlEncode } from './base64url.js';
import { CheckoutError } from './errors.js';
import { assertAmount, isSupportedCurrency } from './money.js';

/** The fields a settlement commits to (docs/protocol.md "Canonical transaction and `txn`"). */
export interface CanonicalTransaction {
  amount: number;
  currency: string;
  merchantId: string;
  orderId: string;
  sessionId: string;
}

const FIELDS = ['amount', 'currency', 'merchantId', 'orderId', 'sessionId'] as const;

/**
 * The canonical form of a transaction: compact JSON of exactly its five fields, keys sorted,
 * `amount` a JSON number. For these value types it is identical to RFC 8785 (JCS).
 * Extra properties on `txn` are ignored, so a whole session object can be passed.
 * @throws {CheckoutError} `invalid_amount`, `unsupported_currency`, `invalid_request`
 */
export function canonicalTransaction(txn: CanonicalTransaction): string {
  assertAmount(txn.amount);
  if (!isSupportedCurrency(txn.currency)) {
    throw new CheckoutError('unsupported_currency');
  }
  for (const field of ['merchantId', 'orderId', 'sessionId'] as const) {
    if (typeof txn[field] !== 'string' || txn[field].length === 0) {
      throw new CheckoutError('invalid_request', `${field} must be a non-empty string`);
    }
  }
  // FIELDS is already in code-unit order, which is what JCS sorts by.
  const parts = FIELDS.map((key) => `${JSON.stringify(key)}:${JSON.stringify(txn[key])}`);
  return `{${parts.join(',')}}`;
}

/**
 * The `txn` claim: unpadded base64url of SHA-256 over the UTF-8 canonical transaction.
 * Uses Web Crypto, so browsers and Node produce the same value.
 */
export async function transactionHash(txn: CanonicalTransaction): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalTransaction(txn));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return base64urlEncode(new Uint8Array(digest));
}
