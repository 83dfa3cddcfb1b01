/**
 * Fixed test vectors for the canonical transaction, shared by the Node and the Chromium tests.
 * The expected hashes were computed outside dualpay:
 *   printf '%s' "$canonical" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
 */
import type { CanonicalTransaction } from '../../src/protocol/index.js';

export interface TransactionVector {
  name: string;
  input: CanonicalTransaction;
  canonical: string;
  txn: string;
}

export const TRANSACTION_VECTORS: TransactionVector[] = [
  {
    name: 'KRW order',
    input: {
      sessionId: 'cs_3q2Jx8fLr1mWbQk0ZtYv9A',
      orderId: 'order-1001',
      merchantId: 'm_demo',
      currency: 'KRW',
      amount: 1500,
    },
    canonical:
      '{"amount":1500,"currency":"KRW","merchantId":"m_demo","orderId":"order-1001","sessionId":"cs_3q2Jx8fLr1mWbQk0ZtYv9A"}',
    txn: 'f4JZYCjBkLdM-uDGGMcpwG7T2hqICffsU1fjrRBzrdU',
  },
  {
    name: 'largest amount, escapes and non-ASCII',
    input: {
      amount: 9007199254740991,
      currency: 'USD',
      merchantId: 'm_ü"\\',
      orderId: '주문-7 😀',
      sessionId: 'cs_x',
    },
    canonical:
      '{"amount":9007199254740991,"currency":"USD","merchantId":"m_ü\\"\\\\","orderId":"주문-7 😀","sessionId":"cs_x"}',
    txn: 'AowZqZXRjNyPzif9lbSDWytQn_ijSXpZBAbPpv86K1g',
  },
];
