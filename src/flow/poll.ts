/**
 * Polling fallback: `GET /public` at the server's `interval`. A `429 slow_down` adds 5 s for good
 * (RFC 8628 §3.5); network errors back off exponentially to 30 s; while the tab is hidden the
 * interval is four times longer (at most 30 s); `wake()` polls as soon as the interval allows
 * (the tab is visible again). Stops at a terminal status.
 */
import {
  isTerminalSessionStatus,
  SLOW_DOWN_INCREMENT_SEC,
  type PublicSession,
  type SessionCredentials,
} from '../protocol/index.js';
import { ApiCallError, getPublicSession, type ApiResult } from './api-client.js';
import type { Clock } from './clock.js';

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
  /** Whether the last poll reached the issuer (any answer but a network failure or a 5xx). */
  onReachability?: (reachable: boolean) => void;
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
  private lastPollAt = -Infinity;
  private intervalSec: number;
  private wakeUp: (() => void) | null = null;

  constructor(options: PollerOptions) {
    this.options = options;
    this.intervalSec = options.intervalSec;
  }

  /** Polls now, or once the interval since the last poll has passed, whichever is later. */
  wake(): void {
    this.wakeUp?.();
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

  /** Sleeps `ms`; `wake()` cuts it short to what is left of the interval since the last poll. */
  private sleep(ms: number): Promise<void> {
    const { clock } = this.options;
    const signal = this.controller.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let dueAt = clock.now() + ms;
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        this.wakeUp = null;
        resolve();
      };
      let handle = clock.setTimeout(done, ms);
      const onAbort = () => {
        clock.clearTimeout(handle);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.wakeUp = () => {
        const earliest = this.lastPollAt + (this.intervalSec + this.penaltySec) * 1000;
        if (earliest >= dueAt) return;
        dueAt = earliest;
        clock.clearTimeout(handle);
        handle = clock.setTimeout(done, Math.max(0, earliest - clock.now()));
      };
    });
  }

  private async run(initialDelayMs: number): Promise<void> {
    const { clock, signal } = { clock: this.options.clock, signal: this.controller.signal };
    let errors = 0;
    let wait = initialDelayMs;
    while (!signal.aborted) {
      try {
        await this.sleep(wait);
      } catch {
        return;
      }
      this.requests++;
      this.lastPollAt = clock.now();
      const intervalSec = this.intervalSec;
      try {
        const result = await getPublicSession(this.options.issuer, this.options.session, {
          signal,
          ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        });
        errors = 0;
        this.options.onReachability?.(true);
        this.intervalSec = result.body.interval > 0 ? result.body.interval : intervalSec;
        this.options.onSnapshot(result.body, result);
        if (isTerminalSessionStatus(result.body.status)) return;
        wait = this.delayMs(this.intervalSec);
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
          // An answer under 500 (429, 409…) came from the issuer; no answer or a 5xx did not.
          const status = error instanceof ApiCallError ? error.status : 0;
          this.options.onReachability?.(status > 0 && status < 500);
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
