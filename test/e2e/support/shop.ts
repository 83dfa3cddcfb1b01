/**
 * A minimal merchant site for end-to-end tests: a checkout page (with the CSP a test asks for),
 * the script-tag bundle, a session endpoint that calls the issuer with the secret key, and a
 * same-origin proxy to the issuer (so `connect-src 'self'` holds).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySettlementToken } from '../../../src/verify/index.js';
import { readCdnBundle } from './static-server.js';

export interface ShopOptions {
  /** The page's HTML body inside <body>; gets `{{integrity}}` and `{{origin}}` filled in. */
  body: string;
  csp?: string;
}

export class Shop {
  private readonly server: Server;
  issuerUrl = '';
  /** The merchant's secret key (test demo merchant unless set). */
  secretKey = 'sk_test_demo';
  merchantId = 'm_demo';
  /** What the next checkout session asks for (minor units of `currency`). */
  order: { amount: number; currency: string } = { amount: 1500, currency: 'KRW' };

  private constructor(options: ShopOptions, bundle: { script: Buffer; integrity: string }) {
    this.server = createServer((req, res) => void this.handle(req, res, options, bundle));
  }

  static async start(options: ShopOptions): Promise<Shop> {
    const shop = new Shop(options, await readCdnBundle());
    await new Promise<void>((resolve) => shop.server.listen(0, '127.0.0.1', resolve));
    return shop;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    options: ShopOptions,
    bundle: { script: Buffer; integrity: string },
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="/dualpay.js" integrity="${bundle.integrity}" crossorigin="anonymous"></script></head>
<body>${options.body.replaceAll('{{origin}}', this.origin).replaceAll('{{issuer}}', this.issuerUrl)}</body></html>`;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        ...(options.csp ? { 'content-security-policy': options.csp } : {}),
      });
      res.end(page);
    } else if (path === '/dualpay.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.script);
    } else if (path === '/api/checkout' && req.method === 'POST') {
      const answer = await fetch(`${this.issuerUrl}/v1/checkout-sessions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.secretKey}`,
          'content-type': 'application/json',
          'idempotency-key': `shop-${Date.now()}-${Math.random()}`,
        },
        body: JSON.stringify({
          amount: this.order.amount,
          currency: this.order.currency,
          orderId: `shop-${Date.now()}`,
          description: 'Coffee',
        }),
      });
      const session = (await answer.json()) as { id: string; clientSecret: string };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: session.id, clientSecret: session.clientSecret }));
    } else if (path === '/api/orders/confirm' && req.method === 'POST') {
      // The merchant server's side: verify the token offline against the issuer's JWKS.
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { token } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token: string };
      try {
        const claims = await verifySettlementToken(token, {
          issuer: this.issuerUrl,
          audience: this.merchantId,
          jwksUrl: `${this.issuerUrl}/.well-known/jwks.json`,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(claims));
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unknown';
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code } }));
      }
    } else if (path.startsWith('/v1/')) {
      this.proxy(req, res);
    } else {
      res.writeHead(404).end();
    }
  }

  /** Streams the request to the issuer and the answer back (SSE included). */
  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(req.url ?? '/', this.issuerUrl);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }
}
