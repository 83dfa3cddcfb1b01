// Summarises a V8 `.cpuprofile` (from `node --cpu-prof` or the inspector's Profiler): self time
// per function and per package/folder.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './common.mjs';

function where(url) {
  if (!url) return '';
  let path = url;
  try {
    if (url.startsWith('file:')) path = fileURLToPath(url);
  } catch {
    // keep as is
  }
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

/** Which package or folder a frame belongs to, for the per-area totals. */
function areaOf(frame) {
  const url = where(frame.url);
  const name = frame.functionName;
  if (!url) {
    if (['(garbage collector)', '(idle)', '(program)', '(root)'].includes(name)) return name;
    return '(native: V8 builtins, better-sqlite3, crypto…)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /^src\/([^/]+(?:\/[^/.]+)?)/.exec(url)?.[1];
  return src ? `src/${src}` : url;
}

/** What kind of work a location (the nearest frame with a URL) is. */
function categoryOf(url) {
  if (!url) return 'other native';
  if (/better-sqlite3|\/server\/store\//.test(url)) return 'SQLite (better-sqlite3 + store)';
  if (
    /@simplewebauthn|jose|asn1|@peculiar|tiny-cbor|@hexagon|node:internal\/crypto|node:crypto/.test(
      url,
    )
  ) {
    return 'crypto (WebAuthn verify, JWS sign, hashes)';
  }
  if (
    /fastify|find-my-way|avvio|light-my-request|node:_http|node:net|node:internal\/(streams|stream_base|http|net)|node:stream|node:events|node:internal\/process\/task_queues/.test(
      url,
    )
  ) {
    return 'HTTP (Node http + Fastify)';
  }
  if (/\/(server|protocol)\//.test(url)) return 'issuer code (dist/server, dist/protocol)';
  return 'other';
}

/**
 * @returns {{totalMs: number, top: object[], areas: object[], categories: object[]}}
 */
export function summarizeProfile(file, topN = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  /** Native frames (no URL) count for the nearest caller that has one. */
  const categoryOfNode = (id) => {
    const name = byId.get(id)?.callFrame.functionName;
    if (['(garbage collector)', '(idle)', '(program)'].includes(name)) return name;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)?.callFrame.url;
      if (url) return categoryOf(url);
    }
    return 'other native';
  };
  const categories = new Map();
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to sample i.
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map();
  const areas = new Map();
  for (const [id, msSelf] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const key = `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
    const entry = functions.get(key) ?? {
      function: frame.functionName || '(anonymous)',
      location: frame.url ? `${where(frame.url)}:${frame.lineNumber + 1}` : '(native)',
      selfMs: 0,
    };
    entry.selfMs += msSelf;
    functions.set(key, entry);
    const category = categoryOfNode(id);
    categories.set(category, (categories.get(category) ?? 0) + msSelf);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + msSelf);
  }
  const pct = (x) => Number(((x / totalMs) * 100).toFixed(1));
  const top = [...functions.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topN)
    .map((f) => ({ ...f, selfMs: Number(f.selfMs.toFixed(1)), selfPct: pct(f.selfMs) }));
  const areaList = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, msArea]) => ({ area, selfMs: Number(msArea.toFixed(1)), selfPct: pct(msArea) }));
  const categoryList = [...categories.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([category, msCat]) => ({
      category,
      selfMs: Number(msCat.toFixed(1)),
      selfPct: pct(msCat),
    }));
  return {
    file: where(file),
    totalMs: Number(totalMs.toFixed(1)),
    top,
    areas: areaList,
    categories: categoryList,
  };
}
