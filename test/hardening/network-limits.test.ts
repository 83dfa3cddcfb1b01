/**
 * Slow clients, sockets per address and the client key of every per-client limit (security
 * review findings 4 and 5): a body that trickles in is cut off with `408 request_timeout` while
 * SSE streams stay open; one address cannot hold more than `maxConnectionsPerIp` sockets; IPv6
 * addresses count by /64; `trustProxy: N` takes the N-th `X-Forwarded-For` entry from the right,
 * so a client-written left end never picks the bucket; user-code misses spread over many
 * addresses empty one issuer-wide budget.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateUserCode, type Session } from '../../src/protocol/index.js';
import { DEFAULT_RATE_LIMITS, DEMO } from '../../src/server/index.js';
import { connectionSettings } from '../../src/server/http/connections.js';
import { clientKey } from '../../src/server/rate-limit.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';
import { freePort, spawnIssuer } from '../server/support/process.js';
import { openSse } from '../server/support/sse.js';

const answer = (result: HttpResult) => `${result.status} ${errorCodeOf(result.body)}`;

/** A raw TCP client: what it received, and when the server closed it (ms after it connected). */
interface RawClient {
  socket: Socket;
  openedAt: number;
  received: () => string;
  closed: Promise<number>;
}

function rawClient(port: number, localAddress?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    let text = '';
    const openedAt = Date.now();
    const closed = new Promise<number>((done) =>
      socket.on('close', () => done(Date.now() - openedAt)),
    );
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, openedAt, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** The status and `error.code` of a raw HTTP answer. */
function rawAnswer(text: string): string {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return `${status} ${code}`;
}

/** Sends a session-creation head promising a 1,000-byte body, then one byte every `everyMs`. */
function trickle(client: RawClient, everyMs: number): void {
  client.socket.write(
    'POST /v1/checkout-sessions HTTP/1.1\r\nhost: localhost\r\n' +
      `authorization: Bearer ${DEMO.secretKey}\r\ncontent-type: application/json\r\n` +
      'idempotency-key: trickle\r\ncontent-length: 1000\r\n\r\n{',
  );
  const timer = setInterval(() => client.socket.write(' '), everyMs);
  void client.closed.then(() => clearInterval(timer));
}

const eventsUrl = (base: string, session: Session) =>
  `${base}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

/** Cancels `session` as the merchant, so its streams get one more event. */
async function cancel(base: string, session: Session): Promise<void> {
  const result = await request(base, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
    token: DEMO.secretKey,
  });
  assert.equal(result.status, 200);
}

describe('a slow client at the default request timeout (30 s)', { timeout: 60_000 }, () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  // SLOW TEST: about 36 s. The only one that waits for the real default.
  it('cuts off a body sent a byte every 3 s after 30–35 s with 408 request_timeout, while an SSE stream stays open past 35 s', async () => {
    const session = await createSession(server.url);
    const stream = await openSse(eventsUrl(server.url, session));
    await stream.next();
    let streamEnded = false;
    void stream.ended.then(() => (streamEnded = true));
    const slow = await rawClient(server.port);

    trickle(slow, 3_000);
    const cutAfter = await slow.closed;
    await sleep(Math.max(0, 36_000 - (Date.now() - slow.openedAt)));
    const openAfter = Date.now() - slow.openedAt;
    await cancel(server.url, session);
    const event = await stream.next();

    assert.ok(cutAfter >= 30_000 && cutAfter <= 35_000, `cut off after ${cutAfter} ms`);
    assert.equal(rawAnswer(slow.received()), '408 request_timeout');
    assert.match(slow.received(), /\r\nconnection: close\r\n/i);
    assert.ok(openAfter >= 35_000 && !streamEnded, `stream ended before ${openAfter} ms`);
    assert.equal((JSON.parse(event.data) as { status: string }).status, 'cancelled');
    stream.close();
  });
});

describe('request timeouts (requestTimeoutMs: 2000)', { timeout: 30_000 }, () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer({ requestTimeoutMs: 2_000 })));
  after(() => server.dispose());

  it('cuts off a trickling body within 2–3.5 s with 408 request_timeout and closes the socket', async () => {
    const slow = await rawClient(server.port);

    trickle(slow, 300);
    const cutAfter = await slow.closed;

    assert.ok(cutAfter >= 2_000 && cutAfter <= 3_500, `cut off after ${cutAfter} ms`);
    assert.equal(rawAnswer(slow.received()), '408 request_timeout');
  });

  it('cuts off a head sent one header line at a time, and a socket that sends nothing', async () => {
    const slowHead = await rawClient(server.port);
    const silent = await rawClient(server.port);
    slowHead.socket.write('GET /healthz HTTP/1.1\r\n');
    const timer = setInterval(() => slowHead.socket.write('x-slow: 1\r\n'), 300);

    const [headCut, silentCut] = await Promise.all([slowHead.closed, silent.closed]);
    clearInterval(timer);

    assert.ok(headCut <= 3_500, `slow head cut off after ${headCut} ms`);
    assert.ok(silentCut <= 3_500, `silent socket closed after ${silentCut} ms`);
    assert.equal(rawAnswer(slowHead.received()), '408 request_timeout');
  });

  it('keeps an SSE stream open for three times the timeout and delivers its next event', async () => {
    const session = await createSession(server.url);
    const stream = await openSse(eventsUrl(server.url, session));
    await stream.next();
    let streamEnded = false;
    void stream.ended.then(() => (streamEnded = true));

    await sleep(6_500);
    await cancel(server.url, session);
    const event = await stream.next();

    assert.equal(streamEnded, false);
    assert.equal((JSON.parse(event.data) as { status: string }).status, 'cancelled');
    stream.close();
  });

  it('serves the next request of a keep-alive connection idle for longer than the timeout', async () => {
    const client = await rawClient(server.port);
    const get = 'GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n';

    client.socket.write(get);
    await sleep(3_000);
    client.socket.write(get);
    await sleep(300);
    client.socket.destroy();

    assert.equal(client.received().match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  });
});

describe('open sockets per client address (maxConnectionsPerIp: 4)', { timeout: 30_000 }, () => {
  let server: TestIssuer;
  const sockets: RawClient[] = [];
  before(async () => (server = await startTestIssuer({ maxConnectionsPerIp: 4 })));
  afterEach(() => {
    for (const client of sockets.splice(0)) client.socket.destroy();
  });
  after(() => server.dispose());

  const healthz = async (client: RawClient) => {
    client.socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
    await client.closed;
    return client.received();
  };

  it('closes a fifth socket from one address at once, unread, while another address still connects', async () => {
    for (let i = 0; i < 4; i++) sockets.push(await rawClient(server.port));

    const fifth = await rawClient(server.port);
    const closedAfter = await fifth.closed;
    const elsewhere = await rawClient(server.port, '127.0.0.2');
    sockets.push(elsewhere);

    assert.ok(closedAfter < 1_000, `fifth socket closed after ${closedAfter} ms`);
    assert.equal(fifth.received(), '');
    assert.match(await healthz(elsewhere), /^HTTP\/1\.1 200/);
  });

  it('accepts a socket again once one of the four closes', async () => {
    for (let i = 0; i < 4; i++) sockets.push(await rawClient(server.port));
    const first = sockets.shift();
    first?.socket.destroy();
    await first?.closed;
    await sleep(100);

    const again = await rawClient(server.port);
    sockets.push(again);

    assert.match(await healthz(again), /^HTTP\/1\.1 200/);
  });
});

describe('the connection settings', () => {
  it('cap sockets per address at 256 by default, and not at all behind a proxy', () => {
    assert.equal(connectionSettings({}).maxConnectionsPerIp, 256);
    assert.equal(connectionSettings({ trustProxy: 1 }).maxConnectionsPerIp, 0);
    assert.equal(
      connectionSettings({ trustProxy: 1, maxConnectionsPerIp: 50 }).maxConnectionsPerIp,
      50,
    );
  });

  it('time a request out after 30 s and its head after 10 s by default, the head never after the whole', () => {
    const defaults = connectionSettings({});
    const short = connectionSettings({ requestTimeoutMs: 2_000 });

    assert.deepEqual([defaults.requestTimeoutMs, defaults.headersTimeoutMs], [30_000, 10_000]);
    assert.deepEqual([short.requestTimeoutMs, short.headersTimeoutMs], [2_000, 2_000]);
  });

  it('refuse trustProxy: true (it used to trust the client-written left end)', () => {
    assert.throws(() => connectionSettings({ trustProxy: true as unknown as number }), TypeError);
    assert.throws(() => connectionSettings({ trustProxy: -1 }), TypeError);
  });
});

describe('clientKey', () => {
  const cases: [string | undefined, string][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:1::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not an address', 'invalid'],
    ['', 'invalid'],
    [undefined, 'invalid'],
  ];
  for (const [ip, key] of cases) {
    it(`keys ${JSON.stringify(ip)} as ${key}`, () => {
      assert.equal(clientKey(ip), key);
    });
  }
});

describe('rate-limit buckets behind one proxy (trustProxy: 1)', () => {
  let server: TestIssuer;
  afterEach(() => server.dispose());

  /** A user-code guess from the client the proxy saw as `forwardedFor`'s right end. */
  const guess = (forwardedFor: string) =>
    new Phone(server.url).post(`/v1/handoffs/${generateUserCode()}/claim`, undefined, {
      'x-forwarded-for': forwardedFor,
    });

  it('gives 20 IPv6 addresses of one /64 one bucket, and another /64 its own', async () => {
    server = await startTestIssuer({ trustProxy: 1 });
    const results: HttpResult[] = [];

    for (let i = 0; i < 20; i++)
      results.push(await guess(`2001:db8:1:2:${i.toString(16)}::${i + 1}`));
    const otherPrefix = await guess('2001:db8:1:3::1');

    const burst = DEFAULT_RATE_LIMITS.userCodeClaim.burst;
    assert.deepEqual(results.map(answer), [
      ...Array<string>(burst).fill('404 not_found'),
      ...Array<string>(20 - burst).fill('429 rate_limited'),
    ]);
    assert.equal(answer(otherPrefix), '404 not_found');
  });

  it('takes the right end of X-Forwarded-For: a forged left-most entry does not change the bucket', async () => {
    server = await startTestIssuer({ trustProxy: 1 });
    const results: HttpResult[] = [];

    for (let i = 0; i < 12; i++) results.push(await guess(`10.9.${i}.1, 198.51.100.7`));
    const anotherClient = await guess('10.9.0.1, 198.51.100.8');

    assert.deepEqual(results.map(answer).slice(9), [
      '404 not_found',
      '429 rate_limited',
      '429 rate_limited',
    ]);
    assert.equal(answer(anotherClient), '404 not_found');
  });

  it('counts an IPv4-mapped address as its IPv4 address', async () => {
    server = await startTestIssuer({ trustProxy: 1 });

    for (let i = 0; i < 10; i++) await guess(i % 2 ? '198.51.100.9' : '::ffff:198.51.100.9');
    const over = await guess('198.51.100.9');

    assert.equal(answer(over), '429 rate_limited');
  });

  it('with trustProxy: 2 takes the second entry from the right, whatever is left of it', async () => {
    server = await startTestIssuer({ trustProxy: 2 });

    for (let i = 0; i < 10; i++) await guess(`10.0.0.${i}, 198.51.100.20, 192.0.2.1`);
    const over = await guess('10.0.0.99, 198.51.100.20, 192.0.2.2');
    const other = await guess('10.0.0.1, 198.51.100.21, 192.0.2.1');

    assert.equal(answer(over), '429 rate_limited');
    assert.equal(answer(other), '404 not_found');
  });
});

describe('the issuer-wide budget of user-code misses', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  before(async () => (server = await startTestIssuer({ trustProxy: 1, now: () => clock.now })));
  after(() => server.dispose());

  const claimFrom = (address: number, code: string) =>
    new Phone(server.url).post(`/v1/handoffs/${code}/claim`, undefined, {
      'x-forwarded-for': `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
    });

  it('refuses every user-code claim once misses from many addresses empty it, even the right code; hand-off codes still claim', async () => {
    const { burst, perMinute } = DEFAULT_RATE_LIMITS.userCodeMissGlobal;
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const misses: HttpResult[] = [];

    for (let i = 0; i < burst; i++) misses.push(await claimFrom(i, generateUserCode()));
    const right = await claimFrom(100_000, handoff.userCode);
    const byHandoffCode = await claimFrom(100_001, handoff.code);
    clock.now += Math.ceil(60_000 / perMinute);
    const refilled = await claimFrom(100_002, generateUserCode());

    assert.ok(misses.every((result) => answer(result) === '404 not_found'));
    assert.equal(answer(right), '429 rate_limited');
    assert.ok(Number(right.headers.get('retry-after')) >= 1);
    assert.equal(byHandoffCode.status, 200);
    assert.equal(answer(refilled), '404 not_found');
  });
});

describe('dualpay-issuer --trust-proxy', () => {
  /** Runs the CLI with `args` and resolves with its exit code and stderr. */
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/server/cli.ts', '--db', ':memory:', ...args],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  it('refuses --trust-proxy without a number, saying what it takes', async () => {
    const bare = await run(['--trust-proxy']);
    const beforeFlag = await run(['--trust-proxy', '--port', '0']);
    const word = await run(['--trust-proxy', 'yes']);

    for (const result of [bare, beforeFlag, word]) {
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--trust-proxy takes the number of proxies/);
    }
  });

  it('refuses a --max-connections-per-ip that is not a whole number', async () => {
    const result = await run(['--max-connections-per-ip', '-3']);

    assert.equal(result.code, 2);
  });

  it('takes the client address from X-Forwarded-For with --trust-proxy 1', async () => {
    const issuer = await spawnIssuer(await freePort(), ':memory:', ['--trust-proxy', '1']);
    try {
      const guess = (forwardedFor: string) =>
        new Phone(issuer.url).post(`/v1/handoffs/${generateUserCode()}/claim`, undefined, {
          'x-forwarded-for': forwardedFor,
        });
      for (let i = 0; i < 10; i++) await guess(`10.0.0.${i}, 198.51.100.30`);

      const over = await guess('10.0.0.99, 198.51.100.30');
      const other = await guess('198.51.100.31');

      assert.equal(answer(over), '429 rate_limited');
      assert.equal(answer(other), '404 not_found');
    } finally {
      await issuer.stop();
    }
  });
});
