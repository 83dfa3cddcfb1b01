/**
 * The checkout controller: owns time, network, abort and retries for one element (a Lit
 * `ReactiveController`). It creates the session, keeps a hand-off alive (rotating it before it
 * expires), follows the session over SSE with a polling fallback, counts down to the session's
 * `expiresAt` corrected for clock skew, and feeds everything to the pure state machine. It tells
 * the machine when the issuer cannot be reached (UNREACHABLE) and when a shown hand-off died
 * (HANDOFF_EXPIRED), and keeps retrying the rotation until a fresh code arrives.
 *
 * Each `start()` gets its own AbortController and run number; results of a superseded run are
 * dropped, so `reset()` or a detach never lets an old response change the state.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  CheckoutError,
  DEFAULT_POLL_INTERVAL_SEC,
  SESSION_TTL_MS,
  SLOW_DOWN_INCREMENT_SEC,
  type PublicSession,
  type SessionCredentials,
  type Settlement,
} from '../protocol/index.js';
import {
  ApiCallError,
  cancelCheckoutSession,
  createHandoff,
  getPublicSession,
  toCheckoutError,
  type ApiResult,
} from './api-client.js';
import { sleep, systemClock, type Clock } from './clock.js';
import {
  chooseHandoffMethod,
  detectEnvironment,
  fallbackFrom,
  waitForCardTap,
  type HandoffEnvironment,
  type HandoffMethod,
  type HandoffMode,
  type NdefReaderLike,
} from './handoff.js';
import {
  INITIAL_STATE,
  isRunning,
  isTerminal,
  transition,
  type CheckoutEvent,
  type CheckoutState,
} from './machine.js';
import { SessionFollower } from './follower.js';
import { explainNetworkError } from './origin-check.js';
import { obtainSession, type SessionSource } from './session-source.js';

/** What the controller needs from the element, read at `start()`. */
export interface CheckoutConfig extends SessionSource {
  handoff: HandoffMode;
}

export interface CheckoutControllerOptions {
  config: () => CheckoutConfig;
  /** Called after every state change with the previous and the new state. */
  onChange?: (previous: CheckoutState, next: CheckoutState) => void;
  clock?: Clock;
  fetch?: typeof fetch;
  environment?: () => HandoffEnvironment;
  createNdefReader?: () => NdefReaderLike;
  /** Opens the hand-off URL on this device (link and NFC). */
  openUrl?: (url: string) => void;
  isHidden?: () => boolean;
}

/** Rotate a hand-off this long before it expires, so a scan never meets a dead code. */
export const ROTATE_BEFORE_EXPIRY_MS = 10_000;
/** A failed rotation is retried after 2 s, then twice as long each time, up to this. */
const ROTATE_RETRY_MAX_MS = 10_000;
/** The local deadline waits this long past `expiresAt` for the server's own verdict. */
const DEADLINE_GRACE_MS = 2000;

export class CheckoutController implements ReactiveController {
  state: CheckoutState = INITIAL_STATE;
  /** How the hand-off is shown right now. */
  method: HandoffMethod = 'qr';
  /** Why the method changed from the one asked for (shown to the payer), if it did. */
  methodNotice: string | null = null;
  /** Server clock minus local clock, in ms (from `Date` headers). */
  skewMs = 0;

  private readonly host: ReactiveControllerHost;
  private readonly options: CheckoutControllerOptions;
  private readonly clock: Clock;
  private run: AbortController | null = null;
  private detached = false;
  private tickHandle: unknown = null;
  private runNumber = 0;
  private timers: unknown[] = [];
  private follower: SessionFollower | null = null;
  private pending: {
    promise: Promise<Settlement>;
    resolve: (settlement: Settlement) => void;
    reject: (error: CheckoutError) => void;
  } | null = null;

  constructor(host: ReactiveControllerHost, options: CheckoutControllerOptions) {
    this.host = host;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    host.addController(this);
  }

  hostConnected(): void {
    // An element moved in the DOM (a framework re-parenting it) picks its checkout up again.
    if (this.detached && isRunning(this.state.status) && this.state.session) {
      this.run = new AbortController();
      const runNumber = ++this.runNumber;
      void this.followSession(runNumber, this.state.session);
    }
    this.detached = false;
  }

  hostDisconnected(): void {
    this.detached = true;
    // Results of the stopped run are dropped; the pending start() promise stays for a resume.
    this.runNumber++;
    this.stopActivity();
    this.run?.abort(new DOMException('detached', 'AbortError'));
  }

  /** Milliseconds left until the session expires (server time), or null before a session. */
  remainingMs(): number | null {
    const expiresAt = this.state.view?.expiresAt;
    if (!expiresAt) return null;
    return Math.max(0, Date.parse(expiresAt) - (this.clock.now() + this.skewMs));
  }

  /** Total life of the session in ms (for the progress bar). */
  totalMs(): number | null {
    return this.state.view ? SESSION_TTL_MS : null;
  }

  /**
   * Starts a checkout and resolves with its settlement; while one runs, returns the same promise.
   * Rejects with a `CheckoutError` on decline, failure, expiry (`session_*` codes) or cancel.
   */
  start(): Promise<Settlement> {
    if (this.pending && isRunning(this.state.status)) return this.pending.promise;
    if (isTerminal(this.state.status)) this.reset();
    let resolve!: (settlement: Settlement) => void;
    let reject!: (error: CheckoutError) => void;
    const promise = new Promise<Settlement>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A rejection nobody awaits (an element started by its button) must not be reported as unhandled.
    promise.catch(() => undefined);
    this.pending = { promise, resolve, reject };
    this.run = new AbortController();
    const runNumber = ++this.runNumber;
    this.dispatch({ type: 'START' });
    void this.execute(runNumber, this.run.signal);
    return promise;
  }

  /** Cancels the checkout, on the issuer too when a session exists. */
  async cancel(): Promise<void> {
    if (!isRunning(this.state.status)) return;
    const { session } = this.state;
    const runNumber = this.runNumber;
    const config = this.options.config();
    if (session) {
      try {
        await cancelCheckoutSession(config.issuer, session, this.callOptions());
      } catch (error) {
        const mapped = toCheckoutError(error);
        // Already over on the server (settled in a race, expired…): show what really happened.
        if (
          mapped instanceof ApiCallError &&
          mapped.status === 409 &&
          runNumber === this.runNumber
        ) {
          await this.refresh(runNumber);
          if (isTerminal(this.state.status)) return;
        }
      }
    }
    if (runNumber === this.runNumber) this.dispatch({ type: 'CANCEL' });
  }

  /** Back to idle: stops everything and forgets the session. */
  reset(): void {
    this.runNumber++;
    this.run?.abort(new DOMException('reset', 'AbortError'));
    this.run = null;
    this.stopActivity();
    const pending = this.pending;
    this.pending = null;
    pending?.reject(new CheckoutError('aborted', 'The checkout was reset.'));
    this.methodNotice = null;
    this.dispatch({ type: 'RESET' });
  }

  /** Opens the current hand-off on this device (the link method's button). */
  openHandoff(): void {
    const url = this.state.handoff?.url;
    if (url) (this.options.openUrl ?? ((u) => window.open(u, '_blank', 'noopener')))(url);
  }

  private callOptions() {
    return {
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.run ? { signal: this.run.signal } : {}),
    };
  }

  private dispatch(event: CheckoutEvent): void {
    const previous = this.state;
    const next = transition(previous, event);
    if (next === previous) return;
    this.state = next;
    this.afterTransition(previous, next);
    this.options.onChange?.(previous, next);
    this.host.requestUpdate();
  }

  private afterTransition(previous: CheckoutState, next: CheckoutState): void {
    if (next.status === 'awaiting-confirmation' && previous.status !== next.status) {
      // The phone has the session: no more codes to rotate.
      this.clearTimers();
      this.startTicking();
    }
    if (!isTerminal(next.status) || isTerminal(previous.status)) return;
    this.stopActivity();
    // Ends what the run still holds: an NFC scan, a rotation request in flight.
    this.run?.abort(new DOMException('finished', 'AbortError'));
    const pending = this.pending;
    this.pending = null;
    if (next.status === 'settled' && next.settlement) pending?.resolve(next.settlement);
    else if (next.error) pending?.reject(new CheckoutError(next.error.code, next.error.message));
  }

  /** Call right after the answer arrives: compares the server's `Date` with our clock now. */
  private learnSkew(result: ApiResult<unknown>): void {
    // The Date header has 1 s resolution: only correct skews that matter.
    if (result.serverDate === null) return;
    const skew = result.serverDate - this.clock.now();
    this.skewMs = Math.abs(skew) > 1500 ? skew : 0;
  }

  private async execute(runNumber: number, signal: AbortSignal): Promise<void> {
    const config = this.options.config();
    try {
      const session = await obtainSession(config, { ...this.callOptions(), signal });
      if (runNumber !== this.runNumber) return;
      this.dispatch({ type: 'SESSION_CREATED', session });
    } catch (error) {
      this.failRun(runNumber, error);
      return;
    }
    await this.followSession(runNumber, this.state.session ?? undefined);
  }

  /** Reads the session, shows a hand-off if it is open, then follows it and ticks. */
  private async followSession(
    runNumber: number,
    session: SessionCredentials | undefined,
  ): Promise<void> {
    if (!session) return;
    try {
      const first = await this.firstSnapshot(runNumber, session).catch(async (error: unknown) => {
        // The first call to the issuer: an opaque failure here may be a refused origin.
        throw await explainNetworkError(
          this.options.config().issuer,
          toCheckoutError(error),
          this.callOptions(),
        );
      });
      if (runNumber !== this.runNumber) return;
      this.dispatch({ type: 'SNAPSHOT', view: first });
      if (this.state.status === 'awaiting-handoff') await this.newHandoff(runNumber);
      if (runNumber !== this.runNumber || isTerminal(this.state.status)) return;
      this.follow(runNumber, first);
      this.startTicking();
    } catch (error) {
      this.failRun(runNumber, error);
    }
  }

  /** The session's view, waiting out `slow_down` (RFC 8628 §3.5) rather than failing on it. */
  private async firstSnapshot(
    runNumber: number,
    session: SessionCredentials,
  ): Promise<PublicSession> {
    const issuer = this.options.config().issuer;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await getPublicSession(issuer, session, this.callOptions());
        this.learnSkew(result);
        return result.body;
      } catch (error) {
        const mapped = toCheckoutError(error);
        if (
          !(mapped instanceof ApiCallError && mapped.code === 'slow_down') ||
          attempt >= 3 ||
          runNumber !== this.runNumber
        ) {
          throw mapped;
        }
        const waitSec =
          (mapped.retryAfterSec ?? DEFAULT_POLL_INTERVAL_SEC) + SLOW_DOWN_INCREMENT_SEC;
        await sleep(this.clock, waitSec * 1000, this.run?.signal);
      }
    }
  }

  private failRun(runNumber: number, error: unknown): void {
    if (runNumber !== this.runNumber) return;
    const mapped = toCheckoutError(error);
    if (mapped.code === 'aborted') return;
    this.dispatch({ type: 'FAIL', error: { code: mapped.code, message: mapped.message } });
  }

  /** Makes a hand-off, shows it by the chosen method, and schedules its rotation and expiry. */
  private async newHandoff(runNumber: number): Promise<void> {
    const session = this.state.session;
    if (!session) return;
    const result = await createHandoff(this.options.config().issuer, session, this.callOptions());
    if (runNumber !== this.runNumber) return;
    this.learnSkew(result);
    const handoff = result.body;
    // The method first: the view announces the hand-off with its method once it is shown.
    if (this.state.handoff === null) this.chooseMethod(runNumber);
    this.dispatch({ type: 'HANDOFF', handoff });
    const expiresAt = Date.parse(handoff.expiresAt);
    // A code capped at the session's own expiry lives as long as the session: nothing to rotate.
    const sessionExpiresAt = Date.parse(this.state.view?.expiresAt ?? '');
    if (expiresAt >= sessionExpiresAt) return;
    const lifeMs = expiresAt - (this.clock.now() + this.skewMs);
    // Still shown when it dies (every rotation failed): the view must stop offering it.
    this.schedule(lifeMs, () => {
      if (runNumber === this.runNumber)
        this.dispatch({ type: 'HANDOFF_EXPIRED', code: handoff.code });
    });
    this.schedule(Math.max(1000, lifeMs - ROTATE_BEFORE_EXPIRY_MS), () =>
      this.rotate(runNumber, 0),
    );
  }

  /**
   * Replaces the hand-off. A failure is retried with a growing pause until a fresh code arrives or
   * the checkout moves on; one that got no answer (or a 5xx) means the issuer is out of reach.
   */
  private rotate(runNumber: number, failures: number): void {
    if (runNumber !== this.runNumber || this.state.status !== 'awaiting-handoff') return;
    this.newHandoff(runNumber).catch(async (error: unknown) => {
      const mapped = toCheckoutError(error);
      if (runNumber !== this.runNumber || mapped.code === 'aborted') return;
      const status = mapped instanceof ApiCallError ? mapped.status : 0;
      // 409/410: the session is no longer open (claimed, settled, expired…): learn what it is.
      if (status === 409 || status === 410) await this.refresh(runNumber);
      else if (status === 0 || status >= 500) this.dispatch({ type: 'UNREACHABLE' });
      const retryAfterMs = mapped instanceof ApiCallError ? (mapped.retryAfterSec ?? 0) * 1000 : 0;
      const pauseMs = Math.min(ROTATE_RETRY_MAX_MS, 2000 * 2 ** failures);
      this.schedule(Math.max(retryAfterMs, pauseMs), () => this.rotate(runNumber, failures + 1));
    });
  }

  private chooseMethod(runNumber: number): void {
    const config = this.options.config();
    const environment = (this.options.environment ?? (() => detectEnvironment()))();
    this.method = chooseHandoffMethod(config.handoff, environment);
    if (config.handoff === 'nfc' && this.method !== 'nfc')
      this.methodNotice = 'NFC is not available here.';
    if (this.method === 'nfc') void this.listenForCard(runNumber);
  }

  private async listenForCard(runNumber: number): Promise<void> {
    const signal = this.run?.signal;
    if (!signal) return;
    try {
      await waitForCardTap({
        issuer: this.options.config().issuer,
        signal,
        ...(this.options.createNdefReader ? { createReader: this.options.createNdefReader } : {}),
      });
      if (runNumber === this.runNumber) this.openHandoff();
    } catch (error) {
      if (runNumber !== this.runNumber || signal.aborted) return;
      this.method = fallbackFrom('nfc');
      this.methodNotice = error instanceof CheckoutError ? error.message : 'NFC is not available.';
      this.host.requestUpdate();
    }
  }

  /** Follows the session: SSE first, polling when SSE is unavailable. */
  private follow(runNumber: number, first: PublicSession): void {
    const session = this.state.session;
    if (!session) return;
    const live = () => runNumber === this.runNumber && !isTerminal(this.state.status);
    this.follower = new SessionFollower({
      issuer: this.options.config().issuer,
      session,
      clock: this.clock,
      fetch: this.options.fetch,
      intervalSec: first.interval,
      onSnapshot: (view) => {
        if (runNumber === this.runNumber) this.dispatch({ type: 'SNAPSHOT', view });
      },
      onPollResult: (result) => this.learnSkew(result),
      onFatal: (error) => {
        if (runNumber === this.runNumber)
          this.dispatch({ type: 'FAIL', error: { code: error.code, message: error.message } });
      },
      onReachability: (reachable) => {
        if (live()) this.dispatch({ type: reachable ? 'REACHABLE' : 'UNREACHABLE' });
      },
      onTransport: () => {
        if (live()) this.host.requestUpdate();
      },
      isHidden: this.options.isHidden,
    });
    this.follower.start();
  }

  /** One poll outside the loop (after a refused cancel or rotation). */
  private async refresh(runNumber: number): Promise<void> {
    const session = this.state.session;
    if (!session) return;
    try {
      const result = await getPublicSession(
        this.options.config().issuer,
        session,
        this.callOptions(),
      );
      if (runNumber !== this.runNumber) return;
      this.learnSkew(result);
      this.dispatch({ type: 'SNAPSHOT', view: result.body });
    } catch {
      // The stream or poller will bring the news.
    }
  }

  /** A 1 s tick for the countdown, and the local deadline. One chain at a time. */
  private startTicking(): void {
    this.clock.clearTimeout(this.tickHandle);
    const runNumber = this.runNumber;
    const tick = () => {
      if (runNumber !== this.runNumber || !isRunning(this.state.status)) return;
      const remaining = this.remainingMs();
      if (remaining !== null && remaining <= 0) {
        this.tickHandle = this.clock.setTimeout(() => {
          if (runNumber === this.runNumber) this.dispatch({ type: 'DEADLINE' });
        }, DEADLINE_GRACE_MS);
        return;
      }
      this.host.requestUpdate();
      this.tickHandle = this.clock.setTimeout(
        tick,
        1000 - ((this.clock.now() + this.skewMs) % 1000),
      );
    };
    tick();
  }

  private schedule(ms: number, callback: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== handle);
      callback();
    }, ms);
    this.timers.push(handle);
  }

  private clearTimers(): void {
    for (const handle of this.timers) this.clock.clearTimeout(handle);
    this.timers = [];
  }

  private stopActivity(): void {
    this.clearTimers();
    this.clock.clearTimeout(this.tickHandle);
    this.tickHandle = null;
    this.follower?.stop();
    this.follower = null;
  }

  /** Where updates come from now: 'sse', 'poll' or null. */
  get transport(): 'sse' | 'poll' | null {
    return this.follower?.transport ?? null;
  }
}
