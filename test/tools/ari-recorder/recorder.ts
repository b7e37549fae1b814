// Drives a real Asterisk over ARI (and sipp for the SIP side) and keeps everything in order:
// REST requests with their responses, every WebSocket event, sipp runs, and what the far
// end did as a `world` entry the simulator's replay can act out (test/fixtures/ari-traces).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface RecorderOptions {
  url: string; // http://127.0.0.1:8088
  user: string;
  password: string;
}

export type Entry = Record<string, unknown> & { type: string; t_ms: number; seq?: number };
type Json = Record<string, unknown>;

export interface Socket {
  app: string;
  close(): Promise<void>;
}

const SIPP_DIR = new URL('./sipp/', import.meta.url).pathname;

export class Recorder {
  readonly log: Entry[] = [];
  readonly notes: string[] = [];
  private readonly t0 = performance.now();
  private readonly opts: RecorderOptions;
  private readonly sockets = new Set<WebSocket>();
  private readonly procs = new Set<ChildProcess>();
  private readonly waiters: { pred: (e: Json, app: string) => boolean; resolve: (e: Json) => void }[] = [];
  private readonly workDir = mkdtempSync(join(tmpdir(), 'ari-rec-'));
  private sippSeq = 0;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
  }

  t(): number {
    return Math.round(performance.now() - this.t0);
  }
  private push(e: Omit<Entry, 't_ms'> & { t_ms?: number }): void {
    this.log.push({ ...e, t_ms: e.t_ms ?? this.t() } as Entry);
  }
  note(text: string): void {
    this.notes.push(text);
    this.push({ type: 'note', text });
  }
  /** What the far end does, for the simulator's replay (setEndpointBehavior, placeCall...). */
  world(action: string, data: Json): void {
    this.push({ type: 'world', action, ...data });
  }

  /** A request sent without waiting for its answer (the replay starts it at the same time). */
  restAsync(method: string, path: string, query?: Json, body?: unknown): Promise<{ status: number; body: unknown }> {
    return this.rest(method, path, query, body, true);
  }

  async rest(method: string, path: string, query?: Json, body?: unknown, concurrent = false): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.opts.url}/ari${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.append(k, String(v));
    const sent = this.t();
    const headers: Record<string, string> = { authorization: 'Basic ' + Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64') };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = res.headers.get('content-type') ?? '';
    const buf = Buffer.from(await res.arrayBuffer());
    let parsed: unknown;
    if (type.includes('json') && buf.length > 0) parsed = JSON.parse(buf.toString('utf8'));
    else parsed = `<${buf.length} bytes${type ? ' ' + type.split(';')[0] : ''}>`;
    const request: Json = { method, path: `/ari${path}` };
    if (query && Object.keys(query).length) request.query = query;
    if (body !== undefined) request.body = body;
    this.push({ type: 'rest', sent_t_ms: sent, ...(concurrent ? { concurrent } : {}), request, response: { status: res.status, contentType: type, body: parsed } });
    return { status: res.status, body: parsed };
  }

  async ws(app: string, subscribeAll = false): Promise<Socket> {
    const key = `${this.opts.user}:${this.opts.password}`;
    const base = this.opts.url.replace(/^http/, 'ws');
    const shown = `${base}/ari/events?app=${app}&api_key=***&subscribeAll=${subscribeAll}`;
    const ws = new WebSocket(`${base}/ari/events?app=${encodeURIComponent(app)}&api_key=${encodeURIComponent(key)}&subscribeAll=${subscribeAll}`);
    this.sockets.add(ws);
    ws.on('message', (d) => {
      const event = JSON.parse(String(d)) as Json;
      this.push({ type: 'event', app, event });
      for (const w of [...this.waiters]) {
        if (w.pred(event, app)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.push({ type: 'ws', app, what: 'open', url: shown });
    let closed = false;
    ws.on('close', (code, reason) => {
      closed = true;
      this.sockets.delete(ws);
      this.push({ type: 'ws', app, what: 'close', code, reason: String(reason) });
    });
    return {
      app,
      close: () =>
        new Promise<void>((resolve) => {
          if (closed) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000);
        }),
    };
  }

  /** Resolves with the first event (already received or to come) that matches; rejects after timeoutMs. */
  waitFor(pred: (e: Json, app: string) => boolean, timeoutMs = 15_000, what = 'event'): Promise<Json> {
    const seen = this.log.find((e) => e.type === 'event' && pred(e.event as Json, String(e.app)));
    if (seen) return Promise.resolve(seen.event as Json);
    return new Promise<Json>((resolve, reject) => {
      const w = { pred, resolve: (e: Json) => { clearTimeout(timer); resolve(e); } };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  waitType(type: string, channelId?: string, timeoutMs?: number): Promise<Json> {
    return this.waitFor((e) => e.type === type && (channelId === undefined || idOf(e) === channelId), timeoutMs, `${type} ${channelId ?? ''}`);
  }

  /** Hangs up what earlier (failed) runs left on the PBX; not recorded. */
  async cleanup(): Promise<void> {
    const auth = { authorization: 'Basic ' + Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64') };
    const get = async (p: string) => (await (await fetch(`${this.opts.url}/ari${p}`, { headers: auth })).json()) as { id: string }[];
    for (const c of await get('/channels')) await fetch(`${this.opts.url}/ari/channels/${encodeURIComponent(c.id)}`, { method: 'DELETE', headers: auth });
    for (const b of await get('/bridges')) await fetch(`${this.opts.url}/ari/bridges/${encodeURIComponent(b.id)}`, { method: 'DELETE', headers: auth });
    await this.sleep(300);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Runs sipp with one of test/tools/ari-recorder/sipp/*.xml (or an absolute path). */
  /**
   * Runs sipp with one of test/tools/ari-recorder/sipp/*.xml (or an absolute path), its
   * `[key]` placeholders filled in first (sipp validates codes and pauses when loading).
   */
  sipp(scenario: string, args: string[], keys: Record<string, string | number> = {}): { exited: Promise<number> } {
    let file = scenario.startsWith('/') ? scenario : join(SIPP_DIR, scenario);
    if (Object.keys(keys).length) {
      let xml = readFileSync(file, 'utf8');
      for (const [k, v] of Object.entries(keys)) xml = xml.split(`[${k}]`).join(String(v));
      file = join(this.workDir, `${++this.sippSeq}-${scenario.split('/').pop()}`);
      writeFileSync(file, xml);
    }
    const full = ['-sf', file, '-i', '127.0.0.1', '-m', '1', '-nostdin', ...args];
    const p = spawn('sipp', full, { cwd: this.workDir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.procs.add(p);
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    this.push({ type: 'sipp', what: 'spawn', scenario: scenario.split('/').pop(), args: full.slice(2), ...(Object.keys(keys).length ? { keys } : {}) });
    const exited = new Promise<number>((resolve) => {
      p.on('exit', (code) => {
        this.procs.delete(p);
        this.push({ type: 'sipp', what: 'exit', scenario: scenario.split('/').pop(), code, ...(code ? { stderr: err.slice(0, 500) } : {}) });
        resolve(code ?? -1);
      });
    });
    return { exited };
  }

  async dispose(): Promise<void> {
    for (const p of this.procs) p.kill('SIGTERM');
    for (const ws of this.sockets) ws.terminate();
  }

  trace(scenario: string, description: string, sim: Json): Json {
    this.log.sort((a, b) => a.t_ms - b.t_ms || 0);
    this.log.forEach((e, i) => (e.seq = i));
    return { scenario, description, recordedAt: new Date().toISOString(), asterisk: '22.10.1', sim, notes: this.notes, summary: this.log.map(summarize), log: this.log };
  }
}

export function idOf(e: Json): string | undefined {
  const c = (e.channel ?? e.peer) as Json | undefined;
  return c?.id as string | undefined;
}

function summarize(e: Entry): string {
  const ev = e.event as Json | undefined;
  if (e.type === 'event' && ev) {
    const c = (ev.channel ?? ev.peer) as Json | undefined;
    const bits = [`${e.t_ms} [${String(e.app)}] ${String(ev.type)}`];
    if (c) bits.push(`ch=${String(c.id)} state=${String(c.state)}`);
    for (const k of ['cause', 'dialstatus', 'digit', 'variable', 'value']) if (ev[k] !== undefined) bits.push(`${k}=${JSON.stringify(ev[k])}`);
    const pb = (ev.playback ?? ev.recording) as Json | undefined;
    if (pb) bits.push(`${String(pb.id ?? pb.name)} ${String(pb.state)}`);
    return bits.join(' ');
  }
  if (e.type === 'rest') {
    const rq = e.request as Json;
    const rs = e.response as Json;
    return `${e.t_ms} REST ${String(rq.method)} ${String(rq.path)}${rq.query ? ' ' + JSON.stringify(rq.query) : ''} -> ${String(rs.status)}`;
  }
  if (e.type === 'world') return `${e.t_ms} WORLD ${String(e.action)} ${JSON.stringify({ ...e, type: undefined, t_ms: undefined, action: undefined })}`;
  return `${e.t_ms} ${e.type.toUpperCase()} ${JSON.stringify({ ...e, type: undefined, t_ms: undefined })}`;
}
