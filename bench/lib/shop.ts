/**
 * The merchant side of the browser benchmarks, after test/e2e/support/shop.ts: serves the
 * script-tag bundle with its SRI hash, a session endpoint that calls the issuer with the secret
 * key, and two pages:
 *  - `/sse`: one `<dualpay-checkout>` whose `issuer` is the real issuer (SSE works);
 *  - `/poll?n=K`: K elements whose `issuer` is this shop, a proxy to the issuer that answers every
 *    `/events` request with 503, so each element falls back to polling `/public` at `interval`.
 */
import { readFileSync } from 'node:fs';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export class BenchShop {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly script: Buffer;
  private readonly integrity: string;
  issuerUrl = '';
  secretKey = 'sk_test_demo';
  private counter = 0;
  /** `/events` requests refused by the polling proxy. */
  refusedStreams = 0;

  private constructor() {
    this.script = readFileSync(join(ROOT, 'dist/cdn/dualpay.js'));
    this.integrity = readFileSync(join(ROOT, 'dist/cdn/dualpay.js.sri'), 'utf8').trim();
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<BenchShop> {
    const shop = new BenchShop();
    await new Promise<void>((resolve) => shop.server.listen(0, '127.0.0.1', resolve));
    return shop;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private page(body: string): string {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench shop</title>
<script src="/dualpay.js" integrity="${this.integrity}" crossorigin="anonymous"></script></head>
<body><main>${body}</main></body></html>`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/sse') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          this.page(
            `<dualpay-checkout issuer="${this.issuerUrl}" session-url="/api/checkout" handoff="qr" locale="en"></dualpay-checkout>`,
          ),
        );
    } else if (path === '/poll') {
      const n = Math.max(1, Math.min(64, Number(url.searchParams.get('n') ?? '1')));
      const element = `<dualpay-checkout issuer="${this.origin}" session-url="/api/checkout" handoff="qr" locale="en"></dualpay-checkout>`;
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(this.page(element.repeat(n)));
    } else if (path === '/dualpay.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(this.script);
    } else if (path === '/api/checkout' && req.method === 'POST') {
      for await (const _chunk of req) void _chunk;
      const n = ++this.counter;
      const answer = await fetch(`${this.issuerUrl}/v1/checkout-sessions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.secretKey}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-shop-${process.pid}-${n}`,
        },
        body: JSON.stringify({
          amount: 1500,
          currency: 'KRW',
          orderId: `bench-${n}`,
          description: 'Coffee',
        }),
      });
      const session = (await answer.json()) as { id: string; clientSecret: string };
      res
        .writeHead(answer.ok ? 200 : 502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: session.id, clientSecret: session.clientSecret }));
    } else if (path.startsWith('/v1/')) {
      if (path.endsWith('/events')) {
        // The polling baseline: SSE is "unavailable" here, the element falls back to /public.
        this.refusedStreams++;
        for await (const _chunk of req) void _chunk;
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' })
          .end('{"error":{"code":"unavailable","message":"SSE disabled by the bench proxy"}}');
        return;
      }
      this.proxy(req, res);
    } else {
      res.writeHead(404).end();
    }
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(req.url ?? '/', this.issuerUrl);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host }, agent: this.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
