/**
 * A small HTTP proxy in front of the real issuer with switchable faults, for network-fault tests
 * of the element: slow answers, error answers for a while, an SSE stream cut in the middle of an
 * event, an SSE stream buffered until it ends (a proxy without `X-Accel-Buffering` support), and
 * dropped connections. It counts every request it sees, so a test can bound the request rate.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'none' }
  /** Every request waits this long before it is forwarded. */
  | { kind: 'delay'; ms: number }
  /** Page requests get this status from the proxy itself (with CORS, so the page can read it). */
  | { kind: 'status'; status: number; retryAfterSec?: number }
  /**
   * SSE: forward events until one matches `when`, send only the first half of its bytes, then
   * close the connection; for the next `times` streams.
   */
  | { kind: 'cut-sse'; when: (block: string) => boolean; times: number }
  /** SSE: hold the whole response until the issuer ends it. */
  | { kind: 'buffer-sse' };

export type RequestKind = 'public' | 'events' | 'handoffs' | 'cancel' | 'preflight' | 'other';

export interface SeenRequest {
  at: number;
  method: string;
  kind: RequestKind;
}

function kindOf(method: string, path: string): RequestKind {
  if (method === 'OPTIONS') return 'preflight';
  const match = /^\/v1\/checkout-sessions\/[^/]+\/(public|events|handoffs|cancel)$/.exec(path);
  return (match?.[1] as RequestKind | undefined) ?? 'other';
}

export class FaultProxy {
  private readonly server: Server;
  private readonly target: URL;
  private readonly streams = new Set<ServerResponse>();
  fault: Fault = { kind: 'none' };
  readonly requests: SeenRequest[] = [];

  private constructor(target: string) {
    this.target = new URL(target);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Starts a proxy to `target` (an origin) on a free loopback port. */
  static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests of `kind` seen at or after `since` (ms since the epoch). */
  count(kind: RequestKind, since = 0): number {
    return this.requests.filter((r) => r.kind === kind && r.at >= since).length;
  }

  /** Breaks every open SSE connection (a network blip). */
  dropStreams(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  close(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const kind = kindOf(req.method ?? 'GET', path);
    this.requests.push({ at: Date.now(), method: req.method ?? 'GET', kind });
    const fault = this.fault;
    if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault.kind === 'status' && kind !== 'other') {
      const origin = req.headers.origin;
      res.writeHead(fault.status, {
        'content-type': 'text/html',
        ...(fault.retryAfterSec !== undefined
          ? { 'retry-after': String(fault.retryAfterSec) }
          : {}),
        ...(origin
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-headers': 'authorization, last-event-id',
              'access-control-expose-headers': 'retry-after',
            }
          : {}),
      });
      res.end(`<html><body>${fault.status} from the proxy</body></html>`);
      return;
    }
    const upstream = httpRequest(
      new URL(req.url ?? '/', this.target),
      { method: req.method, headers: { ...req.headers, host: this.target.host } },
      (answer) => this.relay(answer, res, kind === 'events' ? fault : { kind: 'none' }),
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private relay(answer: IncomingMessage, res: ServerResponse, fault: Fault): void {
    const isStream = /text\/event-stream/.test(String(answer.headers['content-type']));
    if (!isStream || (fault.kind !== 'cut-sse' && fault.kind !== 'buffer-sse')) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (isStream) this.track(res);
      answer.pipe(res);
      return;
    }
    if (fault.kind === 'buffer-sse') {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
      this.track(res);
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    this.track(res);
    let buffer = '';
    let cut = false;
    answer.setEncoding('utf8');
    answer.on('data', (text: string) => {
      if (cut) return;
      buffer += text;
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary + 2);
        buffer = buffer.slice(boundary + 2);
        if (fault.times > 0 && fault.when(block)) {
          fault.times--;
          cut = true;
          res.write(block.slice(0, Math.floor(block.length / 2)));
          // Give the half event a moment on the wire, then cut the connection.
          setTimeout(() => {
            res.destroy();
            answer.destroy();
          }, 50);
          return;
        }
        res.write(block);
      }
    });
    answer.on('end', () => {
      if (!cut) res.end(buffer);
    });
  }

  private track(res: ServerResponse): void {
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }
}
