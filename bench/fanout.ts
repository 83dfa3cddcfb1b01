/**
 * Figure 5 (`node --import tsx bench/fanout.ts`): 10,000 open SSE streams on one issuer process
 * (1,000 sessions × 10 streams, opened by bench/fanout-client.mjs in its own process with plain
 * node:http keep-alive agents), the issuer's RSS with them open, then a sample of 50 sessions
 * settled one after another and the time from each `confirm` response to each of its streams
 * receiving the `settled` event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Phone } from '../test/server/support/harness.js';
import { BENCH_DIR, ROOT, kb, pass, sleep, summarize, table, writeResult } from './lib/common.mjs';
import { spawnIssuer, withUlimit } from './lib/issuer.mjs';
import { createSession, enrolPhones, pool, type CreatedSession } from './lib/load.js';

const SESSIONS = Number(process.env.BENCH_FANOUT_SESSIONS ?? 1000);
const PER_SESSION = 10;
const SAMPLE = 50;
const BUDGET_RSS = 300 * 1024 * 1024;
const nodeNow = () => performance.timeOrigin + performance.now();

interface Message {
  type: string;
  id?: number;
  [key: string]: unknown;
}

function client(): { child: ChildProcess; ask: (m: Message, reply: string) => Promise<Message> } {
  const [command, args] = withUlimit('hard', process.execPath, [
    join(BENCH_DIR, 'fanout-client.mjs'),
  ]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const ask = (message: Message, reply: string) =>
    new Promise<Message>((resolve) => {
      const id = ++nextId;
      const onMessage = (answer: Message) => {
        if (answer.type === reply && (answer.id === undefined || answer.id === id)) {
          child.off('message', onMessage);
          resolve(answer);
        }
      };
      child.on('message', onMessage);
      child.send({ ...message, id });
    });
  return { child, ask };
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-bench-fanout-'));
  const issuer = await spawnIssuer(
    { db: join(dir, 'issuer.db'), sweepIntervalMs: 1000 },
    { ulimit: 'hard' },
  );
  const load = client();
  try {
    await new Promise<void>((resolve) =>
      load.child.once('message', (m: Message) => m.type === 'ready' && resolve()),
    );
    const [phone] = (await enrolPhones(issuer.url, 1)) as [Phone];
    const sessions: CreatedSession[] = await pool(SESSIONS, 32, () => createSession(issuer.url));
    await sleep(500);
    const before = { ...(await issuer.memory()), proc: issuer.proc() };

    // Clock offset of the client process against this one (best of 20 IPC round trips).
    let clock = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < 20; i++) {
      const t0 = nodeNow();
      const pong = await load.ask({ type: 'ping' }, 'pong');
      const t1 = nodeNow();
      if (t1 - t0 < clock.rtt)
        clock = { rtt: t1 - t0, offset: (pong.now as number) - (t0 + t1) / 2 };
    }

    const opened = await load.ask(
      { type: 'open', base: issuer.url, sessions, perSession: PER_SESSION, concurrency: 200 },
      'opened',
    );
    await sleep(1000);
    const withStreams = { ...(await issuer.memory()), proc: issuer.proc() };

    // Settle a sample, one at a time: claim and challenge first, then the timed confirmations.
    const sample = sessions.slice(0, SAMPLE);
    const ready = [];
    for (const session of sample) {
      const auth = { authorization: `Bearer ${session.clientSecret}` };
      const view = await json<{ bindingCode: string }>(
        await fetch(`${issuer.url}/v1/checkout-sessions/${session.id}/public`, { headers: auth }),
      );
      const handoff = await json<{ code: string }>(
        await fetch(`${issuer.url}/v1/checkout-sessions/${session.id}/handoffs`, {
          method: 'POST',
          headers: auth,
        }),
      );
      const claimed = await phone.claim(handoff.code);
      if (claimed.status !== 200) throw new Error(`claim ${claimed.status}`);
      const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
      if (options.status !== 200) throw new Error(`options ${options.status}`);
      ready.push({ session, code: handoff.code, options: options.body });
    }
    const confirms: { sessionId: string; start: number; end: number }[] = [];
    for (const item of ready) {
      const assertion = await phone.assert(item.options);
      const start = nodeNow();
      const result = await phone.confirm(item.code, assertion);
      const end = nodeNow();
      if (result.status !== 200)
        throw new Error(`confirm ${result.status} ${JSON.stringify(result.body)}`);
      confirms.push({ sessionId: item.session.id, start, end });
      await sleep(20);
    }
    await sleep(1000);
    const { arrivals } = (await load.ask({ type: 'settled' }, 'settled')) as unknown as {
      arrivals: Record<string, number[]>;
    };
    const fromResponse: number[] = [];
    const fromRequest: number[] = [];
    const lastOfSession: number[] = [];
    let delivered = 0;
    for (const c of confirms) {
      const times = (arrivals[c.sessionId] ?? []).map((t) => t - clock.offset);
      delivered += times.length;
      for (const t of times) {
        fromResponse.push(t - c.end);
        fromRequest.push(t - c.start);
      }
      if (times.length) lastOfSession.push(Math.max(...times) - c.end);
    }
    const after = { ...(await issuer.memory()), proc: issuer.proc() };
    const rss = withStreams.proc.rss;
    const result = {
      budget: { rssMaxBytes: BUDGET_RSS },
      pass: rss <= BUDGET_RSS && (opened.opened as number) >= SESSIONS * PER_SESSION,
      streams: {
        asked: SESSIONS * PER_SESSION,
        opened: opened.opened,
        failed: opened.failed,
        openSeconds: Number(((opened.ms as number) / 1000).toFixed(2)),
        issuerCounted: withStreams.streams,
      },
      openFileLimit: {
        issuer: withStreams.proc.openFilesSoft,
        hard: withStreams.proc.openFilesHard,
      },
      issuerMemory: {
        before: { rss: before.proc.rss, heapUsed: (before.memory as NodeJS.MemoryUsage).heapUsed },
        withStreams: {
          rss,
          heapUsed: (withStreams.memory as NodeJS.MemoryUsage).heapUsed,
          heapTotal: (withStreams.memory as NodeJS.MemoryUsage).heapTotal,
          external: (withStreams.memory as NodeJS.MemoryUsage).external,
        },
        afterSettling: { rss: after.proc.rss, peakRss: after.proc.hwm },
        perStreamBytes: Math.round((rss - before.proc.rss) / SESSIONS / PER_SESSION),
      },
      delivery: {
        sample: SAMPLE,
        expected: SAMPLE * PER_SESSION,
        delivered,
        confirmResponseToSettledEventMs: summarize(fromResponse),
        confirmRequestToSettledEventMs: summarize(fromRequest),
        confirmResponseToLastStreamOfSessionMs: summarize(lastOfSession),
        clockOffsetMs: Number(clock.offset.toFixed(3)),
        clockUncertaintyMs: Number((clock.rtt / 2).toFixed(3)),
      },
      seconds: (Date.now() - started) / 1000,
    };
    writeResult('fanout', result);
    const d = result.delivery.confirmResponseToSettledEventMs;
    console.log('\n== 5. Fan-out: 10,000 SSE streams on one issuer process ==');
    console.log(
      table([
        ['what', 'value', 'budget'],
        [
          'streams open',
          `${opened.opened} of ${SESSIONS * PER_SESSION} (${result.streams.openSeconds} s to open)`,
          '',
        ],
        ['issuer RSS, streams open', kb(rss), `≤ 300 MB ${pass(result.pass)}`],
        ['issuer RSS before / peak', `${kb(before.proc.rss)} / ${kb(after.proc.hwm)}`, ''],
        ['per stream', `${result.issuerMemory.perStreamBytes} B`, ''],
        [
          'open-file limit',
          `${result.openFileLimit.issuer} (hard ${result.openFileLimit.hard})`,
          '',
        ],
        ['settled delivered', `${delivered} of ${SAMPLE * PER_SESSION}`, ''],
        [
          'confirm → settled event',
          `p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms, max ${d.max} ms`,
          '',
        ],
      ]),
    );
  } finally {
    await load.ask({ type: 'close' }, 'closed').catch(() => undefined);
    await issuer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
