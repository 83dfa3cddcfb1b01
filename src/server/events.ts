/**
 * In-process fan-out of session events. Events are written to the store inside the transaction
 * that changes the session (so they survive crashes and can be replayed from `Last-Event-ID`);
 * this hub only wakes the open streams of this process. With several processes on one PostgreSQL
 * database, the hub is also fed with every process's events (LISTEN/NOTIFY), and when that feed
 * was interrupted `resync()` asks each stream to catch up from the table.
 */
import type { SessionEventRecord } from './store/types.js';

export type SessionEventListener = (event: SessionEventRecord) => void;

interface Subscriber {
  onEvent: SessionEventListener;
  /** Catch up from the store: events may have been missed. */
  onResync?: (() => void) | undefined;
}

export class EventHub {
  private readonly listeners = new Map<string, Set<Subscriber>>();

  /** Listens to one session's events; returns the function that stops listening. */
  subscribe(sessionId: string, onEvent: SessionEventListener, onResync?: () => void): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
    }
    const subscriber: Subscriber = { onEvent, onResync };
    set.add(subscriber);
    return () => {
      const current = this.listeners.get(sessionId);
      current?.delete(subscriber);
      if (current?.size === 0) this.listeners.delete(sessionId);
    };
  }

  publish(event: SessionEventRecord): void {
    for (const subscriber of this.listeners.get(event.sessionId) ?? []) subscriber.onEvent(event);
  }

  /** Tells every subscriber that events may have been missed (a feed that was interrupted). */
  resync(): void {
    for (const set of this.listeners.values()) {
      for (const subscriber of set) subscriber.onResync?.();
    }
  }

  /** Number of sessions with at least one listener. */
  get size(): number {
    return this.listeners.size;
  }
}
