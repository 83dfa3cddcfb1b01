/**
 * The HTML shells of the issuer's pages — the phone pages (`/h/:code`, `/h`, `/e/:code`) and the
 * operator console (`/console`) — and their scripts. Pages carry a strict CSP (no inline script or
 * style), cannot be framed, and send no referrer.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { HttpError } from '../errors.js';

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Route options of the GET routes that answer HEAD too (monitors and link checkers use it). */
export const WITH_HEAD = { exposeHeadRoute: true } as const;

/** Headers on every page the issuer serves. */
export function pageHeaders(reply: FastifyReply): FastifyReply {
  return (
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('x-frame-options', 'DENY')
      // No other window keeps a handle on a payment page (window.opener tricks, XS-Leaks).
      .header('cross-origin-opener-policy', 'same-origin')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header('permissions-policy', 'camera=(), microphone=(), geolocation=()')
  );
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PageShell {
  title: string;
  /** Bundle under /assets/<assets>/. */
  script: string;
  /** Custom element that renders the page. */
  tag: string;
  attributes: Record<string, string>;
  /** Folder of the bundles under /assets/ (default `phone`). */
  assets?: 'phone' | 'console';
  /**
   * Wrap the element in `<main>` (default). The console draws its own landmarks (banner,
   * navigation, main), so it is not wrapped: a second `main` would confuse screen readers.
   */
  main?: boolean;
  /** What a browser without JavaScript shows. */
  noscript?: string;
}

const PHONE_NOSCRIPT =
  '<p>This page needs JavaScript to talk to your card.</p><p lang="ko">이 페이지는 카드와 통신하려면 JavaScript가 필요합니다.</p>';

/** A minimal HTML document that loads the page's module and renders its element. */
export function renderPage(shell: PageShell): string {
  const attributes = Object.entries(shell.attributes)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  const assets = shell.assets ?? 'phone';
  const noscript =
    shell.noscript === undefined ? PHONE_NOSCRIPT : `<p>${escapeHtml(shell.noscript)}</p>`;
  const body = `<${shell.tag}${attributes}></${shell.tag}>
<noscript>${noscript}</noscript>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(shell.title)}</title>
<script type="module" src="/assets/${assets}/${escapeHtml(shell.script)}"></script>
</head>
<body>
${shell.main === false ? body : `<main>\n${body}\n</main>`}
</body>
</html>
`;
}

/**
 * Where the built bundles of `part` are: dist/<part> beside dist/server, or from src via dist/.
 * `probe` is a file the build always writes there.
 */
export function defaultAssetsDir(part: 'phone' | 'console', probe: string): string {
  const candidates = [`../../${part}/`, `../../../dist/${part}/`].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  // Look for a built bundle, not the folder: from src/, ../../phone is the TypeScript source.
  return candidates.find((dir) => existsSync(`${dir}${probe}`)) ?? candidates[1] ?? '';
}

/** Where the built phone bundles are. */
export function defaultPhoneAssetsDir(): string {
  return defaultAssetsDir('phone', 'confirm.js');
}

/** Where the built console bundle is. */
export function defaultConsoleAssetsDir(): string {
  return defaultAssetsDir('console', 'console.js');
}

const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css)$/;

/** Reads a built bundle file, or null when the name is not a served asset or it is missing. */
export async function readAsset(dir: string, name: string): Promise<Buffer | null> {
  if (!ASSET_NAME.test(name)) return null;
  try {
    return await readFile(`${dir}/${name}`);
  } catch {
    return null;
  }
}

/**
 * Answers a built bundle file of `dir` (`Cache-Control: no-cache`: revalidated, never stale after
 * an upgrade), or `404 not_found` ("No such asset").
 */
export async function sendAsset(reply: FastifyReply, dir: string, name: string) {
  const body = await readAsset(dir, name);
  if (!body) throw new HttpError('not_found', 'No such asset');
  const type = name.endsWith('.css') ? 'text/css' : 'text/javascript';
  return reply
    .header('content-type', `${type}; charset=utf-8`)
    .header('cache-control', 'no-cache')
    .send(body);
}
