import 'dualpay/define'; // registers <dualpay-checkout>
import type {} from 'dualpay/react'; // its JSX types
import { useState } from 'react';

export function Checkout() {
  const [outcome, setOutcome] = useState('');
  return (
    <>
      <dualpay-checkout
        issuer="https://issuer.example"
        session-url="/api/checkout"
        ondualpay-settled={(event) => setOutcome(`Paid: order ${event.detail.orderId}`)}
        ondualpay-error={(event) => setOutcome(`Not paid: ${event.detail.error.code}`)}
      />
      <p role="status">{outcome}</p>
    </>
  );
}
