/**
 * The merchant's webhook endpoint, for tests: a local HTTP server that keeps every request (the
 * raw body, the headers, when it came) and answers what the test says (204 by default).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent. */
  body: string;
  /** Epoch ms of arrival. */
  at: number;
}

/** What to answer: a status, headers; `hang` never answers. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  hang?: boolean;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Answers request number `n` (0-based); default 204. */
  answer: (request: ReceivedWebhook, n: number) => Answer = () => ({ status: 204 });
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: ReceivedWebhook = {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const answer = receiver.answer(received, receiver.received.length);
        receiver.received.push(received);
        for (const wake of receiver.waiters.splice(0)) wake();
        if (answer.hang) return;
        response.writeHead(answer.status ?? 204, answer.headers ?? {}).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:<port>/hooks`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Resolves once `count` requests have come (rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`waited for ${count} webhook requests, got ${this.received.length}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(0, count);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
