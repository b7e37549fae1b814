// HTTP + WebSocket front of the simulated PBX: /ari/* answers like Asterisk 22 (same paths,
// same JSON, same error bodies and statuses), /ari/events is the event WebSocket, and
// /_sim/* is the control API of the simulated world (callers, phones, dialplan, chaos).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AriError, type Pbx } from './pbx.ts';
import { apiDeclaration, resourceListing } from './api-docs.ts';
import type { CallerScript, Dialplan, EndpointBehavior } from './types.ts';

export interface HttpOptions {
  pbx: Pbx;
  user: string;
  password: string;
  /** Counts bad input answered with an error (kept for stats; never a crash). */
  onBadRequest?: (info: { method: string; path: string; status: number; message: string }) => void;
  onError?: (err: unknown) => void;
}

type Params = Record<string, unknown>;

class Req {
  readonly params: Params;
  readonly path: Record<string, string>;
  constructor(params: Params, path: Record<string, string>) {
    this.params = params;
    this.path = path;
  }
  str(name: string): string | undefined {
    const v = this.params[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String).join(',');
    if (typeof v === 'object') throw new AriError(400, `${name}: expected a string`);
    return String(v);
  }
  int(name: string): number | undefined {
    const v = this.params[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(String(v));
    if (!Number.isFinite(n) || !Number.isInteger(n)) throw new AriError(400, `${name}: expected an integer, got ${JSON.stringify(v)}`);
    return n;
  }
  bool(name: string): boolean | undefined {
    const v = this.params[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(s)) return true;
    if (['false', 'no', '0', 'off'].includes(s)) return false;
    throw new AriError(400, `${name}: expected a boolean, got ${JSON.stringify(v)}`);
  }
  list(name: string): string[] {
    const v = this.params[name];
    if (v === undefined || v === null) return [];
    const arr = Array.isArray(v) ? v : [v];
    return arr.flatMap((x) => String(x).split(',')).filter((s) => s.length > 0);
  }
  vars(): Record<string, string> | undefined {
    const v = this.params.variables;
    if (v === undefined) return undefined;
    const inner = typeof v === 'object' && v !== null && 'variables' in v ? (v as { variables: unknown }).variables : v;
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new AriError(400, 'variables: expected an object of strings');
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  }
}

type Result = { status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer; contentType?: string } | Params | Params[] | undefined | void;
type Handler = (r: Req) => Result | Promise<Result>;
interface Route {
  method: string;
  re: RegExp;
  names: string[];
  handler: Handler;
}

function compile(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = pattern.replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${re}$`), names };
}

function ariRoutes(pbx: Pbx): Route[] {
  const routes: Route[] = [];
  const add = (method: string, pattern: string, handler: Handler) => routes.push({ method, ...compile(pattern), handler });
  const created = (body: Params, location: string): Result => ({ status: 201, body, headers: { Location: location } });
  const originate = (r: Req, channelId?: string) =>
    pbx.originate({
      endpoint: r.str('endpoint'), extension: r.str('extension'), context: r.str('context'), priority: r.int('priority'), label: r.str('label'),
      app: r.str('app'), appArgs: r.str('appArgs'), callerId: r.str('callerId'), timeout: r.int('timeout'), channelId: channelId ?? r.str('channelId'),
      otherChannelId: r.str('otherChannelId'), originator: r.str('originator'), variables: r.vars(),
    });
  const recordQ = (r: Req) => ({
    name: r.str('name'), format: r.str('format'), maxDurationSeconds: r.int('maxDurationSeconds'), maxSilenceSeconds: r.int('maxSilenceSeconds'),
    ifExists: r.str('ifExists'), beep: r.bool('beep'), terminateOn: r.str('terminateOn'),
  });
  const playRes = (pb: Params): Result => created(pb, `/playbacks/${String(pb.id)}`);

  // asterisk
  add('GET', '/asterisk/info', () => pbx.asteriskInfo());
  add('GET', '/asterisk/ping', () => pbx.ping());
  add('GET', '/asterisk/modules', () => [{ name: 'res_ari.so', description: 'Asterisk RESTful Interface', use_count: 1, status: 'Running', support_level: 'core' }]);
  add('GET', '/asterisk/modules/{moduleName}', (r) => {
    if (r.path.moduleName !== 'res_ari.so') throw new AriError(404, 'Module could not be found in running modules');
    return { name: 'res_ari.so', description: 'Asterisk RESTful Interface', use_count: 1, status: 'Running', support_level: 'core' };
  });
  add('GET', '/asterisk/variable', (r) => pbx.globalVar(r.str('variable')));
  add('POST', '/asterisk/variable', (r) => pbx.setGlobalVar(r.str('variable'), r.str('value')));

  // applications
  add('GET', '/applications', () => pbx.listApps());
  add('GET', '/applications/{applicationName}', (r) => pbx.getApp(r.path.applicationName!));
  add('POST', '/applications/{applicationName}/subscription', (r) => {
    const src = r.list('eventSource');
    if (src.length === 0) throw new AriError(400, 'Missing parameter eventSource');
    return pbx.subscribe(r.path.applicationName!, src);
  });
  add('DELETE', '/applications/{applicationName}/subscription', (r) => {
    const src = r.list('eventSource');
    if (src.length === 0) throw new AriError(400, 'Missing parameter eventSource');
    return pbx.unsubscribe(r.path.applicationName!, src);
  });

  // channels
  add('GET', '/channels', () => pbx.listChannels());
  add('POST', '/channels', (r) => originate(r));
  add('POST', '/channels/create', (r) =>
    pbx.createChannel({ endpoint: r.str('endpoint'), app: r.str('app'), appArgs: r.str('appArgs'), channelId: r.str('channelId'), otherChannelId: r.str('otherChannelId'), originator: r.str('originator') }),
  );
  add('GET', '/channels/{channelId}', (r) => pbx.getChannel(r.path.channelId!));
  add('POST', '/channels/{channelId}', (r) => originate(r, r.path.channelId));
  add('DELETE', '/channels/{channelId}', (r) => {
    const code = r.int('reason_code');
    pbx.hangup(r.path.channelId!, r.str('reason'), code);
  });
  add('POST', '/channels/{channelId}/continue', (r) =>
    pbx.continueInDialplan(r.path.channelId!, { context: r.str('context'), extension: r.str('extension'), priority: r.int('priority'), label: r.str('label') }),
  );
  add('POST', '/channels/{channelId}/dial', (r) => pbx.dial(r.path.channelId!, r.int('timeout')));
  add('POST', '/channels/{channelId}/move', (r) => pbx.move(r.path.channelId!, r.str('app'), r.str('appArgs')));
  add('POST', '/events/user/{eventName}', (r) => pbx.userEvent(r.path.eventName!, r.str('application'), r.list('source'), r.vars()));
  add('POST', '/channels/{channelId}/redirect', (r) => pbx.redirect(r.path.channelId!, r.str('endpoint')));
  add('POST', '/channels/{channelId}/answer', (r) => pbx.answer(r.path.channelId!));
  add('POST', '/channels/{channelId}/ring', (r) => pbx.ring(r.path.channelId!));
  add('DELETE', '/channels/{channelId}/ring', (r) => pbx.ringStop(r.path.channelId!));
  add('POST', '/channels/{channelId}/dtmf', (r) =>
    pbx.dtmf(r.path.channelId!, { dtmf: r.str('dtmf'), before: r.int('before'), between: r.int('between'), duration: r.int('duration'), after: r.int('after') }),
  );
  for (const [method, on] of [['POST', true], ['DELETE', false]] as const) {
    add(method, '/channels/{channelId}/mute', (r) => {
      const d = r.str('direction') ?? 'both';
      if (!['both', 'in', 'out'].includes(d)) throw new AriError(400, 'Invalid direction specified');
      pbx.simpleOp(r.path.channelId!);
    });
    add(method, '/channels/{channelId}/hold', (r) => pbx.hold(r.path.channelId!, on));
    add(method, '/channels/{channelId}/moh', (r) => pbx.moh(r.path.channelId!, on, r.str('mohClass')));
    add(method, '/channels/{channelId}/silence', (r) => pbx.simpleOp(r.path.channelId!));
  }
  add('POST', '/channels/{channelId}/play', (r) => playRes(pbx.play(r.path.channelId!, r.list('media'), r.str('playbackId'), r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/channels/{channelId}/play/{playbackId}', (r) => playRes(pbx.play(r.path.channelId!, r.list('media'), r.path.playbackId, r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/channels/{channelId}/record', (r) => {
    const rec = pbx.record(r.path.channelId!, recordQ(r));
    return created(rec, `/recordings/live/${String(rec.name)}`);
  });
  add('GET', '/channels/{channelId}/variable', (r) => pbx.getVar(r.path.channelId!, r.str('variable')));
  add('POST', '/channels/{channelId}/variable', (r) => pbx.setVar(r.path.channelId!, r.str('variable'), r.str('value')));
  const snoop = (r: Req, id?: string) =>
    pbx.snoop(r.path.channelId!, { spy: r.str('spy'), whisper: r.str('whisper'), app: r.str('app'), appArgs: r.str('appArgs'), snoopId: id ?? r.str('snoopId') });
  add('POST', '/channels/{channelId}/snoop', (r) => snoop(r));
  add('POST', '/channels/{channelId}/snoop/{snoopId}', (r) => snoop(r, r.path.snoopId));

  // bridges
  add('GET', '/bridges', () => pbx.listBridges());
  add('POST', '/bridges', (r) => pbx.createBridge({ bridgeId: r.str('bridgeId'), type: r.str('type'), name: r.str('name') }));
  add('POST', '/bridges/{bridgeId}', (r) => pbx.createBridge({ bridgeId: r.path.bridgeId, type: r.str('type'), name: r.str('name') }));
  add('GET', '/bridges/{bridgeId}', (r) => pbx.getBridge(r.path.bridgeId!));
  add('DELETE', '/bridges/{bridgeId}', (r) => pbx.destroyBridge(r.path.bridgeId!));
  add('POST', '/bridges/{bridgeId}/addChannel', (r) => {
    pbx.getBridge(r.path.bridgeId!);
    const ch = r.list('channel');
    if (ch.length === 0) throw new AriError(400, 'Missing parameter channel');
    return pbx.addChannel(r.path.bridgeId!, ch);
  });
  add('POST', '/bridges/{bridgeId}/removeChannel', (r) => {
    pbx.getBridge(r.path.bridgeId!);
    const ch = r.list('channel');
    if (ch.length === 0) throw new AriError(400, 'Missing parameter channel');
    return pbx.removeChannel(r.path.bridgeId!, ch);
  });
  add('POST', '/bridges/{bridgeId}/moh', (r) => pbx.bridgeMoh(r.path.bridgeId!, true, r.str('mohClass')));
  add('DELETE', '/bridges/{bridgeId}/moh', (r) => pbx.bridgeMoh(r.path.bridgeId!, false, undefined));
  add('POST', '/bridges/{bridgeId}/play', (r) => playRes(pbx.bridgePlay(r.path.bridgeId!, r.list('media'), r.str('playbackId'), r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/bridges/{bridgeId}/play/{playbackId}', (r) => playRes(pbx.bridgePlay(r.path.bridgeId!, r.list('media'), r.path.playbackId, r.str('lang'), r.int('offsetms'), r.int('skipms'))));
  add('POST', '/bridges/{bridgeId}/record', (r) => {
    const rec: Params = pbx.bridgeRecord(r.path.bridgeId!, recordQ(r));
    return created(rec, `/recordings/live/${String(rec.name)}`);
  });

  // playbacks
  add('GET', '/playbacks/{playbackId}', (r) => pbx.getPlayback(r.path.playbackId!));
  add('DELETE', '/playbacks/{playbackId}', (r) => pbx.stopPlayback(r.path.playbackId!));
  add('POST', '/playbacks/{playbackId}/control', (r) => {
    const op = r.str('operation');
    if (!op) throw new AriError(400, 'Missing parameter operation');
    pbx.controlPlayback(r.path.playbackId!, op);
  });

  // recordings
  add('GET', '/recordings/stored', () => pbx.listStored());
  add('GET', '/recordings/stored/{recordingName}', (r) => pbx.getStored(r.path.recordingName!));
  add('DELETE', '/recordings/stored/{recordingName}', (r) => pbx.deleteStored(r.path.recordingName!));
  add('GET', '/recordings/stored/{recordingName}/file', (r) => {
    const f = pbx.storedFile(r.path.recordingName!);
    return { status: 200, raw: f.data, contentType: f.contentType };
  });
  add('POST', '/recordings/stored/{recordingName}/copy', (r) => pbx.copyStored(r.path.recordingName!, r.str('destinationRecordingName')));
  add('GET', '/recordings/live/{recordingName}', (r) => pbx.getLiveRecording(r.path.recordingName!));
  add('DELETE', '/recordings/live/{recordingName}', (r) => pbx.cancelRecording(r.path.recordingName!));
  add('POST', '/recordings/live/{recordingName}/stop', (r) => pbx.stopRecording(r.path.recordingName!));
  add('POST', '/recordings/live/{recordingName}/pause', (r) => pbx.pauseRecording(r.path.recordingName!, true));
  add('DELETE', '/recordings/live/{recordingName}/pause', (r) => pbx.pauseRecording(r.path.recordingName!, false));
  add('POST', '/recordings/live/{recordingName}/mute', (r) => pbx.muteRecording(r.path.recordingName!, true));
  add('DELETE', '/recordings/live/{recordingName}/mute', (r) => pbx.muteRecording(r.path.recordingName!, false));

  // endpoints, device states, sounds
  add('GET', '/endpoints', () => pbx.listEndpoints());
  add('GET', '/endpoints/{tech}', (r) => pbx.listEndpoints(r.path.tech));
  add('GET', '/endpoints/{tech}/{resource}', (r) => pbx.getEndpoint(r.path.tech!, r.path.resource!));
  add('GET', '/deviceStates', () => pbx.listDeviceStates());
  add('GET', '/deviceStates/{deviceName}', (r) => pbx.getDeviceState(r.path.deviceName!));
  add('PUT', '/deviceStates/{deviceName}', (r) => pbx.setDeviceState(r.path.deviceName!, r.str('deviceState')));
  add('DELETE', '/deviceStates/{deviceName}', (r) => pbx.deleteDeviceState(r.path.deviceName!));
  add('GET', '/sounds', () => pbx.listSounds());
  add('GET', '/sounds/{soundId}', (r) => pbx.getSound(r.path.soundId!));
  return routes;
}

const BEHAVIORS = ['answer', 'busy', 'noanswer', 'reject', 'congestion', 'unreachable'];

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
  return { ...parseScript(v), behavior: o.behavior as EndpointBehavior['behavior'], ...afterOf(o) };
}
function afterOf(o: Record<string, unknown>): { afterMs?: number } {
  const x = o.afterMs;
  if (x === undefined) return {};
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new AriError(400, 'afterMs: expected a non-negative number');
  return { afterMs: x };
}
function simRoutes(pbx: Pbx, dropWebSockets: () => void): Route[] {
  const routes: Route[] = [];
  const add = (method: string, pattern: string, handler: Handler) => routes.push({ method, ...compile(pattern), handler });
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
    pbx.setEndpoint(r.path.tech!, r.path.resource!, parseBehavior(r.params), r.bool('trunk'));
  });
  add('PUT', '/numbers', (r) => pbx.setNumberBehavior(needStr(r, 'pattern'), parseBehavior(r.params)));
  add('PUT', '/dialplan', (r) => {
    const d = r.params;
    if (typeof d !== 'object' || Array.isArray(d)) throw new AriError(400, 'dialplan: expected an object');
    pbx.setDialplan(d as Dialplan);
  });
  add('GET', '/dialplan', () => pbx.getDialplan() as unknown as Params);
  add('POST', '/ws/drop', () => dropWebSockets());
  add('GET', '/stats', () => ({ channels: pbx.channelCount(), eventsSent: pbx.eventsSent() }));
  return routes;
}

export interface SimHttp {
  server: Server;
  dropWebSockets(): void;
  close(): Promise<void>;
  badRequests(): number;
}

export function createSimHttp(opts: HttpOptions): SimHttp {
  const { pbx } = opts;
  let sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  let bad = 0;
  const dropWebSockets = () => {
    for (const s of sockets) s.terminate();
    sockets = new Set();
  };
  const ari = ariRoutes(pbx);
  const sim = simRoutes(pbx, dropWebSockets);

  const authOk = (req: IncomingMessage, url: URL): boolean => {
    const key = url.searchParams.get('api_key');
    if (key !== null) return key === `${opts.user}:${opts.password}`;
    const h = req.headers.authorization;
    if (!h?.startsWith('Basic ')) return false;
    const dec = Buffer.from(h.slice(6), 'base64').toString('utf8');
    return dec === `${opts.user}:${opts.password}`;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (status === 204 || body === undefined) {
      res.writeHead(status === 200 && body === undefined ? 204 : status, headers);
      res.end();
      return;
    }
    const data = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers });
    res.end(data);
  };
  const fail = (req: IncomingMessage, res: ServerResponse, path: string, status: number, body: Record<string, string>, headers: Record<string, string> = {}) => {
    bad++;
    opts.onBadRequest?.({ method: req.method ?? '', path, status, message: body.message ?? body.error ?? '' });
    send(res, status, body, headers);
  };

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1_000_000) throw new AriError(413, 'Request body too large');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse, url: URL, sub: string, bodyMode: 'ari' | 'sim'): Promise<void> {
    const method = req.method ?? 'GET';
    const matches = routes.map((r) => ({ r, m: r.re.exec(sub) })).filter((x) => x.m);
    if (matches.length === 0) return fail(req, res, url.pathname, 404, { message: 'Resource not found' });
    const hit = matches.find((x) => x.r.method === method);
    if (!hit) return fail(req, res, url.pathname, 405, { message: 'Invalid method' });
    const params: Params = {};
    for (const [k, v] of url.searchParams) {
      if (k === 'api_key') continue;
      const prev = params[k];
      params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const text = await readBody(req);
    if (text.trim().length > 0) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return fail(req, res, url.pathname, 400, { message: 'Error parsing request body' });
      }
      // Like Asterisk: a body must parse, but its fields count as parameters only when it is
      // declared as JSON (the control API always reads it).
      const isJson = /^application\/json/i.test(req.headers['content-type'] ?? '');
      if (typeof json === 'object' && json !== null && !Array.isArray(json) && (isJson || bodyMode === 'sim')) {
        // Asterisk reads parameters from a JSON object body as well as the query string.
        for (const [k, v] of Object.entries(json as Record<string, unknown>)) params[k] = v;
        if (bodyMode === 'ari' && 'variables' in (json as object)) params.variables = (json as { variables: unknown }).variables;
      } else if (bodyMode === 'sim') return fail(req, res, url.pathname, 400, { message: 'expected a JSON object body' });
    }
    const path: Record<string, string> = {};
    try {
      hit.r.names.forEach((n, i) => {
        path[n] = decodeURIComponent(hit.m![i + 1]!);
      });
    } catch {
      return fail(req, res, url.pathname, 400, { message: 'Invalid URI encoding' });
    }
    try {
      const out = await hit.r.handler(new Req(params, path));
      if (out && typeof out === 'object' && !Array.isArray(out) && 'status' in out && typeof out.status === 'number' && ('body' in out || 'raw' in out || 'headers' in out)) {
        const o = out as { status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer; contentType?: string };
        if (o.raw) {
          res.writeHead(o.status, { 'Content-Type': o.contentType ?? 'application/octet-stream', 'Content-Length': o.raw.length });
          res.end(o.raw);
          return;
        }
        return send(res, o.status, o.body, o.headers);
      }
      return send(res, out === undefined ? 204 : 200, out ?? undefined);
    } catch (e) {
      if (e instanceof AriError) return fail(req, res, url.pathname, e.status, e.body);
      opts.onError?.(e);
      return fail(req, res, url.pathname, 500, { message: 'Internal Server Error' });
    }
  }

  const parseUrl = (raw: string | undefined): URL | undefined => {
    try {
      return new URL(raw ?? '/', 'http://sim.invalid');
    } catch {
      return undefined;
    }
  };
  const server = createServer((req, res) => {
    const url = parseUrl(req.url);
    if (!url) return fail(req, res, String(req.url), 400, { message: 'Invalid URI' });
    const p = url.pathname;
    const unauthorized = () =>
      fail(req, res, p, 401, { message: 'Authentication required' }, { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' });
    const run = async () => {
      if (p === '/ari' || p.startsWith('/ari/')) {
        if (!authOk(req, url)) return unauthorized();
        const sub = p.slice(4);
        if (sub.length > 1 && sub.endsWith('/')) return fail(req, res, p, 404, { message: `ARI URLs do not end with a slash. Try /ari${sub.slice(0, -1)}` });
        if (sub.startsWith('/api-docs/')) {
          const base = `http://${req.headers.host ?? '127.0.0.1'}/ari`;
          const file = sub.slice('/api-docs/'.length);
          if (file === 'resources.json') return send(res, 200, resourceListing(base));
          const decl = file.endsWith('.json') ? apiDeclaration(file.slice(0, -5), base) : undefined;
          if (!decl) return fail(req, res, p, 404, { message: 'Resource not found' });
          return send(res, 200, decl);
        }
        if (sub === '/events') return fail(req, res, p, 400, { message: 'WebSocket upgrade required' });
        return dispatch(ari, req, res, url, sub, 'ari');
      }
      if (p.startsWith('/_sim/')) {
        if (!authOk(req, url)) return unauthorized();
        return dispatch(sim, req, res, url, p.slice(5), 'sim');
      }
      return fail(req, res, p, 404, { message: 'Not found' });
    };
    run().catch((e: unknown) => {
      opts.onError?.(e);
      if (!res.headersSent) send(res, e instanceof AriError ? e.status : 500, e instanceof AriError ? e.body : { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = parseUrl(req.url) ?? new URL('http://sim.invalid/invalid');
    const reject = (status: number, type: string, body: string, extra = '') => {
      bad++;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/ari/events') return reject(404, 'application/json', JSON.stringify({ message: 'Resource not found' }));
    if (!authOk(req, url)) return reject(401, 'application/json', JSON.stringify({ message: 'Authentication required' }), 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n');
    const appNames = url.searchParams.getAll('app').flatMap((a) => a.split(',')).filter((a) => a.length > 0);
    if (appNames.length === 0) {
      const html = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n';
      return reject(400, 'text/html', html);
    }
    const subscribeAll = ['true', 'yes', '1'].includes((url.searchParams.get('subscribeAll') ?? '').toLowerCase());
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const sink = {
        send(data: string) {
          if (ws.readyState === ws.OPEN) ws.send(data);
        },
      };
      const disconnect = pbx.connect(appNames, subscribeAll, sink);
      ws.on('close', () => {
        sockets.delete(ws);
        disconnect();
      });
      ws.on('error', () => undefined);
    });
  });

  return {
    server,
    dropWebSockets,
    badRequests: () => bad,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
