// A lean ARI REST transport over node:http with a keep-alive agent, used for commands by
// default. Measured against ari-client's swagger-client/shred path on the simulator it costs
// several times less CPU per request (see docs/stasis.md, `npm run bench -- stasis`), and a
// timed-out request is really aborted, which frees its socket (with ari-client it stays
// pending and a capped pool eventually starves). Operations are named like ari-client's
// (`channels.answer` with the same parameter names), so both transports are interchangeable.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

/** Method and path template per ari-client operation; other params go to the query string. */
export const ARI_ROUTES: Record<string, { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }> = {
  'channels.answer': { method: 'POST', path: '/channels/{channelId}/answer' },
  'channels.ring': { method: 'POST', path: '/channels/{channelId}/ring' },
  'channels.play': { method: 'POST', path: '/channels/{channelId}/play/{playbackId}' },
  'playbacks.stop': { method: 'DELETE', path: '/playbacks/{playbackId}' },
  'channels.startMoh': { method: 'POST', path: '/channels/{channelId}/moh' },
  'channels.stopMoh': { method: 'DELETE', path: '/channels/{channelId}/moh' },
  'channels.hangup': { method: 'DELETE', path: '/channels/{channelId}' },
  'channels.continueInDialplan': { method: 'POST', path: '/channels/{channelId}/continue' },
  'channels.setChannelVar': { method: 'POST', path: '/channels/{channelId}/variable' },
  'channels.getChannelVar': { method: 'GET', path: '/channels/{channelId}/variable' },
  'channels.sendDTMF': { method: 'POST', path: '/channels/{channelId}/dtmf' },
  'channels.record': { method: 'POST', path: '/channels/{channelId}/record' },
  'recordings.stop': { method: 'POST', path: '/recordings/live/{recordingName}/stop' },
  'channels.originate': { method: 'POST', path: '/channels' },
  'bridges.create': { method: 'POST', path: '/bridges' },
  'bridges.addChannel': { method: 'POST', path: '/bridges/{bridgeId}/addChannel' },
  'bridges.removeChannel': { method: 'POST', path: '/bridges/{bridgeId}/removeChannel' },
  'bridges.destroy': { method: 'DELETE', path: '/bridges/{bridgeId}' },
  'bridges.startMoh': { method: 'POST', path: '/bridges/{bridgeId}/moh' },
  'bridges.record': { method: 'POST', path: '/bridges/{bridgeId}/record' },
  'channels.list': { method: 'GET', path: '/channels' },
  'bridges.list': { method: 'GET', path: '/bridges' },
  'endpoints.get': { method: 'GET', path: '/endpoints/{tech}/{resource}' },
  'playbacks.get': { method: 'GET', path: '/playbacks/{playbackId}' },
  'deviceStates.get': { method: 'GET', path: '/deviceStates/{deviceName}' },
  'recordings.getLive': { method: 'GET', path: '/recordings/live/{recordingName}' },
  'asterisk.getObject': { method: 'GET', path: '/asterisk/config/dynamic/{configClass}/{objectType}/{id}' },
  'applications.subscribe': { method: 'POST', path: '/applications/{applicationName}/subscription' },
  'asterisk.ping': { method: 'GET', path: '/asterisk/ping' },
  'asterisk.updateObject': { method: 'PUT', path: '/asterisk/config/dynamic/{configClass}/{objectType}/{id}' },
};

/** An HTTP error from ARI, with the status ari-client loses. */
export class AriHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The request did not complete in time; it was aborted and its socket freed. */
export class AriRequestTimeout extends Error {}

export interface HttpRest {
  call(op: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown>;
  /** Commands waiting for a free connection. */
  queued(): number;
  /** Sockets currently open to ARI (leak checks). */
  sockets(): number;
  close(): void;
}

export function createHttpRest(o: { baseUrl: string; user: string; password: string; maxSockets: number }): HttpRest {
  const base = new URL(o.baseUrl.replace(/\/+$/, '') + '/ari');
  const https = base.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: o.maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets: o.maxSockets });
  const auth = 'Basic ' + Buffer.from(`${o.user}:${o.password}`).toString('base64');
  const send = https ? httpsRequest : httpRequest;

  interface Job {
    spec: { method: string; path: string; body?: string };
    resolve(v: unknown): void;
    reject(e: Error): void;
    done: boolean;
    timer: ReturnType<typeof setTimeout> | undefined;
    req?: ReturnType<typeof httpRequest>;
  }
  // Our own FIFO in front of the agent (O(1) take, lazy removal of expired jobs): the agent's
  // pending-request arrays are O(n) per removal and stalled the event loop for seconds with
  // 10,000 commands queued.
  const queue: Job[] = [];
  let head = 0;
  let active = 0;

  function finish(job: Job, err: Error | undefined, value?: unknown) {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (job.req) { active--; setImmediate(pump); }
    if (err) job.reject(err);
    else job.resolve(value);
  }

  function pump() {
    while (active < o.maxSockets && head < queue.length) {
      const job = queue[head]!;
      queue[head++] = undefined as unknown as Job;
      if (head > 1024 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
      if (job.done) continue;
      active++;
      start(job);
    }
  }

  function start(job: Job) {
    const { spec } = job;
    const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
    if (spec.body !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = String(Buffer.byteLength(spec.body)); }
    const req = send({ host: base.hostname, port: base.port, method: spec.method, path: spec.path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => finish(job, err));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        let json: unknown;
        if (text) { try { json = JSON.parse(text); } catch { json = undefined; } }
        if (status >= 200 && status < 300) return finish(job, undefined, json);
        const b = json as { message?: string; error?: string } | undefined;
        finish(job, new AriHttpError(status, b?.message ?? b?.error ?? (text.slice(0, 200) || `HTTP ${status}`)));
      });
    });
    job.req = req;
    req.on('error', (err) => finish(job, err));
    req.on('close', () => finish(job, new Error('ARI connection closed before the response')));
    req.end(spec.body);
  }

  function build(op: string, params: Record<string, unknown>): { method: string; path: string; body?: string } {
    const route = ARI_ROUTES[op];
    if (!route) throw new Error(`no route for ARI operation ${op}`);
    const used = new Set<string>();
    const path = route.path.replace(/\{(\w+)\}/g, (_m, k: string) => {
      used.add(k);
      return encodeURIComponent(String(params[k] ?? ''));
    });
    const q = new URLSearchParams();
    let body: string | undefined;
    for (const [k, v] of Object.entries(params)) {
      if (used.has(k) || v === undefined) continue;
      if (k === 'variables') { body = JSON.stringify({ variables: v }); continue; }
      // A swagger body parameter (updateObject's `fields`): its value is the whole body, as ari-client sends it.
      if (k === 'fields') { body = JSON.stringify(v); continue; }
      q.set(k, Array.isArray(v) ? v.map(String).join(',') : String(v));
    }
    const qs = q.toString();
    return { method: route.method, path: base.pathname + path + (qs ? `?${qs}` : ''), ...(body !== undefined ? { body } : {}) };
  }

  return {
    call(op, params, timeoutMs) {
      return new Promise((resolve, reject) => {
        let spec: ReturnType<typeof build>;
        try { spec = build(op, params); } catch (err) { reject(err as Error); return; }
        const job: Job = { spec, resolve, reject, done: false, timer: undefined };
        // One deadline for queueing + exchange. A command still queued at its deadline is
        // dropped unsent: a late "play" is useless and would only deepen an overloaded PBX's backlog.
        job.timer = setTimeout(() => {
          if (job.done) return;
          if (job.req) job.req.destroy(new AriRequestTimeout('ARI request timed out'));
          else finish(job, new AriRequestTimeout('ARI request timed out while queued (not sent)'));
        }, timeoutMs);
        job.timer.unref?.();
        queue.push(job);
        pump();
      });
    },
    queued: () => queue.length - head,
    sockets: () => Object.values(agent.sockets).reduce((n, l) => n + (l?.length ?? 0), 0) + Object.values(agent.freeSockets).reduce((n, l) => n + (l?.length ?? 0), 0),
    close() {
      for (let i = head; i < queue.length; i++) { const j = queue[i]; if (j && !j.done) finish(j, new Error('ARI transport closed')); }
      queue.length = 0; head = 0;
      agent.destroy();
    },
  };
}
