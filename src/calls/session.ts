// One session per channel in Stasis: runs the flow's XState actor, feeds it CallEvents
// translated from this channel's TelephonyEvents, and reports the call's facts exactly
// once when the call ends (StasisEnd, ChannelDestroyed, vanished at resync, shutdown).
// A crashing actor is contained here: logged, channel handed back to the dialplan,
// record still written.
import { createActor, type Actor, type AnyStateMachine } from 'xstate';
import type { Logger } from '../logger.ts';
import type { HangupSide, IvrStep } from '../domain/call-record.ts';
import { ChannelGoneError, errorCode } from '../errors.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';
import type { CallEvent, CallInput, CallOutput, CompiledFlow } from './contract.ts';
import type { CallFacts } from './records.ts';

export interface CallSessionDeps {
  flow: Pick<CompiledFlow, 'id' | 'version'>;
  /** The flow's machine with the call actors already provided. */
  machine: AnyStateMachine;
  input: CallInput;
  telephony: Telephony;
  logger: Logger;
  clock: () => Date;
  linkedId?: string;
  /** Set when the channel entered Stasis already answered (state Up). */
  answeredAt?: string;
  /** Called exactly once with the call's facts. */
  onEnd(facts: CallFacts, session: CallSession): void;
  /** Called when the call moves to another flow node (the wallboard's "current node"). */
  onNode?(node: string, at: string): void;
}

export interface CallSessionInfo {
  callId: string;
  channelId: string;
  flowId: string;
  from: string;
  to: string;
  startedAt: string;
  answeredAt?: string;
  /** The flow node the call is in now (the machine's top-level state). */
  node?: string;
  direction: 'inbound' | 'outbound';
  campaignId?: string;
  status: 'running' | 'done' | 'error' | 'handing-back';
}

export interface CallSession {
  readonly channelId: string;
  readonly callId: string;
  handle(ev: TelephonyEvent): void;
  /** Ends the call from outside (vanished at resync, shutdown deadline). */
  end(reason: 'vanished' | 'shutdown', at: string): void;
  /** Hands the channel back to the dialplan (shutdown), then ends when StasisEnd comes. */
  handBack(): Promise<void>;
  info(): CallSessionInfo;
  /** The IVR steps walked so far (as the record will keep them: no sensitive digits). */
  steps(): IvrStep[];
}

interface ActorOutputLike { path?: unknown; output?: unknown; language?: unknown; out?: unknown }

/** How long the end of a call waits for a voicemail's RecordingFinished (or a hand-off's response) to reach the flow. */
const RECORDING_GRACE_MS = 3000;
const SETTLING = new Set(['record', 'transfer', 'continueInDialplan']);

export function startCallSession(d: CallSessionDeps): CallSession {
  const { input, telephony, logger } = d;
  const channelId = input.channelId;
  let answeredAt: string | undefined;
  let hangupCause: number | undefined;
  let hangupCauseText: string | undefined;
  let hangupSide: HangupSide = 'unknown';
  let error: CallFacts['error'];
  let status: CallSessionInfo['status'] = 'running';
  let ended = false;
  /** finish() was called and waits for a recording to settle. */
  let ending = false;
  let hangupRequested = false;
  let actor: Actor<AnyStateMachine> | undefined;

  const session: CallSession = {
    channelId,
    callId: input.callId,
    handle,
    end(reason, at) {
      if (reason === 'vanished') hangupSide = hangupSide === 'unknown' ? 'system' : hangupSide;
      if (reason === 'shutdown') {
        hangupSide = 'system';
        // The flow did not finish: say so, so a campaign attempt is retried, not counted answered.
        error ??= { code: 'CALL_INTERRUPTED_BY_SHUTDOWN', message: 'the app shut down before the flow finished; the call went back to the dialplan' };
      }
      finish(at, reason === 'vanished' && status !== 'done');
    },
    async handBack() {
      if (ended) return;
      status = 'handing-back';
      try {
        await telephony.continueInDialplan(channelId);
      } catch (err) {
        if (!(err instanceof ChannelGoneError)) logger.warn({ err }, 'hand-back to dialplan failed');
      }
    },
    info: () => {
      const node = currentNode();
      return {
        callId: input.callId, channelId, flowId: d.flow.id, from: input.from, to: input.to, startedAt: input.startedAt, ...(answeredAt ? { answeredAt } : {}), ...(node ? { node } : {}),
        direction: input.direction, ...(input.campaign ? { campaignId: input.campaign.campaignId } : {}), status,
      };
    },
    steps: () => {
      const ctx = (actor?.getSnapshot() as { context?: ActorOutputLike } | undefined)?.context;
      return Array.isArray(ctx?.path) ? [...(ctx.path as IvrStep[])] : [];
    },
  };

  function currentNode(): string | undefined {
    const v: unknown = actor?.getSnapshot().value;
    if (typeof v === 'string') return v;
    return v && typeof v === 'object' ? Object.keys(v)[0] : undefined;
  }

  function send(ev: CallEvent) {
    if (actor && status === 'running') actor.send(ev);
  }

  function handle(ev: TelephonyEvent) {
    if (ended) return;
    switch (ev.type) {
      case 'dtmf':
        send({ type: 'call.dtmf', digit: ev.digit });
        return;
      case 'channel.state':
        if (ev.state === 'Up' && !answeredAt) answeredAt = ev.at;
        send({ type: 'call.telephony', event: ev });
        return;
      case 'channel.hangupRequested': {
        hangupRequested = true;
        // A soft hangup's `cause` is Asterisk's flag set (32 explicit, 4 shutdown), not Q.850:
        // the app's own hangup carries the cause it asked for; anything else soft is the PBX
        // (core stop, another ARI/AMI client).
        if (ev.byApp) hangupCause ??= ev.byApp.cause;
        else if (ev.cause && !ev.soft) hangupCause = ev.cause; // 0 = unknown
        const side = ev.soft ? 'system' : input.direction === 'outbound' ? 'far-end' : 'caller';
        if (hangupSide === 'unknown') hangupSide = ev.byApp ? 'app' : side;
        send({ type: 'call.hangup', ...(ev.cause !== undefined && !ev.soft ? { cause: ev.cause } : {}), side });
        return;
      }
      case 'channel.destroyed':
        hangupCause = ev.cause;
        hangupCauseText = ev.causeText;
        finish(ev.at, false);
        return;
      case 'call.ended':
        finish(ev.at, false);
        return;
      default:
        send({ type: 'call.telephony', event: ev });
    }
  }

  function snapshotOutput(): Partial<CallOutput> | undefined {
    if (!actor) return undefined;
    const snap = actor.getSnapshot() as { status: string; output?: unknown; context?: ActorOutputLike };
    if (snap.status === 'done' && snap.output && typeof snap.output === 'object') return snap.output as Partial<CallOutput>;
    // Not finished (caller hung up mid-menu, crash): keep the path walked so far, the language
    // the caller chose and what the flow had noted (queue, agent…).
    const ctx = snap.context;
    if (ctx && Array.isArray(ctx.path)) {
      const out: Partial<CallOutput> = ctx.out && typeof ctx.out === 'object' ? { ...(ctx.out as Partial<CallOutput>) } : {};
      out.path = ctx.path as CallOutput['path'];
      if (typeof ctx.language === 'string' && ctx.language) out.language = ctx.language;
      return out;
    }
    return undefined;
  }

  /**
   * An actor whose result the record needs and that the end of the call overtakes: a voicemail
   * (`record`: RecordingFinished then StasisEnd in one burst) or a hand-off to the dialplan
   * (`transfer`: StasisEnd arrives before the 204 of /continue).
   */
  function recordingInFlight(): boolean {
    const snap = actor?.getSnapshot() as { status: string; children?: Record<string, { src?: unknown; getSnapshot(): { status: string } }> } | undefined;
    if (!snap || snap.status !== 'active') return false;
    return Object.values(snap.children ?? {}).some((c) => SETTLING.has(c.src as string) && c.getSnapshot().status === 'active');
  }

  function finish(at: string, vanished: boolean) {
    if (ended || ending) return;
    // Asterisk sends RecordingFinished just before StasisEnd when a caller hangs up to end a
    // message; the record actor settles a few microtasks later. Wait for it (bounded), or the
    // record says "answered, no voicemail" although the file exists.
    if (!vanished && recordingInFlight()) {
      ending = true;
      const done = () => { clearTimeout(t); sub.unsubscribe(); ending = false; finishNow(at, vanished); };
      const t = setTimeout(done, RECORDING_GRACE_MS);
      t.unref?.();
      const sub = actor!.subscribe({ next: () => { if (!recordingInFlight()) queueMicrotask(done); }, error: () => queueMicrotask(done) });
      if (!recordingInFlight()) queueMicrotask(done);
      return;
    }
    finishNow(at, vanished);
  }

  function finishNow(at: string, vanished: boolean) {
    if (ended) return;
    ended = true;
    const output = snapshotOutput();
    if (status === 'running') status = 'done';
    try { actor?.stop(); } catch (err) { logger.warn({ err }, 'stopping call actor failed'); }
    if (hangupCause === undefined && hangupSide === 'caller') hangupCause = 16; // SIP BYE carries no cause
    const facts: CallFacts = {
      input, flow: d.flow, endedAt: at, hangupSide,
      ...(d.linkedId ? { linkedId: d.linkedId } : {}),
      ...(answeredAt ? { answeredAt } : {}),
      ...(hangupCause !== undefined ? { hangupCause } : {}),
      ...(hangupCauseText ? { hangupCauseText } : {}),
      ...(output ? { output } : {}),
      ...(error ? { error } : {}),
      ...(vanished ? { vanished } : {}),
    };
    d.onEnd(facts, session);
  }

  function onActorDone() {
    if (ended || status !== 'running') return;
    status = 'done';
    const out = snapshotOutput();
    if (out?.handedBack) return; // the flow already continued in the dialplan
    if (hangupRequested) return; // the channel is going away anyway
    // A flow that finished without hanging up must not strand the caller in Stasis.
    telephony.continueInDialplan(channelId).catch((err: unknown) => {
      if (!(err instanceof ChannelGoneError)) logger.warn({ err }, 'hand-back after flow end failed');
    });
  }

  function onActorError(err: unknown) {
    if (ended || status === 'error') return;
    status = 'error';
    error = { code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
    logger.error({ err }, 'call actor failed; handing the channel back to the dialplan');
    telephony.continueInDialplan(channelId).then(
      () => {},
      (e1: unknown) => {
        if (e1 instanceof ChannelGoneError) return finish(d.clock().toISOString(), false);
        logger.warn({ err: e1 }, 'hand-back failed; hanging up');
        telephony.hangup(channelId).then(
          () => {},
          () => finish(d.clock().toISOString(), false),
        );
      },
    );
  }

  answeredAt = d.answeredAt;
  let lastNode: string | undefined;
  try {
    actor = createActor(d.machine, { input });
    actor.subscribe({
      next: (snap: { status: string }) => {
        if (snap.status === 'done') return onActorDone();
        const node = currentNode();
        if (node && node !== lastNode) { lastNode = node; d.onNode?.(node, d.clock().toISOString()); }
      },
      error: onActorError,
    });
    actor.start();
  } catch (err) {
    onActorError(err);
  }
  return session;
}
