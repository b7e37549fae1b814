// The Telephony port: everything centralita asks of a PBX, in domain terms.
// Only src/telephony/ari/* implements it over ARI; flows, calls, ACD and the dialler
// depend on this interface alone, so they run against the simulator or a pure fake.

export type ChannelState = 'Down' | 'Rsrved' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy' | 'Dialing Offhook' | 'Pre-ring' | 'Unknown';

export interface ChannelInfo {
  id: string;
  name: string;
  state: ChannelState;
  caller: { number: string; name: string };
  connected: { number: string; name: string };
  /** `appName`/`appData`: the dialplan application running now (Asterisk's `dialplan.app_name`/`app_data`): `Stasis` and `<app>,<args…>` while in a Stasis app. */
  dialplan: { context: string; exten: string; priority: number; appName?: string; appData?: string };
  language: string;
  creationTime: string;
  /** Channel variables Asterisk reported with the snapshot (if any). */
  variables?: Record<string, string>;
}

export type HangupReason = 'normal' | 'busy' | 'congestion' | 'no_answer' | 'timeout' | 'rejected' | 'unallocated' | 'answered_elsewhere';

export interface OriginateRequest {
  endpoint: string; // e.g. PJSIP/1001, PJSIP/+573001234567@trunk, Local/100@from-internal
  channelId?: string; // chosen id (deterministic ids for idempotent dialling)
  otherChannelId?: string;
  callerId?: string;
  timeoutSec?: number;
  variables?: Record<string, string>;
  appArgs?: string; // Stasis args for the app (e.g. "campaign,<campaignId>")
  originator?: string;
}

export interface RecordRequest {
  name: string;
  format?: string; // wav
  maxDurationSec?: number;
  maxSilenceSec?: number;
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
  ifExists?: 'fail' | 'overwrite' | 'append';
}

export interface BridgeInfo {
  id: string;
  type: 'mixing' | 'holding';
  channels: string[];
}

/** Events from the PBX, translated from ARI into domain terms. */
export type TelephonyEvent =
  | { type: 'call.started'; channel: ChannelInfo; args: string[]; at: string }
  | { type: 'call.ended'; channelId: string; at: string }
  /**
   * `soft`: Asterisk's soft hangup; its `cause` is then a flag set (32 explicit request, 4 PBX
   * shutdown), not Q.850. `byApp`: this process asked for the hangup, with that Q.850 cause.
   */
  | { type: 'channel.hangupRequested'; channelId: string; cause?: number; soft?: boolean; byApp?: { cause: number }; at: string }
  | { type: 'channel.destroyed'; channelId: string; cause: number; causeText: string; at: string }
  | { type: 'channel.state'; channelId: string; state: ChannelState; at: string }
  | { type: 'channel.varset'; channelId: string; variable: string; value: string; at: string }
  | { type: 'dtmf'; channelId: string; digit: string; durationMs: number; at: string }
  | { type: 'playback.started'; playbackId: string; targetUri: string; at: string }
  | { type: 'playback.finished'; playbackId: string; targetUri: string; state: 'done' | 'stopped' | 'failed'; at: string }
  | { type: 'recording.started'; name: string; targetUri: string; at: string }
  | { type: 'recording.finished'; name: string; targetUri: string; durationSec?: number; at: string }
  | { type: 'recording.failed'; name: string; targetUri: string; cause?: string; at: string }
  | { type: 'bridge.entered'; bridgeId: string; channelId: string; at: string }
  | { type: 'bridge.left'; bridgeId: string; channelId: string; at: string }
  | { type: 'bridge.destroyed'; bridgeId: string; at: string }
  | { type: 'dial'; peerId: string; callerId?: string; status: string; at: string }
  | { type: 'endpoint.state'; technology: string; resource: string; state: string; channelIds: string[]; at: string }
  | { type: 'device.state'; device: string; state: string; at: string }
  | { type: 'connection'; state: 'connected' | 'disconnected' | 'reconnecting'; attempt?: number; at: string };

export type TelephonyEventHandler = (event: TelephonyEvent) => void;

export interface Telephony {
  answer(channelId: string): Promise<void>;
  ring(channelId: string): Promise<void>;
  /** Starts a playback of one or more media URIs (sound:, recording:, tone:, digits:, number:). */
  play(channelId: string, media: string[], opts?: { playbackId?: string; language?: string }): Promise<{ playbackId: string }>;
  stopPlayback(playbackId: string): Promise<void>;
  startMoh(channelId: string, mohClass?: string): Promise<void>;
  stopMoh(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: HangupReason): Promise<void>;
  continueInDialplan(channelId: string, target?: { context?: string; extension?: string; priority?: number; label?: string }): Promise<void>;
  setVariable(channelId: string, name: string, value: string): Promise<void>;
  getVariable(channelId: string, name: string): Promise<string | undefined>;
  sendDtmf(channelId: string, dtmf: string, opts?: { betweenMs?: number }): Promise<void>;
  record(channelId: string, req: RecordRequest): Promise<{ name: string }>;
  /** Records everything said in a bridge (both sides of a conversation). */
  recordBridge(bridgeId: string, req: RecordRequest): Promise<{ name: string }>;
  stopRecording(name: string): Promise<void>;
  /** The audio of a finished (stored) recording; undefined when the PBX has no such recording. */
  storedRecordingFile?(name: string): Promise<{ data: Buffer; contentType: string } | undefined>;
  originate(req: OriginateRequest): Promise<{ channelId: string }>;
  createBridge(opts?: { type?: 'mixing' | 'holding'; bridgeId?: string; name?: string }): Promise<{ bridgeId: string }>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  startBridgeMoh(bridgeId: string, mohClass?: string): Promise<void>;
  /** Channels currently in our Stasis app (used to resynchronise after a reconnect). */
  listChannels(): Promise<ChannelInfo[]>;
  listBridges(): Promise<BridgeInfo[]>;
  /** Endpoint state, e.g. for agents (`online`, `offline`, `unknown`). */
  endpointState(technology: string, resource: string): Promise<string | undefined>;
  /** A device's state (`NOT_INUSE`, `INUSE`, `RINGING`, `UNAVAILABLE`…), e.g. `PJSIP/1001`; undefined when the PBX cannot say. */
  deviceState(device: string): Promise<string | undefined>;
  /** A playback's state (`queued`, `playing`…), or undefined when the PBX has no such playback (it ended). */
  playbackState(playbackId: string): Promise<string | undefined>;
  /** A live recording's state (`recording`, `paused`…), or undefined when it is no longer live (it ended). */
  liveRecordingState(name: string): Promise<string | undefined>;
  /**
   * Adds event sources to the app (`deviceState:PJSIP/1001`…); kept across reconnects (an
   * Asterisk restart forgets them, so the adapter applies them again on every connection).
   */
  subscribe(eventSources: string[]): Promise<void>;
  /** Subscribes to all events; returns the unsubscribe function. */
  onEvent(handler: TelephonyEventHandler): () => void;
}
