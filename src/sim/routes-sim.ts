// /_sim/*: the control API of the simulated world (callers, phones, numbers, dialplan, chaos).
import { AriError, type Pbx } from './pbx.ts';
import { router, type Params, type Req, type Route } from './routes.ts';
import type { CallerScript, Dialplan, EndpointBehavior } from './types.ts';

const BEHAVIORS = ['answer', 'busy', 'noanswer', 'reject', 'congestion', 'unreachable', 'silent'];

/** Validates a caller script from JSON (control API input). */
export function parseScript(v: unknown): CallerScript {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AriError(400, 'script: expected an object');
  const o = v as Record<string, unknown>;
  const num = (k: string) => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new AriError(400, `${k}: expected a non-negative number`);
    return x;
  };
  if (o.digits !== undefined && (typeof o.digits !== 'string' || !/^[0-9A-D*#]*$/i.test(o.digits))) throw new AriError(400, 'digits: DTMF digits only');
  const s: CallerScript = {};
  if (typeof o.digits === 'string') s.digits = o.digits;
  for (const k of ['digitsAfterMs', 'digitGapMs', 'digitDurationMs', 'hangupAfterMs', 'cancelAfterMs'] as const) {
    const n = num(k);
    if (n !== undefined) s[k] = n;
  }
  return s;
}

/** Validates a behaviour from JSON (control API input). */
export function parseBehavior(v: unknown): EndpointBehavior {
  if (typeof v !== 'object' || v === null) throw new AriError(400, 'behavior: expected an object');
  const o = v as Record<string, unknown>;
  if (typeof o.behavior !== 'string' || !BEHAVIORS.includes(o.behavior)) throw new AriError(400, `behavior: one of ${BEHAVIORS.join(', ')}`);
  const b: EndpointBehavior = { ...parseScript(v), behavior: o.behavior as EndpointBehavior['behavior'] };
  for (const k of ['afterMs', 'holdAfterMs', 'holdMs'] as const) {
    const n = nonNegative(o, k);
    if (n !== undefined) b[k] = n;
  }
  const sip = o.sipStatus;
  if (sip !== undefined) {
    if (typeof sip !== 'number' || !Number.isInteger(sip) || sip < 300 || sip > 699) throw new AriError(400, 'sipStatus: a SIP final failure status 300..699');
    b.sipStatus = sip;
  }
  return b;
}
function nonNegative(o: Record<string, unknown>, k: string): number | undefined {
  const x = o[k];
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new AriError(400, `${k}: expected a non-negative number`);
  return x;
}
/** The SIP-over-WebSocket layer as the control API shows it (src/sim/sip/server.ts). */
export interface SimSipView {
  stats(): unknown;
  media(channelId: string): unknown;
  dropAll(): void;
}

export function simRoutes(pbx: Pbx, dropWebSockets: () => void, shutdown: () => void, sip?: SimSipView): Route[] {
  const { routes, add } = router();
  const needStr = (r: Req, k: string) => {
    const v = r.params[k];
    if (typeof v !== 'string' || v === '') throw new AriError(400, `${k}: expected a non-empty string`);
    return v;
  };
  add('POST', '/calls', (r) => {
    const script = r.params.script === undefined ? undefined : parseScript(r.params.script);
    const id = pbx.placeCall({ from: needStr(r, 'from'), to: needStr(r, 'to'), endpoint: r.str('endpoint'), context: r.str('context'), callerName: r.str('callerName'), channelId: r.str('channelId'), script });
    return { status: 201, body: { channelId: id } };
  });
  // Load generation: many callers at once ({count, fromPrefix, to, context, script}).
  add('POST', '/calls/bulk', (r) => {
    const count = r.int('count');
    if (count === undefined || count < 1 || count > 100_000) throw new AriError(400, 'count: expected an integer 1..100000');
    const prefix = r.str('fromPrefix') ?? '+5760';
    const to = needStr(r, 'to');
    const script = r.params.script === undefined ? undefined : parseScript(r.params.script);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(pbx.placeCall({ from: `${prefix}${String(i).padStart(8, '0')}`, to, endpoint: r.str('endpoint'), context: r.str('context'), script }));
    return { status: 201, body: { channelIds: ids } };
  });
  add('GET', '/channels/{id}', (r) => {
    const v = pbx.channelView(r.path.id!);
    if (!v) throw new AriError(404, 'Channel not found');
    return v as unknown as Params;
  });
  add('POST', '/channels/{id}/dtmf', (r) => {
    const gap = r.int('gapMs');
    pbx.farEndDtmf(r.path.id!, needStr(r, 'digits'), gap ?? 250, r.int('durationMs') ?? 100);
  });
  add('POST', '/channels/{id}/hangup', (r) => pbx.farEndHangup(r.path.id!));
  add('POST', '/channels/{id}/speak', (r) => {
    const ms = r.int('ms');
    if (ms === undefined || ms < 0) throw new AriError(400, 'ms: expected a non-negative integer');
    pbx.farEndSpeak(r.path.id!, ms);
  });
  add('PUT', '/endpoints/{tech}/{resource}', (r) => {
    // {webrtc: true|false} alone turns the phone into a browser softphone endpoint (or back).
    const webrtc = r.bool('webrtc');
    if (webrtc !== undefined && r.params.behavior === undefined) return pbx.setWebrtc(`${r.path.tech!}/${r.path.resource!}`, webrtc);
    pbx.setEndpoint(r.path.tech!, r.path.resource!, parseBehavior(r.params), r.bool('trunk'));
    if (webrtc !== undefined) pbx.setWebrtc(`${r.path.tech!}/${r.path.resource!}`, webrtc);
  });
  add('POST', '/channels/{id}/hold', (r) => pbx.farEndHold(r.path.id!, r.bool('on') ?? true));
  add('POST', '/endpoints/{tech}/{resource}/register', (r) => {
    const expires = r.int('expiresSec') ?? 3600;
    if (expires <= 0) throw new AriError(400, 'expiresSec: expected a positive integer');
    pbx.registerContact(`${r.path.tech!}/${r.path.resource!}`, { uri: needStr(r, 'uri'), expiresSec: expires });
  });
  add('DELETE', '/endpoints/{tech}/{resource}/register', (r) => pbx.unregisterContact(`${r.path.tech!}/${r.path.resource!}`));
  add('PUT', '/numbers', (r) => pbx.setNumberBehavior(needStr(r, 'pattern'), parseBehavior(r.params)));
  add('PUT', '/dialplan', (r) => {
    const d = r.params;
    if (typeof d !== 'object' || Array.isArray(d)) throw new AriError(400, 'dialplan: expected an object');
    pbx.setDialplan(d as Dialplan);
  });
  add('GET', '/dialplan', () => pbx.getDialplan() as unknown as Params);
  add('POST', '/ws/drop', () => dropWebSockets());
  add('POST', '/shutdown', () => shutdown());
  // PBX-boundary timings (started with timings: true / --timings): summary, raw samples, reset.
  add('GET', '/timings', (r) => ({ ...pbx.timings.summary(), ...(r.bool('samples') ? { samples: pbx.timings.samples() } : {}) }));
  add('POST', '/timings/reset', () => pbx.timings.reset());
  add('GET', '/hearing', () => pbx.hearing() as unknown as Params);
  add('GET', '/stats', () => ({ channels: pbx.channelCount(), eventsSent: pbx.eventsSent() }));
  if (sip) {
    // Softphones: registrations and counters; a WebRTC leg's RTP and the energy of what the phone sent.
    add('GET', '/sip', () => sip.stats() as Params);
    add('GET', '/sip/media/{id}', (r) => {
      const m = sip.media(r.path.id!);
      if (!m) throw new AriError(404, 'no WebRTC media on that channel');
      return m as Params;
    });
    add('POST', '/sip/drop', () => sip.dropAll());
  }
  return routes;
}
