/**
 * Several issuer processes (the CLI, `spawnIssuer`) on one PostgreSQL database, as behind a load
 * balancer: every process has the same public URL (the phone's Origin, the WebAuthn origin), and
 * each request goes to whichever process the test picks.
 */
import type { SimulatedAuthenticator } from '../../../src/phone/simulated-authenticator.js';
import { Phone, request, type HttpResult } from './harness.js';
import { freePort, spawnIssuer, type IssuerProcess } from './process.js';

export interface Processes {
  /** The public URL all of them share (the first one's own address). */
  publicUrl: string;
  list: IssuerProcess[];
  /** Stops every process still running (SIGTERM). */
  stop(): Promise<void>;
}

/**
 * Starts `count` issuers on `databaseUrl` at the same time (each with `--seed-demo`, so they seed
 * concurrently), sharing the first one's address as their public URL.
 */
export async function spawnProcesses(
  databaseUrl: string,
  count: number,
  extraArgs: string[] = [],
): Promise<Processes> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const publicUrl = `http://localhost:${ports[0]}`;
  const list = await Promise.all(
    ports.map((port) => spawnIssuer(port, databaseUrl, ['--public-url', publicUrl, ...extraArgs])),
  );
  return {
    publicUrl,
    list,
    async stop() {
      await Promise.all(list.filter((p) => p.child.exitCode === null).map((p) => p.stop()));
    },
  };
}

/**
 * A phone of an issuer run as several processes: its pages' origin is the shared public URL, and
 * each request goes to `target`, which the test moves between processes (`via`). One card, one
 * cookie jar, whichever process answers.
 */
export class BalancedPhone extends Phone {
  private readonly publicOrigin: string;
  target: string;
  /** Sent as X-Forwarded-For when set (processes started with `--trust-proxy 1`). */
  forwardedFor: string | undefined;

  constructor(publicUrl: string, target: string, card?: SimulatedAuthenticator) {
    super(target, card);
    this.publicOrigin = new URL(publicUrl).origin;
    this.target = target;
  }

  override get origin(): string {
    return this.publicOrigin;
  }

  /** Sends the next requests to `target`. */
  via(target: string): this {
    this.target = target;
    return this;
  }

  override async post<T = unknown>(
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const result = await request<T>(this.target, 'POST', path, {
      ...(body !== undefined ? { body } : {}),
      headers: {
        origin: this.origin,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.forwardedFor ? { 'x-forwarded-for': this.forwardedFor } : {}),
        ...headers,
      },
    });
    const setCookie = result.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    return result;
  }
}

/** Resolves once `check` resolves true (polled every 50 ms), or fails after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
