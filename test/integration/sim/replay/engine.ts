// Replays a trace recorded from a real Asterisk 22 against the simulator, on a virtual clock
// started at the trace's own wall time: REST requests at the time they were sent (concurrent
// ones without waiting), WebSockets opened and closed, and what the far end did (`world`
// entries, or the sipp notes of the older traces) acted out through the control API.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createManualClock, startSimulator, type Dialplan, type Simulator } from '../../../../src/sim/index.ts';
import type { EndpointConfig } from '../../../../src/sim/pbx.ts';
import { ambiguousDurations, compared, group, learnIds, learnUnknownChannels, normBody, orderingViolations, type IdMap, type Json, type Level } from './compare.ts';

export interface TraceEntry {
  type: string;
  seq: number;
  t_ms: number;
  sent_t_ms?: number;
  concurrent?: boolean;
  app?: string;
  what?: string;
  action?: string;
  url?: string;
  status?: number;
  body?: unknown;
  text?: string;
  event?: Json;
  request?: { method: string; path: string; query?: Json; body?: unknown; rawBody?: string; auth?: string };
  response?: { status: number; contentType: string; body: unknown; wwwAuthenticate?: string };
  [k: string]: unknown;
}

export interface SimSetup {
  dialplan: Dialplan;
  endpoints: EndpointConfig[];
  sounds: Record<string, number>;
  channelvars?: string[];
}

export interface ReplayResult {
  restMismatches: string[];
  eventMismatches: string[];
  orderMismatches: string[];
  requests: number;
  events: number;
  internalErrors: number;
}

class Client {
  readonly events: Json[];
  ws: WebSocket | undefined;
  constructor(events: Json[]) {
    this.events = events;
  }
  async open(url: string): Promise<void> {
    const ws = new WebSocket(url);
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as Json));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('close', () => {
      if (this.ws === ws) this.ws = undefined;
    });
    this.ws = ws;
  }
  /** A ping/pong round trip: every event the server sent before it has arrived. */
  async barrier(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 500);
      ws.once('pong', () => {
        clearTimeout(t);
        resolve();
      });
      ws.ping();
    });
  }
  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
    });
  }
}

/** The wall time the trace started at, so whole-second behaviour (recording limits) lines up. */
function traceStart(log: TraceEntry[]): number | undefined {
  const e = log.find((x) => x.type === 'event' && typeof x.event?.timestamp === 'string');
  if (!e) return undefined;
  const ts = String(e.event!.timestamp).replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms - e.t_ms;
}

/** The far end of the older shared traces, told by their sipp notes. */
function sippNoteCall(sim: Simulator, text: string): void {
  const script = text.includes('uac_cancel')
    ? { cancelAfterMs: 3020 }
    : text.includes('uac_dtmf')
      ? { digits: '1#', digitsAfterMs: 1650, digitDurationMs: 280, digitGapMs: 1230 }
      : { hangupAfterMs: 3000 };
  sim.control.placeCall({ from: 'sipp', callerName: 'sipp', to: '100', endpoint: 'PJSIP/sipp', context: 'lab-in', script });
}

function world(sim: Simulator, e: TraceEntry): void {
  switch (e.action) {
    case 'endpoint':
      sim.control.setEndpointBehavior(String(e.tech), String(e.resource), e.behavior as never);
      return;
    case 'call':
      sim.control.placeCall(e as never);
      return;
    case 'register':
      sim.control.registerContact(`${String(e.tech)}/${String(e.resource)}`, { uri: String(e.contact), expiresSec: Number(e.expires), unregisterAfterMs: Number(e.holdMs) });
      return;
    case 'pbx':
      sim.control.shutdown();
      return;
    default:
      throw new Error(`unknown world action ${String(e.action)}`);
  }
}

export async function replay(file: string, setup: SimSetup, level: Level): Promise<ReplayResult> {
  const trace = JSON.parse(readFileSync(file, 'utf8')) as { log: TraceEntry[] };
  const log = trace.log;
  const clock = createManualClock(traceStart(log));
  const t0 = clock.now();
  const recDir = mkdtempSync(join(tmpdir(), 'sim-replay-'));
  const sim: Simulator = await startSimulator({
    user: 'lab', password: 'lab', clock, dialplan: setup.dialplan, soundLengths: setup.sounds, recordingsDir: recDir, endpoints: setup.endpoints,
    // The recording lab's ari.conf: none unless the setup says (not the shipped default).
    channelvars: setup.channelvars ?? [],
  });
  const wsBase = sim.url.replace(/^http/, 'ws');
  const ids: IdMap = new Map();
  const clients = new Map<string, Client>();
  const received = new Map<string, Json[]>();
  const restMismatches: string[] = [];
  const auth = (cred: string) => 'Basic ' + Buffer.from(cred).toString('base64');
  const expectedBy = (t: number) => {
    const need = new Map<string, number>();
    for (const e of log) if (e.type === 'event' && e.t_ms < t && e.app && compared(e.event!)) need.set(e.app, (need.get(e.app) ?? 0) + 1);
    return need;
  };
  const barrier = async () => {
    await Promise.all([...clients.values()].map((c) => c.barrier()));
  };
  const satisfied = (need: Map<string, number>) => [...need].every(([label, n]) => (received.get(label) ?? []).filter(compared).length >= n);
  const learnStasisIds = () => {
    for (const [label, evs] of received) {
      const sims = evs.filter((e) => e.type === 'StasisStart');
      const traces = log.filter((e) => e.type === 'event' && e.app === label && e.event!.type === 'StasisStart').map((e) => e.event!);
      sims.forEach((s, i) => {
        const t = traces[i];
        if (t) learnIds(t.channel, s.channel, ids);
      });
      learnUnknownChannels(log.filter((e) => e.type === 'event' && e.app === label).map((e) => e.event!), evs, ids);
    }
  };
  const advanceTo = async (t: number) => {
    const target = t0 + t;
    if (clock.now() < target) clock.advance(target - clock.now());
    await barrier();
    const need = expectedBy(t);
    let guard = 0;
    while (!satisfied(need) && guard++ < 200) {
      const due = clock.nextDue();
      if (due === undefined || due - target > 60_000) break;
      clock.advance(Math.max(0, due - clock.now()));
      await barrier();
    }
    learnStasisIds();
  };
  /** A request blocked behind a channel's running command completes as media time passes. */
  const pumpUntil = async <T,>(p: Promise<T>): Promise<T> => {
    let done = false;
    const out = p.finally(() => {
      done = true;
    });
    for (let i = 0; i < 2000 && !done; i++) {
      await Promise.race([out.then(() => undefined, () => undefined), new Promise((r) => setTimeout(r, 20))]);
      if (done || sim.pbx.blockedRequests() === 0) continue;
      const due = clock.nextDue();
      if (due !== undefined) clock.advance(Math.max(0, due - clock.now()));
    }
    return out;
  };
  const translate = (s: string) => {
    let out = s;
    for (const [from, to] of [...ids].sort((a, b) => b[0].length - a[0].length)) out = out.split(from).join(to);
    return out;
  };
  const send = (rq: NonNullable<TraceEntry['request']>) => {
    const url = new URL(sim.url + translate(rq.path));
    for (const [k, v] of Object.entries(rq.query ?? {})) url.searchParams.append(k, translate(String(v)));
    const headers: Record<string, string> = {};
    if (rq.auth === undefined) headers.authorization = auth('lab:lab');
    else if (rq.auth !== 'none') headers.authorization = auth(rq.auth);
    let body: string | undefined;
    if (rq.rawBody !== undefined) body = rq.rawBody;
    else if (rq.body !== undefined) body = JSON.stringify(rq.body);
    if (rq.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(url, { method: rq.method, headers, body });
  };
  const check = async (e: TraceEntry, res: Response) => {
    const rq = e.request!;
    const buf = Buffer.from(await res.arrayBuffer());
    const want = e.response!;
    const label = `${rq.method} ${rq.path}${rq.query ? '?' + new URLSearchParams(Object.entries(rq.query).map(([k, v]) => [k, String(v)])).toString() : ''}`;
    if (res.status !== want.status) {
      restMismatches.push(`${label}: status ${res.status} (${buf.toString()}), want ${want.status} ${JSON.stringify(want.body)}`);
      return;
    }
    if (typeof want.body === 'string' && want.body.startsWith('<')) {
      const m = /^<(\d+) bytes ?(.*)>$/.exec(want.body);
      const n = Number(m?.[1] ?? 0);
      if ((n === 0) !== (buf.length === 0)) restMismatches.push(`${label}: ${buf.length} bytes, want ${want.body}`);
      if (m?.[2] && !String(res.headers.get('content-type')).startsWith(m[2])) restMismatches.push(`${label}: content-type ${res.headers.get('content-type')}, want ${m[2]}`);
      return;
    }
    let got: unknown;
    try {
      got = JSON.parse(buf.toString());
    } catch {
      restMismatches.push(`${label}: body not JSON: ${buf.toString()}`);
      return;
    }
    const p = rq.path;
    // Asterisk lists channels in its hash order: compare GET /channels as a set (by id).
    const unordered = p === '/ari/channels' && rq.method === 'GET' && Array.isArray(want.body) && Array.isArray(got);
    if (!unordered) learnIds(want.body, got, ids);
    let a = normBody(want.body, ids);
    let b = normBody(got, ids);
    if (unordered) {
      const byId = (x: unknown) => [...(x as { id: string }[])].sort((u, v) => (u.id < v.id ? -1 : u.id > v.id ? 1 : 0));
      a = byId(a);
      b = byId(b);
    }
    if (p === '/ari/recordings/stored' && Array.isArray(a) && Array.isArray(b)) {
      // The lab's recordings dir kept files from earlier runs: ours must be among them.
      const names = new Set((a as { name: string; format?: string }[]).map((x) => `${x.name}.${x.format}`));
      const extra = (b as { name: string; format: string }[]).filter((x) => !names.has(`${x.name}.${x.format}`));
      if (extra.length) restMismatches.push(`${label}: unexpected stored recordings ${JSON.stringify(extra)}`);
      return;
    }
    if (want.wwwAuthenticate && res.headers.get('www-authenticate') !== want.wwwAuthenticate) restMismatches.push(`${label}: WWW-Authenticate ${res.headers.get('www-authenticate')}, want ${want.wwwAuthenticate}`);
    if (p === '/ari/asterisk/info' && want.status === 200) {
      const pick = (x: unknown) => ({ version: (x as { system: { version: string } }).system.version, lang: (x as { config: { default_language: string } }).config.default_language });
      a = pick(a);
      b = pick(b);
    }
    if (p.startsWith('/ari/asterisk/modules/') && want.status === 200) {
      a = { ...(a as object), use_count: 0 };
      b = { ...(b as object), use_count: 0 };
    }
    if ((p === '/ari/sounds' || p.startsWith('/ari/sounds/')) && want.status === 200) {
      const idsOf = (x: unknown) => [x].flat().map((s) => (s as { id: string }).id).sort();
      a = idsOf(a);
      b = idsOf(b);
    }
    if (/\/play(\/[^/]+)?$/.test(p) && rq.method === 'POST' && want.status === 201) {
      // The 201 races the control thread: the playback may already be playing (traced both ways).
      const q = (x: unknown) => ({ ...(x as object), state: (x as { state?: string }).state === 'playing' ? 'queued' : (x as { state?: string }).state });
      a = q(a);
      b = q(b);
    }
    if (p === '/ari/asterisk/logging' && want.status === 200) {
      // Log channels are the host's logger.conf: compare the shape.
      a = (a as Json[]).map((c) => Object.keys(c).sort());
      b = (b as Json[]).slice(0, (a as unknown[]).length).map((c) => Object.keys(c).sort());
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) restMismatches.push(`${label}:\n  got  ${JSON.stringify(b)}\n  want ${JSON.stringify(a)}`);
  };
  let requests = 0;
  let internalErrors: number;
  const inFlight: Promise<void>[] = [];
  const concurrent = log.filter((e) => e.type === 'rest' && e.concurrent);
  const startConcurrent = async (upTo: number) => {
    for (const e of concurrent.splice(0)) {
      if ((e.sent_t_ms ?? e.t_ms) > upTo) {
        concurrent.push(e);
        continue;
      }
      await advanceTo(e.sent_t_ms ?? e.t_ms);
      requests++;
      inFlight.push(pumpUntil(send(e.request!)).then((res) => check(e, res)));
    }
  };
  try {
    for (const e of log) {
      if (e.type === 'rest' && e.concurrent) continue;
      await startConcurrent(e.sent_t_ms ?? e.t_ms);
      if (e.type === 'ws' && e.what === 'open') {
        await advanceTo(e.t_ms);
        const u = new URL(e.url!);
        const label = e.app!;
        const events = received.get(label) ?? [];
        received.set(label, events);
        const c = new Client(events);
        await c.open(`${wsBase}/ari/events?app=${encodeURIComponent(u.searchParams.get('app') ?? '')}&subscribeAll=${u.searchParams.get('subscribeAll') ?? 'false'}&api_key=lab:lab`);
        clients.set(label, c);
      } else if (e.type === 'ws' && e.what === 'close') {
        await advanceTo(e.t_ms);
        const c = clients.get(e.app!);
        await c?.close();
        for (let i = 0; i < 50 && c; i++) await new Promise((r) => setTimeout(r, 2));
      } else if (e.type === 'ws' && e.what === 'unexpected-response') {
        const u = new URL(e.url!);
        const key = e.app === 'ws-bad-pass' ? 'lab:wrong' : 'lab:lab';
        const res = await new Promise<{ status: number; body: string }>((resolve) => {
          const ws = new WebSocket(`${wsBase}/ari/events?app=${encodeURIComponent(u.searchParams.get('app') ?? '')}&api_key=${key}`);
          ws.on('unexpected-response', (_req, r) => {
            let body = '';
            r.on('data', (d: Buffer) => (body += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          });
          ws.on('error', () => undefined);
        });
        const want = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
        if (res.status !== e.status || res.body !== want) restMismatches.push(`WS ${e.app}: got ${res.status} ${res.body}, want ${e.status} ${want}`);
      } else if (e.type === 'note' && e.text?.startsWith('spawn sipp')) {
        await advanceTo(e.t_ms);
        sippNoteCall(sim, e.text);
      } else if (e.type === 'world') {
        await advanceTo(e.t_ms);
        world(sim, e);
      } else if (e.type === 'rest') {
        await advanceTo(e.sent_t_ms ?? e.t_ms);
        requests++;
        await check(e, await pumpUntil(send(e.request!)));
      }
    }
    await startConcurrent(Infinity);
    const last = log.reduce((mx, e) => Math.max(mx, e.t_ms), 0);
    await advanceTo(last + 1);
    await Promise.all(inFlight);
    await barrier();
  } finally {
    for (const c of clients.values()) await c.close();
    internalErrors = sim.internalErrors();
    await sim.close();
    rmSync(recDir, { recursive: true, force: true });
  }

  const eventMismatches: string[] = [];
  const orderMismatches: string[] = [];
  let events = 0;
  const labels = new Set([...received.keys(), ...log.filter((e) => e.type === 'event').map((e) => e.app!)]);
  for (const label of labels) {
    const wantEvents = log.filter((e) => e.type === 'event' && e.app === label).map((e) => e.event!);
    const gotEvents = received.get(label) ?? [];
    learnUnknownChannels(wantEvents, gotEvents, ids);
    const ambiguous = ambiguousDurations(wantEvents);
    const want = group(wantEvents, ids, level, ambiguous);
    const got = group(gotEvents, ids, level, ambiguous);
    for (const s of new Set([...want.keys(), ...got.keys()])) {
      const w = want.get(s) ?? [];
      const g = got.get(s) ?? [];
      events += w.length;
      if (JSON.stringify(w) !== JSON.stringify(g)) eventMismatches.push(`[${label}] ${s}\n  got  ${g.join('\n       ')}\n  want ${w.join('\n       ')}`);
    }
    if (level === 'full') for (const v of orderingViolations(wantEvents.filter(compared), gotEvents.filter(compared), ids)) orderMismatches.push(`[${label}] ${v}`);
  }
  return { restMismatches, eventMismatches, orderMismatches, requests, events, internalErrors };
}
