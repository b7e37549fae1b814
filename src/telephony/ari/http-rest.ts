// A lean ARI REST transport over node:http with a keep-alive agent, used for commands by
// default. Measured against ari-client's swagger-client/shred path on the simulator it costs
// several times less CPU per request (see docs/stasis.md, `npm run bench -- stasis`), and a
// timed-out request is really aborted, which frees its socket (with ari-client it stays
// pending and a capped pool eventually starves). Operations are named like ari-client's
// (`channels.answer` with the same parameter names), so both transports are interchangeable.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

/** Method and path template per ari-client operation; other params go to the query string. */
export const ARI_ROUTES: Record<string, { method: 'GET' | 'POST' | 'DELETE'; path: string }> = {
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
  'channels.list': { method: 'GET', path: '/channels' },
  'bridges.list': { method: 'GET', path: '/bridges' },
  'endpoints.get': { method: 'GET', path: '/endpoints/{tech}/{resource}' },
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
        const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
        if (spec.body !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = String(Buffer.byteLength(spec.body)); }
        const req = send({ host: base.hostname, port: base.port, method: spec.method, path: spec.path, agent, headers, timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(err));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let json: unknown;
            if (text) { try { json = JSON.parse(text); } catch { json = undefined; } }
            if (status >= 200 && status < 300) return resolve(json);
            const b = json as { message?: string; error?: string } | undefined;
            reject(new AriHttpError(status, b?.message ?? b?.error ?? (text.slice(0, 200) || `HTTP ${status}`)));
          });
        });
        // Time limit for the whole exchange: destroying the request frees its socket.
        const timer = setTimeout(() => req.destroy(new AriRequestTimeout('ARI request timed out')), timeoutMs);
        timer.unref?.();
        req.on('close', () => clearTimeout(timer));
        req.on('timeout', () => req.destroy(new AriRequestTimeout('ARI socket idle timeout')));
        req.on('error', (err) => reject(err));
        req.end(spec.body);
      });
    },
    sockets: () => Object.values(agent.sockets).reduce((n, l) => n + (l?.length ?? 0), 0) + Object.values(agent.freeSockets).reduce((n, l) => n + (l?.length ?? 0), 0),
    close() { agent.destroy(); },
  };
}
