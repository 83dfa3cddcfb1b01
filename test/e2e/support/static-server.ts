import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StaticRoute {
  body: string | Buffer;
  type: string;
  headers?: Record<string, string>;
}

/** A loopback HTTP server that answers fixed routes, for pages under test. */
export class StaticServer {
  private readonly server: Server;

  private constructor(routes: Record<string, StaticRoute>) {
    this.server = createServer((request, response) => {
      const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
      if (!route) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': route.type, ...route.headers }).end(route.body);
    });
  }

  /** Starts a server on an ephemeral loopback port. */
  static async start(routes: Record<string, StaticRoute>): Promise<StaticServer> {
    const instance = new StaticServer(routes);
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get origin(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The built script-tag bundle and its SRI hash (run `npm run build` first). */
export async function readCdnBundle(): Promise<{ script: Buffer; integrity: string }> {
  const [script, integrity] = await Promise.all([
    readFile('dist/cdn/dualpay.js'),
    readFile('dist/cdn/dualpay.js.sri', 'utf8'),
  ]);
  return { script, integrity: integrity.trim() };
}
