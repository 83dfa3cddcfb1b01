/**
 * The SSRF rules of push endpoints, unit by unit: which addresses are public, what a subscription
 * may name, and the send-time DNS filter (a name that resolves to a private address is refused
 * before any socket opens). Also the VAPID key at rest.
 */
import assert from 'node:assert/strict';
import type { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  PushAddressRefused,
  checkPushEndpoint,
  isLoopbackAddress,
  isPublicAddress,
  publicLookup,
} from '../../src/server/push/endpoints.js';
import { sendPushRequest } from '../../src/server/push/send.js';
import { VapidKeys } from '../../src/server/push/vapid.js';
import { SqliteStore } from '../../src/server/store/sqlite/store.js';

describe('isPublicAddress', () => {
  const notPublic = [
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.255.255.255',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.168.0.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.251',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.1.2.3',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd00:ec2::254',
    'fec0::1',
    'ff02::1',
    '64:ff9b::a00:1',
    '100::1',
    '2001::1',
    '2001:db8::1',
    '2002:7f00:1::1',
    '2002:c0a8:101::1',
    '3fff::1',
    'not an address',
    '',
  ];
  const isPublic = [
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '142.250.206.10',
    '::ffff:8.8.8.8',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200a',
    '2002:808:808::1',
  ];

  it('refuses private, loopback, link-local, ULA, CGNAT, multicast, reserved and mapped ones', () => {
    assert.deepEqual(
      notPublic.filter((address) => isPublicAddress(address)),
      [],
    );
  });

  it('accepts public IPv4 and global unicast IPv6', () => {
    assert.deepEqual(
      isPublic.filter((address) => !isPublicAddress(address)),
      [],
    );
  });

  it('knows loopback in each form', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      assert.ok(isLoopbackAddress(address), address);
    }
    for (const address of ['10.0.0.1', '::', '::2', '8.8.8.8']) {
      assert.ok(!isLoopbackAddress(address), address);
    }
  });
});

describe('checkPushEndpoint', () => {
  it('marks --dev-push loopback endpoints, which may then resolve to loopback', () => {
    assert.deepEqual(
      { ...checkPushEndpoint('http://localhost:8080/push/1', true), url: undefined },
      { url: undefined, loopback: true },
    );
    assert.equal(checkPushEndpoint('https://fcm.googleapis.com/fcm/send/x', true).loopback, false);
    assert.throws(
      () => checkPushEndpoint('http://localhost:8080/push/1', false),
      (error: { code?: string }) => error.code === 'push_endpoint_not_allowed',
    );
  });
});

/** A resolver that answers `addresses` for every name. */
function fakeResolver(addresses: LookupAddress[]) {
  return ((_name: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
    callback(null, addresses)) as unknown as typeof dnsLookup;
}

function resolve(
  lookup: ReturnType<typeof publicLookup>,
  all: boolean,
): Promise<{ error: Error | null; address: unknown; family?: number | undefined }> {
  return new Promise((done) =>
    lookup('push.example.com', { all }, (error, address, family) =>
      done({ error, address, family }),
    ),
  );
}

describe('publicLookup (send-time DNS filter)', () => {
  it('refuses a name that resolves only to private addresses (DNS rebinding to the inside)', async () => {
    const lookup = publicLookup(
      false,
      fakeResolver([
        { address: '10.0.0.5', family: 4 },
        { address: 'fd00::5', family: 6 },
      ]),
    );

    const { error } = await resolve(lookup, true);

    assert.ok(error instanceof PushAddressRefused);
  });

  it('passes on only the public addresses of a mixed answer', async () => {
    const lookup = publicLookup(
      false,
      fakeResolver([
        { address: '127.0.0.1', family: 4 },
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ]),
    );

    assert.deepEqual((await resolve(lookup, true)).address, [
      { address: '93.184.216.34', family: 4 },
    ]);
    const single = await resolve(lookup, false);
    assert.equal(single.address, '93.184.216.34');
    assert.equal(single.family, 4);
  });

  it('lets loopback through only for a --dev-push loopback endpoint', async () => {
    const answer = [{ address: '127.0.0.1', family: 4 }];

    assert.ok((await resolve(publicLookup(false, fakeResolver(answer)), false)).error);
    assert.equal(
      (await resolve(publicLookup(true, fakeResolver(answer)), false)).address,
      '127.0.0.1',
    );
  });

  it('never connects when a real name resolves to loopback (localhost)', async () => {
    let connections = 0;
    const server = createServer((_request, response) => response.writeHead(201).end());
    server.on('connection', () => connections++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      const response = await sendPushRequest(
        {
          route: { url: new URL(`http://localhost:${port}/push/x`), loopback: false },
          headers: {},
          body: Buffer.from('x'),
        },
        { timeoutMs: 2000 },
      );

      assert.ok('error' in response && response.error instanceof PushAddressRefused);
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });
});

describe('VapidKeys at rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-vapid-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const kek = Buffer.alloc(32, 7);

  it('seals the private key with the key-encryption key, and opens it again', async () => {
    const store = new SqliteStore(join(dir, 'sealed.db'));
    try {
      const first = await new VapidKeys(store, { keyEncryptionKey: kek }).load(Date.now());
      const row = store.db.prepare('SELECT private_key FROM vapid_keys').get() as {
        private_key: string;
      };
      const again = await new VapidKeys(store, { keyEncryptionKey: kek }).load(Date.now());

      assert.match(row.private_key, /^enc:v1:/);
      assert.ok(!row.private_key.includes(first.privateKey));
      assert.deepEqual(again, first);
      await assert.rejects(new VapidKeys(store).load(Date.now()), /encrypted/);
      await assert.rejects(
        new VapidKeys(store, { keyEncryptionKey: Buffer.alloc(32, 8) }).load(Date.now()),
        /does not open/,
      );
    } finally {
      await store.close();
    }
  });

  it('seals a key stored in clear once a key-encryption key is set', async () => {
    const store = new SqliteStore(join(dir, 'clear.db'));
    try {
      const clear = await new VapidKeys(store).load(Date.now());
      const sealed = await new VapidKeys(store, { keyEncryptionKey: kek }).load(Date.now());
      const row = store.db.prepare('SELECT private_key FROM vapid_keys').get() as {
        private_key: string;
      };

      assert.deepEqual(sealed, clear);
      assert.match(row.private_key, /^enc:v1:/);
    } finally {
      await store.close();
    }
  });
});
