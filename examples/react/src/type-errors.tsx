// Not part of the page: mistakes that `tsc --noEmit` must reject, so the types are known to be on.
import type {} from 'dualpay/react';

export const typeErrors = [
  // @ts-expect-error handoff is 'auto' | 'qr' | 'nfc' | 'link'
  <dualpay-checkout key="handoff" handoff="fax" />,
  // @ts-expect-error autostart is a boolean property
  <dualpay-checkout key="autostart" autostart="yes" />,
  <dualpay-checkout
    key="settled"
    // @ts-expect-error a dualpay-settled event's detail has no `code`
    ondualpay-settled={(event) => event.detail.code}
  />,
];
