/**
 * The session's event stream (docs/protocol.md "Server-Sent Events"), read with `fetch` rather than `EventSource`: the
 * client secret travels in a header instead of the URL, `Last-Event-ID` is set by us on every
 * reconnect, and the `:` heartbeats are visible, so a dead or buffered stream is noticed. After
 * `maxFailures` attempts in a row that deliver no event, it gives up and the controller falls back
 * to polling.
 */
import {
  isTerminalSessionStatus,
  SSE_HEARTBEAT_MS,
  SSE_RETRY_MS,
  type PublicSession,
  type SessionCredentials,
} from '../protocol/index.js';
import { eventsUrl } from './api-client.js';
import { sleep, type Clock } from './clock.js';

export interface SessionStreamOptions {
  issuer: string;
  session: SessionCredentials;
  clock: Clock;
  fetch?: typeof fetch;
  onSnapshot: (view: PublicSession) => void;
  /** SSE is not usable here: switch to polling. */
  onUnavailable: (reason: string) => void;
  /**
   * Whether the issuer answers: true when a connection opens, false when one got no answer at
   * all (the fetch failed or timed out: nothing there, or the network between is down).
   */
  onReachability?: (reachable: boolean) => void;
  /** No bytes for this long after connecting → the stream is dead or buffered. */
  firstEventTimeoutMs?: number;
  /** No bytes (events or heartbeats) for this long → the stream is dead. */
  heartbeatTimeoutMs?: number;
  maxFailures?: number;
}

export class SessionEventStream {
  private readonly options: Required<Omit<SessionStreamOptions, 'fetch' | 'onReachability'>> &
    Pick<SessionStreamOptions, 'fetch' | 'onReachability'>;
  private readonly controller = new AbortController();
  private lastEventId: string | null = null;
  private retryMs = SSE_RETRY_MS;
  /** Connections so far, for tests and diagnostics. */
  connections = 0;

  constructor(options: SessionStreamOptions) {
    this.options = {
      firstEventTimeoutMs: 5000,
      heartbeatTimeoutMs: SSE_HEARTBEAT_MS * 2 + 5000,
      maxFailures: 2,
      ...options,
    };
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.controller.abort(new DOMException('stopped', 'AbortError'));
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const outcome = await this.connectOnce();
      if (this.stopped || outcome === 'terminal') return;
      failures = outcome === 'delivered' ? 0 : failures + 1;
      if (failures >= this.options.maxFailures) {
        this.options.onUnavailable(outcome);
        return;
      }
      try {
        await sleep(this.options.clock, this.retryMs, this.controller.signal);
      } catch {
        return;
      }
    }
  }

  /** One connection: resolves with how it ended. */
  private async connectOnce(): Promise<
    'terminal' | 'delivered' | 'http_error' | 'silent' | 'dropped'
  > {
    this.connections++;
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    this.controller.signal.addEventListener('abort', abortAttempt, { once: true });
    const { clock } = this.options;
    let watchdog: unknown;
    let timedOut = false;
    const arm = (ms: number) => {
      clock.clearTimeout(watchdog);
      watchdog = clock.setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, ms);
    };
    let delivered = false;
    let answered = false;
    try {
      arm(this.options.firstEventTimeoutMs);
      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        authorization: `Bearer ${this.options.session.clientSecret}`,
      };
      if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
      const fetchImpl = this.options.fetch ?? globalThis.fetch.bind(globalThis);
      const response = await fetchImpl(eventsUrl(this.options.issuer, this.options.session), {
        headers,
        cache: 'no-store',
        signal: attempt.signal,
      });
      answered = true;
      if (
        !response.ok ||
        !response.body ||
        !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')
      ) {
        return 'http_error';
      }
      this.options.onReachability?.(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        // Bytes arrived (an event, `retry:` or a heartbeat): from now on only silence counts.
        arm(this.options.heartbeatTimeoutMs);
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
          const terminal = this.dispatch(block);
          if (terminal !== null) delivered = true;
          if (terminal === true) return 'terminal';
          if (delivered) arm(this.options.heartbeatTimeoutMs);
        }
      }
      return delivered ? 'delivered' : 'dropped';
    } catch {
      if (delivered) return 'delivered';
      if (!answered && !this.stopped) this.options.onReachability?.(false);
      return timedOut ? 'silent' : 'dropped';
    } finally {
      clock.clearTimeout(watchdog);
      this.controller.signal.removeEventListener('abort', abortAttempt);
      attempt.abort();
    }
  }

  /** Handles one event block; returns null for no event, else whether it was terminal. */
  private dispatch(block: string): boolean | null {
    let data = '';
    let id: string | null = null;
    let event = 'message';
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data += data ? `\n${value}` : value;
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id !== null) this.lastEventId = id;
    if (event !== 'session' || !data) return null;
    let view: PublicSession;
    try {
      view = JSON.parse(data) as PublicSession;
    } catch {
      return null;
    }
    this.options.onSnapshot(view);
    return isTerminalSessionStatus(view.status);
  }
}
