/**
 * Cuts the page off from the test issuer without touching the issuer: wraps `window.fetch` (the
 * element calls the global one at each request) so that, while "down", every request to the
 * issuer fails as fetch fails when nothing answers (TypeError) and open event streams break.
 *
 * `dateAheadMs` moves the issuer's `Date` header: tests that expire sessions move the test
 * issuer's clock forward (`issuer:advance`) but not its `Date` header, so without this the element
 * could not correct for that skew as it does for a real issuer (see `issuerClockAhead`).
 */
export interface IssuerLink {
  /** The issuer goes away: open streams break, new requests fail. */
  down(): void;
  /** The issuer is back. */
  up(): void;
  /** Puts the real fetch back. */
  restore(): void;
}

export function interceptIssuer(issuerUrl: string, dateAheadMs = 0): IssuerLink {
  const realFetch = window.fetch;
  const streams = new Map<
    ReadableStreamDefaultController<Uint8Array>,
    ReadableStreamDefaultReader<Uint8Array>
  >();
  let isDown = false;
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(issuerUrl)) return realFetch(input, init);
    if (isDown) throw new TypeError('Failed to fetch');
    const response = await realFetch(input, init);
    // Cut while the request was on its way: its answer never arrives either.
    if (isDown) {
      void response.body?.cancel();
      throw new TypeError('Failed to fetch');
    }
    const headers = new Headers(response.headers);
    const date = Date.parse(headers.get('date') ?? '');
    if (dateAheadMs && !Number.isNaN(date)) {
      headers.set('date', new Date(date + dateAheadMs).toUTCString());
    }
    const isStream = (headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (!isStream || !response.body) {
      return new Response(await response.arrayBuffer(), { status: response.status, headers });
    }
    // Relay the stream through one we can break.
    const reader = response.body.getReader();
    let relay!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        relay = controller;
        streams.set(controller, reader);
      },
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            streams.delete(controller);
            controller.close();
          } else if (streams.has(controller)) controller.enqueue(value);
        } catch (error) {
          if (streams.delete(controller)) controller.error(error);
        }
      },
      cancel() {
        streams.delete(relay);
        void reader.cancel();
      },
    });
    return new Response(body, { status: response.status, headers });
  };
  return {
    down() {
      isDown = true;
      for (const [stream, reader] of streams) {
        stream.error(new TypeError('network error'));
        void reader.cancel();
      }
      streams.clear();
    },
    up() {
      isDown = false;
    },
    restore() {
      window.fetch = realFetch;
    },
  };
}

/** How far the test issuer's clock runs ahead of this page's (moved by `issuer:advance`). */
export async function issuerClockAhead(
  command: <T>(name: string, payload?: Record<string, unknown>) => Promise<T>,
): Promise<number> {
  const session = await command<{ id: string }>('create-session');
  const before = Date.now();
  const view = await command<{ expiresAt: string }>('public', { id: session.id });
  const sessionTtlMs = 10 * 60_000;
  return Date.parse(view.expiresAt) - sessionTtlMs - before;
}
