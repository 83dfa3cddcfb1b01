import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isInAppClick,
  parseRoute,
  routePath,
  screenKey,
  section,
  type Route,
} from '../../src/console/router.js';

describe('console router (src/console/router.ts)', () => {
  const screens: [string, Route][] = [
    ['/console', { name: 'accounts', query: '' }],
    ['/console?query=Demo+Payer', { name: 'accounts', query: 'Demo Payer' }],
    ['/console/accounts/new', { name: 'new-account' }],
    ['/console/accounts/acct_demo', { name: 'account', id: 'acct_demo' }],
    ['/console/merchants', { name: 'merchants' }],
    ['/console/merchants/m_demo', { name: 'merchant', id: 'm_demo' }],
    ['/console/audit', { name: 'audit', filters: {} }],
    [
      '/console/audit?accountId=acct_demo&action=card.*&from=2026-01-01&to=2026-01-31',
      {
        name: 'audit',
        filters: { accountId: 'acct_demo', action: 'card.*', from: '2026-01-01', to: '2026-01-31' },
      },
    ],
  ];

  for (const [url, route] of screens) {
    it(`reads ${url} as the ${route.name} screen and writes it back to the same URL`, () => {
      const parsed = new URL(url, 'http://localhost');

      const read = parseRoute(parsed.pathname, parsed.search);

      assert.deepEqual(read, route);
      assert.equal(routePath(read), url);
    });
  }

  it('lands on the same screen after a reload of any screen (parse ∘ path is the identity)', () => {
    for (const [, route] of screens) {
      const url = new URL(routePath(route), 'http://localhost');
      assert.deepEqual(parseRoute(url.pathname, url.search), route);
    }
  });

  it('accepts a trailing slash and /console/accounts as the accounts list', () => {
    assert.deepEqual(parseRoute('/console/'), { name: 'accounts', query: '' });
    assert.deepEqual(parseRoute('/console/accounts'), { name: 'accounts', query: '' });
    assert.deepEqual(parseRoute('/console/accounts/acct_demo/'), {
      name: 'account',
      id: 'acct_demo',
    });
  });

  it('answers not-found for unknown paths, extra segments and ids that are not ids', () => {
    for (const path of [
      '/consoles',
      '/',
      '/console/nope',
      '/console/accounts/acct_demo/cards',
      '/console/accounts/%3Cscript%3E',
      '/console/accounts/%E0%A4%A',
      '/console/audit/x',
    ]) {
      assert.deepEqual(parseRoute(path), { name: 'not-found' }, path);
    }
  });

  it('drops audit days that are not YYYY-MM-DD and unknown filters', () => {
    assert.deepEqual(parseRoute('/console/audit', '?from=yesterday&to=2026-02-30&foo=1'), {
      name: 'audit',
      filters: { to: '2026-02-30' },
    });
  });

  it('encodes ids in paths', () => {
    assert.equal(routePath({ name: 'account', id: 'a b' }), '/console/accounts/a%20b');
  });

  it('keys screens by name and id, not by search terms or filters', () => {
    assert.equal(
      screenKey({ name: 'accounts', query: 'a' }),
      screenKey({ name: 'accounts', query: 'b' }),
    );
    assert.notEqual(
      screenKey({ name: 'account', id: 'a' }),
      screenKey({ name: 'account', id: 'b' }),
    );
    assert.equal(section({ name: 'new-account' }), 'accounts');
    assert.equal(section({ name: 'merchant', id: 'm' }), 'merchants');
    assert.equal(section({ name: 'not-found' }), null);
  });

  it('handles only plain left clicks on same-origin /console links', () => {
    const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false };
    const origin = 'http://localhost:4010';

    assert.equal(isInAppClick(click, '/console/merchants', origin), true);
    assert.equal(isInAppClick(click, `${origin}/console`, origin), true);
    assert.equal(isInAppClick({ ...click, ctrlKey: true }, '/console', origin), false);
    assert.equal(isInAppClick({ ...click, button: 1 }, '/console', origin), false);
    assert.equal(isInAppClick(click, 'https://evil.example/console', origin), false);
    assert.equal(isInAppClick(click, '/e/abc', origin), false);
  });
});
