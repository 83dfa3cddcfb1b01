// In-page helpers for bench/browser.ts, installed with addInitScript before any page script.
// Plain JavaScript (not transpiled): it runs as is in the merchant page.
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const settled = {};
  const waiters = {};
  document.addEventListener('dualpay-settled', (event) => {
    const t = now();
    const { sessionId } = event.detail;
    settled[sessionId] = t;
    waiters[sessionId]?.(t);
    if (window.__benchSettled) void window.__benchSettled(sessionId, t);
  });
  const element = (index) => document.querySelectorAll('dualpay-checkout')[index];
  window.__bench = {
    now,
    /** reset() + start(); resolves when an svg[part=qr] with the hand-off URL is in the DOM. */
    async startAndWaitForQr(index) {
      const el = element(index);
      el.reset();
      await el.updateComplete;
      const root = el.shadowRoot;
      return new Promise((resolve, reject) => {
        let t0 = 0;
        const timer = setTimeout(() => reject(new Error(`no QR; status ${el.status}`)), 15_000);
        const observer = new MutationObserver(() => {
          const svg = root.querySelector('svg[part="qr"]');
          const url = svg?.getAttribute('data-url');
          if (!url) return;
          const tQr = now();
          observer.disconnect();
          clearTimeout(timer);
          const bindingCode = (
            root.querySelector('[part="binding-code"]')?.textContent ?? ''
          ).trim();
          requestAnimationFrame(() => {
            const tFrame = now();
            resolve({ url, bindingCode, qrMs: tQr - t0, frameMs: tFrame - t0, status: el.status });
          });
        });
        observer.observe(root, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
        t0 = now();
        el.start().catch(() => undefined);
      });
    },
    waitForStatus(index, status, timeoutMs = 15_000) {
      const el = element(index);
      if (el.status === status) return Promise.resolve(el.checkout?.transport ?? null);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`status ${el.status}, wanted ${status}`)),
          timeoutMs,
        );
        const listener = () => {
          if (el.status !== status) return;
          clearTimeout(timer);
          el.removeEventListener('dualpay-status-change', listener);
          resolve(el.checkout?.transport ?? null);
        };
        el.addEventListener('dualpay-status-change', listener);
      });
    },
    waitForSettled(sessionId, timeoutMs = 15_000) {
      if (settled[sessionId] !== undefined) return Promise.resolve(settled[sessionId]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not settled: ${sessionId}`)), timeoutMs);
        waiters[sessionId] = (t) => {
          clearTimeout(timer);
          resolve(t);
        };
      });
    },
  };
})();
