/**
 * Test doubles for the browser flow layer: a fake clock that the test advances, a fake issuer that
 * is a `fetch` function speaking the page endpoints of docs/protocol.md, and a fake Web NFC
 * reader. Nothing here touches the network or the wall clock.
 */
import type { Clock } from '../../../src/flow/clock.js';
import {
  CheckoutController,
  type CheckoutConfig,
  type CheckoutControllerOptions,
} from '../../../src/flow/controller.js';
import type { NdefReaderLike } from '../../../src/flow/handoff.js';
import type {
  CheckoutStatus,
  ErrorCode,
  Handoff,
  PublicSession,
  SessionStatus,
} from '../../../src/protocol/index.js';

/** Where the fake clock starts: a fixed instant, so no test depends on the machine's clock. */
export const EPOCH = Date.UTC(2030, 2, 14, 9, 30, 0);
export const ISSUER = 'https://issuer.test';
export const SESSION_URL = '/api/checkout';
export const SESSION_ID = 'cs_3q2Jx8fLr1mWbQk0ZtYv9A';
export const CLIENT_SECRET = `${SESSION_ID}_secret_dGVzdC1zZWNyZXQtZm9yLXRlc3Rz`;
export const ORDER_ID = 'order-1042';
export const SESSION_TTL_MS = 10 * 60_000;
const HANDOFF_TTL_MS = 60_000;
/** The issuer accepts polls this much early (network jitter), like src/server/issuer.ts. */
const POLL_TOLERANCE_MS = 250;
const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

/** Runs queued promise callbacks (several rounds: each `await` in the code under test is one). */
export async function flushMicrotasks(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

/** A `Clock` whose time moves only in `tick()`. */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;

  constructor(start = EPOCH) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, due: this.current + delay, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers waiting to run. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Advances time by `ms`, running every timer that falls due on the way in order (earliest first,
   * then in the order they were set), with the microtasks each one queues run before the next.
   */
  async tick(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.due <= target && (!next || timer.due < next.due)) next = timer;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.callback();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

/** What the fake saw of one request. */
export interface RecordedRequest {
  method: string;
  url: string;
  /** Which endpoint: the merchant's session endpoint or one of the issuer's page endpoints. */
  action: 'checkout' | 'public' | 'handoffs' | 'cancel' | 'events' | 'jwks' | 'other';
  headers: Record<string, string>;
  /** Fake time when the request was made. */
  at: number;
  signal: AbortSignal | null;
}

/** How the `/events` endpoint answers a connection. */
export type EventsMode =
  /** `200 text/event-stream` that the test drives. */
  | 'stream'
  /** `503` with a JSON error. */
  | 'http-503'
  /** `200 text/html`: a captive portal or a proxy's error page. */
  | 'not-sse'
  /** `200 text/event-stream` whose bytes never arrive (a buffering proxy). */
  | 'silent'
  /** No answer at all until the client gives up. */
  | 'hang';

/** How the `/public` endpoint answers. */
export type PublicMode = 'normal' | 'network-error' | 'http-500';

/**
 * A `Response` whose `text()` settles within microtasks (Chromium's own takes a task), so the fake
 * clock alone decides when things happen. Headers, status and `body` are the real ones.
 */
class FakeResponse extends Response {
  private readonly bodyText: string;

  constructor(body: string | ReadableStream<Uint8Array>, init: ResponseInit) {
    super(body, init);
    this.bodyText = typeof body === 'string' ? body : '';
  }

  override text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }

  override json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.bodyText) as unknown);
  }
}

interface OpenStream {
  controller: ReadableStreamDefaultController<Uint8Array>;
  request: RecordedRequest;
  closed: boolean;
  /** A dead connection nobody closed: bytes written to it never arrive. */
  stalled: boolean;
}

interface StoredEvent {
  seq: number;
  view: PublicSession;
}

interface HeldRequest {
  request: RecordedRequest;
  answer: () => Response;
  resolve: (response: Response) => void;
}

const encoder = new TextEncoder();

function base64url(text: string): string {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A settlement token shaped like the issuer's (compact JWS); only the payload matters here. */
export function makeSettlementToken(claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'dualpay-settlement+jwt' }));
  return `${header}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export interface FakeIssuerOptions {
  clock: FakeClock;
  /** The issuer's clock minus the page's clock (for the `Date` header and `expiresAt`). */
  serverOffsetMs?: number;
  /** Poll interval the issuer announces and enforces, in seconds. */
  intervalSec?: number;
  /** Send a `:` heartbeat on open streams this often (0: never). */
  heartbeatMs?: number;
  /** The `retry:` the stream announces. */
  retryMs?: number;
}

/**
 * A fake issuer (and the merchant's session endpoint) as a `fetch` function. It holds one checkout
 * session whose state the test drives (`claim()`, `settle()`, `decline()`…); each change becomes an
 * SSE event with the next sequence number, pushed to open streams and replayed after a
 * `Last-Event-ID`. Every request is recorded with the fake time it was made at.
 */
export class FakeIssuer {
  readonly clock: FakeClock;
  readonly requests: RecordedRequest[] = [];
  serverOffsetMs: number;
  intervalSec: number;
  heartbeatMs: number;
  retryMs: number;
  /** How the next `/events` connections answer, first to last; then `eventsMode`. */
  readonly eventsPlan: EventsMode[] = [];
  eventsMode: EventsMode = 'stream';
  publicMode: PublicMode = 'normal';
  /** Hold merchant session requests until `releaseHeld()`. */
  holdSessionRequests = false;
  /**
   * The issuer is gone (stopped, or the network between): every request to it fails as `fetch`
   * fails when nothing answers (TypeError). Set with `goDown()` / `comeBack()`.
   */
  down = false;
  /**
   * The issuer refuses the page's origin: its page endpoints answer 403 without CORS headers,
   * which `fetch` reports as a TypeError; the JWKS (`Access-Control-Allow-Origin: *`) still reads.
   */
  refuseOrigin = false;

  readonly sessionId = SESSION_ID;
  readonly clientSecret = CLIENT_SECRET;
  readonly orderId = ORDER_ID;
  status: SessionStatus = 'open';
  readonly createdAt: number;
  readonly expiresAt: number;
  settlementToken: string | null = null;
  error: { code: ErrorCode; message: string } | null = null;
  readonly handoffs: Handoff[] = [];
  readonly events: StoredEvent[] = [];

  private readonly streams = new Set<OpenStream>();
  private readonly held: HeldRequest[] = [];
  private lastPollAt: number | undefined;
  private slowDownNextPoll = false;
  private heartbeatTimer: unknown = null;

  constructor(options: FakeIssuerOptions) {
    this.clock = options.clock;
    this.serverOffsetMs = options.serverOffsetMs ?? 0;
    this.intervalSec = options.intervalSec ?? 2;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.retryMs = options.retryMs ?? 2000;
    this.createdAt = this.serverNow();
    this.expiresAt = this.createdAt + SESSION_TTL_MS;
    // Creation writes `open` as event 1 (docs/protocol.md, "Session lifecycle").
    this.events.push({ seq: 1, view: this.view() });
  }

  /** The issuer's own clock. */
  serverNow(): number {
    return this.clock.now() + this.serverOffsetMs;
  }

  /** The session as the page sees it (PublicSession). */
  view(): PublicSession {
    return {
      id: this.sessionId,
      status: this.status,
      amount: 1500,
      currency: 'KRW',
      merchantName: 'dualpay Demo Shop',
      description: 'Flat white',
      expiresAt: new Date(this.expiresAt).toISOString(),
      bindingCode: '31',
      interval: this.intervalSec,
      ...(this.status === 'settled' && this.settlementToken
        ? { settlementToken: this.settlementToken }
        : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  // ── what the test reads ──

  /** Requests to one endpoint, optionally only those made at or after `since` (fake time). */
  requestsTo(action: RecordedRequest['action'], since = -Infinity): RecordedRequest[] {
    return this.requests.filter((request) => request.action === action && request.at >= since);
  }

  /** All requests made at or after `since` (fake time). */
  requestsSince(since: number): RecordedRequest[] {
    return this.requests.filter((request) => request.at >= since);
  }

  /** A mark for `requestsAfter()`: how many requests were made so far. */
  mark(): number {
    return this.requests.length;
  }

  /** Requests made after `mark()` returned `mark`, as `METHOD action` strings. */
  requestsAfter(mark: number): string[] {
    return this.requests.slice(mark).map((request) => `${request.method} ${request.action}`);
  }

  /** Streams currently open. */
  get openStreams(): number {
    return this.streams.size;
  }

  // ── what the test drives ──

  /** A phone claimed a hand-off: `open → claimed`. */
  claim(): void {
    this.change('claimed');
  }

  /** The payer approved: `claimed → settled` with a settlement token. */
  settle(token = makeSettlementToken({ sub: this.sessionId, orderId: this.orderId })): void {
    this.settlementToken = token;
    this.change('settled');
  }

  decline(): void {
    this.change('declined', 'session_declined', 'The payer declined this payment');
  }

  fail(): void {
    this.change('failed', 'session_failed', 'The session failed and is locked');
  }

  expire(): void {
    this.change('expired', 'session_expired', 'The session has expired');
  }

  /** The next `/public` answers `429 slow_down` whatever its timing. */
  slowDownNext(): void {
    this.slowDownNextPoll = true;
  }

  /** A `:` comment on every open stream. */
  heartbeat(): void {
    for (const stream of this.streams) this.write(stream, ':\n\n');
  }

  /** Sends raw bytes on every open stream (for malformed or partial input). */
  writeRaw(text: string): void {
    for (const stream of this.streams) this.write(stream, text);
  }

  /** Ends every open stream: cleanly (`close`) or as a network failure (`error`). */
  dropStreams(how: 'close' | 'error' = 'close'): void {
    for (const stream of [...this.streams]) {
      this.forget(stream);
      if (how === 'close') stream.controller.close();
      else stream.controller.error(new TypeError('network error'));
    }
  }

  /** The issuer goes away: open streams break, and nothing answers until `comeBack()`. */
  goDown(): void {
    this.down = true;
    this.dropStreams('error');
  }

  comeBack(): void {
    this.down = false;
  }

  /**
   * Open streams go dead without being closed (a connection a phone dropped while the tab was in
   * the background): the client hears nothing more on them until it notices on its own.
   */
  stallStreams(): void {
    for (const stream of this.streams) stream.stalled = true;
  }

  /** Answers held requests now, even those the client has aborted meanwhile (a late answer). */
  releaseHeld(): void {
    for (const held of this.held.splice(0)) held.resolve(held.answer());
  }

  /** The issuer as `fetch`. */
  readonly fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const signal = init.signal ?? null;
    // A real fetch with an aborted signal sends nothing.
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      location.href,
    );
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const request: RecordedRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      url: url.href,
      action: this.actionOf(url),
      headers,
      at: this.clock.now(),
      signal,
    };
    this.requests.push(request);
    if (url.origin === ISSUER && this.down) {
      return Promise.reject(new TypeError('Failed to fetch'));
    }
    if (this.refuseOrigin && request.action !== 'jwks' && request.action !== 'checkout') {
      return Promise.reject(new TypeError('Failed to fetch'));
    }
    return this.answer(request, url);
  };

  // ── the endpoints ──

  private actionOf(url: URL): RecordedRequest['action'] {
    if (url.origin !== ISSUER) return url.pathname === SESSION_URL ? 'checkout' : 'other';
    if (url.pathname === '/.well-known/jwks.json') return 'jwks';
    const match = /^\/v1\/checkout-sessions\/[^/]+\/(public|handoffs|cancel|events)$/.exec(
      url.pathname,
    );
    return (match?.[1] as RecordedRequest['action'] | undefined) ?? 'other';
  }

  private answer(request: RecordedRequest, url: URL): Promise<Response> {
    if (request.action === 'checkout') {
      const answer = () => this.json(200, { id: this.sessionId, clientSecret: this.clientSecret });
      return this.holdSessionRequests ? this.hold(request, answer) : Promise.resolve(answer());
    }
    if (request.action === 'other') return Promise.resolve(this.errorResponse(404, 'not_found'));
    if (request.action === 'jwks') {
      return Promise.resolve(this.json(200, { keys: [] }, { 'access-control-allow-origin': '*' }));
    }
    if (request.headers['authorization'] !== `Bearer ${this.clientSecret}`) {
      return Promise.resolve(this.errorResponse(401, 'unauthorized'));
    }
    const id = decodeURIComponent(url.pathname.split('/')[3] ?? '');
    if (id !== this.sessionId) return Promise.resolve(this.errorResponse(404, 'not_found'));
    switch (request.action) {
      case 'public':
        return this.getPublic();
      case 'handoffs':
        return Promise.resolve(this.postHandoff());
      case 'cancel':
        return Promise.resolve(this.postCancel());
      case 'events':
        return this.getEvents(request);
    }
  }

  private getPublic(): Promise<Response> {
    if (this.publicMode === 'network-error') {
      return Promise.reject(new TypeError('Failed to fetch'));
    }
    if (this.publicMode === 'http-500')
      return Promise.resolve(this.errorResponse(500, 'internal_error'));
    const now = this.serverNow();
    const tooSoon =
      this.lastPollAt !== undefined &&
      now - this.lastPollAt < this.intervalSec * 1000 - POLL_TOLERANCE_MS;
    if (this.slowDownNextPoll || tooSoon) {
      this.slowDownNextPoll = false;
      // RFC 8628 §3.5 / docs/protocol.md "Polling": too fast → 429 slow_down with Retry-After; the clock stays.
      return Promise.resolve(
        this.errorResponse(429, 'slow_down', { 'retry-after': String(this.intervalSec) }),
      );
    }
    this.lastPollAt = now;
    return Promise.resolve(this.json(200, this.view()));
  }

  private postHandoff(): Response {
    const refusal = this.refusal();
    if (refusal) return refusal;
    const n = this.handoffs.length + 1;
    const code = `hCode${String(n).padStart(4, '0')}AbCdEfGhIjKlMnOp`;
    const userCode = Array.from(
      { length: 8 },
      (_, i) => USER_CODE_LETTERS[(n * 7 + i) % USER_CODE_LETTERS.length],
    ).join('');
    const handoff: Handoff = {
      code,
      url: `${ISSUER}/h/${code}`,
      userCode,
      // 60 s from now, or the session's expiry if sooner (docs/protocol.md).
      expiresAt: new Date(
        Math.min(this.serverNow() + HANDOFF_TTL_MS, this.expiresAt),
      ).toISOString(),
    };
    this.handoffs.push(handoff);
    return this.json(201, handoff);
  }

  private postCancel(): Response {
    if (this.status !== 'open' && this.status !== 'claimed') {
      return this.refusal() ?? this.errorResponse(409, 'session_not_open');
    }
    this.change('cancelled', 'session_cancelled', 'The session was cancelled');
    return this.json(200, { id: this.sessionId, status: this.status });
  }

  /** Why a hand-off cannot be made now (docs/protocol.md, `POST …/handoffs`), or null. */
  private refusal(): Response | null {
    switch (this.status) {
      case 'open':
        return null;
      case 'claimed':
        return this.errorResponse(409, 'session_not_open');
      case 'expired':
        return this.errorResponse(410, 'session_expired');
      default:
        return this.errorResponse(409, `session_${this.status}` as ErrorCode);
    }
  }

  private getEvents(request: RecordedRequest): Promise<Response> {
    const mode = this.eventsPlan.shift() ?? this.eventsMode;
    const signal = request.signal;
    switch (mode) {
      case 'http-503':
        return Promise.resolve(this.errorResponse(503, 'internal_error'));
      case 'not-sse':
        return Promise.resolve(
          this.respond(200, '<!doctype html><title>Login</title>', {
            'content-type': 'text/html; charset=utf-8',
          }),
        );
      case 'hang':
        return new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
        });
      case 'silent':
      case 'stream':
        break;
    }
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const stream: OpenStream = { controller, request, closed: false, stalled: false };
    // A real fetch errors the body when its signal aborts.
    signal?.addEventListener(
      'abort',
      () => {
        if (stream.closed) return;
        this.forget(stream);
        controller.error(abortReason(signal));
      },
      { once: true },
    );
    const response = this.respond(200, body, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
    });
    if (mode === 'silent') {
      // The proxy holds every byte: the stream stays open and says nothing.
      return Promise.resolve(response);
    }
    this.streams.add(stream);
    this.startHeartbeats();
    this.write(stream, `retry: ${this.retryMs}\n\n`);
    const raw = request.headers['last-event-id'];
    const current = this.latestEvent();
    const lastEventId = raw !== undefined && /^[0-9]{1,9}$/.test(raw) ? Number(raw) : null;
    if (lastEventId === null || lastEventId > current.seq) {
      this.send(stream, current);
    } else {
      for (const event of this.events) if (event.seq > lastEventId) this.send(stream, event);
    }
    // docs/protocol.md "Server-Sent Events": terminal states end the stream.
    if (!stream.closed && this.isTerminal()) this.end(stream);
    return Promise.resolve(response);
  }

  // ── plumbing ──

  private change(status: SessionStatus, code?: ErrorCode, message?: string): void {
    if (this.isTerminal()) throw new Error(`The session is already ${this.status}`);
    this.status = status;
    this.error = code ? { code, message: message ?? code } : null;
    const event = { seq: this.events.length + 1, view: this.view() };
    this.events.push(event);
    for (const stream of [...this.streams]) {
      this.send(stream, event);
      if (this.isTerminal()) this.end(stream);
    }
  }

  private latestEvent(): StoredEvent {
    const latest = this.events[this.events.length - 1];
    if (!latest) throw new Error('The fake issuer has no events');
    return latest;
  }

  private isTerminal(): boolean {
    return !['open', 'claimed'].includes(this.status);
  }

  private send(stream: OpenStream, event: StoredEvent): void {
    this.write(stream, `id: ${event.seq}\nevent: session\ndata: ${JSON.stringify(event.view)}\n\n`);
  }

  private write(stream: OpenStream, text: string): void {
    if (!stream.closed && !stream.stalled) stream.controller.enqueue(encoder.encode(text));
  }

  private end(stream: OpenStream): void {
    this.forget(stream);
    // A dead connection does not deliver its end either.
    if (!stream.stalled) stream.controller.close();
  }

  private forget(stream: OpenStream): void {
    stream.closed = true;
    this.streams.delete(stream);
    if (this.streams.size === 0) {
      this.clock.clearTimeout(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
  }

  private startHeartbeats(): void {
    if (this.heartbeatMs <= 0 || this.heartbeatTimer !== null) return;
    const beat = () => {
      this.heartbeat();
      this.heartbeatTimer =
        this.streams.size > 0 ? this.clock.setTimeout(beat, this.heartbeatMs) : null;
    };
    this.heartbeatTimer = this.clock.setTimeout(beat, this.heartbeatMs);
  }

  private hold(request: RecordedRequest, answer: () => Response): Promise<Response> {
    return new Promise((resolve) => {
      this.held.push({ request, answer, resolve });
    });
  }

  private respond(
    status: number,
    body: string | ReadableStream<Uint8Array>,
    headers: Record<string, string>,
  ): Response {
    return new FakeResponse(body, {
      status,
      headers: { ...headers, date: new Date(this.serverNow()).toUTCString() },
    });
  }

  private json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
    return this.respond(status, JSON.stringify(body), {
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    });
  }

  private errorResponse(
    status: number,
    code: ErrorCode,
    headers: Record<string, string> = {},
  ): Response {
    return this.json(status, { error: { code, message: `fake issuer: ${code}` } }, headers);
  }
}

/** A Lit `ReactiveControllerHost` stand-in that counts update requests. */
export function createHost() {
  const host = {
    updates: 0,
    addController() {},
    removeController() {},
    requestUpdate() {
      host.updates++;
    },
    updateComplete: Promise.resolve(true),
  };
  return host;
}

/** One NDEF record as Web NFC delivers it: a `url` record's data is its UTF-8 bytes. */
export function urlRecord(url: string) {
  const bytes = encoder.encode(url);
  return {
    recordType: 'url',
    mediaType: null,
    id: null,
    encoding: null,
    lang: null,
    data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

/**
 * A fake `NDEFReader` (https://w3c.github.io/web-nfc/#the-ndefreader-object): `scan({signal})`
 * resolves once scanning starts or rejects with `scanError`; `tap()` and `failRead()` dispatch
 * `reading` and `readingerror` events.
 */
export class FakeNdefReader extends EventTarget implements NdefReaderLike {
  readonly scans: { signal?: AbortSignal }[] = [];
  scanError: DOMException | null = null;

  scan(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.scans.push(options);
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    return this.scanError ? Promise.reject(this.scanError) : Promise.resolve();
  }

  /** A card with these URL records touches the phone. */
  tap(...urls: string[]): void {
    const event = new Event('reading');
    Object.assign(event, {
      serialNumber: '04:a2:3b:c1:5d:62:80',
      message: { records: urls.map(urlRecord) },
    });
    this.dispatchEvent(event);
  }

  /** A read that failed (the card moved away too soon). */
  failRead(): void {
    this.dispatchEvent(new Event('readingerror'));
  }
}

/** What became of a promise, readable synchronously after the fake clock moved. */
export interface Tracked<T> {
  state: 'pending' | 'resolved' | 'rejected';
  value: T | undefined;
  error: unknown;
  /** How many times it settled (a promise settles once; a second would be a bug in the test). */
  settlements: number;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = {
    state: 'pending',
    value: undefined,
    error: undefined,
    settlements: 0,
  };
  promise.then(
    (value) => {
      tracked.state = 'resolved';
      tracked.value = value;
      tracked.settlements++;
    },
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
      tracked.settlements++;
    },
  );
  return tracked;
}

/** Milliseconds between consecutive requests. */
export function gapsOf(requests: readonly RecordedRequest[]): number[] {
  return requests.slice(1).map((request, i) => request.at - (requests[i]?.at ?? NaN));
}

/**
 * A CheckoutController wired to `fake`: its clock and fetch, a QR hand-off on a desktop, a visible
 * tab, and `session-url` unless `config` says otherwise. `statuses` lists each status change.
 */
export function createCheckout(
  fake: FakeIssuer,
  config: Partial<CheckoutConfig> = {},
  options: Partial<Omit<CheckoutControllerOptions, 'config'>> = {},
) {
  const host = createHost();
  const statuses: { from: CheckoutStatus; to: CheckoutStatus }[] = [];
  const opened: string[] = [];
  const controller = new CheckoutController(host, {
    config: () => ({ issuer: ISSUER, sessionUrl: SESSION_URL, handoff: 'qr', ...config }),
    onChange: (previous, next) => {
      if (previous.status !== next.status)
        statuses.push({ from: previous.status, to: next.status });
    },
    clock: fake.clock,
    fetch: fake.fetch,
    environment: () => ({ nfc: false, touchOnlySmallScreen: false }),
    openUrl: (url) => opened.push(url),
    isHidden: () => false,
    ...options,
  });
  return { controller, host, statuses, opened };
}
