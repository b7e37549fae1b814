// A scripted PBX for dialler tests, in process: each originated number answers, is busy,
// never answers, is congested, or is refused, after a few ms. Answered calls "run the flow"
// and their CallRecord is published the way the Stasis core does it (through the call
// outcome channel). Tracks live channels so tests can assert the concurrency cap.
import type { Telephony, TelephonyEvent, OriginateRequest, ChannelInfo } from '../../src/telephony/port.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';
import { TelephonyCommandError } from '../../src/errors.ts';

// `vanish`: answered while no process held the Stasis app (or the PBX restarted): the channel
// is gone with no event and no record.
export type FakeBehaviour = 'answer' | 'voicemail' | 'busy' | 'noanswer' | 'congestion' | 'refuse' | 'silent-busy' | 'vanish';

export interface CampaignFakeTelephony extends Telephony {
  originated: { req: OriginateRequest; at: number }[];
  /** Originate requests per channel id (a value > 1 = the same attempt dialled twice). */
  perChannel: Map<string, number>;
  live(): number;
  maxLive: number;
  emit(ev: TelephonyEvent): void;
}

export interface FakeOptions {
  behaviour: (phone: string, attempt: number) => FakeBehaviour;
  ringMs?: number;
  talkMs?: number;
  /** Where answered calls' records go (the Stasis core's record publisher). */
  publishRecord?: (r: CallRecord) => Promise<void>;
  now?: () => number;
}

const notImplemented = (what: string) => () => Promise.reject(new Error(`${what} is not used by the dialler`));

export function createCampaignFakeTelephony(o: FakeOptions): CampaignFakeTelephony {
  const handlers = new Set<(e: TelephonyEvent) => void>();
  const liveSet = new Set<string>();
  const now = o.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const emit = (e: TelephonyEvent) => { for (const h of [...handlers]) h(e); };
  const ring = o.ringMs ?? 5;
  const talk = o.talkMs ?? 10;
  const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

  const t: CampaignFakeTelephony = {
    originated: [],
    perChannel: new Map(),
    maxLive: 0,
    live: () => liveSet.size,
    emit,
    onEvent(h) { handlers.add(h); return () => handlers.delete(h); },
    async originate(req) {
      const id = req.channelId!;
      t.perChannel.set(id, (t.perChannel.get(id) ?? 0) + 1);
      if (liveSet.has(id)) throw new TelephonyCommandError('originate', 409, 'Channel with given unique ID already exists');
      const args = (req.appArgs ?? '').split(',');
      const attempt = Number(args[3] ?? 1);
      const phone = req.variables?.CENTRALITA_PHONE ?? req.endpoint;
      const b = o.behaviour(phone, attempt);
      if (b === 'refuse') throw new TelephonyCommandError('originate', 500, 'Allocation failed');
      t.originated.push({ req, at: now() });
      liveSet.add(id);
      t.maxLive = Math.max(t.maxLive, liveSet.size);
      const end = (cause: number, causeText: string) => { liveSet.delete(id); emit({ type: 'channel.destroyed', channelId: id, cause, causeText, at: iso() }); };
      if (b === 'busy') later(ring, () => { emit({ type: 'dial', peerId: id, status: 'BUSY', at: iso() }); end(0, 'Unknown'); });
      else if (b === 'silent-busy') later(ring, () => end(17, 'User busy'));
      else if (b === 'vanish') later(ring, () => { liveSet.delete(id); });
      else if (b === 'congestion') later(ring, () => { emit({ type: 'dial', peerId: id, status: 'CONGESTION', at: iso() }); end(0, 'Unknown'); });
      else if (b === 'noanswer') later(Math.min(ring * 3, (req.timeoutSec ?? 30) * 1000), () => { emit({ type: 'dial', peerId: id, status: 'NOANSWER', at: iso() }); end(19, 'User alerting, no answer'); });
      else {
        later(ring, () => {
          const startedAt = iso();
          const channel: ChannelInfo = {
            id, name: `PJSIP/trunk-${id}`, state: 'Up', caller: { number: phone, name: '' }, connected: { number: '', name: '' },
            dialplan: { context: 'from-internal', exten: 's', priority: 1 }, language: 'es', creationTime: startedAt, variables: req.variables ?? {},
          };
          emit({ type: 'dial', peerId: id, status: 'ANSWER', at: iso() });
          emit({ type: 'call.started', channel, args, at: startedAt });
          later(talk, () => {
            const record: CallRecord = {
              id: `rec-${id}`, linkedId: id, direction: 'outbound', from: req.callerId ?? '', to: phone, startedAt, answeredAt: startedAt, endedAt: iso(),
              talkSeconds: talk / 1000, waitSeconds: 0, disposition: b === 'voicemail' ? 'voicemail' : 'answered', hangupSide: 'far-end', path: [{ node: 'campaign', at: startedAt }],
              campaign: { campaignId: args[1] ?? '', rowId: args[2], attempt },
            };
            const publish = o.publishRecord ? o.publishRecord(record) : Promise.resolve();
            void publish.finally(() => {
              emit({ type: 'call.ended', channelId: id, at: iso() });
              end(16, 'Normal Clearing');
            });
          });
        });
      }
      return { channelId: id };
    },
    answer: notImplemented('answer'), ring: notImplemented('ring'), play: notImplemented('play'), stopPlayback: notImplemented('stopPlayback'),
    startMoh: notImplemented('startMoh'), stopMoh: notImplemented('stopMoh'), hangup: async () => {}, continueInDialplan: notImplemented('continueInDialplan'),
    setVariable: notImplemented('setVariable'), getVariable: async () => undefined, sendDtmf: notImplemented('sendDtmf'), record: notImplemented('record'), recordBridge: notImplemented('recordBridge'),
    stopRecording: notImplemented('stopRecording'), createBridge: notImplemented('createBridge'), addToBridge: notImplemented('addToBridge'),
    removeFromBridge: notImplemented('removeFromBridge'), destroyBridge: notImplemented('destroyBridge'), startBridgeMoh: notImplemented('startBridgeMoh'),
    listChannels: async () => [...liveSet].map((id) => ({ id, name: `PJSIP/trunk-${id}`, state: 'Up' as const, caller: { number: '', name: '' }, connected: { number: '', name: '' }, dialplan: { context: '', exten: 's', priority: 1 }, language: 'es', creationTime: iso() })), listBridges: async () => [], endpointState: async () => undefined,
    playbackState: async () => undefined, deviceState: async () => undefined, liveRecordingState: async () => undefined, subscribe: async () => {},
  };
  return t;
}
