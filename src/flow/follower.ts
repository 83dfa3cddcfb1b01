/**
 * Follows one session's changes: Server-Sent Events first, polling at the issuer's `interval`
 * when SSE is unavailable (blocked, buffered by a proxy, or failing). Every snapshot goes to
 * `onSnapshot`; a failure polling cannot retry goes to `onFatal`; whether the issuer answers
 * goes to `onReachability` (the element's "Reconnecting…"). When the tab becomes visible again
 * it asks at once: the payer may be back from the payment page in another tab, where the payment
 * settled while this tab's stream was throttled or cut.
 */
import {
  DEFAULT_POLL_INTERVAL_SEC,
  type PublicSession,
  type SessionCredentials,
} from '../protocol/index.js';
import { getPublicSession, type ApiCallError, type ApiResult } from './api-client.js';
import type { Clock } from './clock.js';
import { SessionPoller } from './poll.js';
import { SessionEventStream } from './sse.js';

export interface FollowerOptions {
  issuer: string;
  session: SessionCredentials;
  clock: Clock;
  fetch?: typeof fetch | undefined;
  /** The poll interval the issuer asked for, in seconds. */
  intervalSec: number;
  onSnapshot: (view: PublicSession) => void;
  onFatal: (error: ApiCallError) => void;
  /** Each poll answer, for clock-skew correction. */
  onPollResult?: (result: ApiResult<PublicSession>) => void;
  /** Whether the issuer answered the last attempt (false: it was not reached at all). */
  onReachability?: (reachable: boolean) => void;
  /** The transport changed (the element says so). */
  onTransport?: (transport: 'sse' | 'poll') => void;
  isHidden?: (() => boolean) | undefined;
}

export class SessionFollower {
  /** Where updates come from now. */
  transport: 'sse' | 'poll' | null = null;
  private readonly options: FollowerOptions;
  private stream: SessionEventStream | null = null;
  private poller: SessionPoller | null = null;
  private stopped = false;
  private readonly aborter = new AbortController();

  constructor(options: FollowerOptions) {
    this.options = options;
  }

  start(): void {
    const { issuer, session, clock, fetch } = this.options;
    this.transport = 'sse';
    this.stream = new SessionEventStream({
      issuer,
      session,
      clock,
      ...(fetch ? { fetch } : {}),
      onSnapshot: this.options.onSnapshot,
      onUnavailable: () => this.poll(),
      ...this.reachability(),
    });
    this.stream.start();
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.onVisibilityChange);
    }
  }

  private hidden(): boolean {
    return this.options.isHidden
      ? this.options.isHidden()
      : typeof document !== 'undefined' && document.visibilityState === 'hidden';
  }

  private readonly onVisibilityChange = (): void => {
    if (this.stopped || this.hidden()) return;
    // Polling: the next poll as soon as the interval allows. SSE: one read now.
    if (this.poller) this.poller.wake();
    else void this.readNow();
  };

  private async readNow(): Promise<void> {
    const { issuer, session, fetch } = this.options;
    try {
      const result = await getPublicSession(issuer, session, {
        signal: this.aborter.signal,
        ...(fetch ? { fetch } : {}),
      });
      if (this.stopped) return;
      this.options.onPollResult?.(result);
      this.options.onSnapshot(result.body);
    } catch {
      // The stream or the poller will bring the news.
    }
  }

  private poll(): void {
    if (this.stopped) return;
    const { issuer, session, clock, fetch } = this.options;
    const intervalSec = this.options.intervalSec || DEFAULT_POLL_INTERVAL_SEC;
    this.transport = 'poll';
    this.poller = new SessionPoller({
      issuer,
      session,
      clock,
      ...(fetch ? { fetch } : {}),
      intervalSec,
      onSnapshot: (view, result) => {
        this.options.onPollResult?.(result);
        this.options.onSnapshot(view);
      },
      onFatal: this.options.onFatal,
      ...this.reachability(),
      isHidden: () => this.hidden(),
    });
    this.poller.start(intervalSec * 1000);
    this.options.onTransport?.('poll');
  }

  private reachability() {
    const report = this.options.onReachability;
    return report ? { onReachability: report } : {};
  }

  stop(): void {
    this.stopped = true;
    this.aborter.abort(new DOMException('stopped', 'AbortError'));
    if (typeof document !== 'undefined') {
      document.removeEventListener('visibilitychange', this.onVisibilityChange);
    }
    this.stream?.stop();
    this.stream = null;
    this.poller?.stop();
    this.poller = null;
  }
}
