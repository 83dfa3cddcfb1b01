/**
 * A budget for the audit rows of refused steps. A refused step changes nothing but its own audit
 * row, so without a budget anyone could grow the audit log without bound by repeating one (a
 * decline of a settled payment, random codes on the phone endpoints). Each client key may write
 * `perMinute` such rows per one-minute window; further rows of that window are dropped and
 * counted, and one `audit.refusals_dropped` row says how many, written when the window is swept
 * after its end or before the key's next written row, whichever comes first.
 */
import type { Actor, AuditEntry } from '../store/types.js';

/** Refused-step rows one client key may write per minute. */
export const REFUSAL_AUDITS_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

/**
 * Which audit rows are refused-step rows: `….refused` (a step refused on a payment: decline,
 * cancel, claim or settle that lost), `….denied` (a phone step on a code this phone did not
 * claim, or that names nothing) and `user_code.miss`. Everything else is exact, notably
 * `approval.failed`: it is written once per failed attempt and each session allows only
 * `MAX_FAILED_ATTEMPTS` of them, so it is bounded already and the lock accounting needs every one.
 */
export function isRefusedStep(action: string): boolean {
  return action.endsWith('.refused') || action.endsWith('.denied') || action === 'user_code.miss';
}

interface Window {
  start: number;
  written: number;
  dropped: number;
  /** Dropped rows by action. */
  actions: Record<string, number>;
  /** The last dropped row's address, for the summary. */
  ip: string | undefined;
}

export class RefusalAuditBudget {
  private readonly windows = new Map<string, Window>();
  private readonly perMinute: number;

  constructor(perMinute = REFUSAL_AUDITS_PER_MINUTE) {
    this.perMinute = perMinute;
  }

  /**
   * Admits one refused-step row of client `key`: `write` says whether to write it; `summary`, when
   * set, is the summary of the key's ended window, to be written first.
   */
  admit(key: string, entry: AuditEntry): { write: boolean; summary: AuditEntry | null } {
    let window = this.windows.get(key);
    let summary: AuditEntry | null = null;
    if (window && entry.at >= window.start + WINDOW_MS) {
      summary = this.summary(key, window, entry.at);
      window = undefined;
    }
    if (!window) {
      window = { start: entry.at, written: 0, dropped: 0, actions: {}, ip: undefined };
      this.windows.set(key, window);
    }
    if (window.written < this.perMinute) {
      window.written++;
      return { write: true, summary };
    }
    window.dropped++;
    window.actions[entry.action] = (window.actions[entry.action] ?? 0) + 1;
    window.ip = entry.ip;
    return { write: false, summary };
  }

  /**
   * The summaries of windows that ended by `now` (every window when `now` is Infinity, at
   * shutdown); forgets those windows.
   */
  flush(now: number, at = now): AuditEntry[] {
    const summaries: AuditEntry[] = [];
    for (const [key, window] of this.windows) {
      if (now < window.start + WINDOW_MS) continue;
      this.windows.delete(key);
      const summary = this.summary(key, window, at);
      if (summary) summaries.push(summary);
    }
    return summaries;
  }

  /** Forgets `key`'s window and returns its summary row, if it dropped anything. */
  private summary(key: string, window: Window, at: number): AuditEntry | null {
    this.windows.delete(key);
    if (window.dropped === 0) return null;
    const actor: Actor = { actor: 'system', ip: window.ip };
    return {
      ...actor,
      at,
      action: 'audit.refusals_dropped',
      detail: {
        clientKey: key,
        dropped: window.dropped,
        actions: window.actions,
        from: new Date(window.start).toISOString(),
        to: new Date(window.start + WINDOW_MS).toISOString(),
      },
    };
  }
}
