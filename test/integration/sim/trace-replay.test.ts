// Conformance of the simulated PBX with recordings of a real Asterisk 22 (../shared/ari-traces).
// Each trace's REST requests are replayed, in order, against a simulator configured like the
// lab the traces come from (README there), on a virtual clock. Compared:
//  - every REST response: status and body (ids, timestamps and channel-name counters ignored);
//  - per WebSocket, the events of each subject (a channel, playback, recording, bridge), in
//    order, with the fields that matter (type, state, causes, digits, dial status, args...).
// Left out of the comparison, on purpose (dialplan-internal bookkeeping the app does not act
// on): ChannelDialplan, ChannelCallerId, ChannelConnectedLine, DeviceStateChanged and the
// ChannelVarset of STASISSTATUS / BRIDGEPEER / RTPAUDIOQOS*. Everything else must match.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createManualClock, startSimulator, type Dialplan, type Simulator } from '../../../src/sim/index.ts';

const TRACE_DIR = fileURLToPath(new URL('../../../../shared/ari-traces/', import.meta.url));
const NOT_SCENARIOS = new Set(['resources.json', 'event-samples.json', 'error-responses.json']);
const haveTraces = existsSync(TRACE_DIR);
const traceFiles = haveTraces ? readdirSync(TRACE_DIR).filter((f) => f.endsWith('.json') && !NOT_SCENARIOS.has(f)).sort() : [];

// The lab dialplan, as the traces' README describes it.
const LAB_DIALPLAN: Dialplan = {
  'lab-in': {
    '100': [{ app: 'NoOp', text: 'inbound to Stasis lab-app' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound'] }],
    '101': [{ app: 'Answer' }, { app: 'Stasis', appName: 'lab-app', args: ['inbound-answered'] }],
    '200': [{ app: 'Answer' }, { app: 'Wait', seconds: 30 }],
    '201': [{ app: 'Answer' }, { app: 'Echo' }],
    '300': [{ app: 'Busy' }],
    '301': [{ app: 'Congestion' }],
    '400': [{ app: 'Ringing' }, { app: 'Wait', seconds: 60 }],
    '500': [{ app: 'Answer' }, { app: 'Wait', seconds: 0.5 }, { app: 'Wait', seconds: 1 }, { app: 'SendDTMF', digits: '1234#', gapMs: 250, durationMs: 150 }, { app: 'Wait', seconds: Infinity }],
    '600': [{ app: 'Answer' }, { app: 'Playback', sound: 'hello-world' }, { app: 'Hangup' }],
    '700': [{ app: 'Answer' }, { app: 'Hangup' }],
  },
};
// Lengths of the lab's generated files as measured in the traces (README rounds them).
const LAB_SOUNDS = { 'hello-world': 2560, 'long-prompt': 14800, 'lab-digits': 1045, beep: 300 };

interface TraceEntry {
  type: string;
  seq: number;
  t_ms: number;
  sent_t_ms?: number;
  app?: string;
  what?: string;
  url?: string;
  status?: number;
  body?: unknown;
  text?: string;
  event?: Record<string, unknown>;
  request?: { method: string; path: string; query?: Record<string, unknown>; body?: unknown; rawBody?: string; auth?: string };
  response?: { status: number; contentType: string; body: unknown };
}

const IGNORED_EVENTS = new Set(['ChannelDialplan', 'ChannelCallerId', 'ChannelConnectedLine', 'DeviceStateChanged']);
const IGNORED_VARS = /^(STASISSTATUS|BRIDGEPEER|RTPAUDIOQOS.*)$/;
const compared = (e: Record<string, unknown>) => !IGNORED_EVENTS.has(String(e.type)) && !(e.type === 'ChannelVarset' && IGNORED_VARS.test(String(e.variable)));

/** Channel names carry a per-boot counter (Local/100@lab-in-00000038;2): drop it. */
const normName = (n: unknown) => String(n).replace(/-[0-9a-f]{8}(;[12])?$/, '$1');

type IdMap = Map<string, string>;
const mapId = (m: IdMap, id: unknown) => {
  const s = String(id);
  return m.get(s) ?? s;
};

function subjectOf(e: Record<string, unknown>, m: IdMap): string {
  const get = (k: string) => e[k] as Record<string, unknown> | undefined;
  if (e.type === 'Dial') return `ch:${mapId(m, get('peer')?.id)}`;
  if (get('channel')) return `ch:${mapId(m, get('channel')?.id)}`;
  if (get('playback')) return `pb:${mapId(m, get('playback')?.id)}`;
  if (get('recording')) return `rec:${String(get('recording')?.name)}`;
  if (get('bridge')) return `br:${mapId(m, get('bridge')?.id)}`;
  return String(e.type);
}

/** The fields of an event that must match Asterisk's. */
function signature(e: Record<string, unknown>, m: IdMap): string {
  const o = (k: string) => (e[k] ?? {}) as Record<string, unknown>;
  const parts: unknown[] = [e.type];
  const ch = e.type === 'Dial' ? o('peer') : o('channel');
  if (ch.id !== undefined) parts.push({ id: mapId(m, ch.id), name: normName(ch.name), state: ch.state });
  for (const k of ['args', 'cause', 'cause_txt', 'soft', 'tech_cause', 'digit', 'duration_ms', 'dialstatus', 'variable', 'value']) if (k in e) parts.push({ [k]: e[k] });
  if (e.playback) {
    const p = o('playback');
    parts.push({ pb: mapId(m, p.id), media: p.media_uri, next: p.next_media_uri, target: String(p.target_uri).replace(/^(\w+:)(.*)$/, (_x, a: string, b: string) => a + mapId(m, b)), state: p.state });
  }
  if (e.recording) {
    const r = o('recording');
    parts.push({ rec: r.name, format: r.format, state: r.state, target: String(r.target_uri).replace(/^(\w+:)(.*)$/, (_x, a: string, b: string) => a + mapId(m, b)), duration: r.duration });
  }
  if (e.bridge) {
    const b = o('bridge');
    parts.push({ br: mapId(m, b.id), type: b.bridge_type, tech: b.technology, channels: (b.channels as string[]).map((c) => mapId(m, c)) });
  }
  return JSON.stringify(parts);
}

/** Normalises a REST body for comparison: timestamps and per-boot values out, ids mapped. */
function normBody(v: unknown, m: IdMap, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normBody(x, m, key));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    const o = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(o)) {
      if (['creationtime', 'timestamp', 'protocol_id', 'asterisk_id'].includes(k)) continue;
      if (k === 'name' && 'dialplan' in o) out[k] = normName(x);
      else if (k === 'id' || k === 'channel_ids' || k === 'channels') out[k] = Array.isArray(x) ? x.map((y) => mapId(m, y)) : mapId(m, x);
      else if (k === 'target_uri') out[k] = String(x).replace(/^(\w+:)(.*)$/, (_x, a: string, b: string) => a + mapId(m, b));
      else out[k] = normBody(x, m, k);
    }
    return out;
  }
  return v;
}

/** Learns trace-id -> simulator-id pairs from matching structures (ids Asterisk made up). */
function learnIds(trace: unknown, sim: unknown, m: IdMap): void {
  if (Array.isArray(trace) && Array.isArray(sim)) {
    trace.forEach((t, i) => learnIds(t, sim[i], m));
    return;
  }
  if (trace && sim && typeof trace === 'object' && typeof sim === 'object') {
    const t = trace as Record<string, unknown>;
    const s = sim as Record<string, unknown>;
    if (typeof t.id === 'string' && typeof s.id === 'string' && t.id !== s.id && !m.has(t.id)) m.set(t.id, s.id);
  }
}

class Client {
  readonly events: Record<string, unknown>[];
  ws: WebSocket | undefined;
  constructor(events: Record<string, unknown>[]) {
    this.events = events;
  }
  async open(url: string): Promise<void> {
    const ws = new WebSocket(url);
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.ws = ws;
  }
  /** A ping/pong round trip: every event the server sent before it has arrived. */
  async barrier(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      ws.once('pong', () => resolve());
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

async function replay(file: string): Promise<{ restMismatches: string[]; eventMismatches: string[]; requests: number; events: number; internalErrors: number }> {
  const trace = JSON.parse(readFileSync(join(TRACE_DIR, file), 'utf8')) as { log: TraceEntry[] };
  const log = trace.log;
  const clock = createManualClock();
  const t0 = clock.now();
  const recDir = mkdtempSync(join(tmpdir(), 'sim-replay-'));
  const sim: Simulator = await startSimulator({
    user: 'lab', password: 'lab', clock, dialplan: LAB_DIALPLAN, soundLengths: LAB_SOUNDS, recordingsDir: recDir,
    endpoints: [{ technology: 'PJSIP', resource: '1000' }, { technology: 'PJSIP', resource: '1001' }, { technology: 'PJSIP', resource: 'sipp' }],
  });
  const wsBase = sim.url.replace(/^http/, 'ws');
  const ids: IdMap = new Map();
  const clients = new Map<string, Client>();
  const received = new Map<string, Record<string, unknown>[]>();
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
    // Channels the simulator numbered itself (SIP callers) pair up by StasisStart order.
    for (const [label, evs] of received) {
      const sims = evs.filter((e) => e.type === 'StasisStart');
      const traces = log.filter((e) => e.type === 'event' && e.app === label && e.event!.type === 'StasisStart').map((e) => e.event!);
      sims.forEach((s, i) => {
        const t = traces[i];
        if (t) learnIds(t.channel, s.channel, ids);
      });
    }
  };
  /** Runs the virtual clock up to trace time t, then on until the events the trace saw before t have arrived. */
  const advanceTo = async (t: number) => {
    const target = t0 + t;
    if (clock.now() < target) clock.advance(target - clock.now());
    await barrier();
    const need = expectedBy(t);
    let guard = 0;
    if (process.env.SIM_REPLAY_DEBUG && !satisfied(need)) {
      for (const [label, n] of need) {
        const have = (received.get(label) ?? []).filter(compared);
        if (have.length >= n) continue;
        const want = log.filter((e) => e.type === 'event' && e.app === label && e.t_ms < t && compared(e.event!)).map((e) => e.event!);
        console.log(`t=${t} now=${clock.now() - t0} next=${(clock.nextDue() ?? 0) - t0} ${label}: need ${n}, have ${have.length}\n  want ${want.map((e) => e.type).join(' ')}\n  have ${have.map((e) => e.type).join(' ')}`);
      }
    }
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
  let requests = 0;
  let internalErrors: number;
  try {
    for (const e of log) {
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
        // Let the simulator see the close before the next request.
        for (let i = 0; i < 50 && c && sim.pbx.eventsSent() >= 0; i++) await new Promise((r) => setTimeout(r, 2));
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
        // The lab's SIP phone (sipp) scenarios, as scripts of the simulated caller.
        const text = e.text;
        const script = text.includes('uac_cancel')
          ? { cancelAfterMs: 3020 }
          : text.includes('uac_dtmf')
            ? { digits: '1#', digitsAfterMs: 1650, digitDurationMs: 280, digitGapMs: 1230 }
            : { hangupAfterMs: 3000 };
        sim.control.placeCall({ from: 'sipp', callerName: 'sipp', to: '100', endpoint: 'PJSIP/sipp', context: 'lab-in', script });
      } else if (e.type === 'rest') {
        const rq = e.request!;
        await advanceTo(e.sent_t_ms ?? e.t_ms);
        requests++;
        const url = new URL(sim.url + translate(rq.path));
        for (const [k, v] of Object.entries(rq.query ?? {})) url.searchParams.append(k, translate(String(v)));
        const headers: Record<string, string> = {};
        if (rq.auth === undefined) headers.authorization = auth('lab:lab');
        else if (rq.auth !== 'none') headers.authorization = auth(rq.auth);
        let body: string | undefined;
        if (rq.rawBody !== undefined) body = rq.rawBody;
        else if (rq.body !== undefined) body = JSON.stringify(rq.body);
        // The lab client sent raw bodies without a JSON content type (Asterisk then parses but ignores them).
        if (rq.body !== undefined) headers['content-type'] = 'application/json';
        const res = await pumpUntil(fetch(url, { method: rq.method, headers, body }));
        const buf = Buffer.from(await res.arrayBuffer());
        const want = e.response!;
        const label = `${rq.method} ${rq.path}${rq.query ? '?' + new URLSearchParams(Object.entries(rq.query).map(([k, v]) => [k, String(v)])).toString() : ''}`;
        if (res.status !== want.status) {
          restMismatches.push(`${label}: status ${res.status} (${buf.toString()}), want ${want.status} ${JSON.stringify(want.body)}`);
          continue;
        }
        if (typeof want.body === 'string' && want.body.startsWith('<')) {
          // "<0 bytes >" or "<58604 bytes audio/wav>": compare emptiness and content type.
          const m = /^<(\d+) bytes ?(.*)>$/.exec(want.body);
          const n = Number(m?.[1] ?? 0);
          if ((n === 0) !== (buf.length === 0)) restMismatches.push(`${label}: ${buf.length} bytes, want ${want.body}`);
          if (m?.[2] && !String(res.headers.get('content-type')).startsWith(m[2])) restMismatches.push(`${label}: content-type ${res.headers.get('content-type')}, want ${m[2]}`);
          continue;
        }
        let got: unknown;
        try {
          got = JSON.parse(buf.toString());
        } catch {
          restMismatches.push(`${label}: body not JSON: ${buf.toString()}`);
          continue;
        }
        learnIds(want.body, got, ids);
        const p = rq.path;
        let a = normBody(want.body, ids);
        let b = normBody(got, ids);
        if (p === '/ari/recordings/stored' && Array.isArray(a) && Array.isArray(b)) {
          // The lab's recordings dir kept files from earlier runs: ours must be among them.
          const names = new Set((a as { name: string }[]).map((x) => `${x.name}.${(x as { format?: string }).format}`));
          const extra = (b as { name: string; format: string }[]).filter((x) => !names.has(`${x.name}.${x.format}`));
          if (extra.length) restMismatches.push(`${label}: unexpected stored recordings ${JSON.stringify(extra)}`);
          continue;
        }
        const wantAuth = (want as { wwwAuthenticate?: string }).wwwAuthenticate;
        if (wantAuth && res.headers.get('www-authenticate') !== wantAuth) restMismatches.push(`${label}: WWW-Authenticate ${res.headers.get('www-authenticate')}, want ${wantAuth}`);
        if (p === '/ari/asterisk/info' && want.status === 200) {
          // Build host details differ by machine; the version and config must not.
          const pick = (x: unknown) => ({ version: (x as { system: { version: string } }).system.version, lang: (x as { config: { default_language: string } }).config.default_language });
          a = pick(a);
          b = pick(b);
        }
        if (p.startsWith('/ari/asterisk/modules/') && want.status === 200) {
          a = { ...(a as object), use_count: 0 };
          b = { ...(b as object), use_count: 0 };
        }
        if ((p === '/ari/sounds' || p.startsWith('/ari/sounds/')) && want.status === 200) {
          // Formats depend on the files installed; the sound ids must match.
          const idsOf = (x: unknown) => [x].flat().map((s) => (s as { id: string }).id).sort();
          a = idsOf(a);
          b = idsOf(b);
        }
        if (JSON.stringify(a) !== JSON.stringify(b)) restMismatches.push(`${label}:\n  got  ${JSON.stringify(b)}\n  want ${JSON.stringify(a)}`);
      }
    }
    const last = log.reduce((mx, e) => Math.max(mx, e.t_ms), 0);
    await advanceTo(last + 1);
    await barrier();
  } finally {
    for (const c of clients.values()) await c.close();
    internalErrors = sim.internalErrors();
    await sim.close();
    rmSync(recDir, { recursive: true, force: true });
  }

  // Event comparison, per WebSocket label and subject.
  const eventMismatches: string[] = [];
  let events = 0;
  const labels = new Set([...received.keys(), ...log.filter((e) => e.type === 'event').map((e) => e.app!)]);
  for (const label of labels) {
    const group = (evs: Record<string, unknown>[]) => {
      const g = new Map<string, string[]>();
      for (const ev of evs.filter(compared)) {
        const s = subjectOf(ev, ids);
        g.set(s, [...(g.get(s) ?? []), signature(ev, ids)]);
      }
      return g;
    };
    const want = group(log.filter((e) => e.type === 'event' && e.app === label).map((e) => e.event!));
    const got = group(received.get(label) ?? []);
    for (const s of new Set([...want.keys(), ...got.keys()])) {
      const w = want.get(s) ?? [];
      const g = got.get(s) ?? [];
      events += w.length;
      if (JSON.stringify(w) !== JSON.stringify(g)) eventMismatches.push(`[${label}] ${s}\n  got  ${g.join('\n       ')}\n  want ${w.join('\n       ')}`);
    }
  }
  return { restMismatches, eventMismatches, requests, events, internalErrors };
}

describe.skipIf(!haveTraces)('trace conformance with a real Asterisk 22 (../shared/ari-traces)', () => {
  afterEach(() => undefined);
  it('finds the traces', () => {
    expect(traceFiles.length).toBeGreaterThan(10);
  });
  for (const file of traceFiles) {
    it(`replays ${file}`, async () => {
      const r = await replay(file);
      expect(r.requests + r.events).toBeGreaterThan(0);
      expect(r.restMismatches, r.restMismatches.join('\n')).toEqual([]);
      expect(r.eventMismatches, r.eventMismatches.join('\n')).toEqual([]);
      expect(r.internalErrors).toBe(0);
    });
  }
});

describe.runIf(!haveTraces)('trace conformance', () => {
  it.skip(`skipped: no traces at ${TRACE_DIR} (the replay needs ../shared/ari-traces next to the repo)`, () => undefined);
});
