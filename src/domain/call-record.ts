// One CallRecord per call, built when the call ends and published to the `call-records`
// queue (HubSpot, reports) and the in-process event bus (dashboard). Pure data.

export type CallDirection = 'inbound' | 'outbound';
export type CallDisposition = 'answered' | 'busy' | 'no-answer' | 'failed' | 'abandoned' | 'voicemail';
export type HangupSide = 'caller' | 'app' | 'agent' | 'far-end' | 'system' | 'unknown';

export interface IvrStep {
  node: string;
  at: string; // ISO instant
  digits?: string;
  outcome?: string;
}

export interface CallRecord {
  id: string; // stable: derived from the channel's unique id, so a rebuilt record keeps its id
  linkedId: string;
  direction: CallDirection;
  from: string; // E.164 when it can be normalised, else as received
  to: string;
  did?: string;
  startedAt: string;
  answeredAt?: string;
  endedAt: string;
  talkSeconds: number;
  waitSeconds: number;
  disposition: CallDisposition;
  hangupCause?: number;
  hangupCauseText?: string;
  hangupSide: HangupSide;
  path: IvrStep[];
  queue?: { id: string; waitSeconds: number; outcome: 'answered' | 'abandoned' | 'timeout' | 'exit-key' | 'no-agents' | 'full' };
  agent?: { id: string; name?: string; endpoint?: string };
  recording?: { name: string; uri?: string; durationSec?: number };
  voicemail?: { name: string; durationSec?: number };
  campaign?: { campaignId: string; contactId?: string; rowId?: string; attempt?: number };
  hubspotContactId?: string;
  flow?: { id: string; version: string };
  language?: string;
  variables?: Record<string, string>;
  error?: { code: string; message: string };
}
