/**
 * The SSRF address rules of webhooks (`src/server/webhooks/address.ts`): public unicast only,
 * loopback told apart, IPv4 inside IPv6 judged as IPv4.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, ipv6Bytes } from '../../src/server/webhooks/address.js';

describe('classifyAddress', () => {
  const cases: [string, 'public' | 'loopback' | 'forbidden'][] = [
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'forbidden'],
    ['10.1.2.3', 'forbidden'],
    ['100.64.0.1', 'forbidden'],
    ['100.127.255.255', 'forbidden'],
    ['169.254.169.254', 'forbidden'],
    ['172.16.0.1', 'forbidden'],
    ['172.31.255.255', 'forbidden'],
    ['192.0.0.8', 'forbidden'],
    ['192.0.2.1', 'forbidden'],
    ['192.168.1.1', 'forbidden'],
    ['198.18.0.1', 'forbidden'],
    ['198.51.100.7', 'forbidden'],
    ['203.0.113.9', 'forbidden'],
    ['224.0.0.251', 'forbidden'],
    ['239.255.255.250', 'forbidden'],
    ['240.0.0.1', 'forbidden'],
    ['255.255.255.255', 'forbidden'],
    ['2606:4700::6810:85e5', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['[2606:4700::1]', 'public'],
    ['::1', 'loopback'],
    ['::', 'forbidden'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'forbidden'],
    ['::ffff:a9fe:a9fe', 'forbidden'],
    ['::ffff:93.184.216.34', 'public'],
    ['::127.0.0.1', 'forbidden'],
    ['64:ff9b::a00:1', 'forbidden'],
    ['64:ff9b::7f00:1', 'forbidden'],
    ['64:ff9b::5db8:d822', 'public'],
    ['2002:0a00:0001::1', 'forbidden'],
    ['2002:5db8:d822::1', 'public'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'forbidden'],
    ['2001:db8::1', 'forbidden'],
    ['3fff::1', 'forbidden'],
    ['fc00::1', 'forbidden'],
    ['fd12:3456::1', 'forbidden'],
    ['fe80::1', 'forbidden'],
    ['fe80::1%eth0', 'forbidden'],
    ['fec0::1', 'forbidden'],
    ['ff02::1', 'forbidden'],
    ['100::1', 'forbidden'],
    ['not an address', 'forbidden'],
    ['', 'forbidden'],
  ];
  for (const [address, expected] of cases) {
    it(`${JSON.stringify(address)} is ${expected}`, () => {
      assert.equal(classifyAddress(address), expected);
    });
  }
});

describe('ipv6Bytes', () => {
  it('expands ::, dotted IPv4 tails and brackets into 16 bytes', () => {
    assert.deepEqual(
      ipv6Bytes('::ffff:1.2.3.4'),
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4],
    );
    assert.deepEqual(ipv6Bytes('[2001:db8::1]')?.slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
    assert.equal(ipv6Bytes('1.2.3.4'), null);
  });
});
