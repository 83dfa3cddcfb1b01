/**
 * The console's screens as URLs under `/console` (History API): every screen has its own path, so a
 * reload lands on it again and the browser's Back button works. The issuer serves the same HTML
 * shell for `/console` and `/console/*`; this module alone decides what a path means.
 */
import { AUDIT_FILTER_KEYS, type AuditFilters } from './types.js';

export const CONSOLE_BASE = '/console';

export type Route =
  | { name: 'accounts'; query: string }
  | { name: 'new-account' }
  | { name: 'account'; id: string }
  | { name: 'merchants' }
  | { name: 'merchant'; id: string }
  | { name: 'audit'; filters: AuditFilters }
  | { name: 'not-found' };

/** Ids the issuer hands out (`acct_…`, `m_…`): letters, digits, `_` and `-`. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function decodeSegment(segment: string): string | null {
  try {
    const value = decodeURIComponent(segment);
    return ID.test(value) ? value : null;
  } catch {
    return null;
  }
}

function auditFilters(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of AUDIT_FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if ((key === 'from' || key === 'to') && !DAY.test(value)) continue;
    filters[key] = value.slice(0, 200);
  }
  return filters;
}

/** The screen of `pathname` (+ `search`); anything unknown is `not-found`. */
export function parseRoute(pathname: string, search = ''): Route {
  const params = new URLSearchParams(search);
  if (pathname !== CONSOLE_BASE && !pathname.startsWith(`${CONSOLE_BASE}/`)) {
    return { name: 'not-found' };
  }
  const parts = pathname
    .slice(CONSOLE_BASE.length)
    .split('/')
    .filter((part) => part !== '');
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { name: 'not-found' };
  if (first === undefined) return { name: 'accounts', query: params.get('query') ?? '' };
  if (first === 'accounts') {
    if (second === undefined) return { name: 'accounts', query: params.get('query') ?? '' };
    if (second === 'new') return { name: 'new-account' };
    const id = decodeSegment(second);
    return id ? { name: 'account', id } : { name: 'not-found' };
  }
  if (first === 'merchants') {
    if (second === undefined) return { name: 'merchants' };
    const id = decodeSegment(second);
    return id ? { name: 'merchant', id } : { name: 'not-found' };
  }
  if (first === 'audit' && second === undefined) {
    return { name: 'audit', filters: auditFilters(params) };
  }
  return { name: 'not-found' };
}

/** The URL (path and query) of `route`; `parseRoute(routePath(r))` gives `r` back. */
export function routePath(route: Route): string {
  switch (route.name) {
    case 'accounts':
      return route.query
        ? `${CONSOLE_BASE}?${new URLSearchParams({ query: route.query }).toString()}`
        : CONSOLE_BASE;
    case 'new-account':
      return `${CONSOLE_BASE}/accounts/new`;
    case 'account':
      return `${CONSOLE_BASE}/accounts/${encodeURIComponent(route.id)}`;
    case 'merchants':
      return `${CONSOLE_BASE}/merchants`;
    case 'merchant':
      return `${CONSOLE_BASE}/merchants/${encodeURIComponent(route.id)}`;
    case 'audit': {
      const params = new URLSearchParams();
      for (const key of AUDIT_FILTER_KEYS) {
        const value = route.filters[key];
        if (value) params.set(key, value);
      }
      const query = params.toString();
      return `${CONSOLE_BASE}/audit${query ? `?${query}` : ''}`;
    }
    case 'not-found':
      return CONSOLE_BASE;
  }
}

/**
 * Which screen a route shows, ignoring its search terms and filters: focus moves to the new
 * screen's heading only when this changes (a new search on the same screen keeps focus).
 */
export function screenKey(route: Route): string {
  return 'id' in route ? `${route.name}:${route.id}` : route.name;
}

/** The menu entry a route belongs to (for `aria-current`). */
export function section(route: Route): 'accounts' | 'merchants' | 'audit' | null {
  switch (route.name) {
    case 'accounts':
    case 'new-account':
    case 'account':
      return 'accounts';
    case 'merchants':
    case 'merchant':
      return 'merchants';
    case 'audit':
      return 'audit';
    case 'not-found':
      return null;
  }
}

/**
 * Whether a click on a link should stay inside the console (same-origin `/console…` link, plain
 * left click without modifier keys), so the router handles it instead of a page load.
 */
export function isInAppClick(
  event: Pick<MouseEvent, 'button' | 'metaKey' | 'ctrlKey' | 'shiftKey' | 'altKey'>,
  href: string,
  origin: string,
): boolean {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(href, origin);
  } catch {
    return false;
  }
  return (
    url.origin === origin &&
    (url.pathname === CONSOLE_BASE || url.pathname.startsWith(`${CONSOLE_BASE}/`))
  );
}
