// The chaos suite (issue 14): a mixed load — inbound IVR calls, callers queued for agents, a
// campaign, HubSpot logging — on real processes (the app, a worker with the dialler and the
// HubSpot worker, the simulated PBX, redis-server, PostgreSQL, a fake HubSpot), all on
// loopback, while at seeded moments Redis is killed and restarted, the ARI sockets drop, the
// app and the worker are SIGKILLed and restarted, and HubSpot answers 5xx/429. Afterwards it
// counts what was lost, doubled or left in silence. Bounded: every wait has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QUEUES } from '../../src/jobs/names.ts';
import { startRedisServer, type RedisServerHandle } from '../../src/infra/redis-server.ts';
import { startPostgresServer } from '../../src/infra/postgres-server.ts';
import { ensureDatabase, openStore, waitForDatabase } from '../../src/store/index.ts';
import type { RowResult } from '../../src/campaigns/results.ts';
import { deadAir as deadAirOfSpans, deadAirSeconds, defaultDialplan, type Dialplan, type HeardSpan } from '../../src/sim/index.ts';
import { startFakeHubspot } from '../fakes/hubspot-server.ts';
import { spawnApp, type AppProcess } from '../helpers/app-process.ts';
import { digitPrompts } from '../helpers/dead-air.ts';
import { shippedFlowRegistry } from '../helpers/flows-dir.ts';

export interface ChaosOptions {
  seed: number;
  /** Inbound IVR/queue calls placed over the run. */
  inboundCalls: number;
  /** Campaign rows. */
  campaignRows: number;
  /** How long faults are injected (ms). */
  faultWindowMs: number;
  /** Deadline for everything to settle afterwards (ms). */
  settleMs: number;
  /** Also run `centralita worker` (dialler + HubSpot worker, REST only) as its own process and SIGKILL it (default on). */
  worker?: boolean;
  /** The faults to inject (default all: redis, ari-drop, app, worker when running, sim-restart, hubspot-5xx, hubspot-429). */
  faults?: readonly FaultKind[];
  log?: (line: string) => void;
}

export type FaultKind = 'redis' | 'ari-drop' | 'app' | 'worker' | 'sim-restart' | 'hubspot-5xx' | 'hubspot-429';

export interface ChaosResult {
  seed: number; calls: number; inbound_calls: number; campaign_attempts: number; campaign_rows: number; rows_rejected: number;
  records_missing: number; records_duplicated: number; rows_without_outcome: number; double_dials: number;
  hubspot_missing: number; hubspot_duplicated: number; dead_air_seconds: number;
  faults: Record<string, number>; settled: boolean; ms: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T | undefined | false>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    await sleep(250);
  }
  return undefined;
}

interface Sim { url: string; password: string; amiPort: number; child: ChildProcess; req(method: string, path: string, body?: unknown): Promise<unknown> }

// The PBX as FreePBX runs it for centralita (dialplan/extensions_custom.conf): when Stasis()
// fails (no app connected) or the app hands a call back, the caller goes on to a fallback
// destination — here the PBX's own queue 400 — instead of being dropped; and the app gets
// AMI (CEL), which records the calls that never reached it.
function fallbackDialplan(): Dialplan {
  const dp = defaultDialplan('centralita');
  for (const [exten, steps] of Object.entries(dp['from-pstn']!)) {
    if (steps[0]?.app === 'Stasis') dp['from-pstn']![exten] = [...steps, { app: 'Goto', context: 'ext-queues', exten: '400' }];
  }
  return dp;
}

async function startSimProcess(password: string, dir: string, port = 0, amiPort = 0): Promise<Sim> {
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
  const dialplanFile = join(dir, 'sim-dialplan.json');
  writeFileSync(dialplanFile, JSON.stringify(fallbackDialplan()));
  const child = spawn(process.execPath, [cli, 'sim', '--port', String(port), '--user', 'centralita', '--password', password, '--dialplan', dialplanFile, '--ami-port', String(amiPort), '--ami-secret', password], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' } });
  const { url, ami } = await new Promise<{ url: string; ami: number }>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => { buf += d.toString(); const m = /ARI_URL=(\S+)/.exec(buf); const a = /AMI_PORT=(\d+)/.exec(buf); if (m && a) resolve({ url: m[1]!, ami: Number(a[1]) }); });
    child.once('exit', (c) => reject(new Error(`sim exited ${c}`)));
  });
  child.stdout!.resume();
  const auth = `Basic ${Buffer.from(`centralita:${password}`).toString('base64')}`;
  return {
    url, password, amiPort: ami, child,
    async req(method, path, body) {
      const r = await fetch(`${url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(10_000) });
      const t = await r.text();
      if (r.status >= 400) throw new Error(`sim ${method} ${path}: ${r.status} ${t}`);
      return t ? (JSON.parse(t) as unknown) : undefined;
    },
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const rand = rng(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const faults: Record<string, number> = {};
  // When each fault began and ended (wall clock): the diagnostics place a lost call among them.
  const faultLog: { k: string; from: number; to?: number }[] = [];
  const count = (k: string) => { faults[k] = (faults[k] ?? 0) + 1; faultLog.push({ k, from: Date.now() }); log(`fault: ${k} at +${Date.now() - t0} ms`); };
  const dir = mkdtempSync(join(tmpdir(), 'centralita-chaos-'));
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    // Redis with an AOF, killed and started again on the same port and directory.
    const redisDir = join(dir, 'redis');
    mkdirSync(redisDir);
    let redis: RedisServerHandle = await startRedisServer({ dir: redisDir, appendOnly: true });
    const redisPort = redis.port;
    cleanup.push(() => redis.stop());
    const pgServer = await startPostgresServer({ durable: false });
    cleanup.push(() => pgServer.stop());
    await waitForDatabase(pgServer.adminUrl);
    const dbName = `chaos_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(pgServer.adminUrl, dbName);
    const hubspot = await startFakeHubspot({ token: 'chaos-token-123456' });
    cleanup.push(() => hubspot.close());
    let sim = await startSimProcess(randomBytes(9).toString('hex'), dir);
    const simPort = Number(new URL(sim.url).port);
    const amiPort = sim.amiPort;
    cleanup.push(() => { sim.child.kill('SIGKILL'); });
    // Agents answer in 0.5–1.5 s and talk 2–4 s; campaign numbers: 60 % answer, 20 % busy, 20 % no answer.
    // Chosen once: a restarted PBX gets the same world again.
    const agentPhones = ['1001', '1002', '1003', '1004', '1005'].map((r) => ({ r, behavior: { behavior: 'answer', afterMs: 500 + Math.floor(rand() * 1000), hangupAfterMs: 2000 + Math.floor(rand() * 2000) } }));
    const configureSim = async (s: Sim) => {
      for (const a of agentPhones) await s.req('PUT', `/_sim/endpoints/PJSIP/${a.r}`, a.behavior);
      await s.req('PUT', '/_sim/numbers', { pattern: '/^\\+5730[0-5]/', behavior: 'answer', afterMs: 800, hangupAfterMs: 3000 });
      await s.req('PUT', '/_sim/numbers', { pattern: '/^\\+57310/', behavior: 'busy', afterMs: 500 });
      await s.req('PUT', '/_sim/numbers', { pattern: '/^\\+57311/', behavior: 'noanswer' });
    };
    await configureSim(sim);
    // What callers heard on a PBX that was restarted (its memory went with it), kept for the count.
    type HearingDump = { at: number; channels: { id: string; alive: boolean; heard: HeardSpan[] }[]; reusedIds: Record<string, number> };
    const earlierHearing: HearingDump[] = [];

    const env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`, DATABASE_URL: pgServer.urlFor(dbName), HTTP_PORT: '0', DATA_DIR: join(dir, 'app'), LOG_LEVEL: 'info',
      ARI_URL: sim.url, ARI_USER: 'centralita', ARI_PASSWORD: sim.password,
      AMI_HOST: '127.0.0.1', AMI_PORT: String(amiPort), AMI_USER: 'centralita', AMI_SECRET: sim.password,
      HUBSPOT_TOKEN: 'chaos-token-123456', HUBSPOT_BASE_URL: hubspot.url,
      CAMPAIGN_INBOX_DIR: join(dir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dir, 'results'), DIAL_CALLER_IDS: '+576015550100',
      SHUTDOWN_DEADLINE_MS: '3000', DIALER_MAX_CPS: '4', DIALER_MAX_CONCURRENT: '6',
    };
    const workerEnv = { ...env, DATA_DIR: join(dir, 'worker') };
    let app: AppProcess = await spawnApp(env, { startTimeoutMs: 120_000 });
    let worker: AppProcess | undefined = o.worker ? await spawnApp(workerEnv, { command: 'worker', startTimeoutMs: 120_000 }) : undefined;
    const keepLogs = (name: string, p: AppProcess) => writeFileSync(join(dir, `${name}-${p.pid}.log`), [...p.stdout, ...p.stderr].join('\n'));
    cleanup.push(() => { keepLogs('app', app); if (worker) keepLogs('worker', worker); app.kill('SIGKILL'); worker?.kill('SIGKILL'); });
    log(`logs in ${dir}`);
    // Agents do their wrap-up a few seconds after each call, as people at the console do (the
    // record of an agent's call is held for it, up to holdHubspotSec, before HubSpot gets it).
    const agentIds = ['ana', 'bruno', 'carla', 'diego', 'elena'];
    let wrapping = true;
    const wrapUps = (async () => {
      while (wrapping) {
        for (const a of agentIds) {
          const r = await app.api(`/api/console/${a}`).catch(() => undefined);
          if (!r || r.status !== 200) continue;
          const body = (await r.json().catch(() => ({}))) as { pending?: { callId: string; endedAt: number }[] };
          for (const p of body.pending ?? []) {
            await app.api(`/api/console/${a}/wrapup`, { method: 'POST', body: JSON.stringify({ callId: p.callId, disposition: 'resolved' }), headers: { 'content-type': 'application/json' } }).catch(() => undefined);
          }
        }
        await sleep(2000);
      }
    })();
    cleanup.push(async () => { wrapping = false; await wrapUps; });
    const login = async () => { for (const a of ['ana', 'bruno', 'carla', 'diego', 'elena']) await app.api(`/api/agents/${a}/login`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).catch(() => {}); };
    await login();
    // The office schedule open whatever the time of day the suite runs (an audited override, in
    // Redis: it survives the app's restarts): the load is the open-hours mix, not voicemail.
    const openHours = await app.api('/api/hours/office/override', { method: 'PUT', body: JSON.stringify({ state: 'open', reason: 'chaos suite: open-hours load at any time of day', minutes: 180 }), headers: { 'content-type': 'application/json' } });
    if (openHours.status !== 201) throw new Error(`hours override refused: ${openHours.status} ${await openHours.text()}`);

    // The campaign: one file, rows spread over the three number behaviours.
    const campaignDir = join(dir, 'inbox', 'caos');
    mkdirSync(campaignDir, { recursive: true });
    writeFileSync(join(campaignDir, 'campaign.json'), JSON.stringify({ flowId: 'campaign', callerId: '+576015550100', maxCallsPerSecond: 4, maxConcurrentCalls: 6, ringTimeoutSec: 6, maxCallSec: 60, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, retry: { busy: { delaySec: 2, maxAttempts: 2 }, 'no-answer': { delaySec: 2, maxAttempts: 2 }, failed: { delaySec: 2, maxAttempts: 3 } } }));
    const rows = ['telefono'];
    // Colombian mobiles: 300–305 answer, 310 busy, 311 never answers (valid numbers all: none rejected).
    for (let i = 0; i < o.campaignRows; i++) rows.push(`3${pick(['00', '01', '02', '03', '04', '05', '10', '11', '00', '01'])}${String(1_000_000 + i).slice(-7)}`);
    writeFileSync(join(campaignDir, 'lista.csv'), rows.join('\n') + '\n');

    // Inbound callers: the main DID; press 2 (English) then 3 (billing queue) or 1 (sales), or hang up in the IVR.
    const inbound: string[] = [];
    const placeInbound = async (i: number) => {
      const kind = pick(['queue', 'queue', 'queue', 'ivr']);
      const script = kind === 'queue' ? { digits: `2${pick(['1', '3'])}`, digitsAfterMs: 3000, digitGapMs: 3500, hangupAfterMs: 25_000 + Math.floor(rand() * 10_000) } : { hangupAfterMs: 4000 + Math.floor(rand() * 6000) };
      const r = (await sim.req('POST', '/_sim/calls', { from: `31${String(5_000_000 + i).padStart(8, '0')}`, to: '6015550100', script })) as { channelId: string };
      inbound.push(r.channelId);
    };

    // Faults at seeded moments inside the window, while calls are placed.
    const faultKinds: readonly FaultKind[] = (o.faults ?? ['redis', 'ari-drop', 'app', 'worker', 'sim-restart', 'hubspot-5xx', 'hubspot-429']).filter((k) => k !== 'worker' || o.worker);
    const schedule = [...faultKinds, ...Array.from({ length: 3 }, () => pick(faultKinds))].map((k) => ({ k, at: Math.floor(rand() * o.faultWindowMs * 0.8) })).sort((a, b) => a.at - b.at);
    const start = Date.now();
    let placed = 0;
    const callGap = o.faultWindowMs / Math.max(1, o.inboundCalls);
    let fi = 0;
    while (Date.now() - start < o.faultWindowMs) {
      const t = Date.now() - start;
      while (placed < o.inboundCalls && placed * callGap <= t) await placeInbound(placed++).catch((e: unknown) => log(`call not placed: ${String(e)}`));
      while (fi < schedule.length && schedule[fi]!.at <= t) {
        const f = schedule[fi++]!;
        count(f.k);
        try {
          if (f.k === 'redis') {
            process.kill(redis.pid, 'SIGKILL');
            await sleep(1500 + Math.floor(rand() * 1500));
            redis = await startRedisServer({ dir: redisDir, appendOnly: true, port: redisPort });
          } else if (f.k === 'ari-drop') {
            await sim.req('POST', '/_sim/ws/drop');
          } else if (f.k === 'app') {
            app.kill('SIGKILL');
            await app.exited;
            keepLogs('app', app);
            app = await spawnApp(env, { startTimeoutMs: 120_000 });
            await login();
          } else if (f.k === 'worker') {
            if (!worker) continue;
            worker.kill('SIGKILL');
            await worker.exited;
            keepLogs('worker', worker);
            worker = await spawnApp(workerEnv, { command: 'worker', startTimeoutMs: 120_000 });
          } else if (f.k === 'sim-restart') {
            // The PBX restarts: every channel is gone, the app's WebSocket drops and reconnects.
            earlierHearing.push((await sim.req('GET', '/_sim/hearing')) as HearingDump);
            sim.child.kill('SIGKILL');
            await new Promise((r) => sim.child.once('exit', r));
            // Asterisk's channel ids are <epoch seconds>.<counter from start>: a PBX back within the
            // same second could give a new call an id of the old run; a restart takes longer than that.
            await sleep(2000 + Math.floor(rand() * 1500));
            sim = await startSimProcess(sim.password, dir, simPort, amiPort);
            await configureSim(sim);
          } else if (f.k === 'hubspot-5xx') {
            hubspot.fault({ kind: 'status', status: 503 }, 20);
          } else {
            hubspot.fault({ kind: 'rate-limit', policy: 'TEN_SECONDLY_ROLLING' }, 20);
          }
        } catch (err) { log(`fault ${f.k} failed: ${String(err)}`); }
        faultLog[faultLog.length - 1]!.to = Date.now();
      }
      await sleep(100);
    }
    while (placed < o.inboundCalls) await placeInbound(placed++).catch(() => {});
    hubspot.clearFaults();

    // Settle: no channel left on the PBX, every row with a final outcome, HubSpot caught up.
    const conn = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 1, lazyConnect: false });
    cleanup.push(() => { conn.disconnect(); });
    const store$ = await openStore({ url: env.DATABASE_URL, defaultCountry: 'CO', poolMax: 2 });
    cleanup.push(() => store$.close());
    // Campaign rows, attempts and results live in PostgreSQL (the hopper's source).
    const store = store$.campaigns.store();
    // Every record in the system of record (all pages), in the order listed.
    const listRecords = async () => {
      const out: string[] = [];
      let next: string | undefined;
      do {
        const page = await store$.history.search({ from: new Date(t0 - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString(), limit: 200, ...(next ? { cursor: next } : {}) });
        out.push(...page.calls.map((c) => c.id));
        next = page.next;
      } while (next);
      return out;
    };
    const recordIds = async () => new Set(await listRecords());
    const settled = await until(async () => {
      const stats = (await sim.req('GET', '/_sim/stats')) as { channels: number };
      const p = await store.progress('caos');
      const ids = await recordIds();
      const logged = hubspot.callsByMarker().size;
      log(`settling: channels=${stats.channels} rows done=${p.done}+${p.rejected} rejected/${o.campaignRows} records=${ids.size} hubspot=${logged}`);
      return stats.channels === 0 && p.done + p.rejected >= o.campaignRows && logged >= ids.size && ids.size > 0 ? true : undefined;
    }, o.settleMs);

    // Count.
    const last = (await sim.req('GET', '/_sim/hearing')) as HearingDump;
    // One view over every PBX run: a channel live when its PBX died ends there (spans closed at
    // the dump); an id seen on two runs was dialled twice.
    const hearing: HearingDump = { at: last.at, channels: [], reusedIds: { ...last.reusedIds } };
    const seen = new Map<string, number>();
    for (const d of [...earlierHearing, last]) {
      for (const c of d.channels) {
        const heard = d === last ? c.heard : c.heard.map((h) => (h.to === undefined ? { ...h, to: d.at } : h));
        hearing.channels.push({ ...c, heard });
        seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
      }
      if (d !== last) for (const [id, n] of Object.entries(d.reusedIds)) hearing.reusedIds[id] = (hearing.reusedIds[id] ?? 0) + n;
    }
    for (const [id, n] of seen) if (n > 1) hearing.reusedIds[id] = (hearing.reusedIds[id] ?? 0) + n - 1;
    const campaignChannels = hearing.channels.filter((c) => c.id.startsWith('cmp-'));
    const answeredCampaign = campaignChannels.filter((c) => c.heard.some((h) => h.what !== 'ringing'));
    const ids = await recordIds();
    const expected = [...inbound, ...answeredCampaign.map((c) => c.id)].map((id) => `cr-${id}`);
    const recordsMissing = expected.filter((id) => !ids.has(id)).length;
    const listed = await listRecords();
    const dupRows = listed.length - new Set(listed).size;
    const results = store$.campaigns.results;
    const rowResults: RowResult[] = [];
    for (const f of await results.files('caos')) for await (const page of results.rows('caos', f.fileId)) rowResults.push(...page);
    // Every row of the file ends accepted-with-a-final-outcome or rejected by the ingest.
    const rejected = (await store.progress('caos')).rejected;
    const rowsWithout = o.campaignRows - rejected - rowResults.filter((r) => r.finalOutcome).length;
    const doubleDials = Object.entries(hearing.reusedIds).filter(([id]) => id.startsWith('cmp-')).length;
    const byMarker = hubspot.callsByMarker();
    const hubspotMissing = [...ids].filter((id) => !byMarker.has(id)).length;
    const hubspotDup = [...byMarker.values()].filter((v) => v.length > 1).length;
    const flows = await shippedFlowRegistry();
    const dp = digitPrompts(flows.current().flows.values());
    flows.close();
    const callers = hearing.channels.filter((c) => inbound.includes(c.id) || c.id.startsWith('cmp-'));
    const deadAir = callers.reduce((t, c) => t + deadAirSeconds(c.heard, { at: hearing.at, digitPrompts: dp }), 0);
    // Which calls have no record and why: what the caller heard, when, and the faults around it.
    const around = (from: number, to: number) => faultLog.filter((f) => f.from <= to + 5000 && (f.to ?? f.from) >= from - 5000).map((f) => `${f.k}@+${f.from - t0}..+${(f.to ?? f.from) - t0}`).join(',') || 'no fault within 5 s';
    for (const id of expected.filter((x) => !ids.has(x))) {
      const c = hearing.channels.find((h) => `cr-${h.id}` === id);
      const from = c?.heard[0]?.from ?? 0;
      const to = c?.heard.at(-1)?.to ?? hearing.at;
      log(`missing record ${id}: heard ${c ? c.heard.map((h) => `${h.what}@+${Math.round(h.from - t0)}`).join(' ') : '(no timeline)'} until +${Math.round(to - t0)}; faults: ${around(from, to)}`);
    }
    // Which records HubSpot never got, and where their job is (waiting, delayed until when, failed why).
    const hsMissing = [...ids].filter((id) => !hubspot.callsByMarker().has(id));
    if (hsMissing.length) {
      const q = new Queue(QUEUES.callRecords, { connection: conn });
      q.on('error', () => {});
      log(`call-records jobs: ${JSON.stringify(await q.getJobCounts().catch(() => ({})))}`);
      for (const id of hsMissing.slice(0, 20)) {
        const j = await q.getJob(id).catch(() => undefined);
        const state = j ? await j.getState().catch(() => '?') : 'no job';
        log(`hubspot missing ${id}: ${state}${j ? ` attempts=${j.attemptsMade} started=${j.attemptsStarted} added=+${j.timestamp - t0} due=+${j.timestamp + (j.delay ?? 0) - t0} processed=${j.processedOn ? `+${j.processedOn - t0}` : '-'} failed=${j.failedReason ?? ''} result=${JSON.stringify(j.returnvalue ?? null)} direction=${(j.data as { direction?: string }).direction} source=${(j.data as { source?: string }).source ?? 'stasis'}` : ''}`);
      }
      await q.close();
    }
    if (settled !== true) {
      const q = new Queue(QUEUES.originate, { connection: conn });
      q.on('error', () => {});
      log(`originate jobs: ${JSON.stringify(await q.getJobCounts().catch(() => ({})))}`);
      for (const j of (await q.getJobs(['waiting', 'delayed', 'active', 'failed', 'prioritized', 'waiting-children']).catch(() => [])).slice(0, 5)) log(`job ${j.id} ${JSON.stringify(j.data).slice(0, 200)} failed=${j.failedReason ?? ''} attempts=${j.attemptsMade}`);
      await q.close();
    }
    log(`rows without outcome: ${rowResults.filter((r) => !r.finalOutcome).map((r) => `${r.rowId}:${r.attempts}`).slice(0, 10).join(' ')}`);
    for (const c of callers) {
      const s = deadAirSeconds(c.heard, { at: hearing.at, digitPrompts: dp });
      if (s > 0) log(`dead air ${s}s on ${c.id}: ${JSON.stringify(deadAirOfSpans(c.heard, { at: hearing.at, digitPrompts: dp }).map((d) => ({ ...d, from: Math.round(d.from - c.heard[0]!.from) })))} in ${c.heard.map((h) => `${h.what}${h.media ? `(${h.media})` : ''}@${Math.round(h.from - c.heard[0]!.from)}`).join(' ')}`);
    }
    return {
      seed: o.seed, calls: inbound.length + campaignChannels.length, inbound_calls: inbound.length, campaign_attempts: campaignChannels.length, campaign_rows: o.campaignRows, rows_rejected: rejected,
      records_missing: recordsMissing, records_duplicated: Number(dupRows), rows_without_outcome: rowsWithout, double_dials: doubleDials,
      hubspot_missing: hubspotMissing, hubspot_duplicated: hubspotDup, dead_air_seconds: Math.round(deadAir * 10) / 10,
      faults, settled: settled === true, ms: Date.now() - t0,
    };
  } finally {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}
