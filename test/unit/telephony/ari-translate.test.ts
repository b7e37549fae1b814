import { describe, expect, it } from 'vitest';
import { translateAriEvent } from '../../../src/telephony/ari/translate.ts';

// Shapes as recorded from Asterisk 22 (see the ARI traces in the design notes).
const channel = {
  id: '1732411766.42', name: 'PJSIP/trunk-0000002a', state: 'Ring', protocol_id: '',
  caller: { name: 'Lab Caller', number: '3001112233' }, connected: { name: '', number: '' }, accountcode: '',
  dialplan: { context: 'from-trunk', exten: '6015551234', priority: 3, app_name: 'Stasis', app_data: 'centralita,main' },
  creationtime: '2026-11-24T01:29:26.469+0000', language: 'es',
};
const now = () => 'NOW';

describe('translateAriEvent', () => {
  it('StasisStart → call.started with args and a normalised channel', () => {
    expect(translateAriEvent({ type: 'StasisStart', timestamp: '2026-11-24T01:29:26.470+0000', args: ['main', 'x'], channel }, now)).toEqual({
      type: 'call.started', args: ['main', 'x'], at: '2026-11-24T01:29:26.470Z',
      channel: { id: channel.id, name: channel.name, state: 'Ring', caller: { number: '3001112233', name: 'Lab Caller' }, connected: { number: '', name: '' }, dialplan: { context: 'from-trunk', exten: '6015551234', priority: 3, appName: 'Stasis', appData: 'centralita,main' }, language: 'es', creationTime: '2026-11-24T01:29:26.469Z' },
    });
  });

  it('hangup request keeps cause and soft flag only when present (BYE has no cause)', () => {
    expect(translateAriEvent({ type: 'ChannelHangupRequest', timestamp: 'bad', channel }, now)).toEqual({ type: 'channel.hangupRequested', channelId: channel.id, at: 'NOW' });
    expect(translateAriEvent({ type: 'ChannelHangupRequest', cause: 32, soft: true, channel }, now)).toMatchObject({ cause: 32, soft: true });
  });

  it('DTMF, playback, bridge, destroyed, dial', () => {
    expect(translateAriEvent({ type: 'ChannelDtmfReceived', digit: '5', duration_ms: 120, channel }, now)).toMatchObject({ type: 'dtmf', channelId: channel.id, digit: '5', durationMs: 120 });
    expect(translateAriEvent({ type: 'PlaybackFinished', playback: { id: 'p1', target_uri: 'channel:abc', state: 'failed' } }, now)).toMatchObject({ type: 'playback.finished', playbackId: 'p1', targetUri: 'channel:abc', state: 'failed' });
    expect(translateAriEvent({ type: 'ChannelEnteredBridge', bridge: { id: 'b1' }, channel }, now)).toMatchObject({ type: 'bridge.entered', bridgeId: 'b1', channelId: channel.id });
    expect(translateAriEvent({ type: 'ChannelDestroyed', cause: 17, cause_txt: 'User busy', channel }, now)).toMatchObject({ type: 'channel.destroyed', cause: 17, causeText: 'User busy' });
    expect(translateAriEvent({ type: 'Dial', dialstatus: 'BUSY', peer: channel }, now)).toMatchObject({ type: 'dial', peerId: channel.id, status: 'BUSY' });
  });

  it('ignores events it does not use and malformed ones', () => {
    expect(translateAriEvent({ type: 'ChannelDialplan', channel }, now)).toBeUndefined();
    expect(translateAriEvent({ type: 'StasisStart' }, now)).toBeUndefined();
    expect(translateAriEvent({ type: 'PlaybackStarted', playback: {} }, now)).toBeUndefined();
  });
});
