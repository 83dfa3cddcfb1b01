/**
 * A raw HTTP/1.1 client over a TCP socket, for hostile-input tests: the request line, headers and
 * body bytes go out exactly as given (fetch would normalise the path, refuse odd header bytes and
 * re-encode the body). One request per connection (`Connection: close`).
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Request target as sent (already percent-encoded where wanted). */
  target: string;
  /** Header name → value, written as latin1 bytes. */
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (an SSE body is cut after its headers). */
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends `request` to `host:port` and resolves with the answer (rejects only on socket errors). */
export function rawRequest(
  port: number,
  request: RawRequest,
  host = 'localhost',
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body =
      request.body === undefined
        ? Buffer.alloc(0)
        : typeof request.body === 'string'
          ? Buffer.from(request.body, 'utf8')
          : request.body;
    const headers: Record<string, string> = {
      host: `${host}:${port}`,
      connection: 'close',
      ...request.headers,
    };
    if (body.length > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
      headers['content-length'] = String(body.length);
    const head =
      `${request.method} ${request.target} HTTP/1.1\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';
    const socket = connect({ port, host });
    const chunks: Buffer[] = [];
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);

    const parse = (): RawResponse | null => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return null;
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const parsedHeaders: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0)
          parsedHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rawBody: Buffer = all.subarray(split + 4);
      if (/chunked/i.test(parsedHeaders['transfer-encoding'] ?? ''))
        rawBody = decodeChunked(rawBody);
      const text = rawBody.toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status, headers: parsedHeaders, text, json };
    };

    function finish(error: Error | null): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parse();
      if (parsed) resolve(parsed);
      else reject(error ?? new Error('connection closed without an answer'));
    }

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // A stream that stays open (SSE): the status and headers are all we need.
      const parsed = parse();
      if (parsed && /text\/event-stream/.test(parsed.headers['content-type'] ?? '')) finish(null);
    });
    socket.on('end', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('error', (error) => finish(error));
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}
