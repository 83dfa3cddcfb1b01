/**
 * Idle expiry, seen from the page: the issuer ends a console session after 30 minutes without a
 * request (and 12 hours after sign-in). So that an unattended screen does not keep showing
 * accounts, enrolment codes or keys, the console notes each answer and, once the idle time would
 * have run out, asks the issuer (`GET /v1/console/session`): a 401 there brings back the sign-in
 * screen through `ConsoleApi.onSessionEnded`. The issuer decides; this only asks at the right time.
 */
import type { ConsoleApi } from './api.js';
import type { ConsoleSession } from './types.js';

/** Asked a little after the deadline: the `Date` header the clocks are matched with has 1 s steps. */
const MARGIN_MS = 2000;
/** Never ask more often than this, whatever the clocks say. */
const MIN_IDLE_MS = 60_000;
/** When the issuer could not be reached, ask again after this long. */
const RETRY_MS = 30_000;

export class IdleWatch {
  private readonly api: ConsoleApi;
  private idleMs = 0;
  /** The absolute expiry, on this browser's clock. */
  private absoluteAt = Number.POSITIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(api: ConsoleApi) {
    this.api = api;
    api.onAnswer = () => {
      if (this.running) this.schedule(this.idleMs);
    };
  }

  /** Starts (or re-syncs) from what the issuer said about the session just now. */
  start(session: ConsoleSession): void {
    const serverNow = Date.now() + this.api.serverOffsetMs;
    this.idleMs = Math.max(MIN_IDLE_MS, Date.parse(session.idleExpiresAt) - serverNow || 0);
    const absolute = Date.parse(session.expiresAt) - this.api.serverOffsetMs;
    this.absoluteAt = Number.isNaN(absolute) ? Number.POSITIVE_INFINITY : absolute;
    this.running = true;
    this.schedule(this.idleMs);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const until = Math.min(Date.now() + delayMs, this.absoluteAt) - Date.now();
    this.timer = setTimeout(() => void this.check(), Math.max(0, until) + MARGIN_MS);
  }

  private async check(): Promise<void> {
    try {
      const session = await this.api.session();
      if (this.running) this.start(session);
    } catch {
      // A 401 already ended the session (ConsoleApi.onSessionEnded); anything else: ask later.
      if (this.running) this.schedule(RETRY_MS);
    }
  }
}
