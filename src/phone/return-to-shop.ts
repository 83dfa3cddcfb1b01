/**
 * The way back to the shop after a same-device payment. The checkout's link hand-off opens this
 * page in a new window of the same browser (`window.open(url, '_blank', 'noopener')`), so the
 * browser sends the shop's page as the referrer (its origin, under the default referrer policy);
 * a QR code scanned with a phone's camera opens the page with none. The hand-off URL itself carries
 * nothing of the shop's: the page learns where it came from only from the browser.
 */

/** The shop's page this one was opened from on this device, or null (a scanned QR, a typed code). */
export function shopReferrer(doc: Pick<Document, 'referrer'> = document): string | null {
  const referrer = doc.referrer;
  if (!referrer) return null;
  try {
    const url = new URL(referrer);
    const from = url.protocol === 'https:' || url.protocol === 'http:';
    return from && url.origin !== location.origin ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Back to the shop: closes this window, which the shop's page opened, so its tab (already showing
 * the result) is in front again; where the browser keeps the window open, goes to the shop's page.
 */
export function returnToShop(shop: string, win: Window = window): void {
  win.close();
  if (!win.closed) win.location.assign(shop);
}
