// `npm run bench -- hubspot [--records=10000] [--shared=0.03] [--parallel=3] [--workers=0] [--naive=0] [--mixed-case=1] [--crash=1]`
// 10,000 CallRecords → fake HubSpot with Free/Starter limits (100 requests / rolling 10 s,
// search 5 / s and exempt from the 10 s window, 250k / day, search bodies ≤ 3,000 characters),
// through the real worker (BullMQ + Redis + SDK), in real time. --mixed-case=1 gives the records
// campaign ids with capitals (`cr-cmp-Cobranza-Nov-…`); --crash=1 first runs a worker process
// that SIGKILLs itself right after its first batch create and before the ledger write, then
// finishes with a fresh worker (the crashed batch is found again by record-id search).
// Compared with (a) the lower bound those limits impose on the fewest requests the documented
// batch sizes allow (with --crash=1 these include the record-id searches that find the calls of
// the create the worker died after: no design can know them otherwise), and (b) the one-request-per-step approach (one search + one create per
// record), measured in the same run against the same fake code and limits. (b) would take
// about half an hour of mostly waiting, so it runs on a skip-ahead clock shared by the fake and
// the client: real processing time counts 1:1, waits for the rate limit are skipped but added.
import { Queue } from 'bullmq';
import { availableParallelism, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../src/infra/redis-server.ts';
import { startFakeHubspot } from '../fakes/hubspot-server.ts';
import { startFakeHubspotProcess } from '../fakes/hubspot-fake-process.ts';
import { createHubspotWorker, hubspotKeys } from '../../src/workers/hubspot.ts';
import { createHubspotCrm } from '../../src/integrations/hubspot/sdk-crm.ts';
import { createMemoryBudget, createRedisBudget, type Clock } from '../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings } from '../../src/integrations/hubspot/settings.ts';
import { createCallLogger } from '../../src/integrations/hubspot/call-logger.ts';
import { createMemoryLedger } from '../../src/integrations/hubspot/ledger.ts';
import { createLogger } from '../../src/logger.ts';
import { QUEUES } from '../../src/jobs/names.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';
import { recordMarker } from '../../src/integrations/hubspot/record-marker.ts';
import { callSearches, planInSearches } from '../../src/integrations/hubspot/requests.ts';
import { CALCULATED_MOBILE, CALCULATED_PHONE, SEARCHABLE_MOBILE, SEARCHABLE_PHONE, nationalDigits } from '../../src/integrations/hubspot/phone-match.ts';
import { BATCH_LIMITS, SEARCH_LIMITS } from '../../src/integrations/hubspot/api-facts.ts';

const FREE = { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 250_000 };
const CREATE_BATCH = BATCH_LIMITS.objectsCreate; // batch create inputs (documented)
const PAGE = SEARCH_LIMITS.maxPageSize; // search results per request (documented)

function arg(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : def;
}

/** Deterministic data: distinct customer numbers, stored in the formats people use. */
function dataset(n: number, sharedRatio: number, mixedCase: boolean) {
  const formats = [
    (nat: string) => ({ phone: `+57 ${nat.slice(0, 3)} ${nat.slice(3, 6)} ${nat.slice(6)}` }),
    (nat: string) => ({ phone: `(${nat.slice(0, 3)}) ${nat.slice(3, 6)}-${nat.slice(6)}` }),
    (nat: string) => ({ phone: nat }),
    (nat: string) => ({ mobilephone: `${nat.slice(0, 3)} ${nat.slice(3)}` }),
    (nat: string) => ({ phone: `+57${nat}`, mobilephone: `+57${nat}` }),
  ];
  const contacts: Record<string, string>[] = [];
  const records: CallRecord[] = [];
  for (let i = 0; i < n; i++) {
    const nat = `3${String(100_000_000 + i * 7).slice(0, 9)}`;
    contacts.push({ ...formats[i % formats.length]!(nat), firstname: `C${i}` });
    if (i < n * sharedRatio) contacts.push({ phone: nat, firstname: `Twin${i}` });
    const inbound = i % 3 !== 0;
    records.push({
      id: mixedCase ? `cr-cmp-Cobranza-Nov-${i}_1` : `bench-${i}`, linkedId: `bench-${i}`, direction: inbound ? 'inbound' : 'outbound',
      ...(mixedCase ? { campaign: { campaignId: 'Cobranza-Nov', rowId: String(i), attempt: 1 } } : {}),
      from: inbound ? `+57${nat}` : '+5716001234', to: inbound ? '+5716001234' : `+57${nat}`,
      startedAt: new Date(Date.parse('2026-11-20T08:00:00Z') + i * 1000).toISOString(), endedAt: new Date(Date.parse('2026-11-20T08:03:00Z') + i * 1000).toISOString(),
      talkSeconds: 120 + (i % 60), waitSeconds: i % 30, disposition: (['answered', 'busy', 'no-answer', 'abandoned', 'voicemail'] as const)[i % 5]!,
      hangupSide: 'caller', path: [{ node: 'menu', at: '2026-11-20T08:00:05Z', digits: String(i % 4) }],
      queue: { id: 'ventas', waitSeconds: i % 30, outcome: 'answered' }, agent: { id: `agent-${i % 12}`, name: `Agent ${i % 12}` },
    });
  }
  return { contacts, records };
}

function audit(markers: Map<string, number>, records: CallRecord[]) {
  let duplicates = 0;
  let lost = 0;
  for (const r of records) {
    const n = markers.get(recordMarker(r.id)) ?? 0;
    if (n === 0) lost++;
    else duplicates += n - 1;
  }
  return { duplicates, lost };
}

/**
 * Earliest time the last of `searches` + `creates` requests can be sent when every request
 * takes zero time and is sent as soon as its windows allow (as-soon-as-possible is optimal for
 * rolling-window limits): searches in the per-second search window only (HubSpot exempts them
 * from the 10-second one), creates in the 10-second window; the k-th create waits for the
 * searches covering its records (creates cannot outrun the contact look-ups they need).
 */
export function scheduleBound(searches: number, creates: number, limits: typeof FREE): number {
  const sent: number[] = [];
  const sentSearch: number[] = [];
  const earliest = (t: number, list: number[], max: number, windowMs: number) => {
    // The request may go at t if fewer than max requests lie in (t − window, t].
    for (;;) {
      const inWindow = list.filter((x) => x > t - windowMs);
      if (inWindow.length < max) return t;
      t = inWindow.sort((a, b) => a - b)[inWindow.length - max]! + windowMs;
    }
  };
  let t = 0;
  let s = 0;
  let c = 0;
  while (s < searches || c < creates) {
    const createsEnabled = s >= searches ? creates : Math.floor((s / searches) * creates);
    if (c < createsEnabled) {
      t = earliest(t, sent, limits.general.max, limits.general.windowMs);
      sent.push(t);
      c++;
    } else {
      t = earliest(t, sentSearch, limits.search.max, limits.search.windowMs);
      sentSearch.push(t);
      s++;
    }
  }
  return t;
}

export async function run(args: string[]) {
  const n = arg(args, 'records', 10_000);
  const shared = arg(args, 'shared', 0.03);
  const mixedCase = arg(args, 'mixed-case', 0) === 1;
  const crash = arg(args, 'crash', 0) === 1;
  const { contacts, records } = dataset(n, shared, mixedCase);
  const distinctNumbers = new Set(records.map((r) => (r.direction === 'inbound' ? r.from : r.to))).size;
  const quiet = process.env.BENCH_DEBUG ? createLogger({ level: 'debug', destination: { write: (l: string) => process.stderr.write(l) } }) : createLogger({ level: 'silent', destination: { write: () => undefined } });

  // ---- lower bound from the limits ----
  // A search returns at most 200 contacts, and its body holds at most 3,000 characters: the
  // fewest searches any design needs put each number in the two searchable phone lists of the
  // smallest body HubSpot accepts (required fields, and only the two E.164 properties a hit
  // must be confirmed with), packed to the last character.
  const numbersPerBody = planInSearches([...new Set(records.map((r) => nationalDigits(r.direction === 'inbound' ? r.from : r.to)!))], (d) => [d], [SEARCHABLE_PHONE, SEARCHABLE_MOBILE], [CALCULATED_PHONE, CALCULATED_MOBILE]);
  const minSearches = Math.max(numbersPerBody.length, Math.ceil(contacts.length / PAGE));
  const minCreates = Math.ceil(n / CREATE_BATCH);
  const lowerBoundNoCrashMs = scheduleBound(minSearches, minCreates, FREE);

  // ---- centralita: real worker, real time ----
  const redisServer = await startRedisServer({});
  const measured = await (async () => {
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    // The fake runs in its own process, as HubSpot does, so its work is not billed to the worker.
    const fake = await startFakeHubspotProcess({ limits: FREE, searchIndexLagMs: 1_000 }, contacts.map((c) => ({ props: c, createdAt: Date.parse('2025-01-01'), lastActivityAt: Date.parse('2026-01-01') + Number(c.firstname!.replace(/\D/g, '')) })));
    // The fake indexes new calls within 1 s, so a pending create is trusted to search after 2 s (production: 60 s).
    const benchSettings = { tier: 'free', parallelBatches: arg(args, 'parallel', 3), reconcileAfterMs: 2_000 };
    const settings = parseHubspotSettings(benchSettings);
    const keyPrefix = 'bench';
    const queue = new Queue(QUEUES.callRecords, { connection: redis, prefix: 'bench-bull' });
    for (let i = 0; i < records.length; i += 1000) {
      await queue.addBulk(records.slice(i, i + 1000).map((r) => ({ name: 'call-record', data: r, opts: { jobId: r.id, removeOnComplete: true } })));
    }
    const crm = createHubspotCrm({
      baseUrl: fake.url, token: 'test-token', recordIdProperty: settings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 15_000,
      budget: createRedisBudget({ redis, keyPrefix: hubspotKeys(keyPrefix).budget, limits: budgetLimits(settings) }),
    });
    const workerConnection = redis.duplicate({ maxRetriesPerRequest: null });
    // --workers=N runs N worker processes (the deployment shape: BullMQ and our budget are shared
    // through Redis); --workers=0 runs one worker inside this process.
    const workersN = arg(args, 'workers', 0);
    const children: ChildProcess[] = [];
    let started = performance.now();
    let hw: { close(): Promise<void> } | undefined;
    let crashed: { signal: string | null; created: number; recordIds: string[] } | undefined;
    let crashedAt: number | undefined;
    if (crash) {
      // A worker process dies (SIGKILL) between HubSpot's create and the ledger write.
      const c = spawn(process.execPath, [fileURLToPath(new URL('../fakes/hubspot-worker-child.ts', import.meta.url))], {
        // Short locks so the crash is noticed in seconds (production: 30 s); on a loaded machine a late lock
        // renewal can look like a stall too, so a job may stall more than once before it is logged.
        env: { ...process.env, REDIS_URL: redisServer.url, HUBSPOT_URL: fake.url, BULL_PREFIX: 'bench-bull', KEY_PREFIX: keyPrefix, CRASH_AFTER_CREATE: '1', LOCK_MS: '2000', STALLED_MS: '500', MAX_STALLED: '5', SETTINGS_JSON: JSON.stringify(benchSettings) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let ready = false;
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!ready && out.includes('ready')) { ready = true; started = performance.now(); } // module loading excluded, as for the other runs
      });
      const signal = await new Promise<string | null>((r) => c.once('exit', (_code, sig) => r(sig)));
      const m = /created (\d+) (\[.*\])/.exec(out);
      crashed = { signal, created: Number(m?.[1] ?? 0), recordIds: m ? (JSON.parse(m[2]!) as string[]) : [] };
      crashedAt = performance.now();
    }
    if (workersN === 0) {
      hw = createHubspotWorker({ connection: workerConnection, redis, crm, settings, logger: quiet, keyPrefix, bullPrefix: 'bench-bull', ...(crash ? { worker: { stalledInterval: 500, lockDuration: 2_000, maxStalledCount: 5 } } : {}) });
    } else {
      const firstReady = new Promise<void>((resolve) => {
        for (let i = 0; i < workersN; i++) {
          const c = spawn(process.execPath, [fileURLToPath(new URL('../fakes/hubspot-worker-child.ts', import.meta.url))], {
            env: { ...process.env, REDIS_URL: redisServer.url, HUBSPOT_URL: fake.url, BULL_PREFIX: 'bench-bull', KEY_PREFIX: keyPrefix, LOCK_MS: '30000', STALLED_MS: '30000', SETTINGS_JSON: JSON.stringify({ tier: 'free', parallelBatches: arg(args, 'parallel', 3) }) },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          c.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
          children.push(c);
        }
      });
      await firstReady;
      if (!crash) started = performance.now(); // from the first worker able to take jobs; module loading excluded as for --workers=0
    }
    for (;;) {
      const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed');
      if ((c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const failed = (await queue.getJobCounts('failed')).failed ?? 0;
    const state = await fake.audit();
    const { duplicates, lost } = audit(new Map(Object.entries(state.markers)), records);
    const requests = state.requests.length;
    const rateLimited = state.requests.filter((r) => r.status === 429).length;
    const searchRequests = state.requests.filter((r) => r.kind === 'search');
    const searches = searchRequests.length;
    const largestSearchBody = Math.max(0, ...searchRequests.map((r) => r.bodyChars));
    // When requests reached the fake, from the start (the fake's clock is this machine's Date.now()).
    const t0 = Date.now() - (performance.now() - started);
    const at = (xs: { at: number }[]) => xs.map((r) => round((r.at - t0) / 1000));
    const searchTimes = at(searchRequests);
    const createTimes = at(state.requests.filter((r) => r.kind !== 'search'));
    const timeline = { first_search_s: searchTimes[0] ?? 0, last_search_s: searchTimes.at(-1) ?? 0, last_create_s: Math.max(0, ...createTimes), searches_per_s: round((searchTimes.length - 1) / Math.max(0.001, (searchTimes.at(-1) ?? 0) - (searchTimes[0] ?? 0))) };
    const searchesRefused = searchRequests.filter((r) => r.status === 400).length;
    // BENCH_TIMELINE=<file>: every request the fake saw (seconds from the start) and when the crashed worker died.
    if (process.env.BENCH_TIMELINE) {
      writeFileSync(process.env.BENCH_TIMELINE, JSON.stringify({
        t0, crashed_s: crashedAt === undefined ? null : round((crashedAt - started) / 1000),
        requests: state.requests.map((r) => ({ t: Math.round(r.at - t0) / 1000, path: r.path, status: r.status, chars: r.bodyChars })),
      }));
    }
    const associated = state.associatedCalls;
    await hw?.close();
    await Promise.all(children.map((c) => new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); })));
    crm.close();
    await queue.obliterate({ force: true });
    await queue.close();
    workerConnection.disconnect();
    redis.disconnect();
    await fake.close();
    return { seconds, failed, duplicates, lost, requests, rateLimited, searches, associated, workersN, largestSearchBody, searchesRefused, crashed, timeline };
  })().finally(() => redisServer.stop());
  const { seconds, failed, duplicates, lost, requests, rateLimited, searches, associated, workersN, largestSearchBody, searchesRefused, crashed, timeline } = measured;

  // ---- the crash's share of the lower bound ----
  // The calls of the create the worker died after are in HubSpot with no ledger entry: whatever
  // the design, the only way to learn that they exist (and not create them twice) is a search
  // by record id, so those searches are requests the run needs. The fewest are the markers of
  // exactly that create packed into 3,000-character bodies (calls created by other creates in
  // flight at the crash are the design's choice, not counted). No contact search or create is
  // added: the look-ups can be kept, and the landed calls need no second create.
  const crashMarkers = (crashed?.recordIds ?? []).map(recordMarker);
  const recordIdSearches = callSearches(crashMarkers, parseHubspotSettings({}).recordIdProperty).length;
  const lowerBoundMs = scheduleBound(minSearches + recordIdSearches, minCreates, FREE);

  // ---- one request per step, on a skip-ahead clock ----
  const skipNaive = arg(args, 'naive', 1) === 0 || mixedCase || crash;
  const realStart = performance.now();
  let skipped = 0;
  const base = Date.parse('2026-11-20T12:00:00Z');
  const vclock: Clock = { now: () => base + (performance.now() - realStart) + skipped, sleep: async (ms) => { skipped += ms; } };
  const naiveFake = await startFakeHubspot({ limits: FREE, searchIndexLagMs: 1_000, clock: vclock });
  for (const c of skipNaive ? [] : contacts) naiveFake.addContact(c, { createdAt: Date.parse('2025-01-01') });
  const naiveSettings = parseHubspotSettings({ tier: 'free', reconcileAfterMs: 0 });
  const naiveCrm = createHubspotCrm({
    baseUrl: naiveFake.url, token: 'test-token', recordIdProperty: naiveSettings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 15_000,
    budget: createMemoryBudget({ limits: budgetLimits(naiveSettings), clock: vclock, defaultMaxWaitMs: 1e9 }),
  });
  const naiveLogger = createCallLogger({ crm: naiveCrm, calls: createMemoryLedger(), contacts: createMemoryLedger(), settings: naiveSettings });
  const naiveT0 = vclock.now();
  let naiveRetries = 0;
  for (const r of skipNaive ? [] : records) {
    // Retries until logged, as any integration must: after Retry-After on 429, else after 1 s.
    for (;;) {
      const o = (await naiveLogger.logBatch([r], vclock.now())).get(r.id);
      if (o?.kind === 'logged' || o?.kind === 'duplicate') break;
      naiveRetries++;
      await vclock.sleep(o?.kind === 'rate-limited' ? o.retryAfterMs : o?.kind === 'wait' ? Math.max(0, o.untilMs - vclock.now()) : 1_000);
    }
  }
  const naiveSeconds = (vclock.now() - naiveT0) / 1000;
  const naiveRequests = naiveFake.requests.length;
  const naiveRealSeconds = (performance.now() - realStart) / 1000;
  const naiveAudit = audit(new Map([...naiveFake.callsByMarker()].map(([k, v]) => [k, v.length])), records);
  naiveCrm.close();
  await naiveFake.close();

  const lower = lowerBoundMs / 1000;
  return {
    metrics: {
      seconds: round(seconds),
      lower_bound_seconds: round(lower),
      lower_bound_without_crash_seconds: round(lowerBoundNoCrashMs / 1000),
      naive_seconds: round(naiveSeconds),
      requests,
      duplicates,
      lost: lost + failed,
      largest_search_body_chars: largestSearchBody,
    },
    goal: {
      seconds_within_x_of_lower_bound: 1.2, search_body_max_chars: SEARCH_LIMITS.maxBodyChars,
      met: seconds <= 1.2 * lower && duplicates === 0 && lost + failed === 0 && largestSearchBody <= SEARCH_LIMITS.maxBodyChars && searchesRefused === 0,
      ratio: round(seconds / lower), duplicates: 0, lost: 0,
      ...(crashed ? { ratio_to_bound_without_crash: round(seconds / (lowerBoundNoCrashMs / 1000)) } : {}),
    },
    notes: {
      records: n,
      distinct_numbers: distinctNumbers,
      contacts: contacts.length,
      shared_number_contacts: contacts.length - n,
      run: { mixed_case_ids: mixedCase, crash_between_create_and_ledger: crashed ? { signal: crashed.signal, created: crashed.created } : false },
      limits: 'Free/Starter: 100 requests per rolling 10 s per app, search 5 requests/s (exempt from the 10 s window), 250,000/day, search bodies ≤ 3,000 characters',
      lower_bound: `fewest requests the documented sizes allow: ${minSearches} contact searches (≤200 results each, each body ≤3,000 characters holding at most ${numbersPerBody[0]?.items.length ?? 0} numbers in the smallest body HubSpot accepts; ${contacts.length} contacts match)${crashed ? ` + ${recordIdSearches} record-id searches (the ${crashMarkers.length} calls of the create the worker died after, ${Math.max(0, ...crashMarkers.map((x) => x.length))}-character markers, at most ${callSearches(crashMarkers, parseHubspotSettings({}).recordIdProperty)[0]?.items.length ?? 0} per 3,000-character body)` : ''} + ${minCreates} batch creates (100 calls each) = ${minSearches + recordIdSearches + minCreates}, each sent as soon as its window (5 searches/s; 100 requests/10 s for creates) allows, creates no earlier than the searches for their records, latency and processing counted as zero`,
      load_average_1m_at_end: round(loadavg()[0]!),
      cpu_cores: availableParallelism(),
      centralita: { worker_processes: workersN || 1, requests, searches, creates: requests - searches, rate_limited_429: rateLimited, searches_refused_400: searchesRefused, largest_search_body_chars: largestSearchBody, failed_jobs: failed, calls_associated_to_a_contact: associated, timeline },
      naive: {
        approach: 'one contact search + one call create per record, paced by the same limits, same fake, same SDK adapter',
        requests: naiveRequests, retries: naiveRetries, rate_limited_429: naiveFake.requests.filter((x) => x.status === 429).length, duplicates: naiveAudit.duplicates, lost: naiveAudit.lost,
        measured_on: 'skip-ahead clock (fake and client share it): real processing time counted 1:1, rate-limit waits skipped and added',
        real_seconds_spent: round(naiveRealSeconds),
      },
    },
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
