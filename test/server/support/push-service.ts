/**
 * A local push service for tests: an HTTP server on loopback that plays the browser vendor's push
 * service. It checks each request's VAPID `Authorization` (RFC 8292: an ES256 JWT whose `aud` is
 * this service's origin, `exp` in the next 24 h, a `sub`, signed by key `k`), and decrypts the
 * body with the subscription's private key — our own RFC 8291 / RFC 8188 decryption with
 * node:crypto, not web-push's — so a test sees exactly what a browser would.
 */
import {
  createECDH,
  createHmac,
  createDecipheriv,
  createPublicKey,
  randomBytes,
  verify,
  type ECDH,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushSubscriptionJson } from '../../../src/protocol/index.js';

/** A browser's subscription keys: the P-256 key pair and the authentication secret. */
export class BrowserPushKeys {
  readonly ecdh: ECDH = createECDH('prime256v1');
  readonly publicKey: Buffer;
  readonly auth: Buffer = randomBytes(16);

  constructor() {
    this.publicKey = this.ecdh.generateKeys();
  }

  /** `PushSubscription.toJSON()` for `endpoint`. */
  subscription(endpoint: string): PushSubscriptionJson {
    return {
      endpoint,
      expirationTime: null,
      keys: { p256dh: this.publicKey.toString('base64url'), auth: this.auth.toString('base64url') },
    };
  }
}

// ── RFC 8291 decryption ──

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();
/** HKDF-Extract (RFC 5869 §2.2). */
const extract = (salt: Buffer, ikm: Buffer) => hmac(salt, ikm);
/** HKDF-Expand for one block (L ≤ 32), as RFC 8291 and RFC 8188 use it. */
const expand = (prk: Buffer, info: Buffer, length: number) =>
  hmac(prk, Buffer.concat([info, Buffer.from([1])])).subarray(0, length);

/**
 * Decrypts an `aes128gcm` Web Push message (RFC 8291 §3.4 with the RFC 8188 §2 record format) for
 * `keys`. Throws when anything does not check out: header, key, tag or padding.
 */
export function decryptWebPush(body: Buffer, keys: BrowserPushKeys): Buffer {
  // RFC 8188 §2.1: salt (16) ‖ rs (uint32) ‖ idlen (1) ‖ keyid; Web Push puts as_public in keyid.
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] ?? 0;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65 || asPublic[0] !== 0x04) throw new Error('keyid is not an uncompressed point');
  if (rs < 18) throw new Error('record size too small');
  // RFC 8291 §3.3: combine the ECDH secret with the authentication secret.
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0', 'latin1'),
    keys.publicKey,
    asPublic,
  ]);
  const ikm = expand(extract(keys.auth, ecdhSecret), keyInfo, 32);
  // RFC 8188 §2.2–2.3: content-encryption key and nonce from the salt.
  const prk = extract(salt, ikm);
  const cek = expand(prk, Buffer.from('Content-Encoding: aes128gcm\0', 'latin1'), 16);
  const baseNonce = expand(prk, Buffer.from('Content-Encoding: nonce\0', 'latin1'), 12);
  const records = body.subarray(21 + idlen);
  const plain: Buffer[] = [];
  for (let seq = 0, at = 0; at < records.length; seq++, at += rs) {
    const record = records.subarray(at, Math.min(at + rs, records.length));
    const nonce = Buffer.from(baseNonce);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
    // RFC 8188 §2: data ‖ delimiter ‖ zeros; 0x02 ends the last record, 0x01 any other.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    const last = at + rs >= records.length;
    if (padded[end] !== (last ? 2 : 1)) throw new Error('bad padding delimiter');
    plain.push(padded.subarray(0, end));
  }
  return Buffer.concat(plain);
}

// ── RFC 8292 VAPID ──

export interface VapidCheck {
  claims: { aud: string; exp: number; sub: string };
  /** `k`: the application server's public key (base64url). */
  key: string;
}

/**
 * Checks `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292 §3): an ES256 JWT signed by `k`, `aud`
 * this service's origin, `exp` in the future and at most 24 h away, a `sub`. Throws otherwise.
 */
export function verifyVapid(header: string | undefined, audience: string, now: number): VapidCheck {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a vapid Authorization: ${header}`);
  const [, jwt = '', key = ''] = match;
  const [head = '', body = '', signature = ''] = jwt.split('.');
  const point = Buffer.from(key, 'base64url');
  if (point.length !== 65 || point[0] !== 4)
    throw new Error('k is not an uncompressed P-256 point');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const header_ = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
  if (header_.alg !== 'ES256') throw new Error(`alg ${header_.alg}`);
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('bad VAPID signature');
  const claims = JSON.parse(
    Buffer.from(body, 'base64url').toString('utf8'),
  ) as VapidCheck['claims'];
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud}, expected ${audience}`);
  const seconds = now / 1000;
  if (!(claims.exp > seconds && claims.exp <= seconds + 24 * 3600)) throw new Error('bad exp');
  if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`bad sub ${claims.sub}`);
  return { claims, key };
}

// ── the service ──

export interface ReceivedPush {
  channel: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  vapid: VapidCheck;
  /** The decrypted payload (JSON-parsed), when the channel's keys are known. */
  payload: unknown;
}

/** How a channel answers: a status, or never (`hang`). */
export type ChannelAnswer = number | 'hang';

export class LocalPushService {
  readonly received: ReceivedPush[] = [];
  /** Requests that failed a check, with why. */
  readonly rejected: string[] = [];
  private readonly server: Server;
  private readonly keys = new Map<string, BrowserPushKeys>();
  private readonly answers = new Map<string, ChannelAnswer>();
  private readonly hanging = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(host = '127.0.0.1'): Promise<LocalPushService> {
    const server = createServer();
    const service = new LocalPushService(server);
    server.on('request', (request, response) => void service.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return service;
  }

  get origin(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A new channel with its own browser keys; answers its subscription JSON. */
  subscribe(answer: ChannelAnswer = 201): {
    channel: string;
    keys: BrowserPushKeys;
    subscription: PushSubscriptionJson;
  } {
    const channel = randomBytes(9).toString('base64url');
    const keys = new BrowserPushKeys();
    this.keys.set(channel, keys);
    this.answers.set(channel, answer);
    return { channel, keys, subscription: keys.subscription(`${this.origin}/push/${channel}`) };
  }

  answer(channel: string, answer: ChannelAnswer): void {
    this.answers.set(channel, answer);
  }

  /** Messages received for `channel`. */
  messages(channel: string): ReceivedPush[] {
    return this.received.filter((push) => push.channel === channel);
  }

  /** Resolves once `count` messages arrived in all (or rejects after `ms`). */
  async waitFor(count: number, ms = 5000): Promise<ReceivedPush[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`${this.received.length} of ${count} pushes (${this.rejected.join('; ')})`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const channel = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
    try {
      if (request.method !== 'POST') throw new Error(`method ${request.method}`);
      if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
      const vapid = verifyVapid(request.headers.authorization, this.origin, Date.now());
      const keys = this.keys.get(channel);
      const payload = keys
        ? (JSON.parse(decryptWebPush(body, keys).toString('utf8')) as unknown)
        : null;
      this.received.push({ channel, headers: request.headers, body, vapid, payload });
    } catch (error) {
      this.rejected.push((error as Error).message);
      response.writeHead(400).end();
      return;
    } finally {
      for (const wake of this.waiters.splice(0)) wake();
    }
    const answer = this.answers.get(channel) ?? 404;
    if (answer === 'hang') {
      this.hanging.add(response);
      return;
    }
    response
      .writeHead(
        answer,
        answer === 201 ? { location: `/message/${randomBytes(6).toString('hex')}` } : {},
      )
      .end();
  }
}
