// An hour-long HubSpot outage on a simulated clock (issue 14): for an hour HubSpot answers 5xx
// (with a few 429s), then nothing at all (connection refused), while calls keep being recorded;
// afterwards every record is logged exactly once and none is dead-lettered, and the retries
// follow a bounded schedule (exponential from 2 s, never more than 5 min apart, never given up).
//
// The clock: the real worker, BullMQ, Redis, the SDK and the fake HubSpot, with the production
// backoff settings. BullMQ decides when a delayed job is due from the *process* clock
// (`Date.now()` in the worker and in the timestamps it hands to its Lua scripts), so the test
// fakes only `Date` (timers stay real, so sockets, ioredis and the batcher run normally) and
// moves it forward 10 s per step; every step a new call is recorded (a busy contact centre:
// 6 calls a minute), which also wakes the worker from its blocking wait so it promotes the
// retries that became due. A retry is therefore seen up to one step (10 s) late, never early.
// What stays on real time: Redis key TTLs, i.e. BullMQ's locks and its rate-limit key (a 429
// pause lasts its real milliseconds) — the test keeps the 429s to a few.
import { afterEach, beforeEach, describe, expect, it, inject, vi } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { createLogger } from '../../../src/logger.ts';
import { createCallRecordPublisher } from '../../../src/calls/records.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';

/** A TCP gate in front of the fake HubSpot: open, or closed (nothing listens: connection refused). */
async function tcpGate(target: string): Promise<{ url: string; close(): Promise<void>; refuse(on: boolean): Promise<void> }> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () => new Promise<void>((resolve, reject) => {
    const s = createServer((c) => {
      const up = connect(Number(t.port), t.hostname);
      sockets.add(c); sockets.add(up);
      c.pipe(up); up.pipe(c);
      const drop = () => { c.destroy(); up.destroy(); sockets.delete(c); sockets.delete(up); };
      c.on('error', drop); up.on('error', drop); c.on('close', drop); up.on('close', drop);
    });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => { port = (s.address() as AddressInfo).port; server = s; resolve(); });
  });
  const shut = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await open();
  return {
    url: `http://127.0.0.1:${port}`,
    async refuse(on) { if (on) await shut(); else if (!server) await open(); },
    close: shut,
  };
}

const MIN = 60_000;
const STEP = 10_000;
const PROD = parseHubspotSettings({});
const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness | undefined;
let gate: Awaited<ReturnType<typeof tcpGate>> | undefined;
beforeEach(() => { vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true }); });
afterEach(async () => {
  vi.useRealTimers();
  await h?.close(); h = undefined;
  await gate?.close(); gate = undefined;
});

describe('HubSpot: an hour-long outage on a simulated clock', () => {
  it('5xx and 429 for 30 min, then connection refused for 30 min, calls recorded all along: afterwards each record logged once, none dead-lettered, retries bounded', async () => {
    // Production retry policy (2 s doubling, capped at 5 min); only the batch gathering is short
    // (it waits on real timers, and is not what this test is about).
    h = await harness(inject('redisUrl'), { batchWaitMs: 20, reconcileAfterMs: PROD.reconcileAfterMs, backoffBaseMs: PROD.backoffBaseMs, backoffMaxMs: PROD.backoffMaxMs, requestTimeoutMs: 5_000 });
    gate = await tcpGate(h.fake.url);
    const lines: { time: number; msg: string; recordId?: string; tries?: number; delayMs?: number }[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => { lines.push(JSON.parse(l) as (typeof lines)[number]); } } });
    const quiet = createLogger({ level: 'silent', destination: { write: () => undefined } });
    const publisher = createCallRecordPublisher({ connection: h.redis, bus: createEventBus(), logger: quiet, bullPrefix: h.bullPrefix, keyPrefix: h.keyPrefix });
    const w = h.startWorker({ logger }, { baseUrl: gate.url });

    const t0 = Date.now();
    const sim = () => Date.now() - t0;
    const published: string[] = [];
    const record = async () => {
      const r = callRecord({ from: `+5731${String(10_000_000 + published.length)}` });
      published.push(r.id);
      await publisher.publish(r);
    };
    /** One step of simulated time; a call is recorded, and the worker gets to work off what is due. */
    const step = async () => {
      vi.advanceTimersByTime(STEP);
      await record();
      for (let i = 0; i < 200; i++) {
        await realSleep(10);
        const c = await h!.queue.getJobCounts('wait', 'active', 'prioritized');
        if ((c.wait ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0) break;
      }
    };

    // The outage starts with calls already waiting to be logged.
    h.fake.fault({ kind: 'status', status: 503 }, 1_000_000);
    for (let i = 0; i < 5; i++) await record();
    const early = published.slice();
    while (sim() < 10 * MIN) await step();
    // A few 429s in the middle of the 5xx (each pauses the queue for real milliseconds).
    h.fake.clearFaults();
    h.fake.fault({ kind: 'rate-limit', policy: 'TEN_SECONDLY_ROLLING' }, 2);
    h.fake.fault({ kind: 'status', status: 502 }, 1_000_000);
    while (sim() < 30 * MIN) await step();
    // Then nothing answers at all.
    h.fake.clearFaults();
    await gate.refuse(true);
    while (sim() < 60 * MIN) await step();

    // Nothing reached HubSpot's data during the hour, nothing was given up on.
    expect(h.fake.calls.size).toBe(0);
    expect(await w.dlq.count()).toBe(0);
    expect((await h.queue.getJobCounts('failed')).failed).toBe(0);
    const tries = await h.redis.hgetall(h.keys.tries);
    const outageEnd = sim();

    // HubSpot is back; calls go on being recorded for a while.
    await gate.refuse(false);
    const recovered = sim();
    while (sim() < recovered + 10 * MIN && (h.fake.calls.size < published.length)) await step();
    for (let i = 0; i < 100 && h.fake.calls.size < published.length; i++) await realSleep(50);
    const allLoggedAfter = sim() - recovered;

    // --- every record logged exactly once, none dead-lettered ---
    const byMarker = h.fake.callsByMarker();
    const missing = published.filter((id) => !byMarker.has(id));
    const twice = [...byMarker].filter(([, ids]) => ids.length > 1).map(([id]) => id);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(h.fake.calls.size).toBe(published.length);
    expect(await w.dlq.count()).toBe(0);
    expect((await h.queue.getJobCounts('failed')).failed).toBe(0);
    // The backlog drains within one capped backoff (5 min) plus a step of the clock.
    expect(allLoggedAfter).toBeLessThanOrEqual(PROD.backoffMaxMs + 2 * STEP);

    // --- the schedule: per record, retries exponential from 2 s, capped at 5 min, never stopped ---
    const retries = new Map<string, { at: number; tries: number; delayMs: number }[]>();
    for (const l of lines) {
      if (l.msg !== 'hubspot unavailable; retrying later' || !l.recordId) continue;
      retries.set(l.recordId, [...(retries.get(l.recordId) ?? []), { at: l.time - t0, tries: l.tries!, delayMs: l.delayMs! }]);
    }
    for (const id of early) {
      const rs = retries.get(id) ?? [];
      // Counted once per try, in order.
      expect(rs.map((r) => r.tries)).toEqual(rs.map((_, i) => i + 1));
      // Each delay within [half, all] of min(cap, base·2^(n-1)).
      for (const r of rs) {
        const exp = Math.min(PROD.backoffMaxMs, PROD.backoffBaseMs * 2 ** (r.tries - 1));
        expect(r.delayMs).toBeGreaterThanOrEqual(Math.floor(exp / 2));
        expect(r.delayMs).toBeLessThanOrEqual(exp);
      }
      // Tried all hour long: never more than one capped backoff (plus a step) without a try,
      // the last one within that of the end of the outage.
      for (let i = 1; i < rs.length; i++) expect(rs[i]!.at - rs[i - 1]!.at, `${id} gap before try ${i + 1}`).toBeLessThanOrEqual(PROD.backoffMaxMs + STEP + 1_000);
      expect(outageEnd - rs.at(-1)!.at).toBeLessThanOrEqual(PROD.backoffMaxMs + STEP + 1_000);
      // Bounded: an hour at ≤ 5 min after the first ~8 min of doubling is 12–35 tries, not hundreds.
      expect(rs.length).toBeGreaterThanOrEqual(12);
      expect(rs.length).toBeLessThanOrEqual(40);
      expect(Number(tries[id])).toBe(rs.length);
    }
    // Connection refused was retried the same way as 5xx (not dead-lettered, not a crash).
    expect(lines.some((l) => l.msg === 'hubspot unavailable; retrying later' && l.time - t0 > 31 * MIN)).toBe(true);
    const perRecord = early.map((id) => retries.get(id)!.length);
    console.log(`hubspot outage hour: ${published.length} records, tries per early record ${JSON.stringify(perRecord)}, HubSpot requests ${h.fake.requests.length}, all logged ${Math.round(allLoggedAfter / 1000)} s after recovery`);
  }, 240_000);
});
