/**
 * Follows one session's changes: Server-Sent Events first, polling at the issuer's `interval`
 * when SSE is unavailable (blocked, buffered by a proxy, or failing). Every snapshot goes to
 * `onSnapshot`; a failure polling cannot retry goes to `onFatal`.
 */
import {
  DEFAULT_POLL_INTERVAL_SEC,
  type PublicSession,
  type SessionCredentials,
} from '../protocol/index.js';
import type { ApiCallError, ApiResult } from './api-client.js';
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
    });
    this.stream.start();
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
      isHidden:
        this.options.isHidden ??
        (() => typeof document !== 'undefined' && document.visibilityState === 'hidden'),
    });
    this.poller.start(intervalSec * 1000);
    this.options.onTransport?.('poll');
  }

  stop(): void {
    this.stopped = true;
    this.stream?.stop();
    this.stream = null;
    this.poller?.stop();
    this.poller = null;
  }
}
