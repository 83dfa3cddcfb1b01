/**
 * Script-injection payloads for the web-attack tests. Each one, if it were ever parsed as markup
 * and allowed to run, sets `window.__xss`; each fits the field it is used in (merchant name 1–100
 * characters on one line, order id 1–128 on one line, description up to 500 with line breaks).
 * Tests assert both that nothing ran and that the text shows literally: under a strict CSP
 * (the phone pages, the demo shop) injected markup would not run anyway, so the literal text and
 * the absence of injected elements are what prove it was never parsed.
 */

/** For a merchant name (≤ 100, one line). */
export const XSS_MERCHANT_NAME = `<img src=x onerror="window.__xss='name'"><xss-probe>Evil</xss-probe> Café`;

/** For an order id (≤ 128, one line). */
export const XSS_ORDER_ID = `<svg onload="window.__xss='order'"></svg>"><script>window.__xss=1</script>`;

/**
 * For a description (≤ 500, line breaks allowed). No bidirectional or invisible characters: the
 * issuer refuses those (security review finding 11, test/hardening/input-tricks.test.ts).
 */
export const XSS_DESCRIPTION = [
  `<script>window.__xss='description'</script>`,
  `"><img src=x onerror="window.__xss='attr'">`,
  `<iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe>`,
  `{{constructor.constructor('window.__xss=1')()}} \${window.__xss=1}`,
].join('\n');

/** Elements that would exist had any payload been parsed as HTML. */
export const INJECTED_SELECTOR =
  'img[src="x"], svg[onload], script:not([src]), iframe[srcdoc], xss-probe';

/** Reads `window.__xss` in a page (undefined when no payload ran). */
export const readXss = (): unknown => (window as unknown as { __xss?: unknown }).__xss;

/**
 * Counts elements matching `selector` in the document and every open shadow root (run in the
 * page: `page.evaluate(countDeep, INJECTED_SELECTOR)`).
 */
export function countDeep(selector: string): number {
  let count = 0;
  const visit = (root: Document | ShadowRoot): void => {
    count += root.querySelectorAll(selector).length;
    for (const element of root.querySelectorAll('*')) {
      if (element.shadowRoot) visit(element.shadowRoot);
    }
  };
  visit(document);
  return count;
}

/** Counts elements matching `selector` under `root` and every open shadow root inside it. */
export function countIn(root: ParentNode, selector: string): number {
  let count = root.querySelectorAll(selector).length;
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) count += countIn(element.shadowRoot, selector);
  }
  if (root instanceof Element && root.shadowRoot) count += countIn(root.shadowRoot, selector);
  return count;
}
