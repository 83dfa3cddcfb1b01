/**
 * Figures 2 and 3, in Chromium on loopback:
 *  2. latency from the phone's `confirm` HTTP response to `dualpay-settled` on the merchant page,
 *     SSE (sequential payments on one page) vs the polling fallback at `interval` 2 s;
 *  3. time from `start()` to a QR in the DOM, cold (new browser context and page load per sample)
 *     and warm (same page, reset() + start()).
 * The issuer runs in its own process (bench/issuer-process.mjs); the phone is `Phone` from the
 * server tests (a software FIDO2 authenticator calling the real API) in this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { Phone } from '../test/server/support/harness.js';
import { summarize, writeResult, table, ms, pass, sleep } from './lib/common.mjs';
import { spawnIssuer } from './lib/issuer.mjs';
import { BenchShop } from './lib/shop.js';

const SSE_PAYMENTS = Number(process.env.BENCH_SSE_PAYMENTS ?? 200);
const POLL_PAYMENTS = Number(process.env.BENCH_POLL_PAYMENTS ?? 200);
const POLL_LANES = Number(process.env.BENCH_POLL_LANES ?? 25);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 40);
const WARMUP = 5;
const BUDGET_SSE_P95_MS = 50;

const nodeNow = () => performance.timeOrigin + performance.now();

/** In-page helpers (plain JS, so no transpiler helpers leak into the page). */
const PAGE_HELPERS = { path: join(import.meta.dirname, 'lib', 'page-helpers.js') };

interface QrResult {
  url: string;
  bindingCode: string;
  qrMs: number;
  frameMs: number;
  status: string;
}

async function startAndWaitForQr(page: Page, index = 0): Promise<QrResult> {
  return page.evaluate(
    (i) =>
      (
        window as unknown as { __bench: { startAndWaitForQr(i: number): Promise<QrResult> } }
      ).__bench.startAndWaitForQr(i),
    index,
  );
}

/** Offset of the page clock against this process's clock (NTP-style, best of 20 round trips). */
async function calibrate(page: Page) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const before = nodeNow();
    const pageT = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = nodeNow();
    if (after - before < best.rtt)
      best = { rtt: after - before, offset: pageT - (before + after) / 2 };
  }
  return {
    offsetMs: Number(best.offset.toFixed(3)),
    uncertaintyMs: Number((best.rtt / 2).toFixed(3)),
  };
}

interface Sample {
  sessionId: string;
  /** Node: confirm request sent / response read. Page: dualpay-settled. Node: exposed call arrived. */
  confirmStart: number;
  confirmEnd: number;
  pageSettled: number;
  nodeNotified?: number | undefined;
  transport: string | null;
}

async function pay(
  page: Page,
  phone: Phone,
  index: number,
  notified: Map<string, number>,
  beforeConfirm?: () => Promise<void>,
): Promise<{ qr: QrResult; sample: Sample }> {
  const qr = await startAndWaitForQr(page, index);
  const code = qr.url.split('/h/')[1] ?? '';
  const claimed = await phone.claim(code);
  if (claimed.status !== 200)
    throw new Error(`claim ${claimed.status} ${JSON.stringify(claimed.body)}`);
  const sessionId = claimed.body.sessionId;
  const transport = (await page.evaluate(
    ([i]) =>
      (
        window as unknown as {
          __bench: { waitForStatus(i: number, s: string): Promise<string | null> };
        }
      ).__bench.waitForStatus(i as number, 'awaiting-confirmation'),
    [index],
  )) as string | null;
  const options = await phone.authenticationOptions(code, qr.bindingCode);
  if (options.status !== 200) throw new Error(`options ${options.status}`);
  const assertion = await phone.assert(options.body, { counter: 0 });
  if (beforeConfirm) await beforeConfirm();
  const confirmStart = nodeNow();
  const confirmed = await phone.confirm(code, assertion);
  const confirmEnd = nodeNow();
  if (confirmed.status !== 200)
    throw new Error(`confirm ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  const pageSettled = (await page.evaluate(
    (id) =>
      (
        window as unknown as { __bench: { waitForSettled(id: string): Promise<number> } }
      ).__bench.waitForSettled(id),
    sessionId,
  )) as number;
  // The exposed-function call may land a moment after evaluate returns.
  for (let i = 0; i < 50 && !notified.has(sessionId); i++) await sleep(2);
  return {
    qr,
    sample: {
      sessionId,
      confirmStart,
      confirmEnd,
      pageSettled,
      nodeNotified: notified.get(sessionId),
      transport,
    },
  };
}

function latencyStats(samples: Sample[], offsetMs: number) {
  const fromResponse = samples.map((s) => s.pageSettled - offsetMs - s.confirmEnd);
  const fromRequest = samples.map((s) => s.pageSettled - offsetMs - s.confirmStart);
  const confirmRtt = samples.map((s) => s.confirmEnd - s.confirmStart);
  const viaExposed = samples
    .filter((s) => s.nodeNotified)
    .map((s) => (s.nodeNotified as number) - s.confirmEnd);
  return {
    n: samples.length,
    transports: [...new Set(samples.map((s) => s.transport))],
    confirmResponseToSettledMs: summarize(fromResponse),
    confirmRequestToSettledMs: summarize(fromRequest),
    confirmRoundTripMs: summarize(confirmRtt),
    confirmResponseToNodeNotifiedMs: summarize(viaExposed),
  };
}

async function main() {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-bench-browser-'));
  const shop = await BenchShop.start();
  const issuer = await spawnIssuer({ db: join(dir, 'issuer.db'), shopOrigins: [shop.origin] });
  shop.issuerUrl = issuer.url;
  let browser: Browser | undefined;
  try {
    // A payer with room for every payment of the run, and one phone (card) per polling lane.
    const account = await fetch(`${issuer.url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: 'Bearer ak_test_demo', 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Bench payer', monthlyLimit: 1e12, currency: 'KRW' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const phones = await Promise.all(
      Array.from({ length: POLL_LANES + 1 }, async () => {
        const phone = new Phone(issuer.url);
        await phone.enrol(account.id);
        return phone;
      }),
    );
    const ssePhone = phones[0] as Phone;

    browser = await chromium.launch(chromiumLaunchOptions());
    const chromiumVersion = browser.version();

    // ── 3a. cold time-to-QR: a new context (no cache, no connections, no preflight cache) each time
    const cold: QrResult[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) {
      const context = await browser.newContext();
      await context.addInitScript(PAGE_HELPERS);
      const page = await context.newPage();
      await page.goto(`${shop.origin}/sse`, { waitUntil: 'load' });
      cold.push(await startAndWaitForQr(page));
      await context.close();
    }

    // ── 2a. SSE: sequential payments on one page (reset() + start() between payments)
    const notified = new Map<string, number>();
    const context = await browser.newContext();
    await context.exposeFunction('__benchSettled', (id: string) => {
      notified.set(id, nodeNow());
    });
    await context.addInitScript(PAGE_HELPERS);
    const page = await context.newPage();
    await page.goto(`${shop.origin}/sse`, { waitUntil: 'load' });
    const clockBefore = await calibrate(page);
    const sse: Sample[] = [];
    const warm: QrResult[] = [];
    for (let i = 0; i < SSE_PAYMENTS + WARMUP; i++) {
      const { qr, sample } = await pay(page, ssePhone, 0, notified);
      if (i < WARMUP) continue;
      warm.push(qr);
      sse.push(sample);
    }
    const clockAfter = await calibrate(page);
    const visibility = await page.evaluate(() => document.visibilityState);
    await context.close();

    // ── 2b. polling at interval 2 s: POLL_LANES elements on one page, each paying in turn; the
    // phone confirms at a uniformly random moment of the poll cycle.
    const pollContext = await browser.newContext();
    await pollContext.exposeFunction('__benchSettled', (id: string) => {
      notified.set(id, nodeNow());
    });
    await pollContext.addInitScript(PAGE_HELPERS);
    const pollPage = await pollContext.newPage();
    await pollPage.goto(`${shop.origin}/poll?n=${POLL_LANES}`, { waitUntil: 'load' });
    const pollClock = await calibrate(pollPage);
    const poll: Sample[] = [];
    const perLane = Math.ceil(POLL_PAYMENTS / POLL_LANES);
    const pollStarted = Date.now();
    await Promise.all(
      Array.from({ length: POLL_LANES }, async (_, lane) => {
        for (let i = 0; i < perLane; i++) {
          const { sample } = await pay(pollPage, phones[lane + 1] as Phone, lane, notified, () =>
            sleep(Math.random() * 2000),
          );
          poll.push(sample);
        }
      }),
    );
    const pollSeconds = (Date.now() - pollStarted) / 1000;
    const pollClockAfter = await calibrate(pollPage);
    await pollContext.close();

    // Page clock minus Node clock, from the calibration nearest in time (it drifts by < 0.1 ms).
    const sseOffset = (clockBefore.offsetMs + clockAfter.offsetMs) / 2;
    const pollOffset = (pollClock.offsetMs + pollClockAfter.offsetMs) / 2;
    const sseStats = latencyStats(sse, sseOffset);
    const pollStats = latencyStats(poll, pollOffset);
    const ratio = (
      key: 'p50' | 'p95' | 'p99',
      metric: 'confirmResponseToSettledMs' | 'confirmRequestToSettledMs',
    ) =>
      Number(
        (
          (pollStats[metric][key] as number) / Math.max(0.1, sseStats[metric][key] as number)
        ).toFixed(1),
      );
    const result = {
      chromium: chromiumVersion,
      pageVisibility: visibility,
      budget: { sseP95MaxMs: BUDGET_SSE_P95_MS },
      pass: (sseStats.confirmResponseToSettledMs.p95 as number) <= BUDGET_SSE_P95_MS,
      clock: {
        sseBefore: clockBefore,
        sseAfter: clockAfter,
        pollBefore: pollClock,
        pollAfter: pollClockAfter,
      },
      latency: {
        sse: sseStats,
        poll: {
          ...pollStats,
          lanes: POLL_LANES,
          intervalSec: 2,
          seconds: pollSeconds,
          refusedStreams: shop.refusedStreams,
        },
        ratioPollOverSse: {
          p50: ratio('p50', 'confirmResponseToSettledMs'),
          p95: ratio('p95', 'confirmResponseToSettledMs'),
          p99: ratio('p99', 'confirmResponseToSettledMs'),
        },
        // From the moment the phone sends confirm (SSE's figure is then never ~0).
        ratioPollOverSseFromRequest: {
          p50: ratio('p50', 'confirmRequestToSettledMs'),
          p95: ratio('p95', 'confirmRequestToSettledMs'),
          p99: ratio('p99', 'confirmRequestToSettledMs'),
        },
      },
      timeToQr: {
        cold: {
          qrInDomMs: summarize(cold.map((q) => q.qrMs)),
          nextFrameMs: summarize(cold.map((q) => q.frameMs)),
        },
        warm: {
          qrInDomMs: summarize(warm.map((q) => q.qrMs)),
          nextFrameMs: summarize(warm.map((q) => q.frameMs)),
        },
      },
      seconds: (Date.now() - started) / 1000,
    };
    writeResult('latency', { ...result, timeToQr: undefined });
    writeResult('time-to-qr', {
      chromium: chromiumVersion,
      ...result.timeToQr,
      coldSamples: cold.length,
      warmSamples: warm.length,
    });
    writeResult('latency-raw', { sse, poll, sseOffset, pollOffset });

    const l = (s: ReturnType<typeof summarize>) => [ms(s.p50), ms(s.p95), ms(s.p99)];
    console.log('\n== 2. Confirm → dualpay-settled on the merchant page (Chromium, loopback) ==');
    console.log(
      table([
        ['transport', 'n', 'p50', 'p95', 'p99', 'budget'],
        [
          'SSE',
          sse.length,
          ...l(sseStats.confirmResponseToSettledMs),
          `p95 ≤ 50 ms ${pass(result.pass)}`,
        ],
        ['poll 2 s', poll.length, ...l(pollStats.confirmResponseToSettledMs), ''],
        [
          'ratio poll/SSE',
          '',
          `${result.latency.ratioPollOverSse.p50}×`,
          `${result.latency.ratioPollOverSse.p95}×`,
          `${result.latency.ratioPollOverSse.p99}×`,
          '',
        ],
      ]),
    );
    const fromRequest = (s: typeof sseStats) => l(s.confirmRequestToSettledMs).join(' / ');
    console.log(
      `  from the confirm request instead (p50 / p95 / p99): SSE ${fromRequest(sseStats)}, poll ${fromRequest(pollStats)}; ratio ${result.latency.ratioPollOverSseFromRequest.p50}× / ${result.latency.ratioPollOverSseFromRequest.p95}× / ${result.latency.ratioPollOverSseFromRequest.p99}×`,
    );
    console.log(
      `  (confirm round trip p50 ${sseStats.confirmRoundTripMs.p50} ms; clock offset page − node ${sseOffset.toFixed(3)} ± ${clockBefore.uncertaintyMs} ms, corrected)`,
    );
    console.log('\n== 3. start() → QR in the DOM ==');
    console.log(
      table([
        ['', 'n', 'p50', 'p95', 'next frame p50', 'next frame p95'],
        [
          'cold',
          cold.length,
          ms(result.timeToQr.cold.qrInDomMs.p50),
          ms(result.timeToQr.cold.qrInDomMs.p95),
          ms(result.timeToQr.cold.nextFrameMs.p50),
          ms(result.timeToQr.cold.nextFrameMs.p95),
        ],
        [
          'warm',
          warm.length,
          ms(result.timeToQr.warm.qrInDomMs.p50),
          ms(result.timeToQr.warm.qrInDomMs.p95),
          ms(result.timeToQr.warm.nextFrameMs.p50),
          ms(result.timeToQr.warm.nextFrameMs.p95),
        ],
      ]),
    );
  } finally {
    await browser?.close();
    await issuer.stop();
    await shop.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
