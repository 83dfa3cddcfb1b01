/**
 * Server-Sent Events for the merchant page (docs/protocol.md "Server-Sent Events"): `retry: 2000`; on a fresh connect one
 * `session` event with the current PublicSession; on a reconnect with `Last-Event-ID` only the
 * events after that id, replayed from the store; then one event per change with the session's
 * increasing sequence number as `id:`; a `:` comment every 15 s; the stream ends after a terminal
 * state. Subscribing before reading the store, and dropping ids already sent, means no event is
 * lost or sent twice across that gap.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  SSE_HEARTBEAT_MS,
  SSE_RETRY_MS,
  isTerminalSessionStatus,
  type SessionStatus,
  type ErrorCode,
} from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import type { Issuer } from '../issuer.js';
import type { SessionEventRecord, SessionRecord } from '../store/types.js';

/** Open streams one session may have on this process; more are refused with 429. */
export const MAX_STREAMS_PER_SESSION = 10;

/** All open streams of this process, sharing one heartbeat timer. */
export class SseStreams {
  private readonly open = new Map<ServerResponse, string>();
  private readonly perSession = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /** Throws `rate_limited` when `sessionId` already has the most streams allowed. */
  checkRoom(sessionId: string): void {
    if ((this.perSession.get(sessionId) ?? 0) >= MAX_STREAMS_PER_SESSION) {
      throw new HttpError(
        'rate_limited',
        `At most ${MAX_STREAMS_PER_SESSION} open event streams per session`,
        { headers: { 'retry-after': String(SSE_RETRY_MS / 1000) } },
      );
    }
  }

  add(response: ServerResponse, sessionId: string): void {
    this.open.set(response, sessionId);
    this.perSession.set(sessionId, (this.perSession.get(sessionId) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const stream of this.open.keys()) stream.write(':\n\n');
      }, SSE_HEARTBEAT_MS);
      this.timer.unref();
    }
  }

  delete(response: ServerResponse): void {
    const sessionId = this.open.get(response);
    if (sessionId === undefined) return;
    this.open.delete(response);
    const left = (this.perSession.get(sessionId) ?? 1) - 1;
    if (left > 0) this.perSession.set(sessionId, left);
    else this.perSession.delete(sessionId);
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const stream of this.open.keys()) stream.end();
    this.open.clear();
    this.perSession.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** `Last-Event-ID` header (or `?lastEventId=` for clients that cannot set it), if a sequence number. */
function lastEventIdOf(request: FastifyRequest): number | null {
  const query = request.query as Record<string, unknown> | undefined;
  const raw = request.headers['last-event-id'] ?? query?.lastEventId;
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw)) return null;
  return Number(raw);
}

/** One open stream: sends each event once, in order, and ends after a terminal one. */
class SessionStream {
  lastSent: number;
  private ended = false;
  private chain = Promise.resolve();
  private unsubscribe: () => void = () => undefined;

  private readonly issuer: Issuer;
  private readonly streams: SseStreams;
  private readonly response: ServerResponse;
  private readonly session: SessionRecord;

  constructor(
    issuer: Issuer,
    streams: SseStreams,
    response: ServerResponse,
    session: SessionRecord,
    lastEventId: number | null,
  ) {
    this.issuer = issuer;
    this.streams = streams;
    this.response = response;
    this.session = session;
    this.lastSent = lastEventId ?? 0;
  }

  listen(unsubscribe: () => void): void {
    this.unsubscribe = unsubscribe;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.streams.delete(this.response);
    this.response.end();
  }

  /** Queues `work` after what is queued; a failure ends the stream. */
  private then(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch(() => this.end());
  }

  enqueue(seq: number, state: { status: SessionStatus; errorCode: ErrorCode | null }): void {
    this.then(() => this.send(seq, state));
  }

  /** Queues every stored event after the last one sent (a resume, or a missed feed). */
  catchUp(): void {
    this.then(async () => {
      const events = await this.issuer.store.listEventsAfter(this.session.id, this.lastSent);
      for (const event of events) await this.send(event.seq, event);
    });
  }

  private async send(
    seq: number,
    state: { status: SessionStatus; errorCode: ErrorCode | null },
  ): Promise<void> {
    if (this.ended || seq <= this.lastSent) return;
    this.lastSent = seq;
    const current = (await this.issuer.store.getSession(this.session.id)) ?? this.session;
    const data = await this.issuer.checkout.toPublicSession(current, state);
    if (this.ended) return;
    this.response.write(`id: ${seq}\nevent: session\ndata: ${JSON.stringify(data)}\n\n`);
    if (isTerminalSessionStatus(state.status)) this.end();
  }

  /** Resolves when everything queued so far was sent. */
  async drained(): Promise<void> {
    await this.chain;
  }
}

export async function streamSessionEvents(
  issuer: Issuer,
  streams: SseStreams,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionRecord,
): Promise<void> {
  const claimedLastId = lastEventIdOf(request);
  // An id this session never sent (another session's, or from a lost database) means start over.
  const lastEventId =
    claimedLastId !== null && claimedLastId <= session.eventSeq ? claimedLastId : null;
  // Before the headers go out, so a refusal is an ordinary error answer (with CORS).
  streams.checkRoom(session.id);
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${SSE_RETRY_MS}\n\n`);

  const stream = new SessionStream(issuer, streams, response, session, lastEventId);
  let ready = false;
  const pending: SessionEventRecord[] = [];
  stream.listen(
    issuer.hub.subscribe(
      session.id,
      (event) => {
        if (ready) stream.enqueue(event.seq, event);
        else pending.push(event);
      },
      // The cross-process feed was interrupted: read what this stream may have missed.
      () => stream.catchUp(),
    ),
  );
  request.raw.on('close', () => stream.end());
  streams.add(response, session.id);

  if (lastEventId === null) {
    const current = (await issuer.checkout.loadSession(session.id)) ?? session;
    stream.enqueue(current.eventSeq, current);
  } else stream.catchUp();
  ready = true;
  for (const event of pending) stream.enqueue(event.seq, event);
  await stream.drained();
  // A client resuming after the terminal event has nothing more to receive.
  const latest = await issuer.store.getSession(session.id);
  if (latest && isTerminalSessionStatus(latest.status) && stream.lastSent >= latest.eventSeq) {
    stream.end();
  }
}
