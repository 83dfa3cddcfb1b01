/**
 * A merchant site for the hardening end-to-end tests, like test/e2e/support/shop.ts but with the
 * parts those tests change: which issuer URL the element talks to (the issuer itself, a faulty
 * proxy in front of it, or an issuer restarted on the same port), which merchant key and which
 * order fields (hostile descriptions and order ids) the session endpoint uses. It records every
 * session it created, so a test can drive the phone side through the API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Session } from '../../../src/protocol/index.js';
import { readCdnBundle } from '../../e2e/support/static-server.js';

export interface MerchantSiteOptions {
  /** Where the element sends its page requests (`issuer` attribute). */
  elementIssuerUrl: string;
  /** Where the site's server creates sessions (the issuer itself). */
  apiIssuerUrl: string;
  secretKey?: string;
  /** Fields of each new session, merged over the defaults. */
  order?: () => Record<string, unknown>;
  locale?: string;
  /** A Content-Security-Policy for the page, if any (none: injected markup could run). */
  csp?: string;
}

export class MerchantSite {
  private readonly server: Server;
  readonly options: Required<Omit<MerchantSiteOptions, 'csp'>> & { csp?: string };
  /** Sessions created through `/api/checkout`, oldest first. */
  readonly sessions: Session[] = [];

  private constructor(options: MerchantSiteOptions, bundle: { script: Buffer; integrity: string }) {
    this.options = {
      secretKey: 'sk_test_demo',
      order: () => ({}),
      locale: 'en',
      ...options,
    };
    this.server = createServer((req, res) => void this.handle(req, res, bundle));
  }

  static async start(options: MerchantSiteOptions): Promise<MerchantSite> {
    const site = new MerchantSite(options, await readCdnBundle());
    await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve));
    return site;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The session the element is paying (the latest created). */
  get session(): Session {
    const session = this.sessions.at(-1);
    if (!session) throw new Error('no session created yet');
    return session;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    bundle: { script: Buffer; integrity: string },
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      const issuer = this.options.elementIssuerUrl.replaceAll('"', '&quot;');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        ...(this.options.csp ? { 'content-security-policy': this.options.csp } : {}),
      });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="/dualpay.js" integrity="${bundle.integrity}" crossorigin="anonymous"></script></head>
<body><main><h1>Shop</h1>
<dualpay-checkout issuer="${issuer}" session-url="/api/checkout" handoff="qr" locale="${this.options.locale}"></dualpay-checkout>
</main></body></html>`);
    } else if (path === '/dualpay.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.script);
    } else if (path === '/api/checkout' && req.method === 'POST') {
      const answer = await fetch(`${this.options.apiIssuerUrl}/v1/checkout-sessions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.secretKey}`,
          'content-type': 'application/json',
          'idempotency-key': `site-${Date.now()}-${Math.random()}`,
        },
        body: JSON.stringify({
          amount: 1500,
          currency: 'KRW',
          orderId: `site-${Date.now()}`,
          description: 'Coffee',
          ...this.options.order(),
        }),
      });
      const session = (await answer.json()) as Session;
      if (answer.status !== 201) {
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify(session));
        return;
      }
      this.sessions.push(session);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: session.id, clientSecret: session.clientSecret }));
    } else {
      res.writeHead(404).end();
    }
  }
}
