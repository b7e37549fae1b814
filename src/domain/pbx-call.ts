// Calls that never entered Stasis (desk phone to desk phone, FreePBX queues and ring groups,
// phones dialling out), as the PBX's channel event log tells them: one conversation per
// linkedid, folded from channel events in domain terms, then turned into one CallRecord when
// the PBX says the conversation is over. Pure: times come in the events.
import type { CallDirection, CallDisposition, CallRecord, HangupSide } from './call-record.ts';
import { causeText } from './hangup-causes.ts';

/** One channel event of the PBX's log (Asterisk CEL, translated by the AMI adapter). */
export type PbxChannelEvent =
  | { kind: 'start'; at: string; linkedId: string; channelId: string; channel: string; callerNumber: string; callerName: string; context: string; exten: string }
  | { kind: 'answer'; at: string; linkedId: string; channelId: string; channel: string; callerNumber: string; exten: string }
  | { kind: 'app'; at: string; linkedId: string; channelId: string; channel: string; app: string; data: string; context: string; exten: string }
  | { kind: 'bridge'; at: string; linkedId: string; channelId: string; channel: string; bridgeId: string; entered: boolean }
  | { kind: 'hangup'; at: string; linkedId: string; channelId: string; channel: string; cause: number; source: string; dialStatus: string }
  /** The last channel of the conversation is gone (CEL LINKEDID_END). */
  | { kind: 'end'; at: string; linkedId: string };

/** What app_queue (or the app itself) adds to a conversation. */
export type PbxConversationFact =
  | { kind: 'queue-join'; at: string; linkedId: string; queue: string }
  | { kind: 'queue-connect'; at: string; linkedId: string; queue: string; member: { name: string; interface: string }; holdSeconds: number }
  | { kind: 'queue-abandon'; at: string; linkedId: string; queue: string; holdSeconds: number }
  | { kind: 'recording'; at: string; linkedId: string; file: string };

interface Leg {
  id: string;
  name: string;
  callerNumber: string;
  callerName: string;
  /** Context and extension when the channel was created (a trunk leg starts in the trunk's context). */
  startContext: string;
  startExten: string;
  /** The last real extension seen (not `s`). */
  exten: string;
  startedAt: string;
  answeredAt?: string;
  cause?: number;
  source?: string;
  dialStatus?: string;
}

export interface Conversation {
  linkedId: string;
  legs: Map<string, Leg>;
  /** Bridge id → channels in it now. */
  bridges: Map<string, Set<string>>;
  firstTalkAt?: string;
  lastTalkEndAt?: string;
  talking: number;
  stasisApps: string[];
  /** The channels that ran Stasis(), in the order of `stasisApps`. */
  stasisChannels: string[];
  apps: string[];
  queue?: { id: string; joinedAt: string; outcome: 'answered' | 'abandoned' | 'timeout'; waitSeconds: number; member?: { name: string; interface: string } };
  recording?: string;
  endedAt?: string;
  lastAt: string;
}

export function newConversation(linkedId: string, at: string): Conversation {
  return { linkedId, legs: new Map(), bridges: new Map(), talking: 0, stasisApps: [], stasisChannels: [], apps: [], lastAt: at };
}

const realExten = (e: string) => (e && e !== 's' ? e : '');

/** Folds one event into its conversation (mutates it; returns it for chaining). */
export function applyEvent(c: Conversation, e: PbxChannelEvent | PbxConversationFact): Conversation {
  c.lastAt = e.at;
  switch (e.kind) {
    case 'start':
      c.legs.set(e.channelId, { id: e.channelId, name: e.channel, callerNumber: e.callerNumber, callerName: e.callerName, startContext: e.context, startExten: e.exten, exten: realExten(e.exten), startedAt: e.at });
      break;
    case 'answer': {
      const l = c.legs.get(e.channelId);
      if (l) {
        l.answeredAt ??= e.at;
        if (realExten(e.exten)) l.exten = e.exten;
        if (!l.callerNumber && e.callerNumber) l.callerNumber = e.callerNumber;
      }
      break;
    }
    case 'app': {
      const l = c.legs.get(e.channelId);
      if (l && realExten(e.exten)) l.exten = e.exten;
      c.apps.push(e.app.toLowerCase());
      if (e.app.toLowerCase() === 'stasis') { c.stasisApps.push(e.data.split(',')[0] ?? ''); c.stasisChannels.push(e.channelId); }
      if (e.app.toLowerCase() === 'mixmonitor' && e.data) c.recording ??= e.data.split(',')[0];
      break;
    }
    case 'bridge': {
      let b = c.bridges.get(e.bridgeId);
      if (!b) c.bridges.set(e.bridgeId, (b = new Set()));
      const before = b.size;
      if (e.entered) b.add(e.channelId);
      else b.delete(e.channelId);
      // Talk = the time some bridge of this conversation holds two parties or more.
      if (before < 2 && b.size >= 2) {
        if (c.talking++ === 0) c.firstTalkAt ??= e.at;
      } else if (before >= 2 && b.size < 2) {
        if (--c.talking === 0) c.lastTalkEndAt = e.at;
      }
      if (b.size === 0) c.bridges.delete(e.bridgeId);
      break;
    }
    case 'hangup': {
      const l = c.legs.get(e.channelId);
      if (l) { l.cause = e.cause; l.source = e.source; l.dialStatus = e.dialStatus; }
      break;
    }
    case 'end':
      c.endedAt = e.at;
      if (c.talking > 0) { c.talking = 0; c.lastTalkEndAt = e.at; }
      break;
    case 'queue-join':
      c.queue = { id: e.queue, joinedAt: e.at, outcome: 'timeout', waitSeconds: 0 };
      break;
    case 'queue-connect':
      c.queue = { id: e.queue, joinedAt: c.queue?.joinedAt ?? e.at, outcome: 'answered', waitSeconds: e.holdSeconds, member: e.member };
      break;
    case 'queue-abandon':
      c.queue = { id: e.queue, joinedAt: c.queue?.joinedAt ?? e.at, outcome: 'abandoned', waitSeconds: e.holdSeconds };
      break;
    case 'recording':
      c.recording ??= e.file;
      break;
  }
  return c;
}

export interface PbxRecordOptions {
  /** The Stasis app: conversations that entered it are recorded by the Stasis pipeline. */
  stasisApp: string;
  /** Contexts calls from outside arrive in (FreePBX trunks: from-pstn, from-trunk…; `*` globs). */
  inboundContexts: readonly string[];
  /** Channel ids the app itself originated over ARI (campaign attempts): never a PBX record. */
  ownChannelPrefixes: readonly string[];
  /** The agent behind a phone (`PJSIP/1001` → ACD agent), if any. */
  agentFor(endpoint: string): { id: string; name?: string } | undefined;
  normalize(number: string): string;
}

/**
 * The conversation's first channel ran Stasis(<app>): its Stasis record, if the app took the
 * call, has the PBX record's id (`cr-<linkedid>`), so the PBX record can stand in for a missing
 * one (Stasis() failed: the app was down or not connected) without ever making a second record.
 */
export function originEnteredStasis(c: Conversation, stasisApp: string): boolean {
  return c.stasisApps.some((a, i) => a === stasisApp && c.stasisChannels[i] === c.linkedId);
}

export type PbxRecordResult = { record: CallRecord } | { skip: 'stasis' | 'own' | 'empty'; reason: string };

export function contextMatches(patterns: readonly string[], ctx: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? ctx.startsWith(p.slice(0, -1)) : ctx === p));
}

const secondsBetween = (a?: string, b?: string) => {
  if (!a || !b) return 0;
  const d = (Date.parse(b) - Date.parse(a)) / 1000;
  return Number.isFinite(d) && d > 0 ? Math.round(d) : 0;
};

/** `PJSIP/3101-0000000b` → `PJSIP/3101`; Local and unknown names → undefined. */
export function endpointOf(channelName: string): string | undefined {
  const m = /^([A-Za-z]+)\/(.+)-[0-9a-f]{8}$/.exec(channelName);
  if (!m || m[1] === 'Local') return undefined;
  return `${m[1]}/${m[2]}`;
}

function unanswered(direction: CallDirection, origin: Leg | undefined, c: Conversation): CallDisposition {
  if (c.apps.includes('voicemail')) return 'voicemail';
  if (direction === 'inbound') return 'abandoned';
  const status = origin?.dialStatus ?? '';
  if (status === 'BUSY' || origin?.cause === 17) return 'busy';
  if (['NOANSWER', 'CANCEL'].includes(status) || [18, 19, 21].includes(origin?.cause ?? -1)) return 'no-answer';
  return 'failed';
}

/** One CallRecord for a finished conversation, or why none is due. */
export function buildPbxRecord(c: Conversation, o: PbxRecordOptions, extra: { vanished?: boolean; evenIfStasis?: boolean } = {}): PbxRecordResult {
  if (c.stasisApps.includes(o.stasisApp) && !extra.evenIfStasis) return { skip: 'stasis', reason: `entered Stasis(${o.stasisApp}): recorded by the call sessions` };
  const legs = [...c.legs.values()].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  const origin = c.legs.get(c.linkedId) ?? legs[0];
  if (!origin) return { skip: 'empty', reason: 'no channel start was seen for this conversation' };
  if (legs.some((l) => o.ownChannelPrefixes.some((p) => l.id.startsWith(p)))) return { skip: 'own', reason: 'a call the app originated itself (campaign attempt)' };
  const others = legs.filter((l) => l !== origin);
  const trunkLeg = others.find((l) => contextMatches(o.inboundContexts, l.startContext));
  const direction: CallDirection = contextMatches(o.inboundContexts, origin.startContext) ? 'inbound' : trunkLeg ? 'outbound' : 'internal';
  const originEndpoint = endpointOf(origin.name);
  const extensionOf = (l: Leg) => endpointOf(l.name)?.split('/')[1] ?? l.callerNumber;
  // The person on our side: who answered an inbound call (the queue member first), who placed the others.
  let ours: Leg | undefined;
  if (direction === 'inbound') {
    const iface = c.queue?.member?.interface;
    ours = (iface && others.find((l) => endpointOf(l.name) === iface && l.answeredAt)) || others.find((l) => l.answeredAt && endpointOf(l.name));
  } else ours = origin;
  const answered = c.firstTalkAt !== undefined;
  let from: string;
  let to: string;
  if (direction === 'inbound') {
    from = origin.callerNumber;
    to = origin.startExten || origin.exten;
  } else if (direction === 'outbound') {
    from = originEndpoint ? extensionOf(origin) : origin.callerNumber;
    to = trunkLeg!.exten || origin.exten;
  } else {
    from = originEndpoint ? extensionOf(origin) : origin.callerNumber;
    to = origin.exten || others.map(extensionOf)[0] || '';
  }
  const endedAt = c.endedAt ?? c.lastAt;
  const disposition: CallDisposition = answered ? 'answered' : unanswered(direction, origin, c);
  const src = origin.source ?? '';
  let hangupSide: HangupSide = 'unknown';
  if (src === origin.name) hangupSide = direction === 'inbound' ? 'caller' : 'agent';
  else if (src) hangupSide = direction === 'inbound' ? 'agent' : 'far-end';
  else if (origin.cause !== undefined) hangupSide = 'system';
  const record: CallRecord = {
    id: `cr-${c.linkedId.replace(/:/g, '_')}`,
    linkedId: c.linkedId,
    direction,
    from: o.normalize(from),
    to: o.normalize(to),
    startedAt: origin.startedAt,
    endedAt,
    talkSeconds: answered ? secondsBetween(c.firstTalkAt, c.lastTalkEndAt ?? endedAt) : 0,
    waitSeconds: secondsBetween(origin.startedAt, c.firstTalkAt ?? endedAt),
    disposition,
    hangupSide,
    path: [],
    source: 'pbx',
  };
  if (c.firstTalkAt) record.answeredAt = c.firstTalkAt;
  if (origin.cause !== undefined) { record.hangupCause = origin.cause; record.hangupCauseText = causeText(origin.cause); }
  if (c.queue) record.queue = { id: c.queue.id, waitSeconds: c.queue.waitSeconds, outcome: c.queue.outcome };
  const ep = ours ? endpointOf(ours.name) : undefined;
  if (ours && ep) {
    const agent = o.agentFor(ep);
    const memberName = direction === 'inbound' ? c.queue?.member?.name : undefined;
    record.agent = { id: agent?.id ?? extensionOf(ours), ...(agent?.name ?? memberName ? { name: agent?.name ?? memberName } : {}), endpoint: ep };
  }
  if (c.recording) record.recording = { name: c.recording };
  if (extra.vanished) record.error = { code: 'PBX_EVENTS_LOST', message: 'the conversation was gone at resync; its end was not reported (AMI disconnected or the PBX restarted)' };
  return { record };
}
