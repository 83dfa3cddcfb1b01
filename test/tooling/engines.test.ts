/**
 * The Node versions we promise (package.json `engines.node`, the README's requirements line) are
 * versions on which `npm ci` installs every package without an EBADENGINE warning. npm checks
 * `engines` of every package it installs except optional ones (@npmcli/arborist,
 * build-ideal-tree.js `#checkEngineAndPlatform`), and of the root package too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import Fastify from 'fastify';

/** The part of `semver` (npm's own range semantics; installed with the dev tools) used here. */
interface SemVer {
  major: number;
  minor: number;
  patch: number;
}
interface Range {
  set: { semver: SemVer; operator: string }[][];
  test(version: string): boolean;
}
const semver = createRequire(import.meta.url)('semver') as {
  Range: new (range: string) => Range;
  minVersion(range: string): SemVer | null;
};

interface LockPackage {
  version?: string;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockPackage>;
};
const ours = new semver.Range(pkg.engines.node);
/**
 * The newest Node major checked: 25, or the running one when newer. A later major is promised by
 * no one yet (better-sqlite3 12.9 names 20.x–25.x): the test gets there when CI's Node does.
 */
const newestMajor = Math.max(25, Number(process.versions.node.split('.')[0]));

/**
 * Node versions to try: X.Y.Z for every major from our lowest up to `newestMajor`, minors 0–40,
 * patches 0–2 and 99, plus every version a range in the lockfile names and the one just before
 * it — so that a boundary like `^22.13.0` is hit exactly.
 */
function candidateVersions(ranges: Range[]): string[] {
  const versions = new Set<string>();
  const lowest = semver.minVersion(pkg.engines.node);
  assert.ok(lowest, `engines.node ${pkg.engines.node} admits no version`);
  for (let major = lowest.major; major <= newestMajor; major++) {
    for (let minor = 0; minor <= 40; minor++) {
      for (const patch of [0, 1, 2, 99]) versions.add(`${major}.${minor}.${patch}`);
    }
  }
  for (const range of ranges) {
    for (const { semver: v } of range.set.flat()) {
      versions.add(`${v.major}.${v.minor}.${v.patch}`);
      if (v.patch > 0) versions.add(`${v.major}.${v.minor}.${v.patch - 1}`);
      else if (v.minor > 0) versions.add(`${v.major}.${v.minor - 1}.99`);
    }
  }
  return [...versions].filter(
    (version) => Number(version.split('.')[0]) <= newestMajor && ours.test(version),
  );
}

describe('Node engines: package.json, README and the packages npm ci installs', () => {
  it('every non-optional package in package-lock.json accepts every Node version engines.node allows', () => {
    const checked = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional)
      .flatMap(([path, entry]) => {
        const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return node ? [{ path, version: entry.version, range: new semver.Range(node), node }] : [];
      });
    const versions = candidateVersions(checked.map(({ range }) => range));

    const refused = checked.flatMap(({ path, version, range, node }) => {
      const first = versions.find((v) => !range.test(v));
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      return first ? [`${name}@${version} wants node ${node}, so npm ci warns on ${first}`] : [];
    });

    assert.ok(checked.length > 50, 'package-lock.json lists the packages’ engines');
    assert.deepEqual(refused, []);
  });

  it('engines.node admits the Node running the tests (CI’s)', () => {
    assert.ok(ours.test(process.versions.node), `${process.versions.node} vs ${pkg.engines.node}`);
  });

  it('the README requirements line names the lowest version of each range in engines.node', () => {
    const readme = readFileSync('README.md', 'utf8');
    const line = /^Requirements: Node ([^;]+);/m.exec(readme)?.[1];
    assert.ok(line, 'README has a "Requirements: Node …;" line');
    const named = [...line.matchAll(/(\d+(?:\.\d+)?)\+/g)].map((match) => match[1]);
    const lowest = ours.set.map((comparators) => {
      const low = comparators.find(({ operator }) => operator === '>=')?.semver;
      assert.ok(low, `${pkg.engines.node}: each range has a lower bound`);
      return low.minor === 0 ? `${low.major}` : `${low.major}.${low.minor}`;
    });

    assert.deepEqual(named, lowest);
  });

  it('Fastify’s inject (light-my-request) sends cookies with the cookie version npm ci installs', async () => {
    // package.json overrides light-my-request's cookie@2 (Node ≥ 22) with cookie@1.1.1 (Node ≥ 18),
    // which has the same stringifySetCookie({name, value}) that light-my-request calls.
    const app = Fastify();
    app.get('/', (request) => ({ cookie: request.headers.cookie ?? null }));
    try {
      const response = await app.inject({ url: '/', cookies: { session: 'abc', note: 'a b;c' } });

      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { cookie: 'session=abc; note=a%20b%3Bc' });
    } finally {
      await app.close();
    }
  });
});
