// Softphone credentials: which agents get them, what the PBX is told and in which order, and
// that every issue is a new secret registered for log scrubbing.
import { describe, expect, it } from 'vitest';
import { createSoftphoneService, isWebrtcEndpoint, type SoftphonePbx } from '../../../src/softphone/service.ts';

function fakePbx(endpoints: Record<string, Record<string, string>>) {
  const calls: string[] = [];
  const auths = new Map<string, { username: string; password: string }>();
  const pbx: SoftphonePbx = {
    async setSipAuth(id, username, password) { calls.push(`auth:${id}`); auths.set(id, { username, password }); },
    async subscribeEndpoint(ep) { calls.push(`subscribe:${ep}`); },
    async sipEndpointConfig(name) { calls.push(`config:${name}`); return endpoints[name]; },
  };
  return { pbx, calls, auths };
}

const agents: Record<string, { name?: string; endpoint: string }> = {
  carla: { name: 'Carla Ruiz', endpoint: 'PJSIP/agent-carla' },
  ana: { endpoint: 'PJSIP/1001' },
  old: { endpoint: 'SIP/1002' },
  ghost: { endpoint: 'PJSIP/nowhere' },
};

describe('softphone credentials', () => {
  it('issues a new password each time for a WebRTC endpoint, subscribing before the auth push', async () => {
    const f = fakePbx({ 'agent-carla': { webrtc: 'yes', media_encryption: 'dtls' } });
    const secrets: string[] = [];
    const s = createSoftphoneService({ pbx: f.pbx, wsUrl: 'wss://pbx.example.com:8089/ws', agent: (id) => agents[id], secret: (v) => secrets.push(v) });
    const a = await s.issue('carla');
    const b = await s.issue('carla');
    expect(a).toMatchObject({ wsUrl: 'wss://pbx.example.com:8089/ws', uri: 'sip:agent-carla@pbx.example.com', authorizationUser: 'agent-carla', displayName: 'Carla Ruiz', endpoint: 'PJSIP/agent-carla' });
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(b.password).not.toBe(a.password);
    expect(secrets).toEqual([a.password, b.password]);
    expect(f.auths.get('agent-carla')).toEqual({ username: 'agent-carla', password: b.password });
    expect(f.calls.slice(0, 3)).toEqual(['config:agent-carla', 'subscribe:PJSIP/agent-carla', 'auth:agent-carla']);
  });

  it('uses the configured SIP domain', async () => {
    const f = fakePbx({ 'agent-carla': { webrtc: 'no', media_encryption: 'dtls' } });
    const s = createSoftphoneService({ pbx: f.pbx, wsUrl: 'wss://10.0.0.5:8089/ws', domain: 'pbx.example.com', agent: (id) => agents[id] });
    expect((await s.issue('carla')).uri).toBe('sip:agent-carla@pbx.example.com');
  });

  it('refuses unknown agents, non-PJSIP phones, missing endpoints and desk phones, telling the PBX nothing', async () => {
    const f = fakePbx({ '1001': { webrtc: 'no', media_encryption: 'no' } });
    const s = createSoftphoneService({ pbx: f.pbx, wsUrl: 'ws://127.0.0.1:8088/ws', agent: (id) => agents[id] });
    await expect(s.issue('nobody')).rejects.toMatchObject({ code: 'SOFTPHONE_UNKNOWN_AGENT' });
    await expect(s.issue('old')).rejects.toMatchObject({ code: 'SOFTPHONE_NOT_PJSIP' });
    await expect(s.issue('ghost')).rejects.toMatchObject({ code: 'SOFTPHONE_NO_ENDPOINT' });
    await expect(s.issue('ana')).rejects.toMatchObject({ code: 'SOFTPHONE_NOT_WEBRTC' });
    expect(f.calls.filter((c) => !c.startsWith('config:'))).toEqual([]);
  });

  it('recognises a WebRTC endpoint the way Asterisk writes its config', () => {
    expect(isWebrtcEndpoint({ webrtc: 'yes' })).toBe(true);
    expect(isWebrtcEndpoint({ webrtc: 'no', media_encryption: 'dtls' })).toBe(true);
    expect(isWebrtcEndpoint({ webrtc: 'no', media_encryption: 'no' })).toBe(false);
    expect(isWebrtcEndpoint({})).toBe(false);
  });
});
