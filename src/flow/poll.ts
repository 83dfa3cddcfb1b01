/**
 * Polling fallback: `GET /public` at the server's `interval`. A `429 slow_down` adds 5 s for good
 * (RFC 8628 §3.5); network errors back off exponentially to 30 s; while the tab is hidden the
 * interval is four times longer (at most 30 s). Stops at a terminal status.
 */
import {
  isTerminalSessionStatus,
  SLOW_DOWN_INCREMENT_SEC,
  type PublicSession,
  type SessionCredentials,
} from '../protocol/index.js';
import { ApiCallError, getPublicSession, type ApiResult } from './api-client.js';
import { sleep, type Clock } from './clock.js';

export interface PollerOptions {
  issuer: string;
  session: SessionCredentials;
  clock: Clock;
  fetch?: typeof fetch;
  /** Seconds between polls until the server says otherwise. */
  intervalSec: number;
  onSnapshot: (view: PublicSession, result: ApiResult<PublicSession>) => void;
  /** A failure the poller cannot retry (bad credentials, unknown session). */
  onFatal: (error: ApiCallError) => void;
  isHidden?: () => boolean;
}

const MAX_BACKOFF_MS = 30_000;

export class SessionPoller {
  private readonly options: PollerOptions;
  private readonly controller = new AbortController();
  /** Extra seconds added by `slow_down` answers. */
  penaltySec = 0;
  /** Requests made, for tests and diagnostics. */
  requests = 0;

  constructor(options: PollerOptions) {
    this.options = options;
  }

  start(initialDelayMs = 0): void {
    void this.run(initialDelayMs);
  }

  stop(): void {
    this.controller.abort(new DOMException('stopped', 'AbortError'));
  }

  /** Milliseconds until the next poll, from the interval, penalties and visibility. */
  private delayMs(intervalSec: number): number {
    const base = (intervalSec + this.penaltySec) * 1000;
    return this.options.isHidden?.() ? Math.max(base, Math.min(base * 4, MAX_BACKOFF_MS)) : base;
  }

  private async run(initialDelayMs: number): Promise<void> {
    const { clock, signal } = { clock: this.options.clock, signal: this.controller.signal };
    let intervalSec = this.options.intervalSec;
    let errors = 0;
    let wait = initialDelayMs;
    while (!signal.aborted) {
      try {
        await sleep(clock, wait, signal);
      } catch {
        return;
      }
      this.requests++;
      try {
        const result = await getPublicSession(this.options.issuer, this.options.session, {
          signal,
          ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        });
        errors = 0;
        intervalSec = result.body.interval > 0 ? result.body.interval : intervalSec;
        this.options.onSnapshot(result.body, result);
        if (isTerminalSessionStatus(result.body.status)) return;
        wait = this.delayMs(intervalSec);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiCallError && error.code === 'slow_down') {
          // RFC 8628 §3.5: the client must add 5 s to its interval, for this and later polls.
          this.penaltySec += SLOW_DOWN_INCREMENT_SEC;
          wait = Math.max(this.delayMs(intervalSec), (error.retryAfterSec ?? 0) * 1000);
        } else if (error instanceof ApiCallError && [401, 403, 404].includes(error.status)) {
          this.options.onFatal(error);
          return;
        } else {
          errors++;
          const retryAfterMs =
            error instanceof ApiCallError ? (error.retryAfterSec ?? 0) * 1000 : 0;
          wait = Math.max(
            retryAfterMs,
            Math.min(MAX_BACKOFF_MS, this.delayMs(intervalSec) * 2 ** (errors - 1)),
          );
        }
      }
    }
  }
}
