/**
 * The issuer's service worker (`GET /sw.js`, scope `/`): shows each push message as a system
 * notification (`notification.ts`, in the browser's language) and, when one is tapped, opens the
 * issuer's page it names — a payment (`/p/:sessionId`) or the recovery page (`/r`) — focusing a
 * tab already showing it. It fetches nothing and caches nothing.
 */
import { notificationFor, targetUrl } from './notification.js';

// The DOM library's types, not the worker's (one tsconfig for all of src): the few worker
// interfaces used here, declared.
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  location: Location;
  navigator: Navigator;
  clients: {
    claim(): Promise<void>;
    matchAll(options: {
      type: 'window';
      includeUncontrolled: boolean;
    }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, listener: (event: never) => void): void;
}

const scope = self as unknown as WorkerScope;

/** A payload as JSON, or null (a message that is not JSON still shows a generic notification). */
function payloadOf(event: PushEventLike): unknown {
  try {
    return event.data?.json() ?? null;
  } catch {
    return null;
  }
}

async function open(url: string): Promise<void> {
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const shown = windows.find((client) => client.url === url);
  if (shown) await shown.focus();
  else await scope.clients.openWindow(url);
}

scope.addEventListener('install', (event: ExtendableEventLike) => {
  event.waitUntil(scope.skipWaiting());
});

scope.addEventListener('activate', (event: ExtendableEventLike) => {
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('push', (event: PushEventLike) => {
  const { title, options } = notificationFor(payloadOf(event), scope.navigator.language);
  event.waitUntil(scope.registration.showNotification(title, options));
});

scope.addEventListener('notificationclick', (event: NotificationEventLike) => {
  event.notification.close();
  event.waitUntil(open(targetUrl(event.notification.data, scope.location.origin)));
});
