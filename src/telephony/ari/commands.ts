// The Telephony port's commands over ARI REST: one method a port operation, each a REST call
// (through the adapter's `call`, which adds the timeout and typed errors) and its not-found cases.
import { CentralitaError, ChannelGoneError, TelephonyCommandError } from '../../errors.ts';
import type { BridgeInfo, ChannelInfo, HangupReason, RecordRequest } from '../port.ts';
import { ARI_HANGUP_REASONS } from '../../domain/hangup-causes.ts';
import type { AriTelephony } from './adapter-types.ts';
import { toChannelInfo, type RawAriChannel } from './translate.ts';

const HANGUP_REASONS: Record<HangupReason, string> = {
  normal: 'normal', busy: 'busy', congestion: 'congestion', no_answer: 'no_answer', timeout: 'no_answer',
  rejected: 'rejected', unallocated: 'unallocated', answered_elsewhere: 'answered_elsewhere',
};

/** ARI query parameters of a channel or bridge recording. */
function recordParams(req: RecordRequest): Record<string, unknown> {
  return {
    name: req.name, format: req.format ?? 'wav',
    ...(req.maxDurationSec !== undefined ? { maxDurationSeconds: req.maxDurationSec } : {}),
    ...(req.maxSilenceSec !== undefined ? { maxSilenceSeconds: req.maxSilenceSec } : {}),
    ...(req.beep !== undefined ? { beep: req.beep } : {}),
    ...(req.terminateOn ? { terminateOn: req.terminateOn } : {}),
    ...(req.ifExists ? { ifExists: req.ifExists } : {}),
  };
}

/** The REST operations; the connection, events and lifecycle stay in adapter.ts. */
export type AriCommands = Omit<AriTelephony, 'subscribe' | 'subscribeEndpoint' | 'onEvent' | 'handlerCount' | 'restStats' | 'rejectedEvents' | 'status' | 'readiness' | 'dropSocket' | 'close'>;

export interface AriCommandContext {
  /** Runs one REST operation with a timeout and typed errors (adapter.ts). */
  call<T = unknown>(resource: string, op: string, params: Record<string, unknown>, channelId?: string): Promise<T>;
  app: string;
  base: string;
  user: string;
  password: string;
  requestTimeoutMs: number;
  nowIso(): string;
  /** Hangups this process asked for (channel id → cause), read back by the event router. */
  requestedHangups: Map<string, number>;
}

export function createAriCommands(ctx: AriCommandContext): AriCommands {
  const { call, base, nowIso, requestedHangups } = ctx;
  const o = { app: ctx.app, user: ctx.user, password: ctx.password, requestTimeoutMs: ctx.requestTimeoutMs };
  return {
    async answer(channelId) { await call('channels', 'answer', { channelId }, channelId); },
    async ring(channelId) { await call('channels', 'ring', { channelId }, channelId); },
    async play(channelId, media, opts) {
      const playbackId = opts?.playbackId ?? globalThis.crypto.randomUUID();
      await call('channels', 'play', { channelId, media, playbackId, ...(opts?.language ? { lang: opts.language } : {}) }, channelId);
      return { playbackId };
    },
    async stopPlayback(playbackId) {
      try {
        await call('playbacks', 'stop', { playbackId });
      } catch (err) {
        // Already finished: nothing to stop.
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return;
        throw err;
      }
    },
    async startMoh(channelId, mohClass) { await call('channels', 'startMoh', { channelId, ...(mohClass ? { mohClass } : {}) }, channelId); },
    async stopMoh(channelId) { await call('channels', 'stopMoh', { channelId }, channelId); },
    async hangup(channelId, reason) {
      // Noted before the request: the event may come before the response.
      requestedHangups.set(channelId, ARI_HANGUP_REASONS[HANGUP_REASONS[reason ?? 'normal']] ?? 16);
      if (requestedHangups.size > 20_000) requestedHangups.delete(requestedHangups.keys().next().value!);
      try {
        await call('channels', 'hangup', { channelId, ...(reason ? { reason: HANGUP_REASONS[reason] } : {}) }, channelId);
      } catch (err) {
        if (err instanceof ChannelGoneError) requestedHangups.delete(channelId);
        throw err;
      }
    },
    async continueInDialplan(channelId, target) {
      const p: Record<string, unknown> = { channelId };
      if (target?.context) p.context = target.context;
      if (target?.extension) p.extension = target.extension;
      if (target?.priority !== undefined) p.priority = target.priority;
      if (target?.label) p.label = target.label;
      await call('channels', 'continueInDialplan', p, channelId);
    },
    async setVariable(channelId, name, value) { await call('channels', 'setChannelVar', { channelId, variable: name, value }, channelId); },
    async getVariable(channelId, name) {
      try {
        const r = await call<{ value?: string }>('channels', 'getChannelVar', { channelId, variable: name }, channelId);
        return r?.value;
      } catch (err) {
        // "Provided variable was not found" is an unset variable, not a gone channel.
        if (err instanceof ChannelGoneError && /variable/i.test(String((err.cause as Error | undefined)?.message))) return undefined;
        throw err;
      }
    },
    async sendDtmf(channelId, dtmf, opts) { await call('channels', 'sendDTMF', { channelId, dtmf, ...(opts?.betweenMs ? { between: opts.betweenMs } : {}) }, channelId); },
    async record(channelId, req) {
      await call('channels', 'record', { channelId, ...recordParams(req) }, channelId);
      return { name: req.name };
    },
    async recordBridge(bridgeId, req) {
      await call('bridges', 'record', { bridgeId, ...recordParams(req) });
      return { name: req.name };
    },
    async stopRecording(name) { await call('recordings', 'stop', { recordingName: name }); },
    async storedRecordingFile(name) {
      // Binary body: a plain GET (swagger-client would decode it as text), same credentials.
      const r = await fetch(`${base}/ari/recordings/stored/${encodeURIComponent(name)}/file`, {
        headers: { authorization: `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}` },
        signal: AbortSignal.timeout(Math.max(30_000, o.requestTimeoutMs)),
      });
      if (r.status === 404) return undefined;
      if (!r.ok) throw new CentralitaError('ARI_RECORDING_FETCH_FAILED', `GET recordings/stored/${name}/file answered ${r.status}`);
      return { data: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream' };
    },
    async originate(req) {
      const channelId = req.channelId ?? globalThis.crypto.randomUUID();
      const p: Record<string, unknown> = { endpoint: req.endpoint, app: o.app, channelId };
      if (req.appArgs !== undefined) p.appArgs = req.appArgs;
      if (req.otherChannelId) p.otherChannelId = req.otherChannelId;
      if (req.callerId) p.callerId = req.callerId;
      if (req.timeoutSec !== undefined) p.timeout = req.timeoutSec;
      if (req.originator) p.originator = req.originator;
      if (req.variables) p.variables = req.variables;
      const ch = await call<{ id?: string }>('channels', 'originate', p);
      return { channelId: ch?.id ?? channelId };
    },
    async createBridge(opts) {
      const bridgeId = opts?.bridgeId ?? globalThis.crypto.randomUUID();
      await call('bridges', 'create', { type: opts?.type ?? 'mixing', bridgeId, ...(opts?.name ? { name: opts.name } : {}) });
      return { bridgeId };
    },
    async addToBridge(bridgeId, channelIds) { await call('bridges', 'addChannel', { bridgeId, channel: channelIds.join(',') }, channelIds.length === 1 ? channelIds[0] : undefined); },
    async removeFromBridge(bridgeId, channelIds) { await call('bridges', 'removeChannel', { bridgeId, channel: channelIds.join(',') }, channelIds.length === 1 ? channelIds[0] : undefined); },
    async destroyBridge(bridgeId) { await call('bridges', 'destroy', { bridgeId }); },
    async startBridgeMoh(bridgeId, mohClass) { await call('bridges', 'startMoh', { bridgeId, ...(mohClass ? { mohClass } : {}) }); },
    async listChannels(): Promise<ChannelInfo[]> {
      const list = await call<RawAriChannel[]>('channels', 'list', {});
      return (list ?? []).map((c) => toChannelInfo(c, nowIso));
    },
    async listBridges(): Promise<BridgeInfo[]> {
      const list = await call<{ id: string; bridge_type?: string; channels?: string[] }[]>('bridges', 'list', {});
      return (list ?? []).map((b) => ({ id: b.id, type: b.bridge_type === 'holding' ? 'holding' : 'mixing', channels: [...(b.channels ?? [])] }));
    },
    async endpointState(technology, resource) {
      try {
        const ep = await call<{ state?: string }>('endpoints', 'get', { tech: technology, resource });
        return ep?.state;
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async deviceState(device) {
      try {
        return (await call<{ state?: string }>('deviceStates', 'get', { deviceName: device }))?.state;
      } catch (err) {
        if (err instanceof TelephonyCommandError && (err.status === 404 || /not found/i.test(err.message))) return undefined;
        throw err;
      }
    },
    async playbackState(playbackId) {
      try {
        return (await call<{ state?: string }>('playbacks', 'get', { playbackId }))?.state ?? 'unknown';
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async liveRecordingState(name) {
      try {
        return (await call<{ state?: string }>('recordings', 'getLive', { recordingName: name }))?.state ?? 'unknown';
      } catch (err) {
        if (err instanceof TelephonyCommandError && /not found/i.test(err.message)) return undefined;
        throw err;
      }
    },
    async setSipAuth(id, username, password) {
      await call('asterisk', 'updateObject', {
        configClass: 'res_pjsip', objectType: 'auth', id,
        fields: { fields: [{ attribute: 'auth_type', value: 'userpass' }, { attribute: 'username', value: username }, { attribute: 'password', value: password }] },
      });
    },
    async sipEndpointConfig(name) {
      try {
        const tuples = await call<{ attribute: string; value: string }[]>('asterisk', 'getObject', { configClass: 'res_pjsip', objectType: 'endpoint', id: name });
        return Object.fromEntries((tuples ?? []).map((t) => [t.attribute, t.value]));
      } catch (err) {
        if (err instanceof TelephonyCommandError && (err.status === 404 || /not found/i.test(err.message))) return undefined;
        throw err;
      }
    },
  };
}
