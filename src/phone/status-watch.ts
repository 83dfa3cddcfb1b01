/**
 * Watches a claimed payment while the confirmation page waits for the payer: polls
 * `GET /v1/handoffs/:code/status` every few seconds (and at once when the page becomes visible
 * again), and reports each answer that says the payment ended — the shop cancelled, the session
 * expired — so the page shows it without waiting for a tap. It goes on until the page stops it:
 * a page busy with a request of its own may let one report pass and take the next.
 */
import { ApiCallError } from '../flow/api-client.js';
import type { HandoffStatus } from '../protocol/index.js';
import { getHandoffStatus } from './phone-api.js';

/** How often the page asks (docs/protocol.md `GET /v1/handoffs/:code/status`). */
export const STATUS_POLL_MS = 3000;

export class StatusWatch {
  private readonly code: string;
  private readonly onEnd: (status: HandoffStatus) => void;
  private readonly everyMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  private running = false;
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible' && this.running && !this.inFlight) {
      this.schedule(0);
    }
  };

  constructor(code: string, onEnd: (status: HandoffStatus) => void, everyMs = STATUS_POLL_MS) {
    this.code = code;
    this.onEnd = onEnd;
    this.everyMs = everyMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisible);
    this.schedule(this.everyMs);
  }

  stop(): void {
    this.running = false;
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private schedule(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    const controller = new AbortController();
    this.inFlight = controller;
    let next = this.everyMs;
    try {
      const status = await getHandoffStatus(this.code, controller.signal);
      if (controller.signal.aborted || !this.running) return;
      if (status.status !== 'claimed' && status.status !== 'open') this.onEnd(status);
    } catch (error) {
      if (controller.signal.aborted || !this.running) return;
      if (error instanceof ApiCallError && (error.status === 404 || error.status === 403)) {
        // Not (or no longer) this phone's payment: asking again would only spend misses.
        this.stop();
        return;
      }
      if (error instanceof ApiCallError && error.retryAfterSec !== null) {
        next = Math.max(next, error.retryAfterSec * 1000);
      }
      // Offline or busy: the next tick tries again; the payer's own steps still work.
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
    if (this.running) this.schedule(next);
  }
}
