// What "the simulator reproduces a trace" means: normalisation of ids, names and timings,
// and the comparison of events per subject (one channel, playback, recording, bridge,
// endpoint) and stream, plus the orderings across subjects Asterisk guarantees.
export type Json = Record<string, unknown>;
export type IdMap = Map<string, string>;

/** Bookkeeping events of the dialplan the app does not act on (their effect on snapshots is compared). */
const IGNORED_EVENTS = new Set(['ChannelDialplan', 'ChannelCallerId', 'ChannelConnectedLine', 'DeviceStateChanged']);
/**
 * Variables whose ChannelVarset is not compared: RTP statistics (no media in the simulator),
 * the bridged peer's name and SIP Call-ID (set again each time the bridge re-picks its technology)
 * and Dial()'s timing bookkeeping.
 */
const IGNORED_VARS = /^(RTPAUDIOQOS.*|BRIDGEPEER|BRIDGEPVTCALLID|DIALEDPEERNUMBER|DIALEDPEERNAME|ANSWEREDTIME(_MS)?|DIALEDTIME(_MS)?|RINGTIME(_MS)?|PROGRESSTIME(_MS)?)$/;

export type Level = 'basic' | 'full';

export const compared = (e: Json) => !IGNORED_EVENTS.has(String(e.type)) && !(e.type === 'ChannelVarset' && IGNORED_VARS.test(String(e.variable)));

/** Channel names carry a per-boot counter (Local/100@lab-in-00000038;2, PJSIP/1001-0000002a): drop it. */
export const normName = (n: unknown) => String(n).replace(/-[0-9a-f]{8}(;[12])?$/, '$1').replace(/-0x[0-9a-f]+$/, '');

export const mapId = (m: IdMap, id: unknown) => {
  const s = String(id);
  return m.get(s) ?? s;
};
const mapUri = (m: IdMap, uri: unknown) => String(uri).replace(/^(\w+:)(.*)$/, (_x, a: string, b: string) => a + mapId(m, b));

/** The subject and stream an event belongs to: events of one stream keep their order on Asterisk. */
export function subjectOf(e: Json, m: IdMap): string {
  const get = (k: string) => e[k] as Json | undefined;
  if (e.type === 'Dial') return `ch:${mapId(m, get('peer')?.id)}#dial`;
  if (e.type === 'ChannelVarset' && get('channel')) return `ch:${mapId(m, get('channel')?.id)}#var`;
  if (get('playback')) return `pb:${mapId(m, get('playback')?.id)}`;
  if (get('recording')) return `rec:${String(get('recording')?.name)}`;
  if (get('channel')) return `ch:${mapId(m, get('channel')?.id)}`;
  if (get('bridge')) return `br:${mapId(m, get('bridge')?.id)}`;
  if (get('endpoint')) return `ep:${String(get('endpoint')?.technology)}/${String(get('endpoint')?.resource)}#${String(e.type)}`;
  return String(e.type);
}

function chanSig(c: Json, m: IdMap, level: Level): Json {
  const base: Json = { id: mapId(m, c.id), name: normName(c.name), state: c.state };
  if (level === 'basic') return base;
  const dp = (c.dialplan ?? {}) as Json;
  return {
    ...base, caller: c.caller, connected: c.connected, language: c.language,
    dialplan: { context: dp.context, exten: dp.exten, priority: dp.priority, app_name: dp.app_name, app_data: dp.app_data },
    ...(c.channelvars !== undefined ? { channelvars: c.channelvars } : {}),
  };
}

/** The fields of an event that must match Asterisk's. */
/**
 * Recordings whose length (RecordingStarted -> RecordingFinished in the trace) is within 100 ms of
 * a whole second: Asterisk's `duration` counts the audio written and comes out either side of
 * the boundary (traced: 1.999 s -> 2, 2.016 s -> 1), so it is not compared for those.
 */
export function ambiguousDurations(evs: Json[]): Set<string> {
  const started = new Map<string, number>();
  const out = new Set<string>();
  for (const e of evs) {
    const r = e.recording as Json | undefined;
    const t = Date.parse(String(e.timestamp ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!r || Number.isNaN(t)) continue;
    if (e.type === 'RecordingStarted') started.set(String(r.name), t);
    if (e.type === 'RecordingFinished' && started.has(String(r.name))) {
      const frac = ((t - started.get(String(r.name))!) % 1000) / 1000;
      if (frac < 0.1 || frac > 0.9) out.add(String(r.name));
    }
  }
  return out;
}
export function signature(e: Json, m: IdMap, level: Level, ambiguous: Set<string> = new Set()): string {
  const o = (k: string) => (e[k] ?? {}) as Json;
  const parts: unknown[] = [e.type];
  const ch = e.type === 'Dial' ? o('peer') : o('channel');
  if (ch.id !== undefined) {
    const sig = chanSig(ch, m, level);
    // Dial "" and RINGING race the channel's own state change on Asterisk (Down or Ringing, traced both ways).
    if (e.type === 'Dial' && (e.dialstatus === '' || e.dialstatus === 'RINGING')) delete sig.state;
    parts.push(sig);
  }
  if (e.type === 'Dial' && level === 'full' && e.caller) parts.push({ caller: mapId(m, o('caller').id) });
  for (const k of ['args', 'cause', 'cause_txt', 'soft', 'tech_cause', 'digit', 'duration_ms', 'dialstatus', 'variable', 'musicclass', 'eventname', 'destination']) if (k in e) parts.push({ [k]: e[k] });
  if ('value' in e) parts.push({ value: e.variable === 'BRIDGEPEER' ? normName(e.value) : e.value });
  if (level === 'full' && 'dialstring' in e) parts.push({ dialstring: e.dialstring });
  if (e.playback) {
    const p = o('playback');
    parts.push({ pb: mapId(m, p.id), media: p.media_uri, next: p.next_media_uri, target: mapUri(m, p.target_uri), state: p.state });
  }
  if (e.recording) {
    const r = o('recording');
    parts.push({ rec: r.name, format: r.format, state: r.state, target: mapUri(m, r.target_uri), duration: ambiguous.has(String(r.name)) ? '~' : r.duration, cause: r.cause });
  }
  if (e.bridge) {
    const b = o('bridge');
    // A bridge's channel list has no order on Asterisk (traced both ways): compared as a set.
    parts.push({ br: mapId(m, b.id), type: b.bridge_type, tech: b.technology, channels: ((b.channels ?? []) as string[]).map((c) => mapId(m, c)).sort() });
  }
  if (e.endpoint) {
    const ep = o('endpoint');
    parts.push({ ep: `${String(ep.technology)}/${String(ep.resource)}`, state: ep.state, channels: ((ep.channel_ids ?? []) as string[]).map((c) => mapId(m, c)) });
  }
  if (e.contact_info) {
    const ci = o('contact_info');
    parts.push({ contact: ci.uri, status: ci.contact_status, aor: ci.aor });
  }
  if (e.peer && e.type === 'PeerStatusChange') parts.push({ peer_status: o('peer').peer_status });
  return JSON.stringify(parts);
}

/** Normalises a REST body: timestamps and per-boot values out, ids mapped, names without counters. */
export function normBody(v: unknown, m: IdMap): unknown {
  if (Array.isArray(v)) return v.map((x) => normBody(x, m));
  if (v && typeof v === 'object') {
    const out: Json = {};
    const o = v as Json;
    for (const [k, x] of Object.entries(o)) {
      if (['creationtime', 'timestamp', 'protocol_id', 'asterisk_id'].includes(k)) continue;
      if (k === 'name' && 'dialplan' in o) out[k] = normName(x);
      else if (k === 'id') out[k] = mapId(m, x);
      // Membership lists have no order on Asterisk: compared as sets.
      else if (k === 'channel_ids' || k === 'channels') out[k] = Array.isArray(x) ? x.map((y) => mapId(m, y)).sort() : mapId(m, x);
      else if (k === 'target_uri') out[k] = mapUri(m, x);
      else out[k] = normBody(x, m);
    }
    return out;
  }
  return v;
}

/** Learns trace-id -> simulator-id pairs from matching structures (ids Asterisk made up). */
export function learnIds(trace: unknown, sim: unknown, m: IdMap): void {
  if (Array.isArray(trace) && Array.isArray(sim)) {
    trace.forEach((t, i) => learnIds(t, sim[i], m));
    return;
  }
  if (trace && sim && typeof trace === 'object' && typeof sim === 'object') {
    const t = trace as Json;
    const s = sim as Json;
    if (typeof t.id === 'string' && typeof s.id === 'string' && t.id !== s.id && !m.has(t.id)) m.set(t.id, s.id);
  }
}

/** Channels Asterisk numbered itself (the callee of a Dial(), a SIP caller): paired by name and order of appearance. */
export function learnUnknownChannels(trace: Json[], sim: Json[], m: IdMap): void {
  const firstSeen = (evs: Json[]) => {
    const seen = new Map<string, string[]>();
    for (const e of evs) {
      for (const c of [e.channel, e.peer, e.caller] as (Json | undefined)[]) {
        if (!c?.id) continue;
        const key = normName(c.name);
        const list = seen.get(key) ?? [];
        if (!list.includes(String(c.id))) list.push(String(c.id));
        seen.set(key, list);
      }
    }
    return seen;
  };
  const a = firstSeen(trace);
  const b = firstSeen(sim);
  const taken = new Set(m.values());
  for (const [name, ids] of a) {
    const simIds = (b.get(name) ?? []).filter((s) => !taken.has(s) || [...m.values()].includes(s));
    ids.forEach((id, i) => {
      const s = simIds[i];
      if (s && !m.has(id) && id !== s && /^\d+\.\d+$/.test(id)) m.set(id, s);
    });
  }
}

export interface StreamDiff {
  label: string;
  subject: string;
  got: string[];
  want: string[];
}

export function group(evs: Json[], m: IdMap, level: Level, ambiguous?: Set<string>): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const ev of evs.filter(compared)) {
    const s = subjectOf(ev, m);
    g.set(s, [...(g.get(s) ?? []), signature(ev, m, level, ambiguous)]);
  }
  return g;
}

/** Orderings Asterisk guarantees across subjects; returns the ones the trace keeps and `got` breaks. */
export function orderingViolations(want: Json[], got: Json[], m: IdMap): string[] {
  const rules = (evs: Json[]): Map<string, boolean> => {
    const pos = new Map<string, number>();
    evs.forEach((e, i) => {
      const t = String(e.type);
      const c = (e.channel ?? (t === 'Dial' ? e.peer : undefined)) as Json | undefined;
      const id = c ? mapId(m, c.id) : undefined;
      const key = (k: string) => (pos.has(k) ? undefined : pos.set(k, i));
      if (id && (t === 'StasisStart' || t === 'StasisEnd' || t === 'ChannelDestroyed')) key(`${t}:${id}`);
      const target = ((e.playback ?? e.recording) as Json | undefined)?.target_uri;
      if (typeof target === 'string' && target.startsWith('channel:')) {
        const tid = mapId(m, target.slice(8));
        pos.set(`media-last:${tid}`, i);
        key(`media-first:${tid}`);
      }
      if (id && (t === 'ChannelEnteredBridge' || t === 'ChannelLeftBridge')) {
        pos.set(`bridge-last:${id}`, i);
        key(`bridge-first:${id}`);
      }
      if (id) pos.set(`any-last:${id}:${t === 'ChannelDestroyed' ? 'destroyed' : 'other'}`, i);
    });
    const out = new Map<string, boolean>();
    const before = (a: string, b: string) => {
      const x = pos.get(a);
      const y = pos.get(b);
      if (x !== undefined && y !== undefined) out.set(`${a} < ${b}`, x < y);
    };
    for (const k of pos.keys()) {
      const [kind, id] = k.split(':') as [string, string];
      if (kind === 'media-first' || kind === 'bridge-first') before(`StasisStart:${id}`, k);
      if (kind === 'media-last' || kind === 'bridge-last') before(k, `StasisEnd:${id}`);
      if (kind === 'any-last' && k.endsWith(':other')) before(k, `any-last:${id}:destroyed`);
    }
    return out;
  };
  const w = rules(want);
  const g = rules(got);
  const bad: string[] = [];
  for (const [rule, ok] of w) if (ok && g.get(rule) === false) bad.push(rule);
  return bad;
}
