/**
 * The issuer's metrics in the Prometheus text format (prom-client, one registry per issuer):
 * requests by route, sessions by outcome, confirmations by result, risk decisions, open SSE
 * streams, push deliveries, store latency, and an anomaly signal per merchant (refusals well
 * above the merchant's own moving average). docs/operations.md "Metrics" lists each series with
 * example alert rules.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode, SessionStatus } from '../protocol/index.js';
import type { DomainObserver } from './domain/observer.js';
import { isTerminalSessionStatus } from '../protocol/index.js';

/** Seconds; from a cached read (~50 µs) to a slow commit or a stalled database. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** The anomaly signal's bucket: refusals are counted per five minutes… */
const ANOMALY_BUCKET_MS = 5 * 60_000;
/** …and averaged over about a day of buckets (an exponential moving average, α = 1/288). */
const ANOMALY_ALPHA = 1 / 288;
/** A merchant's average never counts as less than this many refusals per bucket. */
const ANOMALY_FLOOR = 1;

let processMetrics: Registry | undefined;

/**
 * Node's own metrics (CPU, memory, event-loop delay, GC), `dualpay_process_…`/`dualpay_nodejs_…`:
 * one set per process, started on the first scrape (an embedder running several issuers in one
 * process, like the tests, starts one set of monitors, not one per issuer).
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'dualpay_' });
  }
  return processMetrics;
}

interface MerchantRefusals {
  /** The bucket being counted (its start, epoch ms) and its refusals so far. */
  bucketStart: number;
  current: number;
  /** Refusals per bucket, moving average over the buckets before the current one. */
  average: number;
}

export class IssuerMetrics implements DomainObserver {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route'>;
  private readonly sessions: Counter<'outcome' | 'reason'>;
  private readonly confirmations: Counter<'result'>;
  private readonly merchantConfirmations: Counter<'merchant' | 'result'>;
  private readonly risk: Counter<'decision'>;
  private readonly pushes: Counter<'result'>;
  private readonly storeSeconds: Histogram<'operation'>;
  private readonly refusals = new Map<string, MerchantRefusals>();
  private streamCount: () => number = () => 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'dualpay_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'dualpay_http_request_duration_seconds',
      help: 'Time from a request to its answer, by method and route pattern (SSE: the stream life).',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sessions = new Counter({
      name: 'dualpay_sessions_ended_total',
      help: 'Checkout sessions that reached a final status in this process, by outcome and error code.',
      labelNames: ['outcome', 'reason'],
      registers,
    });
    this.confirmations = new Counter({
      name: 'dualpay_confirmations_total',
      help: 'Answers to POST /v1/handoffs/:code/confirm: settled, or the refusal code.',
      labelNames: ['result'],
      registers,
    });
    this.merchantConfirmations = new Counter({
      name: 'dualpay_merchant_confirmations_total',
      help: 'Confirmations by merchant: result is settled or refused.',
      labelNames: ['merchant', 'result'],
      registers,
    });
    this.risk = new Counter({
      name: 'dualpay_risk_decisions_total',
      help: 'Risk policy decisions before settlement: allow, or the refusal code.',
      labelNames: ['decision'],
      registers,
    });
    this.pushes = new Counter({
      name: 'dualpay_push_deliveries_total',
      help: 'Web Push messages: delivered (2xx), gone (404/410, subscription removed), failed, refused (endpoint not allowed).',
      labelNames: ['result'],
      registers,
    });
    this.storeSeconds = new Histogram({
      name: 'dualpay_store_operation_duration_seconds',
      help: 'Time of each store (database) call, by operation.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const streams = () => this.streamCount();
    new Gauge({
      name: 'dualpay_sse_streams_open',
      help: 'Open SSE streams to merchant pages in this process.',
      registers,
      collect() {
        this.set(streams());
      },
    });
    const anomalies = () => this.anomalies();
    new Gauge({
      name: 'dualpay_merchant_refusal_anomaly',
      help: "Refusals in the current 5 minutes over the merchant's own moving average per 5 minutes (about a day); above 5 is unusual.",
      labelNames: ['merchant'],
      registers,
      collect() {
        this.reset();
        for (const [merchant, ratio] of anomalies()) this.set({ merchant }, ratio);
      },
    });
  }

  /** Where the open-stream count comes from (the HTTP app's stream registry). */
  countStreamsWith(count: () => number): void {
    this.streamCount = count;
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ method, route }, seconds);
  }

  storeCall(operation: string, seconds: number): void {
    this.storeSeconds.observe({ operation }, seconds);
  }

  sessionEnded(status: SessionStatus, errorCode: ErrorCode | null): void {
    if (!isTerminalSessionStatus(status)) return;
    this.sessions.inc({ outcome: status, reason: errorCode ?? '' });
  }

  confirmation(merchantId: string, result: 'settled' | ErrorCode): void {
    this.confirmations.inc({ result });
    const settled = result === 'settled';
    this.merchantConfirmations.inc({
      merchant: merchantId,
      result: settled ? 'settled' : 'refused',
    });
    if (!settled) this.countRefusal(merchantId);
  }

  riskDecision(decision: 'allow' | ErrorCode): void {
    this.risk.inc({ decision });
  }

  pushDelivery(result: 'delivered' | 'gone' | 'failed' | 'refused'): void {
    this.pushes.inc({ result });
  }

  /** The Prometheus text exposition of every metric, this process's own (CPU, memory…) too. */
  async text(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processRegistry(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  private countRefusal(merchantId: string): void {
    const entry = this.rolled(merchantId, this.now());
    entry.current++;
  }

  /** `merchantId`'s refusal counts, with the average moved past every bucket that has ended. */
  private rolled(merchantId: string, now: number): MerchantRefusals {
    const bucketStart = now - (now % ANOMALY_BUCKET_MS);
    let entry = this.refusals.get(merchantId);
    if (!entry) {
      entry = { bucketStart, current: 0, average: 0 };
      this.refusals.set(merchantId, entry);
    }
    // Each ended bucket moves the average; empty ones (no refusals at all) pull it down, at most a
    // day's worth (after that the average is ~0 whatever happened before).
    const ended = Math.min(288, Math.floor((bucketStart - entry.bucketStart) / ANOMALY_BUCKET_MS));
    for (let i = 0; i < ended; i++) {
      const count = i === 0 ? entry.current : 0;
      entry.average += ANOMALY_ALPHA * (count - entry.average);
    }
    if (ended > 0) {
      entry.bucketStart = bucketStart;
      entry.current = 0;
    }
    return entry;
  }

  /** Each merchant's current refusals over its moving average (at least `ANOMALY_FLOOR`). */
  private anomalies(): [string, number][] {
    const now = this.now();
    return [...this.refusals.keys()].map((merchant) => {
      const entry = this.rolled(merchant, now);
      return [merchant, entry.current / Math.max(ANOMALY_FLOOR, entry.average)];
    });
  }
}

/**
 * `store` with every method call timed into `metrics` (`dualpay_store_operation_duration_seconds`).
 * A proxy, so the store's own identity and prototype stay (shared-store features are detected on
 * it); what is not a function passes through untouched.
 */
export function instrumentStore<T extends object>(store: T, metrics: IssuerMetrics): T {
  // Keyed by the method itself, not its name: a method replaced on the store is timed as it is now.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      let timed = wrapped.get(method);
      if (!timed) {
        timed = (...args: unknown[]) => {
          const started = performance.now();
          const done = () => metrics.storeCall(property, (performance.now() - started) / 1000);
          const result = method.apply(target, args);
          if (result instanceof Promise) return result.finally(done);
          done();
          return result;
        };
        wrapped.set(method, timed);
      }
      return timed;
    },
  });
}
