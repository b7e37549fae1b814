// One CallRecord per call, built when the call ends and published to the `call-records`
// queue (HubSpot, reports) and the in-process event bus (dashboard). Pure data.

/** internal: between two extensions of the PBX (no customer on the line). */
export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallDisposition = 'answered' | 'busy' | 'declined' | 'no-answer' | 'unknown-number' | 'failed' | 'abandoned' | 'voicemail';
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
  /** Seconds bridged to a person (agent, or a dialled party): what HubSpot shows as the call's duration. */
  talkSeconds: number;
  /** Seconds waiting for a person: the queue wait when queued, else ringing before the app answered. */
  waitSeconds: number;
  /** Seconds answered but with neither a person nor a queue (prompts, menus). Absent in older records. */
  ivrSeconds?: number;
  disposition: CallDisposition;
  hangupCause?: number;
  hangupCauseText?: string;
  hangupSide: HangupSide;
  path: IvrStep[];
  queue?: { id: string; waitSeconds: number; outcome: 'answered' | 'abandoned' | 'timeout' | 'exit-key' | 'no-agents' | 'full'; talkSeconds?: number };
  agent?: { id: string; name?: string; endpoint?: string };
  /** `url`: a stable, authorised HTTPS link to the audio (the recording store's), used by HubSpot. */
  recording?: { name: string; uri?: string; durationSec?: number; url?: string };
  voicemail?: { name: string; durationSec?: number; url?: string };
  campaign?: { campaignId: string; contactId?: string; rowId?: string; attempt?: number };
  hubspotContactId?: string;
  flow?: { id: string; version: string };
  language?: string;
  variables?: Record<string, string>;
  error?: { code: string; message: string };
  /** `pbx`: a call that never entered Stasis, recorded from the PBX's channel event log (AMI CEL). */
  source?: 'pbx';
  /** The agent's wrap-up (disposition code and notes), when it came before the record was logged. */
  wrapUp?: WrapUp;
  /** Transfers between agents and queues, in order; `agent` is then the agent the call ended with. */
  transfers?: CallTransfer[];
}

/**
 * One transfer of the call. `blind`: the caller went straight to the target (queue or agent);
 * `attended`: the agent consulted the target agent first while the caller heard music on hold.
 */
export interface CallTransfer {
  kind: 'blind' | 'attended';
  from: { agentId: string; name?: string };
  to: { type: 'queue' | 'agent'; id: string; name?: string };
  /** Who asked for it (the agent, or a supervisor acting for them). */
  by: string;
  requestedAt: string;
  /** The target (or the queue's agent) answered. */
  answeredAt?: string;
  answeredBy?: { agentId: string; name?: string };
  /** The caller was bridged with the new agent (the transferring agent released). */
  completedAt?: string;
  /**
   * `requeued`: the target agent did not answer (or left the consult after the transferring agent
   * hung up): the caller went back to the queue; `caller-left`: the caller hung up or left the queue
   * before anyone took the call.
   */
  outcome: 'pending' | 'completed' | 'cancelled' | 'no-answer' | 'target-hung-up' | 'requeued' | 'caller-left' | 'failed';
  /** The queue the caller went back to when the target did not take the call. */
  requeuedTo?: string;
  /** The recording of the conversation after this transfer, when it is a new one (a blind transfer's new bridge). */
  recording?: string;
}

export interface WrapUp {
  disposition: string;
  /** The disposition's label in the CRM portal's language, for the engagement body. */
  label?: { es: string; en: string };
  /** HubSpot call outcome id configured for the disposition (hs_call_disposition). */
  hubspotOutcome?: string;
  notes?: string;
  by: string;
  at: string;
}
