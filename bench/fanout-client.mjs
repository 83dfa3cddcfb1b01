// The SSE load of figure 5, in its own process (plain node:http with keep-alive agents, no
// browsers): opens `perSession` streams on each session it is given, reports when every stream has
// its first snapshot, then stamps each `settled` event as it arrives. Driven over IPC by
// bench/fanout.ts.
import { Agent, request } from 'node:http';

const now = () => performance.timeOrigin + performance.now();
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
const streams = [];
/** sessionId → arrival times of its `settled` event, one per stream. */
const settled = new Map();
let opened = 0;
let failed = 0;

function openStream(base, session) {
  return new Promise((resolve) => {
    const url = new URL(`/v1/checkout-sessions/${session.id}/events`, base);
    const req = request(url, {
      agent,
      headers: { accept: 'text/event-stream', authorization: `Bearer ${session.clientSecret}` },
    });
    let first = true;
    let buffer = '';
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        resolve(false);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const t = now();
        buffer += chunk;
        let index;
        while ((index = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          if (!block.includes('event: session')) continue;
          if (first) {
            first = false;
            opened++;
            resolve(true);
          }
          if (block.includes('"status":"settled"')) {
            const list = settled.get(session.id) ?? [];
            list.push(t);
            settled.set(session.id, list);
          }
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => {
      failed++;
      resolve(false);
    });
    req.end();
    streams.push(req);
  });
}

process.on('message', async (message) => {
  if (message.type === 'ping') {
    process.send({ type: 'pong', id: message.id, now: now() });
  } else if (message.type === 'open') {
    const { base, sessions, perSession, concurrency } = message;
    const started = now();
    const jobs = sessions.flatMap((session) => Array.from({ length: perSession }, () => session));
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs.length) await openStream(base, jobs[next++]);
      }),
    );
    process.send({ type: 'opened', opened, failed, ms: now() - started });
  } else if (message.type === 'settled') {
    process.send({ type: 'settled', arrivals: Object.fromEntries(settled) });
  } else if (message.type === 'close') {
    for (const req of streams) req.destroy();
    agent.destroy();
    process.send({ type: 'closed' });
    setTimeout(() => process.exit(0), 50);
  }
});
process.send({ type: 'ready', pid: process.pid });
