/**
 * In-process fan-out of session events. Events are written to the store inside the transaction
 * that changes the session (so they survive crashes and can be replayed from `Last-Event-ID`);
 * this hub only wakes the open streams of this process. A multi-instance deployment would feed it
 * from PostgreSQL LISTEN/NOTIFY instead.
 */
import type { SessionEventRecord } from './store/types.js';

export type SessionEventListener = (event: SessionEventRecord) => void;

export class EventHub {
  private readonly listeners = new Map<string, Set<SessionEventListener>>();

  /** Listens to one session's events; returns the function that stops listening. */
  subscribe(sessionId: string, listener: SessionEventListener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(sessionId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(sessionId);
    };
  }

  publish(event: SessionEventRecord): void {
    for (const listener of this.listeners.get(event.sessionId) ?? []) listener(event);
  }

  /** Number of sessions with at least one listener. */
  get size(): number {
    return this.listeners.size;
  }
}
